"""A deterministic source of draws, identical on every machine and Python >= 3.11.

Only ``random.Random(int).getrandbits(k)`` is used: the Mersenne Twister, its integer seeding
and ``getrandbits`` have been stable across CPython versions, unlike ``choice``, ``randint``,
``shuffle`` or ``sample``, whose algorithms have changed. The seed of each named stream is
derived with SHA-256, so streams are independent and adding one does not shift another.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

_FULL = 1 << 32


class Draw:
    """Uniform integers, chances and picks from one named stream of a seed."""

    __slots__ = ("_bits",)

    def __init__(self, seed: int, stream: str) -> None:
        digest = hashlib.sha256(f"esante-sandbox:{seed}:{stream}".encode()).digest()
        self._bits = random.Random(int.from_bytes(digest, "big")).getrandbits

    def below(self, n: int) -> int:
        """An integer in ``[0, n)`` (multiply-shift of 32 random bits; n must be < 2**32)."""
        return (self._bits(32) * n) >> 32

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return low + ((self._bits(32) * (high - low + 1)) >> 32)

    def chance(self, probability: float) -> bool:
        """True with the given probability (compared against 32 random bits)."""
        return self._bits(32) < probability * _FULL

    def pick(self, items: Sequence[T]) -> T:
        """One item of a non-empty sequence, uniformly."""
        return items[(self._bits(32) * len(items)) >> 32]

    def bits(self, k: int) -> int:
        """``k`` raw random bits."""
        return self._bits(k)


def weighted(pairs: Iterable[tuple[T, int]]) -> tuple[T, ...]:
    """Each item repeated by its integer weight: ``draw.pick`` on it draws by weight.

    Meant for small total weights (hundreds to a few thousands).
    """
    return tuple(item for item, weight in pairs for _ in range(weight))
