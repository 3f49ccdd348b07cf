"""The DMP's traces (every access and change, shown to the patient) and the notifications the patient
is sent (claimed by MSSanté's outbox)."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Connection, RowMapping, insert, select, update

from services.dmp.records import Notification, Trace
from services.dmp.repository.tables import notification, trace

_INSERT_TRACE: Final = insert(trace)
_INSERT_NOTIFICATION: Final = insert(notification)


def insert_trace(conn: Connection, ins: str, written: Trace) -> None:
    acteur = written.acteur
    conn.execute(
        _INSERT_TRACE,
        {
            "ins": ins,
            "at": written.at,
            "action": written.action,
            "acteur_kind": acteur.kind,
            "acteur_id": acteur.id,
            "acteur_nom": acteur.nom,
            "profession": acteur.profession,
            "mode": written.mode,
            "justification": written.justification,
            "document_id": written.document_id,
            "detail": written.detail,
        },
    )


def list_traces(conn: Connection, ins: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(trace).where(trace.c.ins == ins).order_by(trace.c.at.desc(), trace.c.id.desc()).limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def insert_notification(
    conn: Connection,
    ins: str,
    *,
    at: int,
    kind: str,
    acteur_id: str,
    acteur_nom: str,
    email: str,
    mode: str | None = None,
    justification: str | None = None,
    document_id: str | None = None,
) -> None:
    conn.execute(
        _INSERT_NOTIFICATION,
        {
            "ins": ins,
            "at": at,
            "kind": kind,
            "acteur_id": acteur_id,
            "acteur_nom": acteur_nom,
            "email": email,
            "mode": mode,
            "justification": justification,
            "document_id": document_id,
        },
    )


def _notification_of(row: RowMapping) -> Notification:
    return Notification(
        id=row["id"],
        at=row["at"],
        kind=row["kind"],
        acteur_id=row["acteur_id"],
        acteur_nom=row["acteur_nom"],
        mode=row["mode"],
        justification=row["justification"],
        document_id=row["document_id"],
        email=row["email"],
        sent_at=row["sent_at"],
    )


def list_notifications(conn: Connection, ins: str, limit: int) -> list[Notification]:
    rows = conn.execute(
        select(notification)
        .where(notification.c.ins == ins)
        .order_by(notification.c.at.desc(), notification.c.id.desc())
        .limit(limit)
    ).mappings()
    return [_notification_of(row) for row in rows]


def claim_notifications(conn: Connection, now: int, limit: int) -> list[tuple[str, Notification]]:
    """Mark up to ``limit`` unsent notifications sent at ``now`` and return them with their INS, in one
    statement: ``sent_at IS NULL`` is re-checked on each row, so two callers never claim the same one."""
    pending = (
        select(notification.c.id)
        .where(notification.c.sent_at.is_(None))
        .order_by(notification.c.id)
        .limit(limit)
        .scalar_subquery()
    )
    rows = conn.execute(
        update(notification)
        .where(notification.c.id.in_(pending), notification.c.sent_at.is_(None))
        .values(sent_at=now)
        .returning(*notification.c)
    ).mappings()
    return [(row["ins"], _notification_of(row)) for row in sorted(rows, key=lambda r: int(r["id"]))]
