"""MSSanté's rules: who may write to whom, conversations and [FIN], what a patient's Mon espace santé
status does to a message, delivery reports, and the e-mails to personal addresses.

Never commits and never knows about SMTP or HTTP: the SMTP handler and the routers hand a connection of
their unit of work, the tenant clock's instant (Unix ms), and what the DMP said (read beforehand).
Refusals are ``MssanteError``s: the SMTP edge sends their reply, the HTTP edge their JSON error.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import make_msgid

from sqlalchemy import Connection

from services.mssante import mime, reports, repository, rules
from services.mssante.clients import PatientStatus
from services.mssante.errors import (
    ConversationEnded,
    FromMismatch,
    FromMissing,
    MailboxFull,
    MailboxUnknown,
    MessageMalformed,
    PatientCannotOpen,
    PatientToPatient,
    RelayDenied,
    RepresentationRefused,
)
from services.mssante.records import Mailbox
from services.mssante.rules import Action, Kind
from shared.auth import Actor, PatientActor, ProfessionalActor
from shared.identifiers import is_minor


def check_password(given: str, expected: str) -> bool:
    """The sandbox's password rule: every mailbox has the same password (``ESANTE_MSSANTE_PASSWORD``)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def check_representation(
    mineur: bool, representants: tuple[str, ...], caller: str, represented: str | None
) -> None:
    """Who uses a patient mailbox: an adult, with their own token; a minor's, a legal representative with
    a token chosen for that minor (seed 002; the DMP's register of representatives says who they are)."""
    if represented is None:
        if mineur:
            raise RepresentationRefused(
                "a minor's mailbox is read and answered by the legal representatives",
                rule="minor-managed-by-representatives",
            )
        return
    if caller not in representants:
        raise RepresentationRefused(
            "the caller is not a legal representative of this person", rule="not-representative"
        )
    if not mineur:
        raise RepresentationRefused(
            "this person is an adult and uses the mailbox", rule="representative-of-adult"
        )


def token_owns(actor: Actor, mailbox: Mailbox, today: date) -> bool:
    """A psc token opens a mailbox when it is its holder's: the professional of a nominative mailbox, a
    professional of the structure for its organisational and applicative ones, the patient (INS) of a
    patient mailbox: an adult's own token, or for a minor (on ``today``) a legal representative's token
    chosen for that minor (seed 002)."""
    if isinstance(actor, PatientActor):
        if mailbox.kind != Kind.PATIENT or mailbox.ins != actor.profile_ins:
            return False
        # Minority from the token (psc checked the representation when it issued it): a minor's own
        # token does not open the mailbox, nor a representative's once the child is an adult.
        mineur = actor.birthdate is not None and is_minor(actor.birthdate, today)
        return mineur == (actor.represented_ins is not None)
    if isinstance(actor, ProfessionalActor):
        if mailbox.kind == Kind.NOMINATIVE:
            return mailbox.idnat == actor.idnat
        if mailbox.kind in (Kind.ORGANISATIONNELLE, Kind.APPLICATIVE):
            return actor.structure is not None and actor.structure.id == mailbox.structure_id
    return False


def check_recipient(conn: Connection, sender: Mailbox, address: str) -> Mailbox:
    """RCPT: inside ``*.mssante.fr`` only (no open relay), an existing mailbox (550 5.1.1), not over quota
    (552); a patient writes only to a professional in a conversation that professional opened and did not
    end (fr-ehealth-facts §5; seed 003: the professional initiates and may end with [FIN])."""
    address = rules.normalise(address)
    if not rules.in_mssante_space(address):
        raise RelayDenied(f"{address} is outside the MSSanté space", rule="no-open-relay")
    recipient = repository.get_mailbox(conn, address)
    if recipient is None:
        raise MailboxUnknown(f"no mailbox {address}", rule="mailbox-exists")
    if recipient.full:
        raise MailboxFull(f"{address} is over its quota", rule="quota")
    if sender.kind == Kind.PATIENT:
        check_patient_may_write(conn, sender, recipient)
    return recipient


def check_patient_may_write(conn: Connection, patient: Mailbox, recipient: Mailbox) -> int:
    """The conversation a patient's message goes into; refused when there is none or it was ended."""
    if recipient.kind == Kind.PATIENT:
        raise PatientToPatient("a patient mailbox writes only to professionals", rule="patient-reply-only")
    conversation = repository.current_conversation(conn, patient.address, recipient.address)
    if conversation is None:
        raise PatientCannotOpen(
            "only a professional opens a conversation; the patient can only reply", rule="patient-reply-only"
        )
    if conversation.ended_at is not None:
        raise ConversationEnded(
            f"{recipient.display_name} ended this conversation ({conversation.ended_by})", rule="fin"
        )
    return conversation.id


def check_content(inspected: mime.Inspected, sender: Mailbox) -> None:
    """DATA: a readable MIME structure, a From header that is the authenticated mailbox (the room left in
    each recipient's quota is checked as the message is counted in, see ``accept``)."""
    if inspected.defect is not None:
        raise MessageMalformed(f"malformed MIME: {inspected.defect}", rule="mime")
    if not inspected.from_addresses:
        raise FromMissing("the message has no From header", rule="rfc5322")
    if inspected.from_addresses != (sender.address,):
        raise FromMismatch(f"From must be {sender.address}", rule="sender-owned")


@dataclass(frozen=True, slots=True)
class Submission:
    sender: Mailbox
    recipients: list[Mailbox]
    raw: bytes
    inspected: mime.Inspected
    patients: dict[str, PatientStatus] = field(default_factory=dict)
    """What the DMP said of each patient recipient (by address), read just before."""


@dataclass(frozen=True, slots=True)
class Accepted:
    message_id: int
    delivered: list[str]
    held: list[str]
    refused: list[reports.Failure]
    report_id: int | None


def _stamped(raw: bytes, inspected: mime.Inspected, now: datetime) -> tuple[bytes, str]:
    """Submission adds a missing Date and Message-ID (RFC 6409 §8.1, §8.3)."""
    message_id = inspected.message_id or make_msgid(domain=reports.REPORTING_MTA)
    added = b""
    if not inspected.has_date:
        added += f"Date: {now.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n".encode()
    if inspected.message_id is None:
        added += f"Message-ID: {message_id}\r\n".encode()
    return added + raw, message_id


def accept(conn: Connection, submission: Submission, now: datetime, now_ms: int) -> Accepted:
    """Store the message and put it in each mailbox (or hold it, or refuse it for a patient with a
    delivery report to the sender); conversations are opened and ended here; the patients' personal
    addresses get their e-mail. All in the caller's transaction: committed before the 250."""
    sender = submission.sender
    inspected = submission.inspected
    raw, message_id = _stamped(submission.raw, inspected, now)
    first_patient = next((r.ins for r in submission.recipients if r.kind == Kind.PATIENT), None)
    found = mime.findings(inspected, first_patient)
    stored = repository.insert_message(
        conn,
        repository.NewMessage(
            received_at=now_ms,
            sender=sender.address,
            recipients=",".join(r.address for r in submission.recipients),
            subject=inspected.subject,
            message_id=message_id,
            size=len(raw),
            findings=json.dumps([{"code": f.code, "detail": f.detail} for f in found]),
            raw=raw,
        ),
    )
    deliveries: list[dict[str, object]] = []
    outbox: list[reports.PersonalEmail] = []
    delivered: list[str] = []
    held: list[str] = []
    refused: list[reports.Failure] = []
    for recipient in submission.recipients:
        state = "delivered"
        conversation: int | None = None
        if sender.kind == Kind.PATIENT:
            conversation = check_patient_may_write(conn, sender, recipient)
        elif recipient.kind == Kind.PATIENT:
            status = submission.patients[recipient.address]
            invisible = inspected.xdm is not None and inspected.xdm.invisible_patient
            outcome = rules.INVISIBLE_OUTCOME if invisible else rules.patient_outcome(status.statut)
            if outcome.action is Action.REFUSE:
                refused.append(reports.Failure(recipient.address, outcome.status, outcome.reason))
                continue
            state = "held" if outcome.action is Action.HOLD else "delivered"
            conversation = _conversation_for(conn, recipient, sender, inspected, now_ms)
            if status.email and outcome.notice == "new-message":
                outbox.append(reports.new_message_notice(status.email, sender.display_name, recipient.ins))
            elif status.email and outcome.notice == "activation-invitation":
                outbox.append(reports.activation_invitation(status.email, sender.display_name, recipient.ins))
        deliveries.append(
            {
                "message": stored,
                "mailbox": recipient.address,
                "state": state,
                "conversation": conversation,
                "at": now_ms,
            }
        )
        if not repository.add_usage(conn, recipient.address, len(raw)):
            raise MailboxFull(f"{recipient.address} has no room for {len(raw)} bytes", rule="quota")
        (held if state == "held" else delivered).append(recipient.address)
    repository.insert_deliveries(conn, deliveries)
    report_id = None
    if refused:
        report_id = _report(conn, submission.raw, sender, refused, now, now_ms)
    if outbox:
        send_personal(conn, outbox, now, now_ms)
    return Accepted(stored, delivered, held, refused, report_id)


def _conversation_for(
    conn: Connection, patient: Mailbox, professional: Mailbox, inspected: mime.Inspected, now_ms: int
) -> int:
    """A professional's message goes into the open conversation, or opens a new one (after [FIN] too);
    a subject exactly ``[FIN]`` or ``X-MSS-MES: FIN`` ends it."""
    current = repository.current_conversation(conn, patient.address, professional.address)
    if current is None or current.ended_at is not None:
        conversation = repository.open_conversation(
            conn, patient.address, professional.address, inspected.subject, now_ms
        )
    else:
        conversation = current.id
    ended_by = rules.ends_conversation(inspected.subject, inspected.mes)
    if ended_by is not None:
        repository.end_conversation(conn, conversation, now_ms, ended_by)
    return conversation


def _report(
    conn: Connection,
    original: bytes,
    sender: Mailbox,
    failures: list[reports.Failure],
    now: datetime,
    now_ms: int,
) -> int:
    """The non-delivery report (RFC 3464) goes into the sender's own mailbox."""
    raw = reports.delivery_status_notification(original, sender.address, failures, now)
    report = repository.insert_message(
        conn,
        repository.NewMessage(
            received_at=now_ms,
            sender=reports.POSTMASTER,
            recipients=sender.address,
            subject="Undelivered Mail Returned to Sender",
            message_id="",
            size=len(raw),
            findings="[]",
            raw=raw,
        ),
    )
    repository.insert_deliveries(
        conn,
        [
            {
                "message": report,
                "mailbox": sender.address,
                "state": "delivered",
                "conversation": None,
                "at": now_ms,
            }
        ],
    )
    repository.add_usage(conn, sender.address, len(raw))  # a report over quota is dropped from the count only
    return report


def send_personal(conn: Connection, emails: list[reports.PersonalEmail], now: datetime, now_ms: int) -> None:
    """Put e-mails to personal addresses in the outbox (the sandbox's mail catcher: nothing leaves)."""
    repository.insert_outbox(
        conn,
        [
            {
                "at": now_ms,
                "to_address": email.to.lower(),
                "kind": email.kind,
                "ins": email.ins,
                "subject": email.subject,
                "body": email.body,
                "source_id": email.source_id,
                "raw": email.render(now),
            }
            for email in emails
        ],
    )
