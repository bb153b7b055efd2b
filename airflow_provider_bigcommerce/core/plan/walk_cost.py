"""How many requests one page walk (``core.paging.walk``) sends for a list of ``n`` records: the same decisions as
the walk, free of I/O. Each function follows the walk it is named after, request for request, on a store that
does not change during the walk and answers the page size asked (a re-read costs a pass more; see
docs/exporting.md "Exactly once: reading a store that changes under the walk")."""

from __future__ import annotations

import math

from airflow_provider_bigcommerce.core.paging.kinds import (
    AFTER_KEY,
    CURSOR,
    KEYSET,
    OFFSET,
    UNPAGED,
    UNTIL_EMPTY,
    V2_POSITION,
)
from airflow_provider_bigcommerce.core.paging.rules import (
    V2_READ_AHEAD,
    serves_fewer,
    slice_count,
    slice_width,
    v2_in_flight,
    v2_read_ahead,
)

# How many of a walk's requests may be in flight at once, besides the client's own cap (``max_concurrency``).
SEQUENTIAL = frozenset((CURSOR, AFTER_KEY, UNTIL_EMPTY, UNPAGED))


def walk_requests(
    kind: str,
    records: int,
    limit: int,
    *,
    counted: bool = False,
    density: float = 1.0,
    first_span: int | None = None,
    dates_blind: bool = False,
) -> float:
    """The requests a walk of ``kind`` sends for ``records`` records at ``limit`` a page.

    ``counted``: a v2 list with a count of its own for the same filters (``rules.count_request``), asked before
    and after a pass. For a keyset walk, ``density`` is the share of the ids between the first and the last record
    that the filter selects (1.0: consecutive ids) and ``first_span`` the ids the first page spans, from which the
    walk sizes its slices (``keyset_requests``). ``dates_blind``: a keyset walk whose count is not used
    (``blind_keyset_requests``).
    """
    if kind == KEYSET and dates_blind:
        return blind_keyset_requests(records, limit)
    if kind == KEYSET:
        return keyset_requests(records, limit, counted=counted, density=density, first_span=first_span)
    if kind == V2_POSITION:
        return v2_position_requests(records, limit, counted=counted)
    if kind in (OFFSET, CURSOR):
        return max(1, math.ceil(records / limit))
    if kind == AFTER_KEY:  # a short page ends the pass once the total is met; a full last page needs an empty one
        return records // limit + 1
    if kind == UNTIL_EMPTY:
        return math.ceil(records / limit) + 1 if records else 1
    return 1


def keyset_requests(
    records: int, limit: int, *, counted: bool, density: float = 1.0, first_span: int | None = None
) -> float:
    """``PageWalk._keyset_pass``: the first page; a v2 count (``counted``) when the first page is short or full;
    after a full first page the ids left split into slices as wide as the first page's ids (``rules.plan_slices``),
    each read until a short page; a slice ending on an empty page is asked once more (``_recheck_empty``).

    A slice's records are taken as ids drawn one by one with probability ``density``: it costs a request per page
    it fills and one for its short last page (normal approximation, continuity corrected). Consecutive ids
    (density 1) fill each slice exactly, which then ends on its last id without a short page.
    """
    if records == 0:
        return 2  # the empty first page, and the count that checks it
    if records < limit:
        return 2 if counted else 1
    remaining = records - limit
    first = 2 if counted else 1
    pages = slice_count(remaining, limit)
    if pages <= 1:
        return first + _open_slice(remaining, limit)
    density = min(max(density, 1e-9), 1.0)
    span = first_span if first_span is not None else limit / density
    width = slice_width(span, limit, limit)  # the first page is full: ``limit`` records over ``span`` ids
    mean = width * density
    sigma = math.sqrt(width * density * (1.0 - density))
    bounded = (pages - 1) * _slice_requests(mean, sigma, limit)
    left = remaining - (pages - 1) * mean
    return first + bounded + (_open_slice(round(left), limit) if left >= 0.5 else 2)


# Past this many pages of spread (16 sigma / limit), a slice's pages are summed in closed form: each term of the sum
# is then a sliver of a page, and the loop would run as long as the store's figures make it.
_SPREAD_PAGES = 512


def _slice_requests(mean: float, sigma: float, limit: int) -> float:
    """Expected requests of a bounded slice holding ``mean`` ± ``sigma`` records: one per full page, one short.

    Pages below ``mean - 8 sigma`` are full for certain (one request each), pages above ``mean + 8 sigma`` never
    reached; only the pages between are summed, and past ``_SPREAD_PAGES`` of them the sum is the normal's
    expected page count, ``(mean + 0.5) / limit - 0.5``. The work is bounded whatever counts and ids the store
    answered."""
    if sigma < 1e-9:
        whole = round(mean)
        return max(1, whole // limit + (0 if whole % limit == 0 and whole else 1))
    low = max(1, math.floor((mean - 8 * sigma) / limit))
    high = int((mean + 8 * sigma) // limit)
    if high - low > _SPREAD_PAGES:
        return 1 + max(0.0, (mean + 0.5) / limit - 0.5)
    spills = float(low - 1)  # pages 1 .. low-1: below mean - 8 sigma, certainly spilled into
    for pages in range(low, high + 1):
        spills += 0.5 * math.erfc((pages * limit - 0.5 - mean) / (sigma * math.sqrt(2.0)))
    return 1 + spills


def blind_keyset_requests(records: int, limit: int) -> int:
    """``PageWalk._keyset_pass`` of a v2 list whose count ignores its date filters (docs/open-questions.md "Count
    date filters"), so none is asked: the first page; after a short one the store's page size is taken to be what it
    served and the next page asked; then one open slice, page by page (``_open_slice``). An empty first page ends it.
    """
    if records == 0:
        return 1
    served = min(records, limit)
    return 1 + _open_slice(records - served, served)


def _open_slice(records: int, limit: int) -> int:
    """The last slice (no upper id): page by page until a short one; an empty last page is asked once more."""
    if records % limit == 0:
        return records // limit + 2
    return records // limit + 1


def v2_position_requests(records: int, limit: int, *, counted: bool, concurrency: int = V2_READ_AHEAD) -> int:
    """``PageWalk._v2_pass``: the count before (``counted``); pages by number with a read-ahead that doubles up to
    ``V2_READ_AHEAD`` after each full page, whose requests past the end are sent too; the count after. Without a
    count, a short first page may be the store's page size, so the next page is asked to see.

    Once the read-ahead is as wide as it gets, each full page sends exactly one request more, so the full pages
    then left are added at once: the work is a few pages' worth whatever count the store answered."""
    sent = 1 if counted else 0
    page_size, window, in_flight = limit, 1, 0
    full_pages = records // max(limit, 1)
    number = 0
    while number < full_pages + 3 * V2_READ_AHEAD + 2:  # bounded: the list ends by then
        widest = v2_in_flight(window, concurrency)
        if window == V2_READ_AHEAD and in_flight == widest - 1 and number < full_pages:
            sent += full_pages - number  # steady: one request per full page, nothing else changes
            number = full_pages
        while in_flight < widest:
            sent += 1
            in_flight += 1
        in_flight -= 1
        on_page = max(0, min(limit, records - number * limit))  # the store pages by its own size, ``limit``
        learnt = number == 0 and 0 < on_page < page_size and serves_fewer(on_page, records if counted else None)
        if learnt:
            page_size = on_page
        if on_page < page_size:
            return sent + (1 if counted else 0)
        window = v2_read_ahead(window, learnt=learnt, counted=counted)
        number += 1
    return sent
