"""The few requests a plan sends to learn a list's size under an export's filters, before anything is exported:
a v2 count (``GET v2/orders/count``-style, ``rules.COUNT_COMPANIONS``) or a v3 page of one record whose
``meta.pagination.total`` counts the list (docs/bigcommerce.md "Listing and paging"), with the very filters the
export sends. Lists that tell no count are read one page deep; past that their size is a lower bound. So are lists
whose count ignores their date filters (``count_dates``): the count of the whole list is never taken for a window's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_bigcommerce.core.paging.count_dates import CountDates
from airflow_provider_bigcommerce.core.paging.kinds import (
    CURSOR,
    KEYSET,
    OFFSET,
    UNPAGED,
    UNTIL_EMPTY,
    reads_by_cursor,
    walk_kind,
)
from airflow_provider_bigcommerce.core.paging.rules import (
    count_figures,
    count_request,
    key_field,
    keyset_for,
    meta_of,
    offset_totals,
    set_apart_for,
    v2_records,
    v3_records,
    whole_id,
    with_paging,
)

Get = Callable[[str, dict[str, Any]], Any]
"""GET ``path`` with these query parameters; the parsed body (None for a 204)."""


@dataclass(frozen=True)
class ListCount:
    """What the counting requests learnt of one list under one set of filters.

    ``records``: the records the walk will meet (Incomplete orders included, ``apart`` of them); ``exact``: False
    when the list tells no count and filled the page read, so ``records`` is only a floor. ``counted``: a v2 count
    applies, which the walk asks before and after a pass. ``density``: keyset lists, records per id between the
    first and the last (1.0 when consecutive or not measured), ``first_span`` the ids their first page spans.
    ``sample``: keys spread over the first page. ``dates_blind``: the list's v2 count ignores its date filters, so
    the walk reads it without one (``count_dates``), and with ``apart_walk`` also reads the records the list may
    leave out by their own filter (``SetApart``), which this count does not see.
    """

    path: str
    kind: str
    records: int
    exact: bool = True
    counted: bool = False
    density: float = 1.0
    first_span: int | None = None
    apart: int = 0
    sample: tuple[Any, ...] = ()
    dates_blind: bool = False
    apart_walk: bool = False


def count_list(
    get: Get, path: str, params: dict[str, Any], limit: int, count_dates: CountDates, *, sample: int = 0
) -> ListCount:
    """Count ``path`` under ``params`` (the export's own query) in one to three requests; ``sample`` > 0 also
    returns the keys of up to that many records spread over its first page (a fan-out's parents). A v2 count is
    used only where ``count_dates`` (the client's, which its walks consult too) believes it.

    A keyset list of two pages or more also has its first page read at ``limit`` (the walk sizes its slices from
    the ids that page spans) and its highest id (``density``).
    """
    kind = walk_kind(path, params)
    key = key_field(path)
    if kind == UNPAGED:
        body = get(path, dict(params))
        records = _records(path, body)
        return ListCount(path, kind, 1 if records is None else len(records), sample=_keys(records or [], key, sample))
    request = count_request(path, {name: value for name, value in params.items() if name != "page"})
    # docs/open-questions.md "Count date filters": a count blind to the dates is not used, by the walk nor here.
    blind = request is not None and not count_dates.believed(*request, get)
    if path.startswith("v2/") and request is not None and not blind:
        companion, count_params = request
        kept, apart = count_figures(companion, params, get(companion.path, count_params))
        total = kept + (apart or 0)  # the list lists them too, under the reading the lookalike plays by default
        first: list[Any] = []
        if sample and total or kind == KEYSET and total >= 2 * limit:
            first = _records(path, get(path, _ordered(path, params, limit, kind=kind))) or []
        shape = _keyset_shape(get, path, params, first, total, limit) if kind == KEYSET else (1.0, None)
        return ListCount(path, kind, total, True, True, *shape, apart or 0, _keys(first, key, sample))
    if path.startswith("v2/"):  # no count for these filters: one page at the export's size
        records = _records(path, get(path, with_paging(path, params, limit=limit)))
        if records is None:
            return ListCount(path, UNPAGED, 1)
        apart_walk = blind and set_apart_for(path, params) is not None
        exact = len(records) < limit and not apart_walk
        keys = _keys(records, key, sample)
        return ListCount(path, kind, len(records), exact, sample=keys, dates_blind=blind, apart_walk=apart_walk)
    body = get(path, _ordered(path, params, limit if sample or kind == KEYSET else 1, kind=kind))
    first = v3_records(path, body)
    meta = meta_of(body)
    pagination, cursor = meta.get("pagination"), meta.get("cursor_pagination")
    if kind in (OFFSET, CURSOR):  # the walk settles these two by the first answer's paging blocks, as here
        by_cursor = reads_by_cursor(path, offset=bool(pagination), cursor=bool(cursor))
        kind = CURSOR if by_cursor else OFFSET if pagination else UNTIL_EMPTY
    if not pagination:  # a cursor alone, or (refunds under one reading) no paging meta: no total to read
        return ListCount(path, kind, len(first), False, sample=_keys(first, key, sample))
    total = offset_totals(path, pagination, 1)[0] or 0
    shape = _keyset_shape(get, path, params, first, total, limit) if kind == KEYSET else (1.0, None)
    return ListCount(path, kind, total, density=shape[0], first_span=shape[1], sample=_keys(first, key, sample))


def _records(path: str, body: Any) -> list[Any] | None:
    return v2_records(path, body) if path.startswith("v2/") else v3_records(path, body)


def _keys(records: list[Any], key: str, sample: int) -> tuple[Any, ...]:
    """The keys of ``sample`` records spread evenly over ``records`` (neighbours by id tend to look alike)."""
    keys = [record.get(key) for record in records if isinstance(record, dict) and record.get(key) is not None]
    if sample <= 0 or not keys:
        return ()
    step = max(1.0, len(keys) / sample)
    return tuple(dict.fromkeys(keys[int(n * step)] for n in range(min(sample, len(keys)))))


def _ordered(path: str, params: dict[str, Any], limit: int, *, kind: str, descending: bool = False) -> dict[str, Any]:
    """``params`` at ``limit`` a page, sorted by id as a keyset walk sorts them (``Keyset.ordered``)."""
    keyset = keyset_for(path, params) if kind == KEYSET else None
    ordered = params if keyset is None else keyset.ordered(params, descending=descending)
    return with_paging(path, ordered, limit=limit)


def _keyset_shape(
    get: Get, path: str, params: dict[str, Any], first: list[Any], total: int, limit: int
) -> tuple[float, int | None]:
    """``(density, first_span)`` of a keyset list: records per id between its lowest and highest id (one request
    for the highest), and the ids its first full page spans. Only where the walk plans slices (two pages or more)."""
    if total < 2 * limit or len(first) < limit:
        return 1.0, None
    last = _records(path, get(path, _ordered(path, params, 1, kind=KEYSET, descending=True))) or []
    low, top = whole_id(first[0].get("id")), whole_id(first[limit - 1].get("id"))
    high = whole_id(last[0].get("id")) if last else None
    if low is None or top is None or high is None or not low <= top <= high:  # ids that contradict themselves
        return 1.0, None
    return min(1.0, total / (high - low + 1)), top - low + 1
