"""The access rules as pure functions: each rule allows and refuses."""

from __future__ import annotations

import pytest

from services.dmp.access import (
    Lien,
    Mode,
    Professionnel,
    Reglages,
    Visibilite,
    consultation,
    parse_mode,
    refus_patient,
    refus_professionnel,
)
from services.dmp.errors import AccesRefuse, DmpFerme, DmpInexistant, ModeAccesInvalide
from services.dmp.lifecycle import Statut
from services.dmp.matrice import DEFAULT

MEDECIN = Professionnel("899700000001", "10", "SM26", in_person=True, regulation=False)
INFIRMIER = Professionnel("899700000002", "60", None, in_person=True, regulation=False)
REGULATEUR = Professionnel("899700000003", "10", "SM59", in_person=True, regulation=True)
CPE = Professionnel("3750712184/1", None, None, in_person=False, regulation=False)


def grant(
    pro: Professionnel = MEDECIN,
    *,
    statut: Statut = Statut.ACTIVATED,
    lien: Lien | None = None,
    reglages: Reglages | None = None,
    mode: Mode = Mode.NORMAL,
    justification: str | None = None,
):
    return consultation(statut, pro, lien or Lien(), reglages or Reglages(), mode, justification, DEFAULT)


def rule_of(fn) -> str | None:
    try:
        fn()
    except (AccesRefuse, DmpFerme, DmpInexistant) as exc:
        return exc.rule
    return None


def doc(
    type_code: str = "11488-4",
    *,
    masque: bool = False,
    auteur: str | None = "other",
    ip: bool = False,
    irl: bool = False,
) -> Visibilite:
    return Visibilite(type_code, auteur, masque, ip, irl)


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, Mode.NORMAL),
        ("", Mode.NORMAL),
        ("normal", Mode.NORMAL),
        ("Bris-De-Glace", Mode.BRIS_DE_GLACE),
        ("centre-15", Mode.CENTRE_15),
    ],
)
def test_access_mode_header(value: str | None, mode: Mode) -> None:
    assert parse_mode(value) is mode


def test_unknown_access_mode_is_refused() -> None:
    with pytest.raises(ModeAccesInvalide) as caught:
        parse_mode("urgence")
    assert caught.value.rule == "access-mode"


@pytest.mark.parametrize(
    ("statut", "rule"),
    [
        (Statut.OPEN, None),
        (Statut.ACTIVATED, None),
        (Statut.CLOSED, "status-closed"),
        (Statut.DELETED, "status-deleted"),
        (Statut.OPPOSED, "status-opposed"),
        (Statut.INVITED, "status-invited"),
    ],
)
def test_the_dmp_must_exist(statut: Statut, rule: str | None) -> None:
    assert rule_of(lambda: grant(statut=statut)) == rule


def test_blocked_is_refused_in_every_mode() -> None:
    for pro, mode, justification in (
        (MEDECIN, Mode.NORMAL, None),
        (MEDECIN, Mode.BRIS_DE_GLACE, "coma"),
        (REGULATEUR, Mode.CENTRE_15, None),
    ):
        for bloque, expected in ((True, "blocked"), (False, None)):
            lien = Lien(bloque=bloque)
            assert (
                rule_of(
                    lambda p=pro, m=mode, j=justification, li=lien: grant(p, lien=li, mode=m, justification=j)
                )
                == expected
            )


def test_a_cpe_card_never_consults() -> None:
    assert rule_of(lambda: grant(CPE)) == "card-cpe"


def test_bris_de_glace_needs_a_justification_and_the_patients_leave() -> None:
    assert rule_of(lambda: grant(mode=Mode.BRIS_DE_GLACE, justification="  ")) == "btg-justification"
    assert rule_of(lambda: grant(mode=Mode.BRIS_DE_GLACE, justification="inconscient")) is None
    forbidden = Reglages(bris_de_glace=False)
    assert (
        rule_of(lambda: grant(mode=Mode.BRIS_DE_GLACE, justification="x", reglages=forbidden))
        == "btg-forbidden"
    )


def test_centre_15_needs_a_regulator_and_the_patients_leave() -> None:
    assert rule_of(lambda: grant(MEDECIN, mode=Mode.CENTRE_15)) == "centre15-regulation"
    assert rule_of(lambda: grant(REGULATEUR, mode=Mode.CENTRE_15)) is None
    forbidden = Reglages(centre_15=False)
    assert rule_of(lambda: grant(REGULATEUR, mode=Mode.CENTRE_15, reglages=forbidden)) == "centre15-forbidden"


def test_the_matrix_applies_to_each_document() -> None:
    nurse = grant(INFIRMIER)
    assert refus_professionnel(nurse, doc("57832-8")) is None
    assert refus_professionnel(nurse, doc("18748-4")) == "matrix"
    assert refus_professionnel(grant(), doc("ATTEST-RESID")) == "matrix"
    emergency = grant(INFIRMIER, mode=Mode.BRIS_DE_GLACE, justification="x")
    assert refus_professionnel(emergency, doc("18748-4")) == "matrix"


def test_masked_documents() -> None:
    masked = doc(masque=True)
    assert refus_professionnel(grant(), masked) == "masked"
    assert refus_professionnel(grant(lien=Lien(medecin_traitant=True)), masked) is None
    assert refus_professionnel(grant(), doc(masque=True, auteur=MEDECIN.idnat)) is None
    btg = grant(mode=Mode.BRIS_DE_GLACE, justification="x")
    assert refus_professionnel(btg, masked) == "masked"
    allowed = Reglages(masques_en_urgence=True)
    assert (
        refus_professionnel(grant(mode=Mode.BRIS_DE_GLACE, justification="x", reglages=allowed), masked)
        is None
    )
    assert refus_professionnel(grant(REGULATEUR, mode=Mode.CENTRE_15, reglages=allowed), masked) is None
    assert refus_professionnel(grant(REGULATEUR, mode=Mode.CENTRE_15), masked) == "masked"


def test_invisible_patient_does_not_hide_from_professionals() -> None:
    assert refus_professionnel(grant(), doc(ip=True, irl=True)) is None


def test_patient_and_representatives_visibility() -> None:
    assert refus_patient(doc(), representant=False) is None
    assert refus_patient(doc(masque=True), representant=True) is None
    assert refus_patient(doc(ip=True), representant=False) == "invisible-patient"
    assert refus_patient(doc(ip=True), representant=True) == "invisible-patient"
    assert refus_patient(doc(irl=True), representant=False) is None
    assert refus_patient(doc(irl=True), representant=True) == "invisible-representants"
