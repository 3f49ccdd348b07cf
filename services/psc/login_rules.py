"""Who may log in, and how: psc's rule tables, pure data and two functions.

Card modes. A professional logs in with a card they hold: CPS (the physical card in a reader), e-CPS
(the mobile app) or CPE (an establishment card, held by staff such as medical secretaries, who have no
RPPS). Asking for a card one does not hold is refused. When no mode is asked for, the first card held
in the order CPS, e-CPS, CPE is used. The mode gives ``authMode`` (``CARD`` for a physical card,
``MOBILE`` for e-CPS) and is carried in the token as ``card_mode`` so that other services can refuse
what a CPE holder may not do.

Mon espace santé. Every person of the register may log in to the patient issuer: the profile's
status (invited, open, activated, opposed, closed) is owned by the DMP, which decides what the person
may do with the token (activate with the invitation code, reopen a closed profile...). psc does not
copy that status, so it can never judge it from a stale copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from shared.auth import CARD_MODES, CardMode

AUTH_MODES: Final[dict[CardMode, str]] = {"cps": "CARD", "e-cps": "MOBILE", "cpe": "CARD"}
CARD_LABELS: Final[dict[str, str]] = {"cps": "CPS", "e-cps": "e-CPS", "cpe": "CPE"}
DEFAULT_ORDER: Final[tuple[CardMode, ...]] = ("cps", "e-cps", "cpe")


@dataclass(frozen=True, slots=True)
class Decision:
    card_mode: CardMode | None = None
    refusal: str | None = None
    rule: str | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def decide_card_mode(requested: str | None, held: tuple[str, ...]) -> Decision:
    """The card mode of a login asking for ``requested`` (None: the default) by a holder of ``held``."""
    if not requested:
        for default in DEFAULT_ORDER:
            if default in held:
                return Decision(default)
        return Decision(refusal="this person holds no card", rule="card-none")
    if requested not in CARD_MODES:
        refusal = f"unknown card_mode {requested[:20]!r} (cps, e-cps or cpe)"
        return Decision(refusal=refusal, rule="card-mode-unknown")
    mode: CardMode = requested
    if mode in held:
        return Decision(mode)
    holds = ", ".join(CARD_LABELS.get(c, c) for c in held) or "no card"
    if mode == "cpe":
        refusal = f"only a CPE holder may log in with a CPE (this person holds {holds})"
        return Decision(refusal=refusal, rule="card-cpe")
    return Decision(refusal=f"{CARD_LABELS[mode]} refused: this person holds {holds}", rule="card-not-held")
