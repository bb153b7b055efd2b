"""How many requests one page walk (``core.paging.walk``) sends for a list of ``n`` records: the same decisions as
the walk, free of I/O. Each function follows the walk it is named after, request for request, on a store that
does not change during the walk and answers the page size asked (a re-read costs a pass more; see
docs/exporting.md "Exactly once")."""

from __future__ import annotations

import math
from typing import Any

from airflow_provider_bigcommerce.core.paging.rules import (
    CURSOR_PREFERRED,
    after_key,
    is_unpaged,
    keyset_for,
)
from airflow_provider_bigcommerce.core.paging.walk import V2_READ_AHEAD

# The walk kinds, as ``PageWalk.__iter__`` and ``_v3_pass`` choose them.
KEYSET = "keyset"  # by id, in parallel slices after a full first page
V2_POSITION = "v2_position"  # v2 pages by number with a short read-ahead
OFFSET = "offset"  # v3 pages 2..total_pages in parallel after the first
CURSOR = "cursor"  # v3 ``after=<end_cursor>``, one page after another
AFTER_KEY = "after_key"  # ``after=<last key>``, one page after another
UNTIL_EMPTY = "until_empty"  # v3 pages without paging meta, until an empty one
UNPAGED = "unpaged"  # the whole list (or one object) in one answer
# How many of a walk's requests may be in flight at once, besides the client's own cap (``max_concurrency``).
SEQUENTIAL = frozenset((CURSOR, AFTER_KEY, UNTIL_EMPTY, UNPAGED))


def walk_kind(path: str, params: dict[str, Any]) -> str:
    """The walk ``PageWalk`` takes for ``path`` with ``params`` (a v3 list without paging meta is only found
    out by its answer: the caller turns ``OFFSET`` into ``UNTIL_EMPTY`` then)."""
    if keyset_for(path, params) is not None:
        return KEYSET
    if is_unpaged(path):
        return UNPAGED
    if path.startswith("v2/"):
        return V2_POSITION
    if after_key(path) is not None:
        return AFTER_KEY
    return CURSOR if CURSOR_PREFERRED.match(path) else OFFSET


def walk_requests(kind: str, records: int, limit: int, *, counted: bool = False, density: float = 1.0) -> float:
    """The requests a walk of ``kind`` sends for ``records`` records at ``limit`` a page.

    ``counted``: a v2 list with a count of its own for the same filters (``rules.count_request``), asked before
    and after a pass. ``density``: for a keyset walk, the share of the ids between the first and the last record
    that the filter selects (1.0: consecutive ids); sparse ids make slices spill over (``keyset_requests``).
    """
    if kind == KEYSET:
        return keyset_requests(records, limit, counted=counted, density=density)
    if kind == V2_POSITION:
        return v2_position_requests(records, limit, counted=counted)
    if kind in (OFFSET, CURSOR):
        return max(1, math.ceil(records / limit))
    if kind == AFTER_KEY:  # a short page ends the pass once the total is met; a full last page needs an empty one
        return records // limit + 1
    if kind == UNTIL_EMPTY:
        return math.ceil(records / limit) + 1 if records else 1
    return 1


def keyset_requests(records: int, limit: int, *, counted: bool, density: float = 1.0) -> float:
    """``PageWalk._keyset_pass``: the first page; a v2 count (``counted``) when the first page is short or full;
    after a full first page the ids left split into slices of about a page each (``rules.plan_slices``), each
    read until a short page; a slice ending on an empty page is asked once more (``_recheck_empty``)."""
    if records == 0:
        return 2  # the empty first page, and the count that checks it
    if records < limit:
        return 2 if counted else 1
    remaining = records - limit
    first = 2 if counted else 1
    pages = math.ceil(remaining / limit)
    if pages <= 1:
        return first + _open_slice(remaining, limit)
    spill = spill_share(limit, density)
    bounded = (pages - 1) * (1 + spill)
    last = remaining - (pages - 1) * limit
    return first + bounded + (_open_slice(last, limit) if spill == 0 else 1 + spill)


def _open_slice(records: int, limit: int) -> int:
    """The last slice (no upper id): page by page until a short one; an empty last page is asked once more."""
    if records % limit == 0:
        return records // limit + 2
    return records // limit + 1


def spill_share(limit: int, density: float) -> float:
    """The share of slices holding ``limit`` records or more, which cost a second request.

    A slice spans ``limit / density`` ids (the first page's density); the ids the filter selects in it are taken as
    drawn one by one with probability ``density`` (binomial, normal approximation with continuity correction).
    Consecutive ids (density 1) fill each slice exactly: no spill.
    """
    if density >= 1.0 or density <= 0.0:
        return 0.0
    width = math.floor(limit / density)
    mean = width * density
    sigma = math.sqrt(width * density * (1.0 - density))
    if sigma < 1e-9:
        return 0.0
    return 0.5 * math.erfc((limit - 0.5 - mean) / (sigma * math.sqrt(2.0)))


def v2_position_requests(records: int, limit: int, *, counted: bool, concurrency: int = V2_READ_AHEAD) -> int:
    """``PageWalk._v2_pass``: the count before (``counted``); pages by number with a read-ahead that doubles up to
    ``V2_READ_AHEAD`` after each full page, whose requests past the end are sent too; the count after. Without a
    count, a short first page may be the store's page size, so the next page is asked to see."""
    sent = 1 if counted else 0
    page_size, window, in_flight, read, first = limit, 1, 0, 0, True
    for _ in range(records // max(limit, 1) + 3 * V2_READ_AHEAD + 2):  # bounded: the list ends by then
        while in_flight < max(1, min(window, concurrency)):
            sent += 1
            in_flight += 1
        in_flight -= 1
        on_page = max(0, min(limit, records - read * limit))  # the store pages by its own size, ``limit``
        read += 1
        learnt = first and 0 < on_page < page_size and (not counted or records > on_page)
        if learnt:
            page_size = on_page
        first = False
        if on_page < page_size:
            return sent + (1 if counted else 0)
        window = 1 if learnt and not counted else min(2 * window, V2_READ_AHEAD)
    return sent
