"""The three kinds of paging of the API (docs/bigcommerce.md "Listing and paging").

- v2 arrays: ``page``/``limit`` (default 50, max 250); a limit over 250 is a 413 with a v2 body; past the last
  page the answer is ``204 No Content``.
- v3 offset: ``page``/``limit`` with ``meta.pagination``; links are relative query strings; ``next`` is absent
  on the last page and ``previous`` on the first. A limit over 250 is served as 250 (``per_page`` says so).
- v3 cursor (customers): ``after=<end_cursor>`` / ``before=<start_cursor>`` with ``meta.cursor_pagination``;
  the first page carries both meta blocks, a cursor request only ``cursor_pagination``, ``page`` is ignored
  when a cursor is given. The end is signalled by ``links.next`` being absent (and a short ``count``).

A result set is a ``Selection``: a contiguous range of record indexes (date filters are index ranges because
``date_modified`` grows with the id) read forwards or backwards.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from bigcommerce_lookalike.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
_LINK_SAFE = ":,"


@dataclass(frozen=True)
class Selection:
    """Record indexes ``[low, high)``, in ascending order or, with ``descending``, the other way round."""

    low: int
    high: int
    descending: bool = False

    def __len__(self) -> int:
        return max(0, self.high - self.low)

    def index_at(self, position: int) -> int:
        return self.high - 1 - position if self.descending else self.low + position

    def position_of(self, index: int) -> int:
        """Position a record index has (or would have) in this order; may fall outside ``[0, len)``."""
        return self.high - 1 - index if self.descending else index - self.low

    def indexes(self, start: int, stop: int) -> list[int]:
        stop = min(stop, len(self))
        return [self.index_at(position) for position in range(max(0, start), stop)]


def query_int(query: Mapping[str, str], name: str, default: int, *, status: int) -> int:
    """A positive integer parameter; anything else is an error with ``status`` (400 on v2, 422 on v3)."""
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ApiError(status, f"The field '{name}' is invalid.", errors={name: "must be a positive integer"})
    return number


def v2_window(query: Mapping[str, str], cap: int | None = None) -> tuple[int, int]:
    """``(offset, limit)`` of a v2 list request; 413 with ``details.max_limit`` over 250. A store with a smaller
    page ``cap`` (``Readings.page_cap``) serves at most that many a page, and counts pages in them."""
    limit = query_int(query, "limit", DEFAULT_LIMIT, status=400)
    if limit > MAX_LIMIT:
        raise ApiError(413, "The specified limit exceeds the maximum allowed.", details={"max_limit": MAX_LIMIT})
    limit = min(limit, cap or limit)
    page = query_int(query, "page", 1, status=400)
    return (page - 1) * limit, limit


def v3_limit(query: Mapping[str, str], cap: int | None = None) -> int:
    """The ``limit`` of a v3 request: default 50, and at most 250 (or the store's ``cap``) whatever was asked."""
    return min(query_int(query, "limit", DEFAULT_LIMIT, status=422), cap or MAX_LIMIT, MAX_LIMIT)


def v3_window(query: Mapping[str, str], cap: int | None = None) -> tuple[int, int]:
    """``(page, limit)`` of a v3 offset request."""
    return query_int(query, "page", 1, status=422), v3_limit(query, cap)


def link(query: Mapping[str, str], **changes: object) -> str:
    """A relative link (``?page=2&limit=50``): the request's own parameters (filters included, cursors
    dropped) with ``changes`` applied first; a change to ``None`` removes the parameter."""
    params = {name: value for name, value in query.items() if name not in changes and name not in ("after", "before")}
    params = {**{name: value for name, value in changes.items() if value is not None}, **params}
    return "?" + urlencode(params, safe=_LINK_SAFE)


def offset_meta(query: Mapping[str, str], total: int, page: int, limit: int) -> dict:
    """``meta.pagination`` (``pagination_Full``)."""
    total_pages = math.ceil(total / limit)
    count = max(0, min(limit, total - (page - 1) * limit))
    links = {"current": link(query, page=page, limit=limit)}
    if page > 1:
        links["previous"] = link(query, page=min(page - 1, max(total_pages, 1)), limit=limit)
    if page < total_pages:
        links["next"] = link(query, page=page + 1, limit=limit)
    return {
        "total": total,
        "count": count,
        "per_page": limit,
        "current_page": page,
        "total_pages": total_pages,
        "links": links,
    }


def encode_cursor(record_id: int) -> str:
    """An opaque cursor in the style of the real service (``aWQ6Nw==`` is ``id:7``)."""
    return base64.b64encode(f"id:{record_id}".encode()).decode()


def decode_cursor(cursor: str, name: str) -> int:
    try:
        text = base64.b64decode(cursor, validate=True).decode()
        prefix, _, value = text.partition(":")
        if prefix != "id":
            raise ValueError(text)
        return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(422, f"The cursor '{name}' is invalid.", errors={name: "not a cursor of this list"}) from None


@dataclass(frozen=True)
class CursorPage:
    """Positions ``[start, stop)`` of a selection, and which meta blocks the answer carries."""

    start: int
    stop: int
    with_offset_meta: bool
    with_cursor_meta: bool


def cursor_window(query: Mapping[str, str], selection: Selection, limit: int) -> CursorPage:
    """Which positions a request of a cursor-paged list covers (record ids are ``index + 1``)."""
    if "after" in query:
        start = max(0, selection.position_of(decode_cursor(query["after"], "after") - 1) + 1)
        return CursorPage(start, start + limit, False, True)
    if "before" in query:
        stop = min(len(selection), max(0, selection.position_of(decode_cursor(query["before"], "before") - 1)))
        return CursorPage(max(0, stop - limit), stop, False, True)
    page = query_int(query, "page", 1, status=422)
    start = (page - 1) * limit
    return CursorPage(start, start + limit, True, page == 1)


def cursor_meta(query: Mapping[str, str], selection: Selection, window: CursorPage, ids: list[int], limit: int) -> dict:
    """``meta.cursor_pagination`` (``CursorPagination``): ``links.next`` only while more records follow."""
    meta: dict = {"count": len(ids), "per_page": limit}
    cursor = {name: query[name] for name in ("after", "before") if name in query}
    links = {"current": link(query, page=None, limit=limit, **cursor)}
    if ids:
        meta["start_cursor"] = encode_cursor(ids[0])
        meta["end_cursor"] = encode_cursor(ids[-1])
        if window.start > 0:
            links["previous"] = link(query, page=None, limit=limit, before=meta["start_cursor"])
        if window.start + len(ids) < len(selection):
            links["next"] = link(query, page=None, limit=limit, after=meta["end_cursor"])
    meta["links"] = links
    return meta
