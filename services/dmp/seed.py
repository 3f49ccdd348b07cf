"""The DMP's part of the population: one Mon espace santé profile per person, its lifecycle events as
the population's status says at the reference date, the legal representatives of the children, the
médecin traitant DMP (the médecin traitant ADRi knows). No documents: the benchmark loads its own.

Event instants are derived from the invitation date: the automatic creation six weeks after it;
``activated``: activated half a day after the creation; ``opposed``: objected ten days after the
invitation; ``closed``: activated, then closed the same day. The invitation of ``invited`` persons is
less than six weeks before the reference date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from services.dmp.lifecycle import AUTO_CREATION_MS, DAY_MS, ms
from services.dmp.repository.tables import insert_many
from shared.config import SandboxSettings
from shared.population import Person, Population

HOUR_MS = 3_600_000


def profile_row(person: Person) -> dict[str, Any]:
    invited = ms(datetime(*person.mes_invitation_date.timetuple()[:3], tzinfo=UTC))
    created = invited + AUTO_CREATION_MS
    status = person.mes_status
    rights = person.rights
    return {
        "ins": person.ins,
        "oid": person.oid,
        "nom_naissance": person.nom_naissance,
        "prenoms": ",".join(person.prenoms),
        "sexe": person.sexe,
        "date_naissance": person.date_naissance,
        "lieu_naissance": person.lieu_naissance,
        "email": person.email,
        "activation_code": person.mes_activation_code,
        "invited_at": invited,
        "opposed_at": invited + 10 * DAY_MS if status == "opposed" else None,
        "created_at": None,
        "activated_at": created + 12 * HOUR_MS if status in ("activated", "closed") else None,
        "closed_at": created + 18 * HOUR_MS if status == "closed" else None,
        "closure_motif": "closed by the person (seeded)" if status == "closed" else None,
        "data_since": None,
        "medecin_traitant": f"8{rights.medecin_traitant_rpps}"
        if rights is not None and rights.medecin_traitant_rpps
        else None,
        "centre_15": True,
        "bris_de_glace": True,
        "masques_en_urgence": False,
    }


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    profiles = [profile_row(person) for person in population.persons]
    representants = [
        {"ins": person.ins, "representant_ins": parent.ins}
        for person in population.persons
        for parent in population.parents_of(person)
    ]
    insert_many(conn, "profile", profiles)
    insert_many(conn, "representant", representants)
