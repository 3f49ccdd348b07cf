"""The appli carte Vitale (ApCV) session rules (pure, no I/O).

Reading a patient's appli carte Vitale (QR code or NFC) authenticates them online with the SI ApCV
and opens a session in which the billing software calls ADRi and signs the feuille de soins.

Source: the seed document 001 (CPAM seminar "Les outils numériques dans vos pratiques", 18/02/2025):
a session lasts 20 minutes, and one invoice is allowed per session; beyond either, the patient's app
must authenticate again. These two figures were found in that document only, not in a published
specification (facts file §7): the sandbox applies them as stated there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from services.adri.errors import ApcvReauthenticationRequired
from services.adri.records import ApcvSession

SESSION_SECONDS: Final = 20 * 60
"""How long a session lasts, by the tenant clock (seed document 001)."""

INVOICES_PER_SESSION: Final = 1
"""How many invoices a session allows (seed document 001)."""


class SessionStatus(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    INVOICED = "invoiced"


def expiry(opened_at: int) -> int:
    """The instant (Unix seconds) a session opened at ``opened_at`` stops being usable."""
    return opened_at + SESSION_SECONDS


def status_at(session: ApcvSession, now: int) -> SessionStatus:
    """A recorded invoice ends the session at once; otherwise it ends when its 20 minutes are over."""
    if session.invoiced_at is not None:
        return SessionStatus.INVOICED
    if now >= session.expires_at:
        return SessionStatus.EXPIRED
    return SessionStatus.OPEN


def check_usable(session: ApcvSession, now: int) -> None:
    """Raise ``apcv-reauthentication-required`` unless the session is still open at ``now``."""
    status = status_at(session, now)
    if status is SessionStatus.INVOICED:
        raise ApcvReauthenticationRequired(
            f"session {session.id} already has its invoice ({INVOICES_PER_SESSION} per session): "
            "read the patient's appli carte Vitale again to open a new session",
            rule="apcv-one-invoice",
        )
    if status is SessionStatus.EXPIRED:
        raise ApcvReauthenticationRequired(
            f"session {session.id} is over ({SESSION_SECONDS // 60} minutes): "
            "read the patient's appli carte Vitale again to open a new session",
            rule="apcv-session-duration",
        )
