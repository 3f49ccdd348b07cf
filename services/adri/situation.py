"""The administrative situation of a beneficiary at a date: the rules ADRi applies (pure, no I/O).

ADRi returns the rights "at the date of care" (facts file §4): the AMO period covering that day with
its régime, caisse and centre, the exonérations and the complémentaire santé solidaire in force that
day, and the declared médecin traitant. Periods are inclusive of both ends.

When no period covers the day:

- no period had started by then: ``rights-not-yet-open`` (the answer names the first opening);
- otherwise the rights ended before that day: ``rights-closed`` (the answer names the end, and the
  next opening when a later period exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.adri.errors import RightsClosed, RightsNotYetOpen
from services.adri.records import AmoPeriod, Beneficiary, CssPeriod, Exoneration, covers


@dataclass(frozen=True, slots=True)
class Situation:
    """A beneficiary's rights on ``day``."""

    day: date
    beneficiary: Beneficiary
    period: AmoPeriod
    exonerations: tuple[Exoneration, ...]
    css: CssPeriod | None


def situation_at(beneficiary: Beneficiary, day: date) -> Situation:
    """The situation of ``beneficiary`` on ``day``; raises when no AMO period covers that day."""
    period = next((p for p in beneficiary.periods if covers(p.start, p.end, day)), None)
    if period is None:
        raise _no_rights(beneficiary, day)
    return Situation(
        day=day,
        beneficiary=beneficiary,
        period=period,
        exonerations=tuple(e for e in beneficiary.exonerations if covers(e.start, e.end, day)),
        css=next((c for c in beneficiary.css if covers(c.start, c.end, day)), None),
    )


def _no_rights(beneficiary: Beneficiary, day: date) -> RightsClosed | RightsNotYetOpen:
    matricule = beneficiary.identity.matricule
    started = [p for p in beneficiary.periods if p.start <= day]
    later = [p for p in beneficiary.periods if p.start > day]
    if not started:
        first = min(p.start for p in later)
        return RightsNotYetOpen(
            f"the AMO rights of {matricule} open on {first.isoformat()}, after {day.isoformat()}",
            rule="rights-not-yet-open",
        )
    ended = max(p.end for p in started if p.end is not None)
    detail = f"the AMO rights of {matricule} ended on {ended.isoformat()}, before {day.isoformat()}"
    if later:
        detail += f"; they open again on {min(p.start for p in later).isoformat()}"
    return RightsClosed(detail, rule="rights-closed")
