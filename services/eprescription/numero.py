"""The numéro unique de prescription: the sandbox's own format (the real one is not public).

Eighteen characters of the alphabet ``0-9 A-Z`` (36 symbols, upper case; lower case is read as upper
case, spaces and hyphens a person may type are dropped):

* characters 1-2: the format version, ``01``;
* characters 3-17: fifteen random symbols (36^15, about 2^77 numbers);
* character 18: the check character of ISO/IEC 7064 MOD 37,36 (the hybrid system with M = 36) over
  the seventeen before it. It catches every single substitution and nearly every transposition of
  two adjacent characters (measured: about 1 in 1,000 swaps goes unnoticed).

The number printed on the facsimile of seed document 001 (``01S2TBPZ2JCNZZYGHZ``) has the same length,
alphabet and version prefix; whether its last character is a check character of the real system is not
known, and under this scheme it is not a valid number.
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


class NumeroError(ValueError):
    """A mistyped number; ``rule`` is ``numero-format`` or ``numero-check``."""

    def __init__(self, detail: str, rule: str) -> None:
        super().__init__(detail)
        self.rule = rule


def check_character(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character of ``body`` (symbols of ``ALPHABET``)."""
    product = _M
    for char in body:
        total = (product + _VALUE[char]) % _M or _M
        product = (total * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - product) % _M]


def is_check_valid(numero: str) -> bool:
    product, total = _M, 0
    for char in numero:
        total = (product + _VALUE[char]) % _M or _M
        product = (total * 2) % (_M + 1)
    return total == 1


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
            "the check character does not match (ISO/IEC 7064 MOD 37,36): the number was mistyped",
            "numero-check",
        )
    return numero
