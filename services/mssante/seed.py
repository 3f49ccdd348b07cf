"""MSSanté's part of the population: a nominative mailbox per professional (the directory's address,
``prenom.nom@<structure domain>``, homonyms numbered by the generator: ``prenom.nom2@``), an
organisational (``secretariat@``) and an applicative mailbox per structure (by kind: ``lgc@``, ``lgo@``,
``dpi@``, ``regulation@``), and ``<INS>@patient.mssante.fr`` for every person: each has a Mon espace
santé profile in the DMP, whose status at delivery time decides what a message becomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from services.mssante import repository
from services.mssante.config import get_mssante_settings
from services.mssante.rules import ORGANISATIONAL_LOCAL, Kind, applicative_local, patient_address
from shared.config import SandboxSettings
from shared.population import Population


def mailbox_rows(population: Population, quota: int) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}

    def add(address: str, kind: Kind, name: str, **owner: str | None) -> None:
        address = address.lower()
        if address not in rows:  # the first owner keeps an address (nominative ones come first)
            rows[address] = {
                "address": address,
                "kind": kind.value,
                "display_name": name,
                "structure_id": owner.get("structure_id"),
                "idnat": owner.get("idnat"),
                "ins": owner.get("ins"),
                "quota_bytes": quota,
                "used_bytes": 0,
            }

    for pro in population.professionals:
        add(
            pro.mssante,
            Kind.NOMINATIVE,
            f"{pro.prenom} {pro.nom}",
            structure_id=pro.structure_id,
            idnat=pro.idnat,
        )
    for structure in population.structures:
        domain = structure.mssante_domain
        add(
            f"{ORGANISATIONAL_LOCAL}@{domain}",
            Kind.ORGANISATIONNELLE,
            f"Secrétariat - {structure.raison_sociale}",
            structure_id=structure.id,
        )
        add(
            f"{applicative_local(structure.kind)}@{domain}",
            Kind.APPLICATIVE,
            structure.raison_sociale,
            structure_id=structure.id,
        )
    for person in population.persons:
        add(
            patient_address(person.ins),
            Kind.PATIENT,
            f"{person.prenoms[0]} {person.nom_usage}",
            ins=person.ins,
        )
    return list(rows.values())


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    repository.insert_many(conn, "mailbox", mailbox_rows(population, get_mssante_settings().quota_bytes))
