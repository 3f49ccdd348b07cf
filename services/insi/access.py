"""Who may call INSi, and with which software.

A call is made by one of:

- a professional authenticated by ProSanté Connect with a CPS or an e-CPS (a psc bearer token);
- an establishment's staff member with a CPE card (a psc token with ``card_mode`` ``cpe``): qualifying the
  INS can be delegated to the secretariat;
- an organisation, by its certificate on the mTLS endpoint, whose CN is exactly ``INSI-AUTO`` or
  ``INSI-MANU`` (the access level).

Anyone else (a patient's token, a software-only token, a certificate with another CN) gets the real
``desir_560`` (access level too low). The software's authorisation number (IDAM) must then be known,
else ``desir_550``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.insi.errors import IdamInconnu, IdamInvalide, NiveauAccesInsuffisant
from services.insi.rules import CARD_LEVELS, CERTIFICATE_LEVELS
from shared.auth import Actor, ProfessionalActor


@dataclass(frozen=True, slots=True)
class Appelant:
    """An accepted caller: its access level (CPS, E-CPS, CPE, INSI-AUTO, INSI-MANU) and who it is."""

    niveau: str
    identifiant: str


def from_actor(actor: Actor) -> Appelant:
    """The caller behind a verified psc token; refuses patients and software-only tokens."""
    if not isinstance(actor, ProfessionalActor):
        raise NiveauAccesInsuffisant(
            f"a {actor.kind} token may not call INSi: a CPS, e-CPS or CPE holder's token is needed",
            rule="insi-niveau-acces",
        )
    return Appelant(niveau=CARD_LEVELS[actor.card], identifiant=actor.idnat)


def from_certificate(common_name: str | None, subject: str) -> Appelant:
    """The organisation behind a client certificate; its CN must be INSI-AUTO or INSI-MANU."""
    niveau = CERTIFICATE_LEVELS.get(common_name or "")
    if niveau is None:
        raise NiveauAccesInsuffisant(
            f"certificate CN {common_name!r} gives no access to INSi: the CN must be INSI-AUTO or INSI-MANU",
            rule="insi-niveau-acces",
        )
    return Appelant(niveau=niveau, identifiant=subject)


def check_idam(idam: str | None, *, known: bool) -> str:
    """The software authorisation number, when one was sent and it is ``known`` (registered in the
    tenant or in the settings); ``desir_550`` otherwise."""
    if not idam:
        raise IdamInconnu("no software authorisation number (IDAM) was sent", rule="insi-idam")
    if not known:
        raise IdamInconnu(f"software authorisation number {idam[:64]!r} is unknown", rule="insi-idam")
    return idam


IDAM_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
"""Numbers that may be registered: letters, digits, ``.``, ``_``, ``:``, ``-``; 64 at most."""


def check_new_idam(idam: str) -> str:
    """A number to register in a tenant, when its format is acceptable."""
    if not IDAM_PATTERN.fullmatch(idam):
        raise IdamInvalide(f"{idam[:80]!r} must match {IDAM_PATTERN.pattern}", rule="insi-idam-format")
    return idam
