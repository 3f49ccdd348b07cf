"""The situation at a date (pure rules): which period, which exonérations and CSS, which refusal."""

from __future__ import annotations

from datetime import date

import pytest

from services.adri.errors import RightsClosed, RightsNotYetOpen
from services.adri.records import AmoPeriod, Beneficiary, CssPeriod, Exoneration, Identity
from services.adri.situation import situation_at

ME = Identity("275126322074974", "ADRUN", "ADRUN", ("ZOE",), "F", "1975-12-31", 1, "275126322074974")
D = date.fromisoformat


def _beneficiary(
    periods: tuple[AmoPeriod, ...],
    exonerations: tuple[Exoneration, ...] = (),
    css: tuple[CssPeriod, ...] = (),
) -> Beneficiary:
    return Beneficiary(ME, periods, exonerations, css, "99700000018", (ME,))


CHANGE = _beneficiary(
    (
        AmoPeriod(D("2010-01-01"), D("2024-06-30"), "01", "631", "0001"),
        AmoPeriod(D("2024-07-01"), None, "02", "632", "0002"),
    )
)
GAP = _beneficiary(
    (
        AmoPeriod(D("2010-01-01"), D("2020-12-31"), "01", "631", "0001"),
        AmoPeriod(D("2022-01-01"), None, "01", "631", "0001"),
    )
)


@pytest.mark.parametrize(
    ("day", "regime"),
    [
        ("2010-01-01", "01"),  # first day of the first period
        ("2024-06-30", "01"),  # its last day (inclusive)
        ("2024-07-01", "02"),  # the new régime from the next day
        ("2099-01-01", "02"),  # open-ended
    ],
)
def test_period_in_force(day: str, regime: str) -> None:
    assert situation_at(CHANGE, D(day)).period.regime == regime


@pytest.mark.parametrize(
    ("beneficiary", "day", "error", "named"),
    [
        (CHANGE, "2009-12-31", RightsNotYetOpen, "2010-01-01"),
        (GAP, "2021-06-01", RightsClosed, "2020-12-31"),
        (
            _beneficiary((AmoPeriod(D("2010-01-01"), D("2020-12-31"), "01", "631", "0001"),)),
            "2021-01-01",
            RightsClosed,
            "2020-12-31",
        ),
    ],
)
def test_no_period_in_force(beneficiary: Beneficiary, day: str, error: type[Exception], named: str) -> None:
    with pytest.raises(error, match=named):
        situation_at(beneficiary, D(day))


def test_a_gap_names_the_reopening() -> None:
    with pytest.raises(RightsClosed, match="open again on 2022-01-01"):
        situation_at(GAP, D("2021-06-01"))


ALD = Exoneration("ald", "ALD08", "Diabète", D("2020-03-01"), None)
MAT = Exoneration("maternite", "MAT", "Exonération maternité", D("2025-10-01"), D("2026-01-29"))
WITH_EXO = _beneficiary(
    (AmoPeriod(D("2010-01-01"), None, "01", "631", "0001"),),
    (ALD, MAT),
    (CssPeriod(D("2025-07-17"), D("2026-07-16")),),
)


@pytest.mark.parametrize(
    ("day", "codes", "css"),
    [
        ("2020-02-29", [], False),
        ("2020-03-01", ["ALD08"], False),
        ("2025-07-16", ["ALD08"], False),
        ("2025-10-01", ["ALD08", "MAT"], True),
        ("2026-01-29", ["ALD08", "MAT"], True),
        ("2026-01-30", ["ALD08"], True),
        ("2026-07-16", ["ALD08"], True),
        ("2026-07-17", ["ALD08"], False),
    ],
)
def test_exonerations_and_css_in_force(day: str, codes: list[str], css: bool) -> None:
    found = situation_at(WITH_EXO, D(day))
    assert [e.code for e in found.exonerations] == codes
    assert (found.css is not None) is css
