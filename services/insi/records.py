"""The values INSi works with: identities of the register, validated requests, and results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class HistoryEntry(NamedTuple):
    """A former matricule (INSHISTO); the dates are absent for most entries."""

    num: str
    cle: str
    oid: str
    date_deb: str | None = None
    date_fin: str | None = None

    @property
    def matricule(self) -> str:
        return self.num + self.cle


class Identity(NamedTuple):
    """An identity of the register, with its normalised search keys.

    A named tuple rather than a dataclass: the register builds one per person (100,000 and more) on the
    first request of a template, and a tuple is made several times faster than a frozen dataclass."""

    id: str
    num: str
    cle: str
    kind: str
    oid: str
    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    lieu_naissance: str
    nom_cle: str
    prenom_cle: str
    prenoms_cle: str
    matricule_od: str | None
    rang_naissance: int
    comportement: str | None
    historique: tuple[HistoryEntry, ...]

    @property
    def matricule(self) -> str:
        return self.num + self.cle

    @property
    def premier_prenom(self) -> str:
        return self.prenoms[0]

    @property
    def liste_prenom(self) -> str:
        """``ListePrenom``: every prénom, space-separated."""
        return " ".join(self.prenoms)


@dataclass(frozen=True, slots=True)
class TraitsQuery:
    """A validated search by traits: keys normalised, date and place as given."""

    nom_cle: str
    prenoms_cle: tuple[str, ...]
    sexe: str
    date_naissance: str
    lieu_naissance: str | None = None

    @property
    def prenom_cle(self) -> str:
        """The prénoms of the request as one normalised string (one prénom, or the list)."""
        return " ".join(self.prenoms_cle)


@dataclass(frozen=True, slots=True)
class VitaleQuery:
    """A validated search with the data of a carte Vitale."""

    individu: str | None
    """13 characters of the beneficiary's own matricule, when the card carries it."""
    ouvrant_droit: str | None
    """13 characters of the ouvrant droit's matricule."""
    nom_cle: str | None
    date_naissance: str
    rang_naissance: int | None


@dataclass(frozen=True, slots=True)
class VerificationQuery:
    """A validated verification of an INS already held, with the traits held with it."""

    num: str
    cle: str
    oid: str | None
    traits: TraitsQuery
    nom_naissance: str
    prenoms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ecart:
    """A trait of a verification that differs from the register: what was sent, what INSi holds."""

    trait: str
    envoye: str
    insi: str


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of a verification: conforme when the INS is active and no trait differs."""

    conforme: bool
    ins_actif: bool
    ecarts: tuple[Ecart, ...]


@dataclass(frozen=True, slots=True)
class Resultat:
    """What an operation answers: the CR, and for ``00`` the identity (and, for a verification, the
    comparison)."""

    code_cr: str
    libelle_cr: str
    individu: Identity | None = None
    verification: Verification | None = None


@dataclass(frozen=True, slots=True)
class Logiciel:
    """A software authorisation number (IDAM) registered in a tenant: ``seed`` (documented) or
    ``tenant`` (added through the sandbox route)."""

    idam: str
    nom: str
    origine: str
