"""Walking BigCommerce list endpoints, all three kinds, each record exactly once, reading ahead inside the budget.

- v2 arrays (``v2/...``): ``page``/``limit``; the end is a 204 or a short page (docs/bigcommerce.md "Listing and
  paging").
  Where the list has a count companion (``v2/orders`` -> ``v2/orders/count``, orders.v2.oas2.yml
  ``getOrdersCount``: ``{"count": N, "statuses": [...]}`` under the same filters), it goes like v3 offset paging:
  the first page alone, then, only if that page is full, the count, then exactly the remaining
  ``ceil(N / limit)`` pages in parallel. A window that fits one page (most incremental runs) costs one request;
  1,000 orders cost five. Elsewhere the total is unknown, so pages are pipelined: one in flight at first, more
  after every full page, at most ``V2_READ_AHEAD``. Either way a short page or a 204 ends the walk and what is
  still in flight is dropped: an uncounted walk sends at most ``V2_READ_AHEAD`` requests past the end, a counted
  one none past its pages.
- v3 offset (``meta.pagination``): the first page tells ``total_pages``; the rest are fetched in parallel.
- v3 cursor (``meta.cursor_pagination``): ``after=<end_cursor>`` until ``links.next`` is empty. Inherently
  sequential, so the next page is fetched in the background while the caller works on the current one.

A counted walk trusts its count: if records vanish meanwhile, a 204 or a short page ends it early; records added
meanwhile beyond the counted pages are left for the next incremental run, whose ``min_date_modified`` window
starts where this one ended.

Which v3 kind: cursor when the caller passes ``after``, when the first answer carries only
``cursor_pagination``, or when it carries both and the endpoint is in ``CURSOR_PREFERRED`` (customers: cursors
stay exact while the list changes under us, docs/bigcommerce.md "Listing and paging"). Otherwise offset, because it
can run in parallel.

Pages are always yielded in order and at most the read-ahead window is buffered, so memory does not grow with
the number of records.
"""

from __future__ import annotations

import math
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

MAX_PAGE_SIZE = 250  # docs/bigcommerce.md "Listing and paging": max limit for v2 and v3; above it v2 answers 413
V2_READ_AHEAD = 3  # uncounted v2 pages in flight at most, hence requests past the end at most
CURSOR_PREFERRED = re.compile(r"^v3/customers/?$")


@dataclass(frozen=True)
class CountCompanion:
    """``GET {path}`` answers ``{"count": N, ...}`` for the list under the same ``filters``."""

    path: str
    filters: frozenset[str]


# orders.v2.oas2.yml ``getOrdersCount``: the list's filters; not its page, limit, sort or include parameters.
_ORDER_FILTERS = frozenset(
    (
        "min_id",
        "max_id",
        "min_total",
        "max_total",
        "customer_id",
        "email",
        "status_id",
        "cart_id",
        "payment_method",
        "min_date_created",
        "max_date_created",
        "min_date_modified",
        "max_date_modified",
        "channel_id",
        "external_order_id",
    )
)
COUNT_COMPANIONS = {re.compile(r"^v2/orders/?$"): CountCompanion("v2/orders/count", _ORDER_FILTERS)}
_V2_LIST_SHAPING = frozenset(("page", "limit", "sort", "include", "consignment_structure"))

Fetch = Callable[[str, dict[str, Any], threading.Event], Any]
"""GET this path with these params; raises ``RequestCancelled`` once the event is set."""


@dataclass(frozen=True)
class Page:
    """One page of records, in order. ``requests``: HTTP requests the walk had sent by then (retries included)."""

    records: list[Any]
    number: int
    requests: int
    total_pages: int | None = None


def page_size(params: dict[str, Any]) -> int:
    """The caller's ``limit`` if smaller than the maximum, else the maximum: fewer requests, and never a 413."""
    try:
        asked = int(params.get("limit", MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        asked = MAX_PAGE_SIZE
    return min(max(asked, 1), MAX_PAGE_SIZE)


def _count_request(path: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The count request matching a v2 list request, or None when the list has none or the count would not
    apply the same filters (a parameter the count does not take would make it count more than the list holds).
    """
    companion = next((found for pattern, found in COUNT_COMPANIONS.items() if pattern.match(path)), None)
    if companion is None or set(params) - companion.filters - _V2_LIST_SHAPING:
        return None
    return companion.path, {name: value for name, value in params.items() if name in companion.filters}


class PageWalk:
    """One walk over one list endpoint; iterate it once.

    ``concurrency()`` is how many requests may be in flight now (the limiter's view, capped by the client's
    pool); ``requests_sent()`` counts this walk's HTTP requests; ``wake()`` makes waiting requests notice a cancel.
    """

    def __init__(
        self,
        path: str,
        params: dict[str, Any],
        *,
        fetch: Fetch,
        executor: Executor,
        concurrency: Callable[[], int],
        requests_sent: Callable[[], int],
        wake: Callable[[], None],
    ) -> None:
        self._path = path
        self._params = {**params, "limit": page_size(params)}
        self._fetch = fetch
        self._executor = executor
        self._concurrency = concurrency
        self._requests_sent = requests_sent
        self._wake = wake
        self._cancelled = threading.Event()
        self._ahead: deque[tuple[int, Future[Any]]] = deque()

    def __iter__(self) -> Iterator[Page]:
        try:
            if self._path.startswith("v2/"):
                yield from self._v2_pages()
            else:
                yield from self._v3_pages()
        finally:
            self._cancelled.set()
            for _, future in self._ahead:
                future.cancel()
            self._ahead.clear()
            self._wake()

    def _page(self, records: list[Any], number: int, total_pages: int | None = None) -> Page:
        return Page(records, number, self._requests_sent(), total_pages)

    def _get(self, params: dict[str, Any]) -> Any:
        return self._fetch(self._path, params, self._cancelled)

    def _submit(self, number: int, params: dict[str, Any]) -> None:
        self._ahead.append((number, self._executor.submit(self._fetch, self._path, params, self._cancelled)))

    def _v2_pages(self) -> Iterator[Page]:
        start, limit = int(self._params.get("page", 1)), self._params["limit"]
        count = _count_request(self._path, self._params)
        if count is None:
            yield from self._v2_pipelined_pages(start)
            return
        first = _v2_records(self._get({**self._params, "page": start}))
        if first:
            yield self._page(first, start)
        if len(first) < limit:
            return
        total = _count(self._fetch(*count, self._cancelled))
        if total is None:
            yield from self._v2_pipelined_pages(start + 1)
        else:
            yield from self._numbered_pages(
                self._params, start + 1, math.ceil(total / limit), _v2_records, short_page_ends=True
            )

    def _v2_pipelined_pages(self, start: int) -> Iterator[Page]:
        limit = self._params["limit"]
        next_number = start
        window = 1
        while True:
            while len(self._ahead) < max(1, min(window, self._concurrency())):
                self._submit(next_number, {**self._params, "page": next_number})
                next_number += 1
            number, future = self._ahead.popleft()
            body = future.result()
            if body is None:  # 204 past the last page
                return
            if not isinstance(body, list):  # not a list endpoint: one record, and no paging to follow
                yield self._page([body], number)
                return
            if body:
                yield self._page(body, number)
            if len(body) < limit:
                return
            window = min(2 * window, V2_READ_AHEAD)

    def _v3_pages(self) -> Iterator[Page]:
        params = dict(self._params)
        if "after" in params:
            params.pop("page", None)  # page is ignored with a cursor; do not pretend otherwise
            yield from self._cursor_pages(params, self._get(params))
            return
        first = self._get(params)
        meta = _meta(first)
        offset, cursor = meta.get("pagination"), meta.get("cursor_pagination")
        if cursor and (not offset or CURSOR_PREFERRED.match(self._path)):
            yield from self._cursor_pages(params, first)
        elif offset:
            start = int(params.get("page", 1))
            total_pages = _total_pages(offset, start)
            if records := _records(first):
                yield self._page(records, start, total_pages)
            yield from self._numbered_pages(params, start + 1, total_pages, _records, short_page_ends=False)
        elif records := _records(first):
            yield self._page(records, 1)

    def _numbered_pages(
        self,
        params: dict[str, Any],
        first: int,
        last: int,
        records_of: Callable[[Any], list[Any]],
        *,
        short_page_ends: bool,
    ) -> Iterator[Page]:
        """Pages ``first..last`` of a list whose total is known, as many in flight as the budget allows.

        Yielded in order, buffering at most the in-flight window. An empty page (records vanished since the total
        was read) ends the walk, and so does a short one where every page but the last is full (v2).
        """
        limit = params["limit"]
        next_number = first
        while next_number <= last or self._ahead:
            while next_number <= last and len(self._ahead) < max(1, self._concurrency()):
                self._submit(next_number, {**params, "page": next_number})
                next_number += 1
            number, future = self._ahead.popleft()
            records = records_of(future.result())
            if records:
                yield self._page(records, number, last)
            if not records or (short_page_ends and len(records) < limit):
                return

    def _cursor_pages(self, params: dict[str, Any], body: Any) -> Iterator[Page]:
        params.pop("page", None)
        number = 1
        while True:
            records = _records(body)
            cursor = _meta(body).get("cursor_pagination") or {}
            end_cursor = cursor.get("end_cursor")
            has_next = bool((cursor.get("links") or {}).get("next"))
            # A repeated cursor would loop forever (Airbyte's bug, docs/bigcommerce.md "What other clients get wrong"):
            # treat it as the end.
            if records and has_next and end_cursor and end_cursor != params.get("after"):
                params = {**params, "after": end_cursor}
                self._submit(number + 1, params)
            if records:
                yield self._page(records, number)
            if not self._ahead:
                return
            number, future = self._ahead.popleft()
            body = future.result()


def _count(body: Any) -> int | None:
    """``count`` of a count companion's answer, or None when it has none (then the walk pipelines instead)."""
    count = body.get("count") if isinstance(body, dict) else None
    if isinstance(count, bool) or not isinstance(count, int | float) or count < 0:
        return None
    return int(count)


def _v2_records(body: Any) -> list[Any]:
    """A v2 page: an array, nothing for a 204, or one record from an endpoint that is not a list."""
    if isinstance(body, list):
        return body
    return [] if body is None else [body]


def _meta(body: Any) -> dict[str, Any]:
    meta = body.get("meta") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else {}


def _records(body: Any) -> list[Any]:
    """v3 ``data``: a list, or one object for single-resource endpoints."""
    if not isinstance(body, dict):
        return []
    data = body.get("data")
    if isinstance(data, list):
        return data
    return [] if data is None else [data]


def _total_pages(pagination: dict[str, Any], start: int) -> int:
    if pagination.get("total_pages") is not None:
        return int(pagination["total_pages"])
    total, per_page = pagination.get("total"), pagination.get("per_page")
    if total is not None and per_page:
        return math.ceil(int(total) / int(per_page))
    return start
