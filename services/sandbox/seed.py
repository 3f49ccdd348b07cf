"""The sandbox's part of the population: the searchable index of persons and professionals."""

from __future__ import annotations

import json

from sqlalchemy import Connection, insert

from services.sandbox.models import PopulationPerson, PopulationProfessional, PopulationTag
from shared.config import SandboxSettings
from shared.population import Population

_BATCH = 5000


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    records = population.to_records()
    persons, professionals = records["persons"], records["professionals"]
    for start in range(0, len(persons), _BATCH):
        conn.execute(
            insert(PopulationPerson),
            [
                {"id": r["id"], "ins": r["ins"], "record": json.dumps(r, ensure_ascii=False)}
                for r in persons[start : start + _BATCH]
            ],
        )
    if professionals:
        conn.execute(
            insert(PopulationProfessional),
            [
                {
                    "id": r["id"],
                    "idnat": r["idnat"],
                    "profession": r["profession"],
                    "record": json.dumps(r, ensure_ascii=False),
                }
                for r in professionals
            ],
        )
    tags = [
        {"kind": kind, "record_id": r["id"], "tag": tag}
        for kind, records in (("person", persons), ("professional", professionals))
        for r in records
        for tag in r["tags"]
    ]
    for start in range(0, len(tags), _BATCH * 4):
        conn.execute(insert(PopulationTag), tags[start : start + _BATCH * 4])
