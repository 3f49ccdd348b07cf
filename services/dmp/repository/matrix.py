"""The tenant's uploaded habilitation matrix (one row, or none for the default matrix)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from services.dmp.repository.tables import matrice

_UPLOADED = select(matrice.c.document).where(matrice.c.id == 1)
"""Built once: every consultation reads it."""


def get_matrice(conn: Connection) -> str | None:
    found = conn.execute(_UPLOADED).scalar_one_or_none()
    return None if found is None else str(found)


def put_matrice(conn: Connection, document: str, now: int) -> None:
    conn.execute(delete(matrice))
    conn.execute(insert(matrice).values(id=1, document=document, uploaded_at=now))


def delete_matrice(conn: Connection) -> None:
    conn.execute(delete(matrice))
