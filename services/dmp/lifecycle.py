"""The Mon espace santé profile lifecycle, computed from dates at read time (no background job).

Facts (fr-ehealth-facts §2, seed 002): every insured person receives an invitation (letter or e-mail with
a provisional code); **six weeks** after it, without an answer, the profile is created automatically,
unless the person objected in the meantime. A created profile is *open*; the person *activates* it with
the code of the invitation. It may be *closed* at any time: its data are archived **ten years**, then
deleted (CSP R1111-36); reopening within that time restores the archive.

Every event is an instant (Unix milliseconds of the tenant clock) and counts only once the clock has
reached it, so that moving the tenant clock moves the status: an invitation dated 2026-01-01 gives a
profile on 2026-02-12 without anything being written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

DAY_MS: Final = 86_400_000
AUTO_CREATION_MS: Final = 42 * DAY_MS
"""Six weeks between the invitation and the automatic creation."""
ARCHIVE_YEARS: Final = 10


class Statut(StrEnum):
    INVITED = "invited"
    """Invitation sent, less than six weeks ago, no decision yet: no profile."""
    OPPOSED = "opposed"
    """The person objected before the creation: no profile."""
    OPEN = "open"
    """Created (automatically, or early), never activated."""
    ACTIVATED = "activated"
    CLOSED = "closed"
    """Closed less than ten years ago: archived, can be reopened with its data."""
    DELETED = "deleted"
    """Closed ten years ago or more: the data are gone."""


EXISTS: Final = frozenset({Statut.OPEN, Statut.ACTIVATED})


def ms(instant: datetime) -> int:
    """Unix milliseconds of an aware datetime."""
    return int(instant.timestamp() * 1000)


def instant(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def add_years(value: int, years: int) -> int:
    """``value`` + ``years`` calendar years (29 February becomes 28 February)."""
    moment = instant(value)
    try:
        later = moment.replace(year=moment.year + years)
    except ValueError:
        later = moment.replace(year=moment.year + years, day=28)
    return ms(later)


@dataclass(frozen=True, slots=True)
class Dates:
    """The instants of a profile's events (Unix ms), None when the event did not happen."""

    invited_at: int
    opposed_at: int | None = None
    created_at: int | None = None
    """An explicit creation: activation before the six weeks, reopening after deletion."""
    activated_at: int | None = None
    closed_at: int | None = None


def creation(d: Dates) -> int | None:
    """When the profile came into being: the automatic creation six weeks after the invitation, unless
    the person objected before it, or an earlier explicit creation."""
    automatic = d.invited_at + AUTO_CREATION_MS
    objected = d.opposed_at is not None and d.opposed_at < automatic
    automatic_or_none = None if objected else automatic
    candidates = [t for t in (automatic_or_none, d.created_at) if t is not None]
    return min(candidates) if candidates else None


def statut(d: Dates, now: int) -> Statut:
    """The status at ``now`` (Unix ms of the tenant clock)."""
    if d.closed_at is not None and d.closed_at <= now:
        return Statut.DELETED if now >= add_years(d.closed_at, ARCHIVE_YEARS) else Statut.CLOSED
    created = creation(d)
    if created is None or created > now:
        if d.opposed_at is not None and d.opposed_at <= now:
            return Statut.OPPOSED
        return Statut.INVITED
    if d.activated_at is not None and d.activated_at <= now:
        return Statut.ACTIVATED
    return Statut.OPEN


def archive_deleted_at(d: Dates) -> int | None:
    """When a closed profile's archive is (or will be) deleted."""
    return None if d.closed_at is None else add_years(d.closed_at, ARCHIVE_YEARS)


TD02: Final[dict[Statut, str]] = {
    Statut.OPEN: "actif",
    Statut.ACTIVATED: "actif",
    Statut.CLOSED: "ferme",
    Statut.DELETED: "inconnu",
    Statut.OPPOSED: "inconnu",
    Statut.INVITED: "inconnu",
}
"""The DMP status as TD0.2 reports it: actif / fermé / inconnu."""
