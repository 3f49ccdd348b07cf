"""MSSanté's tables. Instants are Unix milliseconds of the tenant clock (BigInteger), as in the DMP."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class MssanteMailbox(Base):
    """A mailbox: nominative, organisationnelle, applicative (structures) or patient."""

    __tablename__ = "mssante_mailbox"
    __table_args__ = (Index("ix_mssante_mailbox_structure", "structure_id"),)

    address: Mapped[str] = mapped_column(String(200), primary_key=True, doc="Lower-case address")
    kind: Mapped[str] = mapped_column(String(20), doc="nominative, organisationnelle, applicative, patient")
    display_name: Mapped[str] = mapped_column(String(200))
    structure_id: Mapped[str | None] = mapped_column(String(20))
    idnat: Mapped[str | None] = mapped_column(String(40), doc="Owner of a nominative mailbox")
    ins: Mapped[str | None] = mapped_column(String(15), doc="Owner of a patient mailbox")
    quota_bytes: Mapped[int] = mapped_column(BigInteger)
    used_bytes: Mapped[int] = mapped_column(BigInteger)


class MssanteMessage(Base):
    """A message as accepted (raw RFC 5322 bytes) and what the sandbox read from it."""

    __tablename__ = "mssante_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(200), doc="Envelope sender (MAIL FROM)")
    recipients: Mapped[str] = mapped_column(Text, doc="Envelope recipients, comma-separated")
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text, doc="JSON list of the X-MSS-* checks' findings")
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class MssanteDelivery(Base):
    """One message in one mailbox (or held for it, or refused)."""

    __tablename__ = "mssante_delivery"
    __table_args__ = (Index("ix_mssante_delivery_mailbox", "mailbox", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message: Mapped[int] = mapped_column(ForeignKey("mssante_message.id"), index=True)
    mailbox: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(12), doc="delivered, held (not activated) or deleted")
    conversation: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[int] = mapped_column(BigInteger)


class MssanteConversation(Base):
    """A conversation a professional opened with a patient; ended by [FIN] or X-MSS-MES: FIN."""

    __tablename__ = "mssante_conversation"
    __table_args__ = (Index("ix_mssante_conversation_pair", "patient", "professional"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient: Mapped[str] = mapped_column(String(200))
    professional: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[int] = mapped_column(BigInteger)
    ended_at: Mapped[int | None] = mapped_column(BigInteger)
    ended_by: Mapped[str | None] = mapped_column(String(20), doc="subject or header")


class MssanteOutbox(Base):
    """An e-mail sent to a personal address (outside MSSanté): what a mail catcher shows."""

    __tablename__ = "mssante_outbox"
    __table_args__ = (Index("ix_mssante_outbox_to", "to_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(BigInteger)
    to_address: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    ins: Mapped[str | None] = mapped_column(String(15))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(String(40), doc="The DMP notification's id, for those")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
