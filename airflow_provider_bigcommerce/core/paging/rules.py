"""The page walk's decisions, free of I/O: which kind of walk a list gets, what a page body says, how the id
range is split for parallel keyset paging, and whether a walk is proven complete. Unit-tested in milliseconds."""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_bigcommerce.core.errors import PagingError

MAX_PAGE_SIZE = 250  # docs/bigcommerce.md "Listing and paging": max limit for v2 and v3; above it v2 answers 413
MAX_PASSES = 3  # a walk that finds the list changed re-reads it at most this often in all
V2_READ_AHEAD = 3  # v2 pages in flight at most when the end is unknown, hence requests past the end at most
# Lists whose first page carries both paging blocks and are read by cursor: cursors stay exact while the list
# changes under us. Customers (customers.v3.yml) and the collection-wide metafield lists, which declare
# ``before``/``after`` beside ``page`` (products_catalog.v3.yml ``getProductsMetafields`` and its siblings).
CURSOR_PREFERRED = re.compile(
    r"^v3/(customers|(catalog/(products|variants|categories|brands)|customers|orders|channels|inventory/locations"
    r"|store)/metafields)/?$"
)


@dataclass(frozen=True)
class SetApart:
    """Records a list may leave out unless its filter ``name`` asks for them by ``value`` (Incomplete orders).

    docs/open-questions.md "Orders count": whether ``GET /v2/orders`` lists Incomplete orders (status 0) and whether
    ``/v2/orders/count`` counts them is not stated. So, whatever the store does, a walk without that filter sets
    such records apart (neither yields nor counts them, and compares with the count's breakdown without them),
    then reads them by the filter, which the count takes too: like is compared with like under every reading.
    """

    name: str
    value: int

    def applies(self, params: dict[str, Any]) -> bool:
        return self.name not in params

    def holds(self, record: Any) -> bool:
        return isinstance(record, dict) and record.get(self.name) == self.value


@dataclass(frozen=True)
class CountCompanion:
    """``GET {path}`` answers ``{"count": N, ...}`` for the list under the same ``filters``; with ``breakdown``
    also ``{"statuses": [{"id", "count"}, ...]}``, which is preferred: records of a status the list sets apart, or
    counted in the total but in no status (archived orders, under one reading), are then told apart."""

    path: str
    filters: frozenset[str]
    breakdown: str | None = None  # the member holding the per-status counts
    set_apart: SetApart | None = None


@dataclass(frozen=True)
class Keyset:
    """How a list filters and sorts by id, so a walk can ask for "the next ids above the last one seen".

    Each request then selects by value, not by position: records deleted, inserted or edited elsewhere in the
    list cannot shift a page, so whatever matches the filter throughout is read exactly once.
    """

    min_param: str  # inclusive
    max_param: str  # inclusive
    sort: tuple[tuple[str, str], ...]  # query parameters that sort by id ascending
    count: CountCompanion | None = None  # v2 needs a count request; v3 pages carry ``meta.pagination.total``

    def ordered(self, params: dict[str, Any], *, descending: bool = False) -> dict[str, Any]:
        """``params`` sorted by id as a keyset walk reads them, ascending, in place of the caller's sort;
        ``descending`` turns it (orders.v2.oas2.yml ``sort`` takes ``id:desc``; products_catalog.v3.yml
        ``direction``), which a plan asks to find the highest id."""
        asked = {name: value for name, value in params.items() if name not in ("sort", "direction")}
        asked.update(self.sort)
        if descending and "direction" in asked:
            asked["direction"] = "desc"
        elif descending:
            asked["sort"] = "id:desc"
        return asked


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
ORDERS_COUNT = CountCompanion("v2/orders/count", _ORDER_FILTERS, "statuses", SetApart("status_id", 0))
# marketing.v2.yml ``getCouponsCount`` takes no filters, so it only checks an unfiltered walk.
# The other v2 lists with a ``/count`` of their own, which takes no filters either: geography.v2.yml
# ``getCountriesCount``, store_content.v2.yml ``getBlogPostsCount``, customers.v2.yml ``getCustomerGroupsCount``.
COUNT_COMPANIONS = {
    re.compile(r"^v2/orders/?$"): ORDERS_COUNT,
    re.compile(r"^v2/coupons/?$"): CountCompanion("v2/coupons/count", frozenset()),
    re.compile(r"^v2/countries/?$"): CountCompanion("v2/countries/count", frozenset()),
    re.compile(r"^v2/blog/posts/?$"): CountCompanion("v2/blog/posts/count", frozenset()),
    re.compile(r"^v2/customer_groups/?$"): CountCompanion("v2/customer_groups/count", frozenset()),
}
# orders.v2.oas2.yml: ``min_id``/``max_id``, ``sort=id``; products_catalog.v3.yml: ``id:min``/``id:max``, ``sort=id``.
KEYSETS = {
    re.compile(r"^v2/orders/?$"): Keyset("min_id", "max_id", (("sort", "id:asc"),), ORDERS_COUNT),
    re.compile(r"^v3/catalog/products/?$"): Keyset("id:min", "id:max", (("sort", "id"), ("direction", "asc"))),
    # categories_catalog.v3.yml: ``id:min``/``id:max``, ``sort=id`` (ascending; the list takes no direction).
    re.compile(r"^v3/catalog/categories/?$"): Keyset("id:min", "id:max", (("sort", "id"),)),
}
# Endpoints whose GET declares no ``limit`` or ``page``: each answers its whole list (or its one object) at once,
# so a walk sends them only the caller's parameters, one request. orders.v3.yml ``getOrderTransactions`` declares
# no query parameter at all; store_information.v2.yml ``/store`` and ``/time`` answer one object and declare none.
UNPAGED = (
    re.compile(r"^v3/orders/\d+/transactions/?$"),
    re.compile(r"^v3/catalog/trees/?$"),  # category-trees_catalog.v3.yml ``getCategoryTrees``: id:in, channel_id:in
    re.compile(r"^v2/store/?$"),
    re.compile(r"^v2/time/?$"),
    # shipping.v2.yml ``getShippingZones`` and ``getShippingZoneMethods`` declare no query parameter.
    re.compile(r"^v2/shipping/zones(/\d+/methods)?/?$"),
)
# Lists paged by the last key read instead of by page: channels.v3.yml ``getChannelListings`` declares ``limit``
# and ``after`` ("the prior listing ID"), no ``page``. A walk asks each next page ``after`` the last key it read.
AFTER_KEY = {re.compile(r"^v3/channels/\d+/listings/?$"): "listing_id"}
_V2_LIST_SHAPING = frozenset(("page", "limit", "sort", "include", "consignment_structure"))
_ID_SORTS = frozenset(("id", "id:asc"))


def page_size(params: dict[str, Any]) -> int:
    """The caller's ``limit`` if smaller than the maximum, else the maximum: fewer requests, and never a 413."""
    try:
        asked = int(params.get("limit", MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        asked = MAX_PAGE_SIZE
    return min(max(asked, 1), MAX_PAGE_SIZE)


# products_catalog.v3.yml ``include`` (line 9667): "If ``options`` or ``modifiers`` is used, results are limited to
# 10 per page" (again at 9791). A store may read that as cutting a larger ``limit`` to 10 or as refusing it
# (docs/open-questions.md "Narrow includes"): asking 10 is right under both, and costs no request more than a cut.
NARROW_PAGE = (re.compile(r"^v3/catalog/products/?$"), frozenset(("options", "modifiers")), 10)


def served_page_size(path: str, params: dict[str, Any]) -> int:
    """The ``limit`` a walk of ``path`` asks: ``page_size``, or fewer where the official file limits the page."""
    limit = page_size(params)
    pattern, includes, most = NARROW_PAGE
    asked = {part.strip() for part in str(params.get("include", "")).split(",")}
    return min(limit, most) if pattern.match(path) and asked & includes else limit


def with_paging(path: str, params: dict[str, Any], **paging: Any) -> dict[str, Any]:
    """``params`` plus the paging parameters ``paging`` (``limit``, ``page``), unless ``path`` declares none
    (``UNPAGED``): a request carries only parameters its endpoint's official file declares."""
    if is_unpaged(path):
        return dict(params)
    if after_key(path) is not None:
        return {**params, **{name: value for name, value in paging.items() if name != "page"}}
    return {**params, **paging}


def v2_in_flight(window: int, concurrency: int) -> int:
    """The v2 pages a pass by position keeps asked at once: its read-ahead ``window``, within ``concurrency``."""
    return max(1, min(window, concurrency))


def v2_read_ahead(window: int, *, learnt: bool, counted: bool) -> int:
    """The read-ahead after a full v2 page: doubled, up to ``V2_READ_AHEAD``. After a short first page taken for
    the store's page size (``serves_fewer``) without a count to confirm it, one page: the next shows whether it was."""
    return 1 if learnt and not counted else min(2 * window, V2_READ_AHEAD)


def serves_fewer(served: int, count: int | None) -> bool:
    """Whether a short first page of ``served`` records is the store's page size rather than the list's end
    (docs/open-questions.md "Page size"): the ``count`` says more records match; without a count, the next page is
    asked and shows it (an empty one ends the list)."""
    return count is None or count > served


def keyset_for(path: str, params: dict[str, Any]) -> Keyset | None:
    """The list's keyset, unless the caller asked for another order or a page of their own."""
    keyset = next((found for pattern, found in KEYSETS.items() if pattern.match(path)), None)
    if keyset is None or "page" in params or "after" in params:
        return None
    if params.get("sort") not in (None, *_ID_SORTS) or params.get("direction") not in (None, "asc"):
        return None
    return keyset


def count_request(path: str, params: dict[str, Any]) -> tuple[CountCompanion, dict[str, Any]] | None:
    """The count request matching a v2 list request, or None when the list has none or the count would not
    apply the same filters (a parameter the count does not take would make it count more than the list holds).
    """
    companion = companion_for(path)
    if companion is None or set(params) - companion.filters - _V2_LIST_SHAPING:
        return None
    return companion, {name: value for name, value in params.items() if name in companion.filters}


# -- what a body says ------------------------------------------------------------------------------------------


def v2_records(path: str, body: Any) -> list[Any] | None:
    """A v2 page: the array, ``[]`` for a 204, or None when the endpoint answered one object (not a list)."""
    if body is None:
        return []
    if isinstance(body, list):
        return body
    return None


def meta_of(body: Any) -> dict[str, Any]:
    meta = body.get("meta") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else {}


def v3_records(path: str, body: Any) -> list[Any]:
    """v3 ``data``: a list, or one object for single-resource endpoints."""
    if not isinstance(body, dict):
        return []
    data = body.get("data")
    if isinstance(data, list):
        return data
    return [] if data is None else [data]


def whole_number(path: str, name: str, value: Any) -> int | None:
    """A count or total from a body: None when absent, a ``PagingError`` when it is not a whole number >= 0."""
    if value is None:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not number or value < 0 or value != int(value):
        raise PagingError("bad_meta", path, "not_whole_number", name=name, value=str(value)[:40])
    return int(value)


def count_of(path: str, body: Any) -> int:
    """``count`` of a count companion's answer."""
    count = whole_number(path, "count", body.get("count") if isinstance(body, dict) else None)
    if count is None:
        raise PagingError("bad_meta", path, "no_count")
    return count


def companion_for(path: str) -> CountCompanion | None:
    return next((found for pattern, found in COUNT_COMPANIONS.items() if pattern.match(path)), None)


def set_apart_for(path: str, params: dict[str, Any]) -> SetApart | None:
    """The records a walk of ``path`` with ``params`` sets apart, if any (``SetApart``)."""
    companion = companion_for(path)
    set_apart = companion.set_apart if companion is not None else None
    return set_apart if set_apart is not None and set_apart.applies(params) else None


def count_figures(companion: CountCompanion, params: dict[str, Any], body: Any) -> tuple[int, int | None]:
    """``(kept, apart)`` from the count companion's answer ``body`` for a walk with ``params``: with a per-status
    breakdown, the records of the statuses the walk compares (``kept``) and of the status it sets apart
    (``apart``); without one, the total and None. A total that also counts records in no status (archived orders,
    under one reading) is then never compared with the list."""
    total = count_of(companion.path, body)
    rows = body.get(companion.breakdown) if companion.breakdown else None
    if not isinstance(rows, list) or not rows:
        return total, None
    set_apart = companion.set_apart if companion.set_apart and companion.set_apart.applies(params) else None
    kept, apart = 0, 0
    for row in rows:
        if not isinstance(row, dict):
            raise PagingError("bad_meta", companion.path, "breakdown_malformed")
        count = whole_number(companion.path, "count", row.get("count")) or 0
        if set_apart is not None and row.get("id") == set_apart.value:
            apart += count
        else:
            kept += count
    return kept, apart


def offset_totals(path: str, pagination: dict[str, Any], limit: int) -> tuple[int | None, int]:
    """``(total records, total pages)`` of ``meta.pagination``; pages derived from the total when missing."""
    total = whole_number(path, "total", pagination.get("total"))
    pages = whole_number(path, "total_pages", pagination.get("total_pages"))
    if pages is None:
        per_page = whole_number(path, "per_page", pagination.get("per_page")) or limit
        pages = math.ceil(total / per_page) if total is not None else 1
    return total, pages


def whole_id(value: Any) -> int | None:
    """``value`` when it is an int, else None: a bool is not an id, nor is ``"7"`` or ``7.0``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_id(path: str, record: Any, key: str = "id") -> int:
    """The ``key`` field (named in the error's facts unless ``id``) of a record of a list read or checked by its
    ids (a keyset, an after-key list, a tombstone read); a record without a whole-number key cannot be placed."""
    value = record.get(key) if isinstance(record, Mapping) else None
    found = whole_id(value)
    if found is None:
        named = {} if key == "id" else {"name": key}
        raise PagingError("bad_record", path, "id_not_whole", value=str(value)[:40], **named)
    return found


# Lists whose records are told apart by another field than ``id``: category-trees_catalog.v3.yml ``Category``,
# methods_payments.v2.yml ``getAllPaymentMethods`` (a method has a ``code``, no id), and the listings of ``AFTER_KEY``.
KEY_FIELDS = {
    re.compile(r"^v3/catalog/trees/categories/?$"): "category_id",
    re.compile(r"^v2/payments/methods/?$"): "code",
    **AFTER_KEY,
}


def key_field(path: str) -> str:
    """The field that tells a list's records apart (``id`` unless ``KEY_FIELDS`` says otherwise)."""
    return next((field for pattern, field in KEY_FIELDS.items() if pattern.match(path)), "id")


def after_key(path: str) -> str | None:
    """The record field whose last value a list takes as ``after`` for its next page (``AFTER_KEY``), or None."""
    return next((field for pattern, field in AFTER_KEY.items() if pattern.match(path)), None)


def identity(record: Any, key: str = "id") -> Any:
    """What tells two records of one list apart: the ``key`` field where there is one, else the whole record."""
    if isinstance(record, dict):
        value = record.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool):
            return value
    return repr(record)


def is_unpaged(path: str) -> bool:
    return any(pattern.match(path) for pattern in UNPAGED)


# -- keyset slices ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """The ids ``[low, high]`` of a keyset walk (``high`` None: open-ended), walked page after page."""

    low: int
    high: int | None


def plan_slices(first_id: int, last_id: int, records: int, remaining: int, limit: int) -> list[Slice]:
    """Split the ids after a full first page into slices of about one page each, to be read in parallel.

    ``remaining`` records are expected after ``last_id``; the first page's id density estimates where they lie.
    The last slice is open-ended, so the plan is only ever a guess about speed, never about which records exist:
    a slice holding more than a page goes on page by page, one holding fewer ends on a short page.
    """
    start = last_id + 1
    pages = slice_count(remaining, limit)
    if pages <= 1:
        return [Slice(start, None)]
    width = slice_width(last_id - first_id + 1, records, limit)
    plan = [Slice(start + n * width, start + (n + 1) * width - 1) for n in range(pages - 1)]
    plan.append(Slice(start + (pages - 1) * width, None))
    return plan


def slice_count(remaining: int, limit: int) -> int:
    """The slices of ``plan_slices``: one a page of the ``remaining`` records expected, the last one open-ended."""
    return math.ceil(max(remaining, 0) / limit)


def slice_width(span: float, records: int, limit: int) -> int:
    """The ids a bounded slice of ``plan_slices`` spans: a page's worth at the first page's density (its
    ``records`` spanned ``span`` ids), at least ``limit`` ids, since no id holds two records."""
    return max(1, math.floor(limit * max(1.0, span / max(records, 1))))


class SeenKeys:
    """Identities a walk has yielded. Whole-number ids that arrive in ascending order (most lists) are kept as
    ranges, so a dense list of a million ids costs a few bytes; anything else goes into a set."""

    def __init__(self) -> None:
        self._starts = array("q")
        self._ends = array("q")
        self._others: set[Any] = set()

    def add(self, key: Any) -> bool:
        """Remember ``key``; False when it was seen before."""
        if key in self:
            return False
        if whole_id(key) is not None and (not self._ends or key > self._ends[-1]):
            if self._ends and key == self._ends[-1] + 1:
                self._ends[-1] = key
            else:
                self._starts.append(key)
                self._ends.append(key)
        else:
            self._others.add(key)
        return True

    def __contains__(self, key: Any) -> bool:
        if whole_id(key) is not None and self._starts:
            position = bisect_right(self._starts, key) - 1
            if position >= 0 and key <= self._ends[position]:
                return True
        return key in self._others


# -- the verdict -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkOutcome:
    """What a finished walk proved. ``expected``: the API's own count for the same filter (None when the list has
    none); ``read``: distinct records yielded; ``verified``: the last pass met at least as many records as the
    count before and after it; ``passes``: how often the list was read."""

    expected: int | None
    read: int
    verified: bool
    passes: int = 1

    def as_manifest(self) -> dict[str, Any]:
        return {"expected": self.expected, "read": self.read, "verified": self.verified, "passes": self.passes}


def judge(start: int | None, end: int | None, seen: int, passes: int) -> str:
    """After a pass: ``"done"``, ``"again"`` (read the list once more) or ``"fail"``.

    ``start`` and ``end`` are the API's counts for the filter before and after the pass, ``seen`` the distinct
    records the pass met. Records present for the whole pass are counted in both, so a pass that met at least
    the smaller count shows no sign of a skipped record; records that left or entered meanwhile explain the
    rest. Meeting fewer means a page came back short or empty: read again, and fail rather than end short.
    """
    counts = [count for count in (start, end) if count is not None]
    if not counts or seen >= min(counts):
        return "done"
    return "again" if passes < MAX_PASSES else "fail"


def first_new(records: Iterable[Any], seen: SeenKeys, key: str = "id") -> list[Any]:
    """The records not seen before, in order; marks them seen."""
    return [record for record in records if seen.add(identity(record, key))]
