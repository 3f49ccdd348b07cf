"""The login rule table: card modes by cards held."""

from __future__ import annotations

import pytest

from services.psc.login_rules import AUTH_MODES, decide_card_mode

PRO = ("cps", "e-cps")
SECRETARY = ("cpe",)


@pytest.mark.parametrize(
    ("requested", "held", "mode", "rule"),
    [
        (None, PRO, "cps", None),
        ("", PRO, "cps", None),
        ("cps", PRO, "cps", None),
        ("e-cps", PRO, "e-cps", None),
        ("cpe", PRO, None, "card-cpe"),
        (None, SECRETARY, "cpe", None),
        ("cpe", SECRETARY, "cpe", None),
        ("cps", SECRETARY, None, "card-not-held"),
        ("e-cps", SECRETARY, None, "card-not-held"),
        (None, ("e-cps",), "e-cps", None),
        ("cps", ("e-cps",), None, "card-not-held"),
        ("CPS", PRO, None, "card-mode-unknown"),
        ("cpx", PRO, None, "card-mode-unknown"),
        (None, (), None, "card-none"),
    ],
)
def test_card_mode_table(
    requested: str | None, held: tuple[str, ...], mode: str | None, rule: str | None
) -> None:
    decision = decide_card_mode(requested, held)
    assert decision.card_mode == mode
    assert decision.rule == rule
    assert decision.allowed is (mode is not None)


def test_auth_mode_is_mobile_only_for_e_cps() -> None:
    assert AUTH_MODES == {"cps": "CARD", "e-cps": "MOBILE", "cpe": "CARD"}
