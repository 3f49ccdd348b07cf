"""Every query of the sandbox service."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import QueryableAttribute

from services.sandbox.models import PopulationPerson, PopulationProfessional, PopulationTag


def _with_tags(
    query: Select[Any], id_column: QueryableAttribute[str], kind: str, tags: list[str]
) -> Select[Any]:
    for tag in tags:
        query = query.where(
            id_column.in_(
                select(PopulationTag.record_id).where(PopulationTag.kind == kind, PopulationTag.tag == tag)
            )
        )
    return query


def find_persons(
    conn: Connection, tags: list[str], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    base = _with_tags(select(PopulationPerson.record), PopulationPerson.id, "person", tags)
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(base.order_by(PopulationPerson.id).limit(limit).offset(offset)).scalars()
    return total, [json.loads(r) for r in rows]


def find_professionals(
    conn: Connection, profession: str | None, tags: list[str], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    base = select(PopulationProfessional.record)
    if profession is not None:
        base = base.where(PopulationProfessional.profession == profession)
    base = _with_tags(base, PopulationProfessional.id, "professional", tags)
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(base.order_by(PopulationProfessional.id).limit(limit).offset(offset)).scalars()
    return total, [json.loads(r) for r in rows]


def known_tags(conn: Connection, kind: str) -> list[tuple[str, int]]:
    rows = conn.execute(
        select(PopulationTag.tag, func.count())
        .where(PopulationTag.kind == kind)
        .group_by(PopulationTag.tag)
        .order_by(PopulationTag.tag)
    ).all()
    return [(str(t), int(n)) for t, n in rows]
