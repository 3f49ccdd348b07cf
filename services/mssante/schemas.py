"""The wire shapes of MSSanté's HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.db import BIGINT_MAX


class MailboxRead(BaseModel):
    address: str = Field(examples=["marie.martin@cabinet-lyon.mssante.fr"])
    kind: str = Field(description="nominative, organisationnelle, applicative or patient")
    display_name: str
    structure_id: str | None
    idnat: str | None
    ins: str | None
    quota_bytes: int
    used_bytes: int


class FindingRead(BaseModel):
    code: str = Field(examples=["x-mss-nil-missing"])
    detail: str


class MessageSummary(BaseModel):
    id: int
    mailbox: str
    state: str = Field(
        description="delivered, or held (patient: readable once Mon espace santé is activated)"
    )
    conversation: int | None
    received_at: str
    sender: str
    recipients: list[str]
    subject: str
    message_id: str
    size: int
    findings: list[FindingRead]


class AttachmentRead(BaseModel):
    filename: str | None
    content_type: str
    size: int
    content_base64: str


class MessageRead(MessageSummary):
    headers: list[tuple[str, str]]
    body: str | None = Field(description="The text/plain (else text/html) body")
    attachments: list[AttachmentRead]


class ConversationRead(BaseModel):
    id: int
    professional: str
    subject: str
    opened_at: str
    ended_at: str | None
    ended_by: str | None = Field(description="subject ([FIN]) or header (X-MSS-MES: FIN)")
    reply_allowed: bool


class ReplyCreate(BaseModel):
    text: str = Field(min_length=1, max_length=100_000, description="The reply's text/plain body")
    subject: str | None = Field(
        default=None, max_length=300, description="Default: Re: <conversation subject>"
    )


class SentRead(BaseModel):
    id: int
    conversation: int


class OutboxRead(BaseModel):
    id: int
    at: str
    to: str
    kind: str = Field(description="activation-invitation, new-message, dmp-<DMP notification kind>")
    ins: str | None
    subject: str
    body: str
    source_id: str | None = Field(description="The DMP notification's id for the DMP's notifications")


class QuotaUpdate(BaseModel):
    quota_bytes: int = Field(ge=0, le=BIGINT_MAX)
