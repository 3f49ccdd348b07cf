"""The values the DMP works with: profiles, documents, traces, notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from services.dmp.access import Reglages, Visibilite
from services.dmp.lifecycle import Dates


@dataclass(frozen=True, slots=True)
class Profile:
    ins: str
    oid: str
    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    lieu_naissance: str
    email: str
    activation_code: str
    dates: Dates
    closure_motif: str | None
    data_since: int | None
    medecin_traitant: str | None
    reglages: Reglages


@dataclass(frozen=True, slots=True)
class LienRecord:
    """A professional as a profile records them (authorised or blocked, first access)."""

    idnat: str
    statut: str
    source: str
    nom: str
    profession: str | None
    first_access_at: int | None
    updated_at: int


class Document(NamedTuple):
    """A document's metadata (flags may come back as 0 / 1 from SQLite: read them as truth values)."""

    id: str
    ins: str
    set_id: str
    version: int
    replaces: str | None
    status: str
    archived: bool
    type_code: str
    titre: str
    date_acte: int
    deposited_at: int
    auteur_kind: str
    auteur_id: str
    auteur_nom: str
    auteur_profession: str | None
    structure_id: str | None
    structure_nom: str | None
    depose_par: str
    format: str
    taille: int
    hash: str
    masque_ps: bool
    invisible_patient: bool
    invisible_representants: bool
    unique_id: str | None
    facility_type: str
    practice_setting: str
    format_code: str
    event_codes: str
    reference_ids: str
    structure_idnat: str | None
    sha1: str | None

    @property
    def visibilite(self) -> Visibilite:
        return Visibilite(
            type_code=self.type_code,
            auteur_idnat=self.auteur_id if self.auteur_kind in ("professional", "structure") else None,
            masque_ps=self.masque_ps,
            invisible_patient=self.invisible_patient,
            invisible_representants=self.invisible_representants,
        )


@dataclass(frozen=True, slots=True)
class Acteur:
    """Who does something, as traces and notifications name them."""

    kind: str
    """professional, structure, patient or representant"""
    id: str
    nom: str
    profession: str | None = None


@dataclass(frozen=True, slots=True)
class Trace:
    at: int
    action: str
    acteur: Acteur
    mode: str | None = None
    justification: str | None = None
    document_id: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    at: int
    kind: str
    acteur_id: str
    acteur_nom: str
    mode: str | None
    justification: str | None
    document_id: str | None
    email: str
    sent_at: int | None
