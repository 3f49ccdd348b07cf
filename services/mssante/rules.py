"""MSSanté's rules as data: addresses, the AUTH identity syntax, [FIN], what a patient's Mon espace santé
status does to a message, and the SMTP replies. Pure functions, table-tested.

Sources: fr-ehealth-facts §5 (the patient mailbox ``<INS>@patient.mssante.fr``, only professionals open a
conversation, the subject exactly ``[FIN]`` ends it, the header ``X-MSS-MES: FIN`` of MSSanté Réf #2
ECO.2.2.8 too, domains in ``.mssante.fr``, 550 / 552), seeds 003 and 004.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from shared.tenancy import DEFAULT_TENANT

MSSANTE_SUFFIX: Final = ".mssante.fr"
PATIENT_DOMAIN: Final = "patient.mssante.fr"
FIN_SUBJECT: Final = "[FIN]"
FIN_HEADER: Final = "X-MSS-MES"
FIN_VALUE: Final = "FIN"

ORGANISATIONAL_LOCAL: Final = "secretariat"
"""Every structure has an organisational mailbox ``secretariat@<domain>``."""
APPLICATIVE_LOCAL: Final[dict[str, str]] = {
    "cabinet": "lgc",
    "officine": "lgo",
    "hopital": "dpi",
    "centre-15": "regulation",
}
"""The applicative mailbox of a structure, by kind (the software that files what it receives)."""
APPLICATIVE_DEFAULT: Final = "applicatif"

_INS_LOCAL = re.compile(r"[0-9]{6}[0-9AB][0-9]{8}", re.IGNORECASE)
"""A matricule INS: 15 characters, ``2A`` / ``2B`` for a birth in Corsica (department at 6-7)."""
_TENANT_PREFIX = re.compile(r"^([a-z0-9-]{1,40})/(.+)$")


class Kind(StrEnum):
    NOMINATIVE = "nominative"
    ORGANISATIONNELLE = "organisationnelle"
    APPLICATIVE = "applicative"
    PATIENT = "patient"


def normalise(address: str) -> str:
    """Addresses are compared lower-case (the INS letters A / B of Corsica included)."""
    return address.strip().strip("<>").lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def in_mssante_space(address: str) -> bool:
    """Only ``*.mssante.fr`` is delivered to: anything else is a relay, which the space refuses."""
    return domain_of(address).endswith(MSSANTE_SUFFIX)


def patient_ins(address: str) -> str | None:
    """The INS of a patient address ``<INS>@patient.mssante.fr`` (15 characters), else None."""
    local, _, domain = address.rpartition("@")
    if domain.lower() != PATIENT_DOMAIN or not _INS_LOCAL.fullmatch(local):
        return None
    return local.upper()


def patient_address(ins: str) -> str:
    return f"{ins.lower()}@{PATIENT_DOMAIN}"


def applicative_local(structure_kind: str) -> str:
    return APPLICATIVE_LOCAL.get(structure_kind, APPLICATIVE_DEFAULT)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who an SMTP AUTH names: a mailbox in a tenant."""

    tenant: str
    address: str


def parse_identity(login: str) -> Identity:
    """The AUTH identity syntax: ``<mailbox>`` is in the default tenant, ``<tenant>/<mailbox>`` in the
    named one (the tenant name's own syntax: ``[a-z0-9-]{1,40}``)."""
    text = login.strip()
    match = _TENANT_PREFIX.match(text)
    if match is None:
        return Identity(DEFAULT_TENANT, normalise(text))
    return Identity(match.group(1), normalise(match.group(2)))


def ends_conversation(subject: str | None, mes_header: str | None) -> str | None:
    """How a professional's message ends the conversation, or None: the subject is exactly the five
    characters ``[FIN]`` (no trimming, no case folding), or the header ``X-MSS-MES`` is ``FIN``."""
    if subject == FIN_SUBJECT:
        return "subject"
    if mes_header is not None and mes_header.strip() == FIN_VALUE:
        return "header"
    return None


class Action(StrEnum):
    DELIVER = "deliver"
    HOLD = "hold"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class PatientOutcome:
    """What a patient's Mon espace santé status does to a message for them."""

    action: Action
    notice: str | None
    """The e-mail sent to the personal address: ``activation-invitation`` or ``new-message``."""
    status: str = ""
    """For a refusal: the DSN's enhanced status code and why (RFC 3463)."""
    reason: str = ""


PATIENT_OUTCOMES: Final[dict[str, PatientOutcome]] = {
    "activated": PatientOutcome(Action.DELIVER, "new-message"),
    "open": PatientOutcome(Action.HOLD, "activation-invitation"),
    "opposed": PatientOutcome(
        Action.REFUSE, None, "5.2.1", "the patient objected to Mon espace santé: no patient mailbox"
    ),
    "closed": PatientOutcome(Action.REFUSE, None, "5.2.1", "the patient's Mon espace santé is closed"),
    "deleted": PatientOutcome(
        Action.REFUSE, None, "5.1.1", "the patient's Mon espace santé was closed and its data deleted"
    ),
    "invited": PatientOutcome(
        Action.REFUSE, None, "5.1.1", "the patient's Mon espace santé does not exist yet (invited)"
    ),
    "unknown": PatientOutcome(Action.REFUSE, None, "5.1.1", "no Mon espace santé for this INS"),
}
"""By the DMP's status at delivery time (services/dmp/lifecycle.py). Opposed and closed: not delivered,
the sender gets a non-delivery report; open (never activated): kept, readable once activated, the
patient is invited to activate; activated: delivered and notified."""

INVISIBLE_OUTCOME: Final = PatientOutcome(
    Action.REFUSE,
    None,
    "5.7.1",
    "a document flagged INVISIBLE_PATIENT is never sent to the patient's mailbox",
)


def patient_outcome(statut: str) -> PatientOutcome:
    return PATIENT_OUTCOMES.get(statut, PATIENT_OUTCOMES["unknown"])


class Reply(StrEnum):
    """The SMTP replies of the space (RFC 5321 codes, RFC 3463 enhanced codes)."""

    OK = "250 2.0.0 OK"
    RCPT_OK = "250 2.1.5 OK"
    SENDER_OK = "250 2.1.0 OK"
    NOT_READY = "421 4.3.2 the sandbox is not ready yet, try again"
    AUTH_REQUIRED = "530 5.7.0 authentication required"
    AUTH_FAILED = "535 5.7.8 authentication credentials invalid"
    AUTH_TENANT = "535 5.7.8 unknown or invalid tenant in the AUTH identity"
    SENDER_NOT_OWNED = "553 5.7.1 the sender must be the authenticated mailbox"
    RELAY_DENIED = "550 5.7.1 relay denied: only *.mssante.fr mailboxes are delivered to"
    UNKNOWN_MAILBOX = "550 5.1.1 mailbox unknown"
    OVER_QUOTA = "552 5.2.2 mailbox full (over quota)"
    PATIENT_OPENS = "550 5.7.1 a patient can only reply in a conversation a professional opened"
    CONVERSATION_ENDED = "550 5.7.1 the professional ended this conversation ([FIN])"
    PATIENT_TO_PATIENT = "550 5.7.1 a patient mailbox only writes to professionals"
    PATIENT_NOT_ACTIVATED = "550 5.7.1 the patient's Mon espace santé is not activated"
    MALFORMED = "550 5.6.0 malformed message"
    MISSING_FROM = "550 5.6.0 the message has no From header"
    FROM_MISMATCH = "550 5.7.1 the From header must be the authenticated mailbox"
    UPSTREAM = "451 4.4.1 the DMP did not answer, try again later"
