"""Who may see what in a DMP: the access modes and every rule that refuses, as pure functions.

Sources (fr-ehealth-facts §2 and seeds 000, 002, 004):

* consultation within the équipe de soins: consent presumed (CSP L1110-4, R1111-46), recorded at the
  first access; a professional the patient **blocked** is refused in every mode, with or without an
  authorisation (rule ``blocked``);
* the habilitation matrix limits every professional, in every mode, to the types of their profession
  (``matrice.py``; rule ``matrix``);
* a document masked by the patient (``MASQUE_PS``) is hidden from professionals except the patient's
  **médecin traitant DMP** (DMP integration guide EX_3.1-1030: masked documents are a « fonctionnalité
  réservée au médecin traitant ») and, a sandbox choice, its own author (the guide is silent;
  service-public.fr names exceptions: « masqué à certains professionnels de santé, à l'exception de
  cel[ui]... », the rest unread); in an emergency mode only
  when the patient allowed masked documents in an emergency (rule ``masked``);
* **bris de glace**: any professional in person, with a justification (rule ``btg-justification``),
  refused when the patient forbade it (rule ``btg-forbidden``);
* **centre 15**: a regulator of a SAMU (the token's regulation flag, rule ``centre15-regulation``), no
  motive, authorisation not checked, refused when the patient forbade it (rule ``centre15-forbidden``);
* a CPE card identifies an establishment's staff, not a health professional: it may feed a DMP for its
  structure, never consult one (rule ``card-cpe``);
* a document flagged ``INVISIBLE_PATIENT`` is hidden from the patient and the legal representatives;
  ``INVISIBLE_REPRESENTANTS_LEGAUX`` from the representatives only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from services.dmp.errors import AccesRefuse, DmpFerme, DmpInexistant, ModeAccesInvalide
from services.dmp.lifecycle import EXISTS, Statut
from services.dmp.matrice import Matrice


class Mode(StrEnum):
    NORMAL = "normal"
    BRIS_DE_GLACE = "bris-de-glace"
    CENTRE_15 = "centre-15"


EMERGENCY: Final = frozenset({Mode.BRIS_DE_GLACE, Mode.CENTRE_15})
JUSTIFICATION_MAX: Final = 500


def parse_mode(value: str | None) -> Mode:
    """The ``X-Access-Mode`` header (default ``normal``)."""
    if value is None or value == "":
        return Mode.NORMAL
    try:
        return Mode(value.strip().lower())
    except ValueError:
        raise ModeAccesInvalide(
            f"X-Access-Mode {value[:40]!r} is not one of normal, bris-de-glace, centre-15", rule="access-mode"
        ) from None


@dataclass(frozen=True, slots=True)
class Professionnel:
    """The professional calling, as the token says."""

    idnat: str
    profession: str | None
    savoir_faire: str | None
    in_person: bool
    regulation: bool


@dataclass(frozen=True, slots=True)
class Reglages:
    """The patient's emergency settings (Mon espace santé: ETREAT, BTG, MASKED)."""

    centre_15: bool = True
    bris_de_glace: bool = True
    masques_en_urgence: bool = False


@dataclass(frozen=True, slots=True)
class Lien:
    """What the profile records about the calling professional."""

    bloque: bool = False
    autorise: bool = False
    medecin_traitant: bool = False


@dataclass(frozen=True, slots=True)
class Acces:
    """An access granted to a professional, and what it lets them see."""

    mode: Mode
    idnat: str
    types: frozenset[str]
    masques_visibles: bool
    medecin_traitant: bool


@dataclass(frozen=True, slots=True)
class Visibilite:
    """What the rules read from a document."""

    type_code: str
    auteur_idnat: str | None
    masque_ps: bool
    invisible_patient: bool
    invisible_representants: bool


def require_existing(statut: Statut) -> None:
    """A DMP must exist (open or activated) for professionals to feed or consult it."""
    if statut in EXISTS:
        return
    if statut is Statut.CLOSED:
        raise DmpFerme("the patient's DMP is closed (its data are archived)", rule="status-closed")
    raise DmpInexistant(f"the patient has no DMP (status {statut.value})", rule=f"status-{statut.value}")


def check_mode(pro: Professionnel, mode: Mode, justification: str | None) -> None:
    """What the mode asks of the caller, before the profile is read."""
    if not pro.in_person:
        raise AccesRefuse("a CPE card may feed a DMP, not consult it", rule="card-cpe")
    if mode is Mode.BRIS_DE_GLACE and not (justification or "").strip():
        raise AccesRefuse(
            "bris de glace needs a justification (X-Access-Justification)", rule="btg-justification"
        )
    if mode is Mode.CENTRE_15 and not pro.regulation:
        raise AccesRefuse("centre-15 access is for the regulators of a SAMU", rule="centre15-regulation")


def consultation(
    statut: Statut,
    pro: Professionnel,
    lien: Lien,
    reglages: Reglages,
    mode: Mode,
    justification: str | None,
    matrice: Matrice,
) -> Acces:
    """Grant or refuse a professional's consultation of a DMP; each refusal names its rule."""
    check_mode(pro, mode, justification)
    require_existing(statut)
    if lien.bloque:
        raise AccesRefuse("the patient blocked this professional", rule="blocked")
    if mode is Mode.BRIS_DE_GLACE and not reglages.bris_de_glace:
        raise AccesRefuse("the patient forbade bris de glace", rule="btg-forbidden")
    if mode is Mode.CENTRE_15 and not reglages.centre_15:
        raise AccesRefuse("the patient forbade access by the centre 15", rule="centre15-forbidden")
    masques = lien.medecin_traitant or (mode in EMERGENCY and reglages.masques_en_urgence)
    return Acces(
        mode=mode,
        idnat=pro.idnat,
        types=matrice.autorises(pro.profession, pro.savoir_faire),
        masques_visibles=masques,
        medecin_traitant=lien.medecin_traitant,
    )


def refus_professionnel(acces: Acces, doc: Visibilite) -> str | None:
    """The rule that hides ``doc`` from the professional, or None when they may see it."""
    if doc.type_code not in acces.types:
        return "matrix"
    if doc.masque_ps and not acces.masques_visibles and doc.auteur_idnat != acces.idnat:
        return "masked"
    return None


def refus_patient(doc: Visibilite, *, representant: bool) -> str | None:
    """The rule that hides ``doc`` from the patient (or a legal representative), or None."""
    if doc.invisible_patient:
        return "invisible-patient"
    if representant and doc.invisible_representants:
        return "invisible-representants"
    return None
