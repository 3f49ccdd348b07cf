"""The records of the synthetic population: persons, rights, structures, professionals.

All records are frozen dataclasses with slots. ``as_record`` gives the JSON shape the API
shows, under the API names; dates are ISO strings there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.population.referentials import PROFESSIONS, SAVOIR_FAIRE, SECTEURS


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address in France."""

    street: str
    code_postal: str
    ville: str

    @property
    def department(self) -> str:
        """Department of residence from the postal code (97x overseas; 2A / 2B in Corsica)."""
        postal = self.code_postal
        if postal.startswith("97"):
            return postal[:3]
        if postal.startswith("20"):
            return "2A" if postal < "20200" else "2B"
        return postal[:2]


@dataclass(frozen=True, slots=True)
class Period:
    """A date range; ``end`` is inclusive, None when open-ended."""

    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class RightsPeriod:
    """A period of health-insurance rights with one régime, caisse and centre."""

    start: date
    end: date | None
    regime: str
    caisse: str
    centre: str


@dataclass(frozen=True, slots=True)
class Exoneration:
    """An exonération du ticket modérateur (ALD, maternité, invalidité) over a period."""

    code: str
    label: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Rights:
    """What ADRi knows of a person: rights periods, exonérations, CSS, médecin traitant.

    ``periods`` are in chronological order; ``regime``, ``caisse`` and ``centre`` are those of
    the latest period.
    """

    periods: tuple[RightsPeriod, ...]
    ald: tuple[Exoneration, ...] = ()
    maternite: Exoneration | None = None
    invalidite: Exoneration | None = None
    css: Period | None = None
    medecin_traitant_rpps: str | None = None

    @property
    def regime(self) -> str:
        return self.periods[-1].regime

    @property
    def caisse(self) -> str:
        return self.periods[-1].caisse

    @property
    def centre(self) -> str:
        return self.periods[-1].centre

    def period_at(self, day: date) -> RightsPeriod | None:
        """The period covering ``day``, if any."""
        for period in self.periods:
            if period.start <= day and (period.end is None or day <= period.end):
                return period
        return None


@dataclass(frozen=True, slots=True)
class InsHistoryEntry:
    """A former matricule of a person, as INSi lists it in INSHISTO (dates may be absent)."""

    matricule: str
    oid: str
    date_deb: date | None = None
    date_fin: date | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A patient / insured person.

    ``ins`` is the 15-char matricule INS (NIR or NIA + key) published with ``oid``; ``nir`` is
    the NIR when the person has one (None for NIA-only persons). ``date_naissance`` is
    ``YYYY-MM-DD`` with ``00`` for an unknown day or month. ``lieu_naissance`` is a COG code
    (``99xxx`` abroad). ``rights`` is None for a person ADRi does not know. ``rang_naissance``
    is the rang gémellaire of a carte Vitale (1, or 2 for the second twin).
    """

    id: str
    ins: str
    ins_kind: str
    oid: str
    nir: str | None
    nom_naissance: str
    nom_usage: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    lieu_naissance: str
    commune_naissance: str
    email: str
    phone: str
    adresse: Address
    mes_status: str
    mes_invitation_date: date
    mes_activation_code: str
    parents: tuple[str, ...]
    twin_of: str | None
    rang_naissance: int
    ouvrant_droit_id: str | None
    rights: Rights | None
    tags: tuple[str, ...]
    insi_behaviour: str | None = None
    ins_history: tuple[InsHistoryEntry, ...] = ()

    @property
    def premier_prenom(self) -> str:
        return self.prenoms[0]

    def as_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ins": self.ins,
            "ins_kind": self.ins_kind,
            "oid": self.oid,
            "nir": self.nir,
            "nom_naissance": self.nom_naissance,
            "nom_usage": self.nom_usage,
            "prenoms": list(self.prenoms),
            "sexe": self.sexe,
            "date_naissance": self.date_naissance,
            "lieu_naissance": self.lieu_naissance,
            "commune_naissance": self.commune_naissance,
            "email": self.email,
            "mes_status": self.mes_status,
            "parents": list(self.parents),
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class Structure:
    """A place of care: cabinet, officine, hôpital or centre 15 (SAMU).

    Cabinets have a SIRET and no FINESS (IdNat prefix 5); the others a FINESS (prefix 3).
    """

    id: str
    kind: str
    raison_sociale: str
    finess: str | None
    siret: str | None
    idnat: str
    adresse: str
    ville: str
    code_postal: str
    mssante_domain: str
    secteur_activite: str

    @property
    def secteur_label(self) -> str:
        return SECTEURS[self.secteur_activite]

    def as_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "raison_sociale": self.raison_sociale,
            "finess": self.finess,
            "siret": self.siret,
            "idnat": self.idnat,
            "adresse": self.adresse,
            "ville": self.ville,
            "code_postal": self.code_postal,
            "mssante_domain": self.mssante_domain,
            "secteur_activite": self.secteur_activite,
            "secteur_label": self.secteur_label,
        }


@dataclass(frozen=True, slots=True)
class Professional:
    """A professional of the directory, or a CPE-holding secretary (no RPPS, no profession)."""

    id: str
    rpps: str | None
    idnat: str
    civilite: str
    nom: str
    prenom: str
    profession: str | None
    categorie: str
    savoir_faire: str | None
    type_savoir_faire: str | None
    structure_id: str
    mssante: str
    cards: tuple[str, ...]
    regulation: bool
    tags: tuple[str, ...]

    @property
    def profession_label(self) -> str:
        return "Secrétariat médical" if self.profession is None else PROFESSIONS[self.profession]

    @property
    def savoir_faire_label(self) -> str | None:
        return None if self.savoir_faire is None else SAVOIR_FAIRE[self.savoir_faire]

    def as_record(self, structure: Structure) -> dict[str, Any]:
        return {
            "id": self.id,
            "rpps": self.rpps,
            "idnat": self.idnat,
            "civilite": self.civilite,
            "nom": self.nom,
            "prenom": self.prenom,
            "profession": self.profession,
            "profession_label": self.profession_label,
            "savoir_faire": self.savoir_faire,
            "structure": {
                "id": structure.id,
                "raison_sociale": structure.raison_sociale,
                "finess": structure.finess,
                "idnat": structure.idnat,
                "kind": structure.kind,
            },
            "mssante": self.mssante,
            "cards": list(self.cards),
            "regulation": self.regulation,
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class Population:
    """One generated world: persons (generated + CNAM test identities), professionals, structures."""

    seed: int
    reference_date: date
    persons: list[Person]
    professionals: list[Professional]
    structures: list[Structure]
    _persons_by_id: dict[str, Person] = field(init=False, repr=False, compare=False)
    _persons_by_ins: dict[str, Person] = field(init=False, repr=False, compare=False)
    _professionals_by_id: dict[str, Professional] = field(init=False, repr=False, compare=False)
    _professionals_by_rpps: dict[str, Professional] = field(init=False, repr=False, compare=False)
    _professionals_by_idnat: dict[str, Professional] = field(init=False, repr=False, compare=False)
    _structures_by_id: dict[str, Structure] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        indexes: dict[str, object] = {
            "_persons_by_id": {p.id: p for p in self.persons},
            "_persons_by_ins": {p.ins: p for p in self.persons},
            "_professionals_by_id": {p.id: p for p in self.professionals},
            "_professionals_by_rpps": {p.rpps: p for p in self.professionals if p.rpps},
            "_professionals_by_idnat": {p.idnat: p for p in self.professionals},
            "_structures_by_id": {s.id: s for s in self.structures},
        }
        for name, index in indexes.items():
            object.__setattr__(self, name, index)

    def person(self, person_id: str) -> Person | None:
        return self._persons_by_id.get(person_id)

    def parents_of(self, person: Person) -> list[Person]:
        """The persons ``person`` is attached to as a child: the legal representatives of a minor."""
        return [parent for pid in person.parents if (parent := self.person(pid)) is not None]

    def person_by_ins(self, ins: str) -> Person | None:
        """The person whose current matricule INS (15 characters) is ``ins``."""
        return self._persons_by_ins.get(ins)

    def professional(self, professional_id: str) -> Professional | None:
        return self._professionals_by_id.get(professional_id)

    def professional_by_rpps(self, rpps: str) -> Professional | None:
        return self._professionals_by_rpps.get(rpps)

    def professional_by_idnat(self, idnat: str) -> Professional | None:
        return self._professionals_by_idnat.get(idnat)

    def structure(self, structure_id: str) -> Structure | None:
        return self._structures_by_id.get(structure_id)

    def to_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record in its API shape, in generation order."""
        return {
            "persons": [p.as_record() for p in self.persons],
            "professionals": [
                p.as_record(self._structures_by_id[p.structure_id]) for p in self.professionals
            ],
            "structures": [s.as_record() for s in self.structures],
        }
