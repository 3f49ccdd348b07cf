"""The appli carte Vitale session rules (pure): 20 minutes, one invoice."""

from __future__ import annotations

import pytest

from services.adri.apcv import (
    INVOICES_PER_SESSION,
    SESSION_SECONDS,
    SessionStatus,
    check_usable,
    expiry,
    status_at,
)
from services.adri.errors import ApcvReauthenticationRequired
from services.adri.records import ApcvSession

OPENED = 1_767_268_800  # 2026-01-01T12:00:00Z


def _session(invoiced_at: int | None = None) -> ApcvSession:
    return ApcvSession("s", "275126322074974", "899700000018", "cps", OPENED, expiry(OPENED), invoiced_at)


def test_the_seed_documents_figures() -> None:
    assert SESSION_SECONDS == 1200
    assert INVOICES_PER_SESSION == 1


@pytest.mark.parametrize(
    ("elapsed", "invoiced", "status"),
    [
        (0, False, SessionStatus.OPEN),
        (SESSION_SECONDS - 1, False, SessionStatus.OPEN),
        (SESSION_SECONDS, False, SessionStatus.EXPIRED),
        (10 * SESSION_SECONDS, False, SessionStatus.EXPIRED),
        (60, True, SessionStatus.INVOICED),
        (SESSION_SECONDS + 1, True, SessionStatus.INVOICED),
    ],
)
def test_status(elapsed: int, invoiced: bool, status: SessionStatus) -> None:
    session = _session(OPENED + 30 if invoiced else None)
    assert status_at(session, OPENED + elapsed) is status


def test_usable_while_open() -> None:
    check_usable(_session(), OPENED + SESSION_SECONDS - 1)


@pytest.mark.parametrize(
    ("session", "now", "rule"),
    [
        (_session(), OPENED + SESSION_SECONDS, "apcv-session-duration"),
        (_session(OPENED + 10), OPENED + 11, "apcv-one-invoice"),
    ],
)
def test_reauthentication_required(session: ApcvSession, now: int, rule: str) -> None:
    with pytest.raises(ApcvReauthenticationRequired) as raised:
        check_usable(session, now)
    assert raised.value.rule == rule
    assert raised.value.code == "apcv-reauthentication-required"
