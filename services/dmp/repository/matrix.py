"""The tenant's uploaded habilitation matrix (one row, or none for the default matrix)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from services.dmp.repository.tables import matrice


def get_matrice(conn: Connection) -> str | None:
    found = conn.execute(select(matrice.c.document).where(matrice.c.id == 1)).scalar_one_or_none()
    return None if found is None else str(found)


def put_matrice(conn: Connection, document: str, now: int) -> None:
    conn.execute(delete(matrice))
    conn.execute(insert(matrice).values(id=1, document=document, uploaded_at=now))


def delete_matrice(conn: Connection) -> None:
    conn.execute(delete(matrice))
