"""The directory of the synthetic population: structures and professionals (what PSC knows).

Sizes: about one professional per 20 persons, at least 40, split by kind with floors so every
kind exists (>= 8 généralistes, >= 4 specialists over >= 3 specialties, >= 3 pharmaciens in
>= 2 officines, >= 3 infirmiers, >= 2 of kinés, sages-femmes, dentistes, >= 2 regulators in
a centre 15, >= 2 CPE secretaries in hospitals).

Choices:

- RPPS numbers are sandbox RPPS (``997`` + serial + Luhn key) with serials from 1000000 up, so
  they never collide with the numbers of the public PSC sandbox (``99700...``).
- Cabinets have a SIRET (IdNat ``5`` + SIRET) and no FINESS; officines, hospitals and centres
  15 have a FINESS (IdNat ``3`` + FINESS). FINESS structures are never placed in Corsica: the
  FINESS key rule for ``2A`` / ``2B`` is unknown.
- Secretaries hold a CPE: no RPPS, IdNat ``3`` + FINESS of their hospital + ``/`` + a 4-digit
  serial, no profession.
- Regulators are médecins of a centre 15 (half urgentistes SM59, half généralistes SM26) with
  ``regulation`` true.
- MSSanté addresses are ``prenom.nom@<structure domain>``, ASCII, made unique with a number.
- Civilité ``M`` or ``MME``; catégorie professionnelle ``C`` (civil) for everyone; noms in upper
  case, prénoms capitalised, both without diacritics (they come from the INSi-style tables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.identifiers import IdNatPrefix, make_finess, make_idnat, make_rpps, make_siret
from shared.population.draw import Draw
from shared.population.model import Professional, Structure
from shared.population.names import (
    COMMUNES,
    NOMS,
    PRENOMS_F,
    PRENOMS_M,
    STREETS,
    Commune,
    ascii_slug,
)
from shared.population.referentials import SM_GENERALISTE, SM_URGENCE, SPECIALTIES

_FINESS_COMMUNES = tuple(c for c in COMMUNES if c.department not in ("2A", "2B"))

# kind: (percent of the professionals, floor, profession, professionals per structure)
_PLAN: tuple[tuple[str, int, int, str | None, int], ...] = (
    ("generaliste", 30, 8, "10", 2),
    ("specialiste", 12, 4, "10", 1),
    ("pharmacien", 12, 3, "21", 2),
    ("infirmier", 17, 3, "60", 2),
    ("kine", 9, 2, "70", 2),
    ("sage-femme", 4, 2, "50", 1),
    ("dentiste", 7, 2, "40", 2),
    ("regulateur", 4, 2, "10", 6),
    ("secretaire", 5, 2, None, 3),
)


@dataclass(frozen=True, slots=True)
class _Identity:
    civilite: str
    nom: str
    prenom: str


@dataclass(frozen=True, slots=True)
class _Cabinet:
    kind: str
    label: str
    domain_prefix: str


# professional kind -> how its own structures are named (hospital kinds are handled apart)
_CABINETS: dict[str, _Cabinet] = {
    "generaliste": _Cabinet("cabinet", "Cabinet médical", "cabinet"),
    "specialiste": _Cabinet("cabinet", "Cabinet médical", "cabinet"),
    "infirmier": _Cabinet("cabinet", "Cabinet infirmier", "cabinet-infirmier"),
    "kine": _Cabinet("cabinet", "Cabinet de kinésithérapie", "kine"),
    "sage-femme": _Cabinet("cabinet", "Cabinet de sage-femme", "sage-femme"),
    "dentiste": _Cabinet("cabinet", "Cabinet dentaire", "cabinet-dentaire"),
    "pharmacien": _Cabinet("officine", "Pharmacie", "pharmacie"),
}


class _DirectoryBuilder:
    def __init__(self, seed: int) -> None:
        self.draw = Draw(seed, "directory")
        self.structures: list[Structure] = []
        self.professionals: list[Professional] = []
        self.domains: set[str] = set()
        self.addresses: set[str] = set()
        self.finess_serial = 0
        self.siret_serial = 0
        self.rpps_serial = 1_000_000
        self.cpe_serial = 0

    def identity(self) -> _Identity:
        draw = self.draw
        woman = draw.chance(0.55)
        prenom = draw.pick(PRENOMS_F if woman else PRENOMS_M).title()
        return _Identity("MME" if woman else "M", draw.pick(NOMS), prenom)

    def unique(self, taken: set[str], make: Callable[[str], str]) -> str:
        value = make("")
        number = 1
        while value in taken:
            number += 1
            value = make(str(number))
        taken.add(value)
        return value

    def structure(
        self,
        kind: str,
        raison_sociale: str,
        domain_stem: str,
        commune: Commune,
        secteur: str,
    ) -> Structure:
        draw = self.draw
        if kind == "cabinet":
            self.siret_serial += 1
            siret = make_siret(40_000_000 + self.siret_serial, draw.between(1, 99))
            finess = None
            idnat = make_idnat(IdNatPrefix.SIRET, siret)
        else:
            self.finess_serial += 1
            department = commune.department[:2]
            finess = make_finess(department, 900_000 + self.finess_serial)
            siret = None
            idnat = make_idnat(IdNatPrefix.FINESS, finess)
        domain = self.unique(self.domains, lambda n: f"{domain_stem}{n and '-' + n}.mssante.fr")
        structure = Structure(
            id=f"S{len(self.structures) + 1:05d}",
            kind=kind,
            raison_sociale=raison_sociale,
            finess=finess,
            siret=siret,
            idnat=idnat,
            adresse=f"{draw.between(1, 150)} {draw.pick(STREETS)}",
            ville=commune.label,
            code_postal=commune.postal_code,
            mssante_domain=domain,
            secteur_activite=secteur,
        )
        self.structures.append(structure)
        return structure

    def professional(
        self,
        who: _Identity,
        kind: str,
        profession: str | None,
        structure: Structure,
        savoir_faire: str | None = None,
    ) -> None:
        if profession is None:
            self.cpe_serial += 1
            rpps = None
            assert structure.finess is not None
            idnat = make_idnat(IdNatPrefix.FINESS, f"{structure.finess}/{self.cpe_serial:04d}")
            cards: tuple[str, ...] = ("cpe",)
            tags: tuple[str, ...] = ("cpe", "secretaire")
        else:
            self.rpps_serial += 1
            rpps = make_rpps(self.rpps_serial)
            idnat = make_idnat(IdNatPrefix.RPPS, rpps)
            cards = ("cps", "e-cps")
            tags = _professional_tags(kind, profession)
        local = f"{ascii_slug(who.prenom)}.{ascii_slug(who.nom)}"
        mssante = self.unique(self.addresses, lambda n: f"{local}{n}@{structure.mssante_domain}")
        self.professionals.append(
            Professional(
                id=f"PS{len(self.professionals) + 1:05d}",
                rpps=rpps,
                idnat=idnat,
                civilite=who.civilite,
                nom=who.nom,
                prenom=who.prenom,
                profession=profession,
                categorie="C",
                savoir_faire=savoir_faire,
                type_savoir_faire=None if savoir_faire is None else "S",
                structure_id=structure.id,
                mssante=mssante,
                cards=cards,
                regulation=kind == "regulateur",
                tags=tags,
            )
        )


def _professional_tags(kind: str, profession: str) -> tuple[str, ...]:
    if kind == "regulateur":
        return ("centre-15", "medecin", "regulateur")
    if profession == "10":
        return tuple(sorted(("medecin", kind)))
    return (kind,)


def generate_directory(seed: int, persons: int) -> tuple[list[Structure], list[Professional]]:
    """Structures and professionals for a population of ``persons`` (see the module docstring)."""
    builder = _DirectoryBuilder(seed)
    draw = builder.draw
    total = max(40, persons // 20)
    counts = {kind: max(floor, total * share // 100) for kind, share, floor, _, _ in _PLAN}
    counts["generaliste"] += max(0, total - sum(counts.values()))  # rounding leftovers

    sites = [draw.pick(_FINESS_COMMUNES) for _ in range(max(2, total // 150))]
    hospitals = [
        builder.structure(
            "hopital",
            f"Centre hospitalier de {commune.label}",
            f"ch-{ascii_slug(commune.label)}",
            commune,
            "SA01",
        )
        for commune in sites
    ]
    centres = []
    for index in range(max(1, counts["regulateur"] // 6)):
        commune = sites[index % len(sites)]
        department = commune.department
        centres.append(
            builder.structure(
                "centre-15",
                f"SAMU {department} - Centre 15",
                f"samu-{department}",
                commune,
                "SA01",
            )
        )

    specialty = 0
    for kind, _, _, profession, per_structure in _PLAN:
        people = [builder.identity() for _ in range(counts[kind])]
        if kind == "regulateur":
            for index, who in enumerate(people):
                centre = centres[index % len(centres)]
                regulator_sf = SM_URGENCE if index % 2 == 0 else SM_GENERALISTE
                builder.professional(who, kind, profession, centre, regulator_sf)
            continue
        if kind == "secretaire":
            for index, who in enumerate(people):
                builder.professional(who, kind, None, hospitals[index % len(hospitals)])
            continue
        cabinet = _CABINETS[kind]
        own: list[Structure] = []
        for index, who in enumerate(people):
            savoir_faire: str | None = None
            if kind == "generaliste":
                savoir_faire = SM_GENERALISTE
            elif kind == "specialiste":
                savoir_faire = SPECIALTIES[specialty % len(SPECIALTIES)]
                specialty += 1
            if kind == "specialiste" and index % 2 == 1:
                host = hospitals[index % len(hospitals)]
            else:
                if index % per_structure == 0:
                    members = min(per_structure, len(people) - index)
                    own.append(_own_structure(builder, cabinet, who, members))
                host = own[-1]
            builder.professional(who, kind, profession, host, savoir_faire)
    return builder.structures, builder.professionals


def _own_structure(builder: _DirectoryBuilder, cabinet: _Cabinet, who: _Identity, members: int) -> Structure:
    """A cabinet or officine named after its first professional, for ``members`` professionals."""
    if cabinet.kind == "officine":
        commune = builder.draw.pick(_FINESS_COMMUNES)
        secteur = "SA33"
    else:
        commune = builder.draw.pick(COMMUNES)
        secteur = "SA08" if members > 1 else "SA07"
    return builder.structure(
        cabinet.kind,
        f"{cabinet.label} {who.nom}",
        f"{cabinet.domain_prefix}-{ascii_slug(who.nom)}-{ascii_slug(commune.label)}",
        commune,
        secteur,
    )
