"""The matching rules and the answer matrix, as pure functions over a small hand-made register."""

from __future__ import annotations

from datetime import date

import pytest

from services.insi import matching, rules, service
from services.insi.errors import IdamInconnu, NiveauAccesInsuffisant, RequeteIncomplete, ServiceIndisponible
from services.insi.records import HistoryEntry, Identity, TraitsQuery, VitaleQuery
from services.insi.register import Register
from services.insi.traits import normalise
from shared.identifiers import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST, nir_key

TODAY = date(2026, 1, 1)


def identity(
    id_: str,
    nom: str,
    prenoms: tuple[str, ...],
    sexe: str = "F",
    date_naissance: str = "1980-01-01",
    lieu: str = "75056",
    *,
    order: int = 1,
    od: str | None = None,
    rang: int = 1,
    comportement: str | None = None,
    oid: str = OID_INS_NIR,
    historique: tuple[HistoryEntry, ...] = (),
) -> Identity:
    digit = "2" if sexe == "F" else "1"
    month = date_naissance[5:7] if date_naissance[5:7] != "00" else "20"
    num = f"{digit}{date_naissance[2:4]}{month}{lieu}{order:03d}"
    cle = f"{nir_key(num):02d}"
    return Identity(
        id_,
        num,
        cle,
        "NIA" if oid == OID_INS_NIA else "NIR",
        oid,
        nom,
        prenoms,
        sexe,
        date_naissance,
        lieu,
        normalise(nom),
        normalise(prenoms[0]),
        normalise(" ".join(prenoms)),
        od if od is not None else num + cle,
        rang,
        comportement,
        historique,
    )


# Homonym groups of the three kinds the population has, plus one-of-a-kind identities.
A0 = identity("A0", "BARBIER", ("SYLVIE", "ISABELLE"), order=1)
B0 = identity("B0", "BARBIER", ("SYLVIE", "ELISE"), order=2)
A1 = identity("A1", "PIERRE", ("OCEANE", "GIULIA"), lieu="13205", order=3)
B1 = identity("B1", "PIERRE", ("OCEANE", "GIULIA"), lieu="51454", order=4)
A2 = identity("A2", "MOULIN", ("HELENE", "INES"), lieu="94028", order=5)
B2 = identity("B2", "MOULIN", ("HELENE", "INES"), lieu="56121", order=6)
C2 = identity("C2", "MOULIN", ("HELENE", "AMBRE"), lieu="94028", order=7)
HYPHEN = identity("H", "D'ALMEIDA", ("JEAN-PIERRE", "MARC"), "M", "1970-06-15", order=8)
HOUILLES = identity(
    "HO", "HOUILLES", ("PIERRE", "PAUL"), "M", "1993-01-27", comportement="always-01", order=9
)
PARENT = identity("P", "ROUSSEAU", ("CLAIRE",), "F", "1985-03-03", order=10)
TWIN_1 = identity("T1", "ROUSSEAU", ("AMBRE", "ESTELLE"), "F", "2021-02-25", order=11, od=PARENT.matricule)
TWIN_2 = identity("T2", "ROUSSEAU", ("ANDRE",), "M", "2021-02-25", order=12, od=PARENT.matricule, rang=2)
FORMER = HistoryEntry("2800175056999", f"{nir_key('2800175056999'):02d}", OID_INS_NIR, "2001-01-01", None)
REPLACED = identity("R", "LOISEAU", ("MARINA", "ANNE"), "F", "1980-01-21", order=13, historique=(FORMER,))
PARTIAL = identity("PD", "NGUYEN", ("LINH",), "F", "1960-00-00", "99243", order=14, oid=OID_INS_NIA)

REGISTER = Register([A0, B0, A1, B1, A2, B2, C2, HYPHEN, HOUILLES, PARENT, TWIN_1, TWIN_2, REPLACED, PARTIAL])


def traits(
    nom: str,
    prenoms: tuple[str, ...],
    sexe: str = "F",
    date_naissance: str = "1980-01-01",
    lieu: str | None = None,
) -> TraitsQuery:
    query, _ = service.prepare_traits(nom, prenoms, sexe, date_naissance, lieu, today=TODAY, slow_seconds=0)
    return query


def found(query: TraitsQuery) -> list[str]:
    return [i.id for i in matching.match_traits(REGISTER, query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # kind 0: same place, the other prénoms differ
        (traits("BARBIER", ("SYLVIE",)), ["A0", "B0"]),
        (traits("BARBIER", ("SYLVIE", "ISABELLE")), ["A0"]),
        (traits("BARBIER", ("SYLVIE", "ELISE")), ["B0"]),
        (traits("BARBIER", ("SYLVIE",), lieu="75056"), ["A0", "B0"]),
        # kind 1: identical prénoms, only the place separates them
        (traits("PIERRE", ("OCEANE",)), ["A1", "B1"]),
        (traits("PIERRE", ("OCEANE", "GIULIA")), ["A1", "B1"]),
        (traits("PIERRE", ("OCEANE", "GIULIA"), lieu="13205"), ["A1"]),
        (traits("PIERRE", ("OCEANE",), lieu="51454"), ["B1"]),
        # kind 2: the prénoms separate C, then the place separates A from B
        (traits("MOULIN", ("HELENE",)), ["A2", "B2", "C2"]),
        (traits("MOULIN", ("HELENE", "AMBRE")), ["C2"]),
        (traits("MOULIN", ("HELENE", "INES")), ["A2", "B2"]),
        (traits("MOULIN", ("HELENE", "INES"), lieu="94028"), ["A2"]),
        (traits("MOULIN", ("HELENE",), lieu="94028"), ["A2", "C2"]),
    ],
)
def test_first_prenom_then_every_prenom_then_the_place_separate_homonyms(
    query: TraitsQuery, expected: list[str]
) -> None:
    assert found(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        traits("d’almeida", ("Jean Pierre",), "M", "1970-06-15"),
        traits("D ALMEIDA", ("jean-pierre", "marc"), "M", "1970-06-15"),
        traits("D-Almeida", ("JEAN PIERRE MARC",), "M", "1970-06-15"),
    ],
)
def test_spelling_variants_find_the_identity(query: TraitsQuery) -> None:
    assert found(query) == ["H"]


@pytest.mark.parametrize(
    "query",
    [
        traits("DALMEIDA", ("JEAN-PIERRE",), "M", "1970-06-15"),
        traits("D'ALMEIDA", ("JEAN",), "M", "1970-06-15"),
        traits("D'ALMEIDA", ("MARC",), "M", "1970-06-15"),
        traits("D'ALMEIDA", ("JEAN-PIERRE",), "F", "1970-06-15"),
        traits("D'ALMEIDA", ("JEAN-PIERRE",), "M", "1970-06-16"),
        traits("D'ALMEIDA", ("JEAN-PIERRE",), "M", "1970-06-15", lieu="75057"),
        traits("BARBIER", ("SYLVIE", "ISABELLE", "ELISE")),
    ],
)
def test_any_other_trait_finds_nobody(query: TraitsQuery) -> None:
    assert found(query) == []


def test_a_partial_birth_date_matches_only_as_registered() -> None:
    assert found(traits("NGUYEN", ("LINH",), "F", "1960-00-00")) == ["PD"]
    assert found(traits("NGUYEN", ("LINH",), "F", "1960-01-00")) == []


def test_an_identity_never_found_is_left_out_even_on_exact_traits() -> None:
    assert found(traits("HOUILLES", ("PIERRE",), "M", "1993-01-27")) == []
    assert found(traits("HOUILLES", ("PIERRE", "PAUL"), "M", "1993-01-27")) == []


@pytest.mark.parametrize(
    ("count", "code", "libelle"),
    [
        (1, "00", "OK"),
        (0, "01", "Aucune identite trouvee"),
        (2, "02", "Plusieurs identites trouvees"),
        (3, "02", "Plusieurs identites trouvees"),
    ],
)
def test_cr_codes(count: int, code: str, libelle: str) -> None:
    assert rules.code_cr(count) == code
    assert rules.LIBELLES_CR[code] == libelle


def test_answer_carries_the_identity_only_for_00() -> None:
    one = service.answer_traits(REGISTER, traits("BARBIER", ("SYLVIE", "ISABELLE")))
    several = service.answer_traits(REGISTER, traits("BARBIER", ("SYLVIE",)))
    none = service.answer_traits(REGISTER, traits("BARBIER", ("ANNE",)))
    assert (one.code_cr, one.individu) == ("00", A0)
    assert (several.code_cr, several.individu) == ("02", None)
    assert (none.code_cr, none.individu) == ("01", None)


def vitale(
    *,
    individu: str | None = None,
    od: str | None = None,
    nom: str | None = None,
    date_naissance: str = "2021-02-25",
    rang: int | None = None,
) -> list[str]:
    query, _ = service.prepare_vitale(
        REGISTER,
        individu=None if individu is None else (individu[:13], individu[13:]),
        ouvrant_droit=None if od is None else (od[:13], od[13:]),
        nom_naissance=nom,
        date_naissance=date_naissance,
        rang_naissance=rang,
        today=TODAY,
        slow_seconds=0,
    )
    assert isinstance(query, VitaleQuery)
    return [i.id for i in matching.match_vitale(REGISTER, query)]


def test_carte_vitale_ouvrant_droit_and_rang_separate_twins() -> None:
    assert vitale(od=PARENT.matricule, nom="ROUSSEAU") == ["T1", "T2"]
    assert vitale(od=PARENT.matricule, nom="ROUSSEAU", rang=1) == ["T1"]
    assert vitale(od=PARENT.matricule, nom="Rousseau", rang=2) == ["T2"]
    assert vitale(od=PARENT.matricule, date_naissance="1985-03-03") == ["P"]


def test_carte_vitale_refuses_what_does_not_match() -> None:
    assert vitale(od=PARENT.matricule, nom="ROUSSEAU", rang=3) == []
    assert vitale(od=PARENT.matricule, nom="DUPONT") == []
    assert vitale(od=PARENT.matricule, date_naissance="2021-02-26") == []
    assert vitale(od=A0.matricule, date_naissance="2021-02-25") == []


def test_carte_vitale_with_the_beneficiarys_own_matricule() -> None:
    assert vitale(individu=TWIN_2.matricule, od=PARENT.matricule) == ["T2"]
    assert vitale(individu=FORMER.matricule, date_naissance="1980-01-21") == ["R"]
    assert vitale(individu=TWIN_2.matricule, date_naissance="2021-02-26") == []


def test_carte_vitale_needs_a_matricule() -> None:
    with pytest.raises(RequeteIncomplete):
        vitale(nom="ROUSSEAU")


def verification(
    matricule: str, nom: str, prenoms: tuple[str, ...], sexe: str, date_naissance: str, **extra: str
):
    query, _ = service.prepare_verification(
        REGISTER,
        matricule=matricule,
        oid=extra.get("oid"),
        nom_naissance=nom,
        prenoms=prenoms,
        sexe=sexe,
        date_naissance=date_naissance,
        lieu_naissance=extra.get("lieu"),
        today=TODAY,
        slow_seconds=0,
    )
    return service.answer_verification(REGISTER, query, "qualification")


def test_verification_of_matching_traits_is_conforme() -> None:
    result = verification(HYPHEN.matricule, "D'ALMEIDA", ("Jean-Pierre",), "M", "1970-06-15", lieu="75056")
    assert result.code_cr == "00"
    assert result.verification is not None
    assert (result.verification.conforme, result.verification.ins_actif, result.verification.ecarts) == (
        True,
        True,
        (),
    )


def test_verification_names_every_differing_trait() -> None:
    result = verification(
        HYPHEN.matricule, "DALMEIDA", ("JEAN",), "F", "1970-06-16", lieu="75057", oid=OID_INS_NIR_TEST
    )
    assert result.verification is not None
    assert not result.verification.conforme
    assert [(e.trait, e.envoye, e.insi) for e in result.verification.ecarts] == [
        ("oid", OID_INS_NIR_TEST, OID_INS_NIR),
        ("nom_naissance", "DALMEIDA", "D'ALMEIDA"),
        ("prenoms", "JEAN", "JEAN-PIERRE MARC"),
        ("sexe", "F", "M"),
        ("date_naissance", "1970-06-16", "1970-06-15"),
        ("lieu_naissance", "75057", "75056"),
    ]


def test_verification_of_a_replaced_matricule_points_to_the_active_one() -> None:
    result = verification(FORMER.matricule, "LOISEAU", ("MARINA",), "F", "1980-01-21")
    assert result.code_cr == "00"
    assert result.individu == REPLACED
    assert result.verification is not None
    assert result.verification.ins_actif is False
    assert [(e.trait, e.insi) for e in result.verification.ecarts] == [("matricule", REPLACED.matricule)]


def test_verification_of_an_unknown_or_never_found_matricule_is_01() -> None:
    unknown = "2800175056998"
    assert verification(unknown + f"{nir_key(unknown):02d}", "X", ("Y",), "F", "1980-01-01").code_cr == "01"
    assert verification(HOUILLES.matricule, "HOUILLES", ("PIERRE",), "M", "1993-01-27").code_cr == "01"


@pytest.mark.parametrize(
    ("mode", "registered", "answered"),
    [
        ("qualification", OID_INS_NIR, OID_INS_NIR),
        ("qualification", OID_INS_NIA, OID_INS_NIA),
        ("qualification", OID_INS_NIR_TEST, OID_INS_NIR_TEST),
        ("test", OID_INS_NIR, OID_INS_NIR_TEST),
        ("test", OID_INS_NIA, OID_INS_NIA),
        ("demo", OID_INS_NIR, OID_INS_NIR_DEMO),
        ("demo", OID_INS_NIA, OID_INS_NIA),
        ("demo", OID_INS_NIR_TEST, OID_INS_NIR_DEMO),
    ],
)
def test_oids_by_mode(mode: rules.OidMode, registered: str, answered: str) -> None:
    assert rules.oid_publie(registered, mode) == answered


@pytest.mark.parametrize(
    ("nom", "expected"),
    [
        ("FAUTE-550", rules.Demande(faute="desir_550")),
        ("faute 560", rules.Demande(faute="desir_560")),
        ("Faute-Technique", rules.Demande(faute="insi-indisponible")),
        ("LENT", rules.Demande(delai=3.0)),
        ("LENT-7", rules.Demande(delai=7.0)),
        ("LENT-999", rules.Demande(delai=float(rules.MAX_LENT))),
        ("LENTZ", rules.NORMALE),
        ("FAUTE-551", rules.NORMALE),
        ("ADRUN", rules.NORMALE),
    ],
)
def test_magic_noms(nom: str, expected: rules.Demande) -> None:
    assert rules.demande(normalise(nom), 3.0) == expected


@pytest.mark.parametrize(
    ("demande", "error"),
    [
        (rules.Demande(faute="desir_550"), IdamInconnu),
        (rules.Demande(faute="desir_560"), NiveauAccesInsuffisant),
        (rules.Demande(faute="insi-indisponible"), ServiceIndisponible),
    ],
)
def test_faults_on_demand_raise_their_error(demande: rules.Demande, error: type[Exception]) -> None:
    with pytest.raises(error):
        service.honour(demande)


def test_slow_answers_and_ordinary_noms_raise_nothing() -> None:
    assert service.honour(rules.Demande(delai=2.5)) == 2.5
    assert service.honour(rules.NORMALE) == 0


def test_register_indexes() -> None:
    assert REGISTER.size == 14
    assert REGISTER.by_matricule(A0.num) == A0
    assert REGISTER.by_matricule(FORMER.num) is None
    assert REGISTER.by_former_matricule(FORMER.num) == REPLACED
    assert list(REGISTER.by_ouvrant_droit(PARENT.num)) == [PARENT, TWIN_1, TWIN_2]
    assert REGISTER.is_published(FORMER.matricule)
    assert not REGISTER.is_published(FORMER.num + "00")
