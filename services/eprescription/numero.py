"""The numéro unique de prescription: the sandbox's own format (the real one is not public).

Eighteen characters of the alphabet ``0-9 A-Z`` (36 symbols, upper case; lower case is read as upper
case, spaces and hyphens a person may type are dropped):

* characters 1-2: the format version, ``01``;
* characters 3-17: fifteen random symbols (36^15, about 2^77 numbers);
* character 18: the check character. Read each character as its value in ``ALPHABET`` (``0`` = 0 ...
  ``9`` = 9, ``A`` = 10 ... ``Z`` = 35) and weight the eighteen values 2, 1, 2, 1, ... from the left
  (odd positions 2, even positions 1; the check character itself has weight 1): the weighted sum of a
  valid number is 1 modulo 36. So the check character is ``(1 - s) mod 36`` where ``s`` is the weighted
  sum of the first seventeen. This catches every transposition of two adjacent characters and every
  single substitution except, on a position of weight 2, a change of value by exactly 18.

The real algorithm of the base e-prescription is not public. This one was chosen so that the number
printed on the facsimile of seed document 001 (``01S2TBPZ2JCNZZYGHZ``, the only example the seeds give)
is valid, with the same length, alphabet and version prefix; its weighted sum is 1 modulo 36. The
prescriber's software may make the number itself (seed 000: its software « génère un identifiant
unique »): the create route accepts one that passes this check and is not used yet.
"""

from __future__ import annotations

import secrets
from random import Random
from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VERSION: Final = "01"
LENGTH: Final = 18
_VALUE: Final = {c: i for i, c in enumerate(ALPHABET)}
_M: Final = 36
_WEIGHTS: Final = (2, 1)


class NumeroError(ValueError):
    """A mistyped number; ``rule`` is ``numero-format`` or ``numero-check``."""

    def __init__(self, detail: str, rule: str) -> None:
        super().__init__(detail)
        self.rule = rule


def _weighted_sum(chars: str) -> int:
    return sum(_VALUE[char] * _WEIGHTS[i % 2] for i, char in enumerate(chars))


def check_character(body: str) -> str:
    """The check character of the seventeen characters ``body`` (symbols of ``ALPHABET``)."""
    return ALPHABET[(1 - _weighted_sum(body)) % _M]


def is_check_valid(numero: str) -> bool:
    return _weighted_sum(numero) % _M == 1


def make_numero(draw: Random | None = None) -> str:
    """A new number: the version, fifteen random symbols (``secrets`` unless ``draw`` is given, for
    deterministic seeding), the check character."""
    pick = secrets.choice if draw is None else draw.choice
    body = VERSION + "".join(pick(ALPHABET) for _ in range(LENGTH - 3))
    return body + check_character(body)


def parse_numero(value: str) -> str:
    """The number in canonical form, or ``NumeroError`` naming the rule it breaks."""
    numero = value.strip().upper().replace(" ", "").replace("-", "")
    if len(numero) != LENGTH:
        raise NumeroError(
            f"a prescription number has {LENGTH} characters, not {len(numero)}", "numero-format"
        )
    bad = sorted({c for c in numero if c not in _VALUE})
    if bad:
        raise NumeroError(f"characters {''.join(bad)[:10]!r} are not in 0-9 A-Z", "numero-format")
    if not numero.startswith(VERSION):
        raise NumeroError(f"the number starts with the format version {VERSION}", "numero-format")
    if not is_check_valid(numero):
        raise NumeroError(
            "the check character does not match (weights 2, 1 from the left, sum 1 modulo 36): "
            "the number was mistyped",
            "numero-check",
        )
    return numero
