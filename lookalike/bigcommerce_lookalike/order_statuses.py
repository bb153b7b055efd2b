"""Orders by status: the ``status_id`` filter of ``GET /v2/orders`` and its count, and which orders the store's
default list leaves out under each reading (``readings.orders_incomplete``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bigcommerce_lookalike.paging import Selection

INCOMPLETE = 0  # orders.v2.oas2.yml "Get All Order Statuses": status 0 is Incomplete


class Ordered(Protocol):
    descending: bool

    def __len__(self) -> int: ...

    def index_at(self, position: int) -> int: ...

    def indexes(self, start: int, stop: int) -> list[int]: ...


class ByStatus:
    """The orders of ``base`` whose status passes ``keep``, in ``base``'s order, with a ``Selection``'s interface.

    Over a plain ascending ``Selection`` the status bytes are searched directly, so a status that few orders have
    costs nothing at a million orders; anything else is walked record by record.
    """

    def __init__(self, base: Ordered, statuses: bytes, *, wanted: int | None = None, unwanted: int | None = None):
        self.base = base
        self.descending = base.descending
        self._statuses = statuses
        self._wanted, self._unwanted = wanted, unwanted
        self._plain = isinstance(base, Selection) and not base.descending
        self._length: int | None = None

    def keeps(self, index: int) -> bool:
        status = self._statuses[index]
        return status == self._wanted if self._wanted is not None else status != self._unwanted

    def __len__(self) -> int:
        if self._length is None:
            if self._plain:
                base = self.base
                assert isinstance(base, Selection)
                window = self._statuses[base.low : base.high]
                hits = window.count(bytes((self._wanted if self._wanted is not None else self._unwanted,)))
                self._length = hits if self._wanted is not None else len(window) - hits
            else:
                self._length = sum(1 for position in range(len(self.base)) if self.keeps(self.base.index_at(position)))
        return self._length

    def indexes(self, start: int, stop: int) -> list[int]:
        found: list[int] = []
        skip = max(0, start)
        for index in self._candidates():
            if not self.keeps(index):
                continue
            if skip:
                skip -= 1
                continue
            if len(found) >= stop - max(0, start):
                break
            found.append(index)
        return found

    def index_at(self, position: int) -> int:
        return self.indexes(position, position + 1)[0]

    def _candidates(self):  # noqa: ANN202 - a generator of indexes
        base = self.base
        if self._plain and self._wanted is not None:
            assert isinstance(base, Selection)
            needle = bytes((self._wanted,))
            at = self._statuses.find(needle, base.low, base.high)
            while at != -1:
                yield at
                at = self._statuses.find(needle, at + 1, base.high)
            return
        for position in range(len(base)):
            yield base.index_at(position)


def breakdown(selection: Ordered, status_of: Callable[[int], int], fast: Callable[[int, int], dict[int, int]]):
    """Orders per status among ``selection`` (a plain ``Selection`` is counted on the status bytes)."""
    if isinstance(selection, Selection):
        return fast(selection.low, max(selection.low, selection.high))
    counts: dict[int, int] = {}
    for position in range(len(selection)):
        status = status_of(selection.index_at(position))
        counts[status] = counts.get(status, 0) + 1
    return counts
