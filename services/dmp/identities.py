"""Who the DMP deals with: the patient's INS and traits (checked before INSi is asked), the patient's
profile, the professional as the rules and the traces see them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import Connection

from services.dmp.access import Professionnel
from services.dmp.errors import (
    DmpInexistant,
    InsIncoherent,
    InsIncomplet,
    InsMalforme,
    InsManquant,
    PatientInconnu,
    ProfessionnelInconnu,
)
from services.dmp.records import Acteur, Profile
from services.dmp.repository import profiles as profile_rows
from shared.auth import ProfessionalActor
from shared.identifiers import IdNatError, NirError, parse_idnat, parse_nir


@lru_cache(maxsize=65_536)
def check_ins(value: str) -> str:
    """A matricule INS in a path: 15 characters of the décret 82-103 shape (the key is INSi's concern).
    Answers are kept (a refusal raises, so is not)."""
    matricule = value.strip().upper()
    try:
        parse_nir(matricule)
    except NirError as exc:
        if exc.reason != "key" or len(matricule) != 15:
            raise InsMalforme(f"{value[:20]!r} is not a matricule INS: {exc}", rule="ins-format") from None
    return matricule


def check_idnat(idnat: str) -> str:
    """A professional's IdNat (8 + RPPS, or the ADELI / structure forms)."""
    try:
        parse_idnat(idnat)
    except IdNatError as exc:
        raise ProfessionnelInconnu(
            f"{idnat[:40]!r} is not a professional's IdNat: {exc}", rule="idnat-format"
        ) from None
    return idnat


def professionnel_of(actor: ProfessionalActor) -> Professionnel:
    return Professionnel(
        idnat=actor.idnat,
        profession=actor.profession,
        savoir_faire=actor.savoir_faire,
        in_person=actor.acts_in_person,
        regulation=actor.regulation,
    )


def acteur_of(actor: ProfessionalActor) -> Acteur:
    return Acteur(
        kind="professional" if actor.acts_in_person else "structure",
        id=actor.idnat,
        nom=f"{actor.prenom} {actor.nom}".strip(),
        profession=actor.profession,
    )


# --- the patient's profile ----------


def no_profile(ins: str) -> DmpInexistant:
    return DmpInexistant(f"no Mon espace santé profile for the INS {ins}", rule="profile-unknown")


def require_profile(conn: Connection, ins: str) -> Profile:
    """The profile of ``ins`` (DmpInexistant when there is none)."""
    found = profile_rows.get_profile(conn, ins)
    if found is None:
        raise no_profile(ins)
    return found


def profile_oid(conn: Connection, ins: str) -> str:
    """The OID the patient's INS is published with."""
    return require_profile(conn, ins).oid


# --- the identity a deposit carries ----------


@dataclass(frozen=True, slots=True)
class Identite:
    """The patient identity a deposit carries (the CDA header's, or the FHIR contained Patient's)."""

    matricule: str | None
    oid: str | None
    nom_naissance: str | None
    prenoms: tuple[str, ...]
    sexe: str | None
    date_naissance: str | None
    lieu_naissance: str | None


def check_identite(path_ins: str, identite: Identite | None) -> Identite:
    """The INS checks the DMP makes before asking INSi (feed codes 903, 905, 904)."""
    if identite is None or not (identite.matricule or "").strip():
        raise InsManquant("the document carries no matricule INS of the patient", rule="ins-missing")
    missing = [
        name
        for name, value in (
            ("oid", identite.oid),
            ("nom_naissance", identite.nom_naissance),
            ("prenoms", " ".join(identite.prenoms)),
            ("sexe", identite.sexe),
            ("date_naissance", identite.date_naissance),
        )
        if not (value or "").strip()
    ]
    if missing:
        raise InsIncomplet(f"the INS comes without {', '.join(missing)}", rule="ins-incomplete")
    matricule = (identite.matricule or "").strip().upper()
    if matricule != path_ins:
        raise InsIncoherent(
            f"the document's matricule {matricule[:20]} is not the DMP's {path_ins}", rule="ins-mismatch"
        )
    return identite if identite.matricule == matricule else replace(identite, matricule=matricule)


@dataclass(frozen=True, slots=True)
class Verdict:
    """INSi's answer to the verification of an INS (see ``clients.py``)."""

    known: bool
    conforme: bool = False
    ins_actif: bool = True
    ecarts: tuple[str, ...] = ()


def check_verdict(verdict: Verdict, matricule: str) -> None:
    """902 when INSi does not know the matricule; 904 when a trait or the OID differs or the INS was
    replaced by another."""
    if not verdict.known:
        raise PatientInconnu(f"INSi knows no identity with the matricule {matricule}", rule="ins-unknown")
    if not verdict.ins_actif:
        raise InsIncoherent(
            f"the matricule {matricule} was replaced: qualify the INS again", rule="ins-mismatch"
        )
    if not verdict.conforme:
        differs = ", ".join(verdict.ecarts) or "the identity"
        raise InsIncoherent(f"the INS does not match INSi: {differs} differs", rule="ins-mismatch")
