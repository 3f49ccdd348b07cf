"""Health-insurance rights of the synthetic population (what ADRi answers).

Rules the sandbox applies (sandbox-defined where the real ADRi format is unknown):

- Scenarios for a person with own rights: open-ended period (most); closed in the past;
  starting after the reference date; a change of régime (a closed period then an open one with
  another régime, the next day).
- Caisse code: the residence department followed by 1 (``2A`` -> 201, ``2B`` -> 202, overseas
  the 3-digit department), in the way CPAM numbers are built; centre: 4 digits.
- Children on a parent's rights take the parent's periods from their birth on (ayant droit);
  exonérations and the médecin traitant stay personal, the CSS is the household's.
- ALD prevalence grows with age; maternité for some women aged 18-45 (about 4 months around
  the birth); invalidité for some adults aged 20-61; CSS for about 8 % of adults, granted for
  12 months, 365 days here (CSS R861-16).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shared.population.draw import Draw, weighted
from shared.population.model import Exoneration, Period, Rights, RightsPeriod
from shared.population.referentials import (
    ALD,
    ALD_CHILD,
    EXO_INVALIDITE,
    EXO_MATERNITE,
    REGIME_WEIGHTS,
)

_REGIMES = weighted(REGIME_WEIGHTS)
_CENTRES = tuple(f"{number:04d}" for number in range(1, 41))
_ALD_BY_DECADE = (0.02, 0.03, 0.04, 0.04, 0.14, 0.14, 0.30, 0.30, 0.45, 0.45)
"""Probability of at least one ALD by decade of age (0-9, 10-19... 90+)."""
_day = date.fromordinal


def caisse_for(department: str) -> str:
    """The 3-digit caisse code of a residence department (see the module docstring)."""
    if department == "2A":
        return "201"
    if department == "2B":
        return "202"
    return department if len(department) == 3 else f"{department}1"


def _periods(draw: Draw, born: int, caisse: str, today: int) -> tuple[RightsPeriod, ...]:
    centre = draw.pick(_CENTRES)
    regime = draw.pick(_REGIMES)
    start = max(born, today - draw.between(30, 9000))
    roll = draw.below(100)
    if roll >= 12:  # open-ended
        return (RightsPeriod(_day(start), None, regime, caisse, centre),)
    if roll < 4:  # closed in the past
        end = today - draw.between(20, 1500)
        start = max(born, min(start, end - 365))
        return (RightsPeriod(_day(start), _day(end), regime, caisse, centre),)
    if roll < 7:  # opens after the reference date
        return (RightsPeriod(_day(today + draw.between(1, 120)), None, regime, caisse, centre),)
    switch = today - draw.between(30, 900)  # change of régime
    other = regime
    while other == regime:
        other = draw.pick(_REGIMES)
    return (
        RightsPeriod(_day(max(born, min(start, switch - 365))), _day(switch - 1), regime, caisse, centre),
        RightsPeriod(_day(switch), None, other, caisse, centre),
    )


def _ald(draw: Draw, age: int, born: int, today: int) -> tuple[Exoneration, ...]:
    """One or two ALD exonérations (the caller has drawn that the person has some)."""
    table = ALD_CHILD if age < 18 else ALD
    count = 2 if age >= 60 and draw.chance(0.2) else 1
    first = draw.below(len(table))
    exonerations = []
    for offset in range(count):
        code, label = table[(first + offset * 3) % len(table)]
        start = _day(max(born, today - draw.between(30, 5000)))
        end = None if draw.chance(0.9) else _day(today + draw.between(30, 1500))
        exonerations.append(Exoneration(code, label, start, end))
    return tuple(exonerations)


def own_rights(
    draw: Draw,
    born: int,
    age: int,
    sexe: str,
    caisse: str,
    today: int,
    generalists: Sequence[str],
) -> Rights:
    """Rights of a person who is their own ouvrant droit (adults, some teenagers).

    ``born`` and ``today`` (the reference date) are day ordinals; ``caisse`` comes from
    :func:`caisse_for`; the médecin traitant is drawn from ``generalists`` (RPPS numbers).
    """
    periods = _periods(draw, born, caisse, today)
    maternite = None
    if sexe == "F" and 18 <= age <= 45 and draw.chance(0.03):
        start = today - draw.below(101)
        maternite = Exoneration(*EXO_MATERNITE, _day(start), _day(start + 120))
    invalidite = None
    if 20 <= age <= 61 and draw.chance(0.025):
        invalidite = Exoneration(*EXO_INVALIDITE, _day(max(born, today - draw.between(60, 4000))), None)
    css = None
    if age >= 18 and draw.chance(0.08):
        start = today - draw.between(0, 420)
        css = Period(_day(start), _day(start + 364))
    medecin = draw.pick(generalists) if draw.chance(0.85) else None
    ald = _ald(draw, age, born, today) if draw.chance(_ALD_BY_DECADE[min(age // 10, 9)]) else ()
    return Rights(periods, ald, maternite, invalidite, css, medecin)


def child_rights(
    draw: Draw,
    born: int,
    age: int,
    parent: Rights,
    today: int,
    generalists: Sequence[str],
) -> Rights | None:
    """Rights of a child on a parent's rights, or None when no parent period covers the child.

    The child has the parent's periods from its birth on; ``born`` and ``today`` are ordinals.
    """
    birth = _day(born)
    periods = tuple(
        p if p.start >= birth else RightsPeriod(birth, p.end, p.regime, p.caisse, p.centre)
        for p in parent.periods
        if p.end is None or p.end >= birth
    )
    if not periods:
        return None
    medecin = draw.pick(generalists) if draw.chance(0.6) else None
    ald = _ald(draw, age, born, today) if draw.chance(_ALD_BY_DECADE[0]) else ()
    return Rights(periods, ald, None, None, parent.css, medecin)
