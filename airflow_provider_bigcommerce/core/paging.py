"""Walking BigCommerce list endpoints, all three kinds, each record exactly once, reading ahead inside the budget.

- v2 arrays (``v2/...``): ``page``/``limit``; the end is a 204 or a short page (FACTS.md "Listing and paging").
  The total is unknown, so pages are pipelined: one in flight at first, twice as many after every full page, up
  to the allowed concurrency. A short page or a 204 stops further requests; what was already in flight past the end
  is discarded (at most the read-ahead window).
- v3 offset (``meta.pagination``): the first page tells ``total_pages``; the rest are fetched in parallel.
- v3 cursor (``meta.cursor_pagination``): ``after=<end_cursor>`` until ``links.next`` is empty. Inherently
  sequential, so the next page is fetched in the background while the caller works on the current one.

Which v3 kind: cursor when the caller passes ``after``, when the first answer carries only
``cursor_pagination``, or when it carries both and the endpoint is in ``CURSOR_PREFERRED`` (customers: cursors
stay exact while the list changes under us, FACTS.md). Otherwise offset, because it can run in parallel.

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

MAX_PAGE_SIZE = 250  # FACTS.md: max limit for v2 and v3; above it v2 answers 413
CURSOR_PREFERRED = re.compile(r"^v3/customers/?$")

Fetch = Callable[[dict[str, Any], threading.Event], Any]
"""GET the walk's path with these params; raises ``RequestCancelled`` once the event is set."""


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

    def _submit(self, number: int, params: dict[str, Any]) -> None:
        self._ahead.append((number, self._executor.submit(self._fetch, params, self._cancelled)))

    def _v2_pages(self) -> Iterator[Page]:
        limit = self._params["limit"]
        next_number = int(self._params.get("page", 1))
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
            window *= 2

    def _v3_pages(self) -> Iterator[Page]:
        params = dict(self._params)
        if "after" in params:
            params.pop("page", None)  # FACTS.md: page is ignored with a cursor; do not pretend otherwise
            yield from self._cursor_pages(params, self._fetch(params, self._cancelled))
            return
        first = self._fetch(params, self._cancelled)
        meta = _meta(first)
        offset, cursor = meta.get("pagination"), meta.get("cursor_pagination")
        if cursor and (not offset or CURSOR_PREFERRED.match(self._path)):
            yield from self._cursor_pages(params, first)
        elif offset:
            yield from self._offset_pages(params, first, offset)
        elif records := _records(first):
            yield self._page(records, 1)

    def _offset_pages(self, params: dict[str, Any], first: Any, pagination: dict[str, Any]) -> Iterator[Page]:
        start = int(params.get("page", 1))
        total_pages = _total_pages(pagination, start)
        if records := _records(first):
            yield self._page(records, start, total_pages)
        next_number = start + 1
        while next_number <= total_pages or self._ahead:
            while next_number <= total_pages and len(self._ahead) < max(1, self._concurrency()):
                self._submit(next_number, {**params, "page": next_number})
                next_number += 1
            number, future = self._ahead.popleft()
            if records := _records(future.result()):
                yield self._page(records, number, total_pages)

    def _cursor_pages(self, params: dict[str, Any], body: Any) -> Iterator[Page]:
        params.pop("page", None)
        number = 1
        while True:
            records = _records(body)
            cursor = _meta(body).get("cursor_pagination") or {}
            end_cursor = cursor.get("end_cursor")
            has_next = bool((cursor.get("links") or {}).get("next"))
            # A repeated cursor would loop forever (one of Airbyte's bugs, FACTS.md): treat it as the end.
            if records and has_next and end_cursor and end_cursor != params.get("after"):
                params = {**params, "after": end_cursor}
                self._submit(number + 1, params)
            if records:
                yield self._page(records, number)
            if not self._ahead:
                return
            number, future = self._ahead.popleft()
            body = future.result()


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
