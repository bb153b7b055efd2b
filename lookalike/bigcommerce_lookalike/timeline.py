"""When each record was last modified: non-decreasing in the record index.

Because ``date_modified`` never goes down as the id goes up, a ``min/max_date_modified`` filter is an index range
found by bisection, and ``sort=date_modified:asc`` is id order: both cost nothing at a million records.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable

from bigcommerce_lookalike.seeded import Keys

_UNIT = 1.0 / (1 << 53)


class Timeline:
    """Spreads ``count`` records over ``[start, end]`` epoch seconds with a little per-record jitter."""

    def __init__(self, seed: int, kind: int, count: int, start: int, end: int) -> None:
        self.count = count
        self.start = start
        self.end = end
        self._step = (end - start) / count if count else 0.0
        self._keys = Keys(seed, kind)

    def at(self, index: int) -> int:
        """Epoch second of record ``index`` (0-based): ``start + (index + jitter) * step``, jitter in [0, 1)."""
        jitter = (self._keys(index) >> 11) * _UNIT
        return self.start + int((index + jitter) * self._step)

    def first_at_or_after(self, moment: float) -> int:
        """Lowest index whose time is ``>= moment`` (``count`` when none is)."""
        return bisect_left(range(self.count), moment, key=self.at)

    def first_after(self, moment: float) -> int:
        """Lowest index whose time is ``> moment`` (``count`` when none is)."""
        return bisect_left(range(self.count), math.floor(moment) + 1, key=self.at)


class Moments:
    """A timeline over any non-decreasing ``at(index)`` (refunds, price list records), for date filters."""

    def __init__(self, count: int, at: Callable[[int], int]) -> None:
        self.count, self.at = count, at

    def first_at_or_after(self, moment: float) -> int:
        return bisect_left(range(self.count), moment, key=self.at)

    def first_after(self, moment: float) -> int:
        return bisect_left(range(self.count), math.floor(moment) + 1, key=self.at)
