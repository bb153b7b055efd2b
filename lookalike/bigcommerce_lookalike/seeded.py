"""Deterministic pseudo-random values keyed by (seed, kind, index).

Everything the lookalike generates derives from the seed through these, so nothing is stored up front and the
same seed always yields the same store, byte for byte (``random`` would need one generator per record).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import TypeVar

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_KEY = struct.Struct("<QQQQ")
_UNITS = struct.Struct("<32H")

T = TypeVar("T")


def mix64(value: int) -> int:
    """The splitmix64 finaliser: a fast, well-spread 64-bit hash of an integer."""
    z = (value + _GAMMA) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class Keys:
    """One 64-bit key per record index, for one (seed, record kind); kinds keep record streams apart."""

    __slots__ = ("_base",)

    def __init__(self, seed: int, kind: int) -> None:
        self._base = mix64(seed & _MASK) ^ (kind << 40)

    def __call__(self, index: int) -> int:
        return mix64(self._base ^ index)


class Draws:
    """A stream of pseudo-random values for one record.

    One BLAKE2b digest gives 32 sixteen-bit units at once; a draw is then a tuple lookup, which matters when
    a page of orders makes tens of thousands of draws.
    """

    __slots__ = ("_block", "_position", "_seed_key", "_units")

    def __init__(self, seed: int, kind: int, index: int) -> None:
        self._seed_key = (seed & _MASK, kind, index & _MASK)
        self._block = 0
        self._refill()

    def _refill(self) -> None:
        seed, kind, index = self._seed_key
        digest = hashlib.blake2b(_KEY.pack(seed, kind, index, self._block), digest_size=64).digest()
        self._units = _UNITS.unpack(digest)
        self._position = 0
        self._block += 1

    def _take(self, count: int) -> int:
        """Position of ``count`` fresh units (refilling when the block runs out)."""
        position = self._position
        if position + count > 32:
            self._refill()
            position = 0
        self._position = position + count
        return position

    def next(self) -> int:
        """A 64-bit integer."""
        units, position = self._units, self._take(4)
        return units[position] << 48 | units[position + 1] << 32 | units[position + 2] << 16 | units[position + 3]

    def below(self, bound: int) -> int:
        """An integer in ``[0, bound)`` (modulo bias under 0.4 % for small bounds, negligible above)."""
        if bound <= 256:
            return self._units[self._take(1)] % bound
        position = self._take(2)
        return (self._units[position] << 16 | self._units[position + 1]) % bound

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return low + self.below(high - low + 1)

    def unit(self) -> float:
        """A float in ``[0, 1)``."""
        position = self._take(2)
        return (self._units[position] << 16 | self._units[position + 1]) / 4294967296.0

    def chance(self, probability: float) -> bool:
        return self.unit() < probability

    def pick(self, choices: Sequence[T]) -> T:
        return choices[self.below(len(choices))]

    def text(self, length: int, alphabet: str) -> str:
        """A string of ``length`` characters of ``alphabet`` (for ids and fixed credentials)."""
        return "".join(alphabet[self.below(len(alphabet))] for _ in range(length))

    def hex(self, length: int) -> str:
        """``length`` lowercase hex digits."""
        digits = ""
        while len(digits) < length:
            digits += f"{self.next():016x}"
        return digits[:length]
