"""A store that changes and misbehaves while a client walks its lists: scheduled edits, deletions, insertions,
stale counts, ignored ``page`` parameters, blank pages and cursor cycles.

Every knob is keyed by the list's route key (``"v2/orders"``, ``"v3/catalog/products"``, ``"v3/customers"``, ...)
and counts that list's requests (pages, not counts) as they arrive, so "after the first page" is ``after=1``.
Nothing here is on unless a test or the soak benchmark asks for it.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from bigcommerce_lookalike.paging import Selection

# The first id of a list: ids are ``index + FIRST_ID`` (orders are numbered from 100 like a real store's; the
# rest from 1).
FIRST_ID = {"v2/orders": 100, "v3/orders/{order_id}/transactions": 100}


@dataclass
class Misbehaviour:
    """How one list lies. ``stale_count``: counts and totals answer this many fewer records than there are (an
    orders count selecting no order stays 0); ``ignore_page``: every page request gets the first page;
    ``blank_requests``: these request ordinals (1-based) get no records (204 on v2, empty ``data`` on v3, a cursor
    page keeps its ``next`` link); ``cursor_cycle``: from the third cursor page on, ``end_cursor`` points back at
    the first page's; ``endless_cursor``: past the last record, every cursor page answers no records and a ``next``
    link with a cursor never given before, for ever."""

    stale_count: int = 0
    ignore_page: bool = False
    blank_requests: frozenset[int] = frozenset()
    cursor_cycle: bool = False
    endless_cursor: bool = False


@dataclass
class _Plan:
    after: int
    delete: frozenset[int]
    insert: frozenset[int]
    edit: frozenset[int]


@dataclass
class _ListState:
    requests: int = 0
    hidden: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    edited: set[int] = field(default_factory=set)
    plans: list[_Plan] = field(default_factory=list)
    misbehaviour: Misbehaviour = field(default_factory=Misbehaviour)


class StoreChanges:
    """The changes and lies of one lookalike store. Thread-safe; empty (and free) by default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: dict[str, _ListState] = {}

    def plan(
        self,
        key: str,
        *,
        after: int,
        delete: Iterable[int] = (),
        insert: Iterable[int] = (),
        edit: Iterable[int] = (),
    ) -> None:
        """Once list ``key`` has answered ``after`` requests, delete, insert and edit these record ids.

        Inserted ids are hidden from now until then (they "do not exist yet"); an edit moves the record's
        ``date_modified`` past the data's end, so it leaves every window in the past and, sorted by
        ``date_modified``, moves to the end of the list. A record keeps its own ``date_modified`` when it
        appears, so inserting an id older than the newest plays a record that shows up dated before the newest
        one (a late write: docs/bigcommerce.md "Incremental filters"), and inserting a deleted id restores
        it (an archived order leaves the ``is_deleted=true`` list): ``plan(key, after=0, delete=[a], insert=[b])``
        with ``b`` deleted earlier plays "one record deleted and an older one restored", count unchanged.
        """
        base = FIRST_ID.get(key, 1)
        plan = _Plan(
            after,
            frozenset(i - base for i in delete),
            frozenset(i - base for i in insert),
            frozenset(i - base for i in edit),
        )
        with self._lock:
            state = self._lists.setdefault(key, _ListState())
            state.hidden |= plan.insert
            state.plans.append(plan)
            if after <= state.requests:
                self._apply(state, plan)

    def misbehave(self, key: str, misbehaviour: Misbehaviour) -> None:
        with self._lock:
            self._lists.setdefault(key, _ListState()).misbehaviour = misbehaviour

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()

    def request(self, key: str) -> tuple[int, Misbehaviour] | None:
        """Count a page request of list ``key``; returns its ordinal and the list's misbehaviour, or None
        when the list has no changes (the fast path)."""
        if not self._lists:
            return None
        with self._lock:
            state = self._lists.get(key)
            if state is None:
                return None
            state.requests += 1
            for plan in [plan for plan in state.plans if plan.after < state.requests]:
                self._apply(state, plan)
            return state.requests, state.misbehaviour

    def deleted(self, key: str) -> frozenset[int]:
        """Indexes of the records of list ``key`` deleted so far (archived, for orders)."""
        with self._lock:
            state = self._lists.get(key)
            return frozenset(state.deleted) if state else frozenset()

    def misbehaviour(self, key: str) -> Misbehaviour:
        with self._lock:
            state = self._lists.get(key)
            return state.misbehaviour if state else Misbehaviour()

    def view(self, key: str, selection: Selection, *, date_sorted: bool, date_filtered: bool) -> Selection | View:
        """The selection as the changed store serves it: deleted records gone, edited ones moved or gone."""
        with self._lock:
            state = self._lists.get(key)
            if state is None or not (state.hidden or state.edited):
                return selection
            hidden, edited = set(state.hidden), set(state.edited)
        return View(selection, hidden, edited, date_sorted=date_sorted, date_filtered=date_filtered)

    @staticmethod
    def _apply(state: _ListState, plan: _Plan) -> None:
        state.plans.remove(plan)
        state.hidden -= plan.insert
        state.hidden |= plan.delete
        state.deleted = (state.deleted | plan.delete) - plan.insert
        state.edited |= plan.edit


class _Listed:
    """Record indexes in a fixed order, with the interface of a ``Selection``."""

    _order: list[int]
    descending: bool

    def __len__(self) -> int:
        return len(self._order)

    def index_at(self, position: int) -> int:
        return self._order[position]

    def indexes(self, start: int, stop: int) -> list[int]:
        return self._order[max(0, start) : min(stop, len(self._order))]


class View(_Listed):
    """A ``Selection`` with some records removed and edited ones moved: the same interface, materialized."""

    def __init__(
        self, selection: Selection, hidden: set[int], edited: set[int], *, date_sorted: bool, date_filtered: bool
    ) -> None:
        self.descending = selection.descending
        kept = [index for index in range(selection.low, selection.high) if index not in hidden]
        moved: list[int] = []
        if date_filtered:  # an edit dates the record after the data's end: out of every window in the past
            kept = [index for index in kept if index not in edited]
        elif date_sorted:
            moved = [index for index in kept if index in edited]
            kept = [index for index in kept if index not in edited]
        if self.descending:
            kept.reverse()
            moved.reverse()
            self._order = moved + kept
            self._sorted = [-index for index in kept]  # ascending keys for bisect
        else:
            self._order = kept + moved
            self._sorted = kept
        self._moved = len(moved)
        self.low, self.high = selection.low, selection.high

    def position_of(self, index: int) -> int:
        """The position of ``index``, or of the last record before where it would be (cursor paging)."""
        try:
            return self._order.index(index)
        except ValueError:
            pass
        key = -index if self.descending else index
        offset = self._moved if self.descending else 0
        return offset + bisect.bisect_right(self._sorted, key) - 1


class Listed(_Listed):
    """Record indexes in the order given, with the interface of a ``Selection`` (a list sorted by name)."""

    def __init__(self, indexes: list[int]) -> None:
        self._order = list(indexes)
        self.descending = False


class Picked(_Listed):
    """Some record indexes in ascending order, with the interface of a ``Selection`` (archived orders)."""

    def __init__(self, indexes: list[int]) -> None:
        self._order = sorted(indexes)
        self.descending = False


def with_ids(selection: Selection | View | Picked, ids: Iterable[int], first_id: int = 1) -> Picked:
    """The records of ``selection`` whose id (``index + first_id``) is one of ``ids`` (``id:in``, ``id``)."""
    wanted = {record_id - first_id for record_id in ids}
    if isinstance(selection, Selection):
        return Picked([index for index in wanted if selection.low <= index < selection.high])
    present = set(selection.indexes(0, len(selection)))
    return Picked(sorted(wanted & present))
