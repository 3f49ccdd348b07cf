"""From stored messages, mailboxes and outbox rows to the API's shapes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import Any, cast

from services.mssante.records import Conversation, Mailbox, StoredMessage
from services.mssante.schemas import (
    AttachmentRead,
    ConversationRead,
    FindingRead,
    MailboxRead,
    MessageRead,
    MessageSummary,
    OutboxRead,
)


def iso(value: int | None) -> str | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC).isoformat()


def mailbox(item: Mailbox) -> MailboxRead:
    return MailboxRead(
        address=item.address,
        kind=item.kind,
        display_name=item.display_name,
        structure_id=item.structure_id,
        idnat=item.idnat,
        ins=item.ins,
        quota_bytes=item.quota_bytes,
        used_bytes=item.used_bytes,
    )


def _summary_fields(item: StoredMessage) -> dict[str, Any]:
    return {
        "id": item.id,
        "mailbox": item.mailbox,
        "state": item.state,
        "conversation": item.conversation,
        "received_at": iso(item.received_at) or "",
        "sender": item.sender,
        "recipients": [r for r in item.recipients.split(",") if r],
        "subject": item.subject,
        "message_id": item.message_id,
        "size": item.size,
        "findings": [FindingRead(**f) for f in json.loads(item.findings)],
    }


def summary(item: StoredMessage) -> MessageSummary:
    return MessageSummary(**_summary_fields(item))


def message(item: StoredMessage) -> MessageRead:
    """Headers, the text body and the attachments of a stored message."""
    parsed = BytesParser(policy=policy.default).parsebytes(item.raw or b"")
    body_part = parsed.get_body(preferencelist=("plain", "html"))
    body = None
    if body_part is not None:
        try:
            body = cast(str, body_part.get_content())
        except (LookupError, ValueError):
            body = None
    attachments = []
    for part in parsed.iter_attachments() if parsed.is_multipart() else ():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):  # message/* parts: their serialised content
            payload = part.as_bytes()
        attachments.append(
            AttachmentRead(
                filename=part.get_filename(),
                content_type=part.get_content_type(),
                size=len(payload),
                content_base64=base64.b64encode(payload).decode(),
            )
        )
    return MessageRead(
        **_summary_fields(item),
        headers=[(k, str(v)) for k, v in parsed.items()],
        body=body,
        attachments=attachments,
    )


def conversation(item: Conversation) -> ConversationRead:
    return ConversationRead(
        id=item.id,
        professional=item.professional,
        subject=item.subject,
        opened_at=iso(item.opened_at) or "",
        ended_at=iso(item.ended_at),
        ended_by=item.ended_by,
        reply_allowed=item.ended_at is None,
    )


def outbox(row: dict[str, Any]) -> OutboxRead:
    return OutboxRead(
        id=row["id"],
        at=iso(row["at"]) or "",
        to=row["to_address"],
        kind=row["kind"],
        ins=row["ins"],
        subject=row["subject"],
        body=row["body"],
        source_id=row["source_id"],
    )
