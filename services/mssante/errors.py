"""MSSanté's errors: each has a stable code (HTTP API) and the SMTP reply it becomes on the wire."""

from __future__ import annotations

from typing import ClassVar, Final

from services.mssante.rules import Reply
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, SandboxError


class MssanteError(SandboxError):
    smtp: ClassVar[str] = "554 5.0.0 refused"


class RelayDenied(MssanteError, Forbidden):
    code = "relay-denied"
    smtp = Reply.RELAY_DENIED


class MailboxUnknown(MssanteError, NotFound):
    code = "mailbox-unknown"
    smtp = Reply.UNKNOWN_MAILBOX


class MailboxFull(MssanteError, Conflict):
    code = "mailbox-full"
    smtp = Reply.OVER_QUOTA


class PatientCannotOpen(MssanteError, Forbidden):
    code = "patient-cannot-open"
    smtp = Reply.PATIENT_OPENS


class ConversationEnded(MssanteError, Forbidden):
    code = "conversation-ended"
    smtp = Reply.CONVERSATION_ENDED


class PatientToPatient(MssanteError, Forbidden):
    code = "patient-to-patient"
    smtp = Reply.PATIENT_TO_PATIENT


class PatientNotActivated(MssanteError, Forbidden):
    code = "mes-not-activated"
    smtp = Reply.PATIENT_NOT_ACTIVATED


class MessageMalformed(MssanteError, InvalidInput):
    code = "message-malformed"
    smtp = Reply.MALFORMED


class FromMissing(MssanteError, InvalidInput):
    code = "from-missing"
    smtp = Reply.MISSING_FROM


class FromMismatch(MssanteError, Forbidden):
    code = "from-mismatch"
    smtp = Reply.FROM_MISMATCH


class RepresentationRefused(MssanteError, Forbidden):
    """A minor's patient mailbox is read and answered by the legal representatives."""

    code = "representation-refused"


class MailboxForbidden(Forbidden):
    code = "mailbox-forbidden"


class MessageUnknown(NotFound):
    code = "message-unknown"


class ConversationUnknown(NotFound):
    code = "conversation-unknown"


ERROR_TABLE: Final[tuple[tuple[type[SandboxError], str, str], ...]] = (
    (RelayDenied, "no-open-relay", "a recipient outside `*.mssante.fr`"),
    (MailboxUnknown, "mailbox-exists", "no such mailbox (SMTP 550 5.1.1)"),
    (MailboxFull, "quota", "the recipient's mailbox is over quota (SMTP 552 5.2.2)"),
    (
        PatientCannotOpen,
        "patient-reply-only",
        "a patient writes outside a conversation a professional opened",
    ),
    (ConversationEnded, "fin", "the professional ended the conversation ([FIN] or X-MSS-MES: FIN)"),
    (PatientToPatient, "patient-reply-only", "a patient mailbox writes to another patient mailbox"),
    (PatientNotActivated, "mes-activated", "the patient's Mon espace santé is not activated"),
    (MessageMalformed, "mime", "the MIME structure cannot be read (SMTP 550 5.6.0)"),
    (FromMissing, "rfc5322", "no From header (SMTP 550 5.6.0)"),
    (FromMismatch, "sender-owned", "the From header is not the authenticated mailbox"),
    (
        RepresentationRefused,
        "minor-managed-by-representatives | not-representative | representative-of-adult",
        "a minor's patient mailbox is used by the legal representatives, with a token chosen for the minor",
    ),
    (MailboxForbidden, "mailbox-owner", "the token's holder does not own the mailbox"),
    (MessageUnknown, "message-exists", "no such message in the mailbox"),
    (ConversationUnknown, "conversation-exists", "no such conversation for the patient"),
)
