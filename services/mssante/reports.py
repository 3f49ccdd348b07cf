"""The e-mails the space writes itself: delivery status notifications (RFC 3464) to senders, and the
e-mails to patients' personal addresses (activation invitation, new-message notice, the DMP's access
notifications). Built with the standard library's ``email`` package."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime, make_msgid
from typing import Final

REPORTING_MTA: Final = "mssante.sandbox"
POSTMASTER: Final = "mailer-daemon@mssante.sandbox"
MES_SENDER: Final = "Mon espace santé <ne-pas-repondre@monespacesante.fr>"
MES_URL: Final = "https://www.monespacesante.fr"


def _ascii(text: str) -> str:
    """The machine-readable fields of a DSN are ASCII (RFC 3464 §2.1): accents dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@dataclass(frozen=True, slots=True)
class Failure:
    recipient: str
    status: str
    reason: str


def delivery_status_notification(
    original: bytes, sender: str, failures: list[Failure], arrival: datetime
) -> bytes:
    """A ``multipart/report; report-type=delivery-status`` (RFC 3464 / RFC 6522): a human part, the
    machine-readable per-message and per-recipient fields, and the original's headers."""
    report = EmailMessage()
    report["From"] = f"Mail Delivery System <{POSTMASTER}>"
    report["To"] = sender
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = format_datetime(arrival)
    report["Message-ID"] = make_msgid(domain=REPORTING_MTA)
    report["Auto-Submitted"] = "auto-replied"
    lines = ["Your message could not be delivered to these recipients:", ""]
    lines += [f"  <{f.recipient}>: {f.reason}" for f in failures]
    report.set_content("\n".join(lines) + "\n")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "delivery-status")

    status = Message()
    status.set_type("message/delivery-status")
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {REPORTING_MTA}"
    per_message["Arrival-Date"] = format_datetime(arrival)
    blocks: list[Message | str] = [per_message]
    for failure in failures:
        block = Message()
        block["Final-Recipient"] = f"rfc822; {failure.recipient}"
        block["Action"] = "failed"
        block["Status"] = failure.status
        block["Diagnostic-Code"] = f"smtp; 550 {failure.status} {_ascii(failure.reason)}"
        blocks.append(block)
    status.set_payload(blocks)
    report.attach(status)  # type: ignore[arg-type]

    headers = Message()
    headers.set_type("text/rfc822-headers")
    original_headers = BytesHeaderParser(policy=compat32).parsebytes(original)
    headers.set_payload("".join(f"{k}: {v}\n" for k, v in original_headers.items()))
    report.attach(headers)  # type: ignore[arg-type]
    return report.as_bytes()


@dataclass(frozen=True, slots=True)
class PersonalEmail:
    kind: str
    to: str
    subject: str
    body: str
    ins: str | None = None
    source_id: str | None = None
    """The DMP notification's id, for the DMP's notifications."""

    def render(self, at: datetime) -> bytes:
        message = EmailMessage()
        message["From"] = MES_SENDER
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(at)
        message["Message-ID"] = make_msgid(domain="monespacesante.fr")
        message["X-Esante-Kind"] = self.kind
        message.set_content(self.body)
        return message.as_bytes()


def activation_invitation(to: str, sender_name: str, ins: str | None) -> PersonalEmail:
    """A professional wrote to a patient whose Mon espace santé is open but not activated."""
    return PersonalEmail(
        "activation-invitation",
        to,
        "Un message vous attend dans Mon espace santé",
        f"{sender_name} vous a envoyé un message dans votre messagerie de santé.\n"
        f"Activez Mon espace santé pour le lire : {MES_URL}\n",
        ins,
    )


def new_message_notice(to: str, sender_name: str, ins: str | None) -> PersonalEmail:
    """A new message in an activated patient mailbox: the notice names the sender, never the content."""
    return PersonalEmail(
        "new-message",
        to,
        "Nouveau message dans Mon espace santé",
        f"Vous avez reçu un nouveau message de {sender_name} dans votre messagerie de santé.\n"
        f"Consultez-le sur {MES_URL}\n",
        ins,
    )


DMP_KINDS: Final[dict[str, str]] = {
    "premier-acces": "Un professionnel a consulté votre dossier médical pour la première fois",
    "acces-bris-de-glace": "Accès en urgence (bris de glace) à votre dossier médical",
    "acces-centre-15": "Accès du centre 15 (SAMU) à votre dossier médical",
    "nouveau-document": "Un nouveau document a été ajouté à votre dossier médical",
}


def dmp_notification(notification: dict[str, object]) -> PersonalEmail:
    """One of the DMP's notifications (services/dmp), as the e-mail the patient receives."""
    kind = str(notification.get("kind", ""))
    subject = DMP_KINDS.get(kind, "Notification de Mon espace santé")
    lines = [subject + ".", f"Professionnel : {notification.get('acteur_nom', '')}"]
    if notification.get("justification"):
        lines.append(f"Justification : {notification['justification']}")
    lines.append(f"Détails dans Mon espace santé : {MES_URL}")
    return PersonalEmail(
        f"dmp-{kind}",
        str(notification.get("email", "")),
        subject,
        "\n".join(lines) + "\n",
        ins=str(notification["ins"]) if notification.get("ins") else None,
        source_id=str(notification.get("id", "")),
    )
