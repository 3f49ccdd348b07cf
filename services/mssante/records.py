"""The values MSSanté works with: mailboxes, conversations, stored messages, outbox e-mails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def ms(instant: datetime) -> int:
    """Unix milliseconds of an aware datetime (how instants are stored)."""
    return int(instant.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Mailbox:
    address: str
    kind: str
    display_name: str
    structure_id: str | None
    idnat: str | None
    ins: str | None
    quota_bytes: int
    used_bytes: int

    @property
    def full(self) -> bool:
        return self.used_bytes >= self.quota_bytes


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    patient: str
    professional: str
    subject: str
    opened_at: int
    ended_at: int | None
    ended_by: str | None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as one mailbox holds it (``delivery`` is that mailbox's copy)."""

    delivery: int
    id: int
    mailbox: str
    state: str
    conversation: int | None
    received_at: int
    sender: str
    recipients: str
    subject: str
    message_id: str
    size: int
    findings: str
    raw: bytes | None
