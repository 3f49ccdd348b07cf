"""Every query of MSSanté (SQLAlchemy Core on the caller's connection); nothing else builds SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, delete, insert, or_, select, update

from services.mssante.models import (
    MssanteConversation,
    MssanteDelivery,
    MssanteMailbox,
    MssanteMessage,
    MssanteOutbox,
)
from services.mssante.records import Conversation, Mailbox, StoredMessage
from shared.db import table_of

_mailbox = table_of(MssanteMailbox)
_message = table_of(MssanteMessage)
_delivery = table_of(MssanteDelivery)
_conversation = table_of(MssanteConversation)
_outbox = table_of(MssanteOutbox)
_TABLES = {"mailbox": _mailbox, "outbox": _outbox}


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    target = _TABLES[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))


# --- mailboxes ----------


# The statements of the SMTP path (RCPT, DATA) are built once, with bound parameters: building one costs
# more than SQLAlchemy's execution of it (whose compiled form it caches).
_GET_MAILBOX = select(_mailbox).where(_mailbox.c.address == bindparam("address"))
_ADD_USAGE = (
    update(_mailbox)
    .where(
        _mailbox.c.address == bindparam("target"),
        _mailbox.c.used_bytes + bindparam("size") <= _mailbox.c.quota_bytes,
    )
    .values(used_bytes=_mailbox.c.used_bytes + bindparam("size"))
)
_INSERT_MESSAGE = insert(_message).returning(_message.c.id)
_INSERT_DELIVERY = insert(_delivery)


def _mailbox_of(row: RowMapping) -> Mailbox:
    return Mailbox(**row)


def get_mailbox(conn: Connection, address: str) -> Mailbox | None:
    row = conn.execute(_GET_MAILBOX, {"address": address}).mappings().first()
    return None if row is None else _mailbox_of(row)


def list_mailboxes(
    conn: Connection, *, q: str | None, structure_id: str | None, kind: str | None, limit: int
) -> list[Mailbox]:
    query = select(_mailbox).order_by(_mailbox.c.address).limit(limit)
    if q:
        query = query.where(or_(_mailbox.c.address.contains(q.lower()), _mailbox.c.display_name.contains(q)))
    if structure_id:
        query = query.where(_mailbox.c.structure_id == structure_id)
    if kind:
        query = query.where(_mailbox.c.kind == kind)
    return [_mailbox_of(row) for row in conn.execute(query).mappings()]


def add_usage(conn: Connection, address: str, size: int) -> bool:
    """Count ``size`` more bytes in the mailbox, unless that goes over its quota (then False)."""
    return conn.execute(_ADD_USAGE, {"target": address, "size": size}).rowcount == 1


def set_quota(conn: Connection, address: str, quota: int) -> bool:
    result = conn.execute(update(_mailbox).where(_mailbox.c.address == address).values(quota_bytes=quota))
    return bool(result.rowcount)


# --- messages and deliveries ----------


@dataclass(frozen=True, slots=True)
class NewMessage:
    received_at: int
    sender: str
    recipients: str
    subject: str
    message_id: str
    size: int
    findings: str
    raw: bytes


_MESSAGE_COLUMNS = tuple(field.name for field in fields(NewMessage))


def insert_message(conn: Connection, message: NewMessage) -> int:
    values = {name: getattr(message, name) for name in _MESSAGE_COLUMNS}
    return int(conn.execute(_INSERT_MESSAGE, values).scalar_one())


def insert_deliveries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_INSERT_DELIVERY, rows)


_STORED = (
    _delivery.c.id.label("delivery"),
    _message.c.id,
    _delivery.c.mailbox,
    _delivery.c.state,
    _delivery.c.conversation,
    _message.c.received_at,
    _message.c.sender,
    _message.c.recipients,
    _message.c.subject,
    _message.c.message_id,
    _message.c.size,
    _message.c.findings,
)


def _stored(row: RowMapping) -> StoredMessage:
    return StoredMessage(**{"raw": None, **row})


@dataclass(frozen=True, slots=True)
class Search:
    """Criteria of a mailbox search; every given one must match."""

    sender: str | None = None
    recipient: str | None = None
    subject: str | None = None
    since: int | None = None
    until: int | None = None
    after: int | None = None
    """Only messages whose id is greater (what a long poll waits for)."""
    conversation: int | None = None


def search_messages(
    conn: Connection, mailbox: str, search: Search, *, states: tuple[str, ...], limit: int, newest_first: bool
) -> list[StoredMessage]:
    conditions = [_delivery.c.mailbox == mailbox, _delivery.c.state.in_(states)]
    if search.sender:
        conditions.append(_message.c.sender == search.sender.lower())
    if search.recipient:
        conditions.append(_message.c.recipients.contains(search.recipient.lower()))
    if search.subject:
        conditions.append(_message.c.subject.contains(search.subject))
    if search.since is not None:
        conditions.append(_message.c.received_at >= search.since)
    if search.until is not None:
        conditions.append(_message.c.received_at <= search.until)
    if search.after is not None:
        conditions.append(_message.c.id > search.after)
    if search.conversation is not None:
        conditions.append(_delivery.c.conversation == search.conversation)
    order = _delivery.c.id.desc() if newest_first else _delivery.c.id
    rows = conn.execute(
        select(*_STORED)
        .select_from(_delivery.join(_message, _message.c.id == _delivery.c.message))
        .where(and_(*conditions))
        .order_by(order)
        .limit(limit)
    ).mappings()
    return [_stored(row) for row in rows]


def get_message(
    conn: Connection, mailbox: str, message_id: int, states: tuple[str, ...]
) -> StoredMessage | None:
    row = (
        conn.execute(
            select(*_STORED, _message.c.raw)
            .select_from(_delivery.join(_message, _message.c.id == _delivery.c.message))
            .where(_delivery.c.mailbox == mailbox, _message.c.id == message_id, _delivery.c.state.in_(states))
        )
        .mappings()
        .first()
    )
    return None if row is None else _stored(row)


def set_delivery_state(conn: Connection, mailbox: str, message_id: int, state: str) -> bool:
    result = conn.execute(
        update(_delivery)
        .where(_delivery.c.mailbox == mailbox, _delivery.c.message == message_id, _delivery.c.state != state)
        .values(state=state)
    )
    return bool(result.rowcount)


def release_held(conn: Connection, mailbox: str) -> int:
    """Held messages become delivered (the patient activated Mon espace santé)."""
    result = conn.execute(
        update(_delivery)
        .where(_delivery.c.mailbox == mailbox, _delivery.c.state == "held")
        .values(state="delivered")
    )
    return int(result.rowcount)


# --- conversations ----------


def current_conversation(conn: Connection, patient: str, professional: str) -> Conversation | None:
    """The latest conversation between the two (ended or not)."""
    row = (
        conn.execute(
            select(_conversation)
            .where(_conversation.c.patient == patient, _conversation.c.professional == professional)
            .order_by(_conversation.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return None if row is None else Conversation(**row)


def get_conversation(conn: Connection, conversation_id: int, patient: str) -> Conversation | None:
    row = (
        conn.execute(
            select(_conversation).where(
                _conversation.c.id == conversation_id, _conversation.c.patient == patient
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else Conversation(**row)


def list_conversations(conn: Connection, patient: str) -> list[Conversation]:
    rows = conn.execute(
        select(_conversation).where(_conversation.c.patient == patient).order_by(_conversation.c.id.desc())
    ).mappings()
    return [Conversation(**row) for row in rows]


def open_conversation(conn: Connection, patient: str, professional: str, subject: str, now: int) -> int:
    result = conn.execute(
        insert(_conversation).values(
            patient=patient,
            professional=professional,
            subject=subject,
            opened_at=now,
            ended_at=None,
            ended_by=None,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def end_conversation(conn: Connection, conversation_id: int, now: int, by: str) -> None:
    conn.execute(
        update(_conversation).where(_conversation.c.id == conversation_id).values(ended_at=now, ended_by=by)
    )


# --- outbox ----------


def insert_outbox(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(_outbox), rows)


def list_outbox(
    conn: Connection, *, to: str | None, kind: str | None, ins: str | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    query = select(_outbox).order_by(_outbox.c.id).limit(limit)
    if to:
        query = query.where(_outbox.c.to_address == to.lower())
    if kind:
        query = query.where(_outbox.c.kind == kind)
    if ins:
        query = query.where(_outbox.c.ins == ins)
    if after is not None:
        query = query.where(_outbox.c.id > after)
    return [dict(row) for row in conn.execute(query).mappings()]


def clear_outbox(conn: Connection) -> int:
    return int(conn.execute(delete(_outbox)).rowcount)
