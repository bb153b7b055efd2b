"""The store API's resources: which paths exist, which scope each needs, and what each answers.

Handlers get the query (first value of each parameter) and path arguments, and return an ``ApiResult`` of JSON
text, or raise ``ApiError``; authentication, rate limits and faults are the gateway's business (``gateway``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bigcommerce_lookalike.changes import Listed, Misbehaviour, Picked, StoreChanges, View, with_ids
from bigcommerce_lookalike.errors import ApiError, not_found
from bigcommerce_lookalike.formats import parse_v2_datetime, parse_v3_datetime
from bigcommerce_lookalike.json_template import encode, join_array, join_array_utf8, with_member
from bigcommerce_lookalike.order_statuses import INCOMPLETE, ByStatus, Ordered, breakdown
from bigcommerce_lookalike.orders import FIRST_ORDER_ID, STATUS_NAMES
from bigcommerce_lookalike.paging import (
    Selection,
    cursor_meta,
    cursor_window,
    decode_cursor,
    encode_cursor,
    link,
    offset_meta,
    v2_window,
    v3_limit,
    v3_window,
)
from bigcommerce_lookalike.product_parts import INCLUDES as PART_INCLUDES
from bigcommerce_lookalike.product_parts import NARROW_INCLUDES, NARROW_PAGE
from bigcommerce_lookalike.readings import Readings
from bigcommerce_lookalike.store_data import StoreData
from bigcommerce_lookalike.timeline import Moments, Timeline

INFORMATION = "store_v2_information_read_only"
ORDERS = "store_v2_orders_read_only"
PRODUCTS = "store_v2_products_read_only"
CUSTOMERS = "store_v2_customers_read_only"
TRANSACTIONS = "store_v2_transactions_read_only"
ORDER_INCLUDES = frozenset(("consignments", "consignments.line_items", "fees"))
CUSTOMER_INCLUDES = frozenset(("addresses", "storecredit", "attributes", "formfields"))
# orders.v2.oas2.yml ``/orders/count`` (284-301) declares these beside the list's other filters; whether the store
# applies them is not stated (docs/open-questions.md "Count date filters", ``Readings.count_date_filters``).
COUNT_DATE_FILTERS = frozenset(
    (
        "min_date_created",
        "max_date_created",
        "min_date_modified",
        "max_date_modified",
        "date_modified:min",
        "date_modified:max",
    )
)
_PLACEHOLDER = re.compile(r"\\\{[a-z_]+\\\}")  # "{order_id}" in a route key, as re.escape wrote it


@dataclass(frozen=True)
class ApiResult:
    """``document`` is JSON text (or its UTF-8 bytes); ``None`` means 204 No Content."""

    status: int
    document: str | bytes | None


NO_CONTENT = ApiResult(204, None)
Handler = Callable[[Mapping[str, str], tuple[str, ...]], ApiResult]


@dataclass(frozen=True)
class Route:
    """One resource: ``key`` names it in the stats (``"v2/orders/{order_id}/products"``)."""

    key: str
    pattern: re.Pattern[str]
    scope: str | None
    handler: Handler


def _ok(document: str | bytes) -> ApiResult:
    return ApiResult(200, document)


def _v3_list(records: list[str], meta: dict) -> ApiResult:
    return _ok(f'{{"data":{join_array(records)},"meta":{encode(meta)}}}')


class StoreApi:
    """The GET resources of one store, over a ``StoreData``."""

    def __init__(self, data: StoreData, changes: StoreChanges | None = None, readings: Readings | None = None) -> None:
        self.data = data
        self.changes = changes or StoreChanges()
        self.readings = readings or Readings()
        table: list[tuple[str, str | None, Handler]] = [
            ("v2/time", None, self.time),
            ("v2/store", INFORMATION, self.store),
            ("v2/orders", ORDERS, self.orders),
            ("v2/orders/count", ORDERS, self.orders_count),
            ("v2/orders/{order_id}", ORDERS, self.order),
            ("v2/orders/{order_id}/products", ORDERS, self.order_products),
            ("v2/orders/{order_id}/shipping_addresses", ORDERS, self.shipping_addresses),
            ("v2/orders/{order_id}/shippingaddresses", ORDERS, self.shipping_addresses),
            ("v3/orders/{order_id}/transactions", TRANSACTIONS, self.transactions),
            ("v3/catalog/products", PRODUCTS, self.products),
            ("v3/catalog/variants", PRODUCTS, self.variants),
            ("v3/catalog/brands", PRODUCTS, self.brands),
            ("v3/catalog/trees", PRODUCTS, self.trees),
            ("v3/catalog/trees/categories", PRODUCTS, self.categories),
            ("v3/customers", CUSTOMERS, self.customers),
        ]
        self.routes: list[Route] = []
        self.add_routes(table)

    def add_routes(self, table: list[tuple[str, str | None, Handler]]) -> None:
        """Serve more resources: (key, scope, handler) each; the smaller lists come from ``extras_api``."""
        number = r"(\d+)"
        self.routes += [
            Route(key, re.compile("^" + _PLACEHOLDER.sub(lambda _: number, re.escape(key)) + "/?$"), scope, handler)
            for key, scope, handler in table
        ]

    def concurrency_limit(self, key: str) -> int | None:
        """How many requests of route ``key`` the store serves at once (price_lists.v3.yml: "Supports up to 10
        simultaneous GET requests" of a price list's records), or None."""
        if key == "v3/pricelists/{price_list_id}/records":
            return self.readings.price_records_concurrency
        return None

    def match(self, subpath: str) -> tuple[Route, tuple[str, ...]] | None:
        """The route of ``subpath`` (``"v2/orders/101/products"``) and its path arguments."""
        for route in self.routes:
            found = route.pattern.match(subpath)
            if found:
                return route, found.groups()
        return None

    # -- v2 ---------------------------------------------------------------------------------------------------

    def time(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """The documented call for validating credentials (docs/bigcommerce.md "Cheap calls"). Real wall-clock time."""
        return _ok(encode({"time": int(time.time())}))

    def store(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        return _ok(encode(self.data.profile.information()))

    def _order_selection(self, query: Mapping[str, str], *, counting: bool = False) -> Ordered:
        """Filters ``min_id``/``max_id``/``min_date_modified``/``max_date_modified``, ``status_id`` and ``sort``;
        with ``is_deleted=true`` the archived orders among them instead of the live ones (unless the store plays
        the reading that ignores it). Under ``orders_incomplete="count_only"`` the list, not the count, leaves out
        Incomplete orders unless ``status_id`` asks for them."""
        selection = self._order_bounds(query)
        if query.get("is_deleted") == "true" and self.readings.is_deleted_filter == "honoured":
            archived = self.changes.deleted("v2/orders")
            return self._by_status(
                Picked([index for index in archived if selection.low <= index < selection.high]), query, counting
            )
        view = self._changed("v2/orders", selection, query, ("min_date_modified", "max_date_modified"))
        return self._by_status(view, query, counting)

    def _by_status(self, orders: Ordered, query: Mapping[str, str], counting: bool) -> Ordered:
        statuses = self.data.orders.status_bytes()
        if query.get("status_id"):
            return ByStatus(orders, statuses, wanted=_v2_int(query, "status_id"))
        if self.readings.orders_incomplete == "count_only" and not counting:
            return ByStatus(orders, statuses, unwanted=INCOMPLETE)
        return orders

    def _order_bounds(self, query: Mapping[str, str]) -> Selection:
        orders = self.data.orders
        low, high = 0, orders.count
        low, high = self.v2_id_range(query, low, high, FIRST_ORDER_ID)
        low, high = self.date_range(orders.timeline, query, "min_date_modified", "max_date_modified", low, high, None)
        return Selection(max(low, 0), max(high, 0), _descending(query.get("sort"), ("id", "date_modified"), "v2"))

    def v2_id_range(self, query: Mapping[str, str], low: int, high: int, first_id: int) -> tuple[int, int]:
        """Narrow the indexes ``[low, high)`` by v2 ``min_id``/``max_id``, inclusive or (``readings.id_bounds``)
        exclusive."""
        shift = 1 if self.readings.id_bounds == "exclusive" else 0
        if "min_id" in query:
            low = max(low, _v2_int(query, "min_id") - first_id + shift)
        if "max_id" in query:
            high = min(high, _v2_int(query, "max_id") - first_id + 1 - shift)
        return low, high

    def _changed(
        self, key: str, selection: Selection, query: Mapping[str, str], date_filters: tuple[str, ...]
    ) -> Selection | View:
        return self.changes.view(
            key,
            selection,
            date_sorted=(query.get("sort") or "").startswith("date_modified"),
            date_filtered=any(query.get(name) for name in date_filters),
        )

    def date_range(
        self,
        timeline: Timeline | Moments,
        query: Mapping[str, str],
        min_name: str,
        max_name: str,
        low: int,
        high: int,
        now: float | None,
    ) -> tuple[int, int]:
        """Narrow ``[low, high)`` to records modified within the bounds; ``now`` marks v3 parsing.

        Under the store's ``readings``: bounds inclusive or exclusive, and each record's time ``date_fraction_ms``
        past the whole second its date shows (a record shown at ``t`` is at ``t + f``, so ``t + f >= m`` is
        ``t >= m - f``, and so on). Under ``commit_lag_ms`` a record is left out until the wall clock reaches
        ``t + f + lag``: the records are in date order, so those not yet visible are the newest ones.
        """
        exclusive = self.readings.date_bounds == "exclusive"
        fraction = self.readings.date_fraction_ms / 1000
        if self.readings.commit_lag_ms:
            high = min(high, timeline.first_after(time.time() - self.readings.commit_lag_ms / 1000 - fraction))
        for name, is_min in ((min_name, True), (max_name, False)):
            value = query.get(name)
            if not value:
                continue
            try:
                moment = parse_v2_datetime(value) if now is None else parse_v3_datetime(value, now)
            except ValueError:
                status = 400 if now is None else 422
                raise ApiError(status, f"The field '{name}' is invalid.", errors={name: "not a date"}) from None
            shifted = moment - fraction
            if is_min and now is None and self.readings.inverted_dates == "refused":
                self._refuse_inverted(query, max_name, moment)
            if is_min:
                low = max(low, timeline.first_after(shifted) if exclusive else timeline.first_at_or_after(shifted))
            else:
                high = min(high, timeline.first_at_or_after(shifted) if exclusive else timeline.first_after(shifted))
        return low, max(low, high)

    def _refuse_inverted(self, query: Mapping[str, str], max_name: str, low: float) -> None:
        """A v2 minimum date after its maximum answered 400, as a store validating the range would."""
        high = query.get(max_name)
        try:
            refused = bool(high) and parse_v2_datetime(high) < low
        except ValueError:
            return  # the maximum's own parsing answers for it
        if refused:
            raise ApiError(400, f"The field '{max_name}' is invalid.", errors={max_name: "before the minimum"})

    def count_query(self, query: Mapping[str, str]) -> Mapping[str, str]:
        """The filters a v2 ``/count`` applies: all it is given, or (``count_date_filters="ignored"``) all but the
        dates, so it counts every record its other filters select."""
        if self.readings.count_date_filters == "applied":
            return query
        return {name: value for name, value in query.items() if name not in COUNT_DATE_FILTERS}

    def _misbehaviour(self, key: str) -> tuple[int, Misbehaviour]:
        counted = self.changes.request(key)
        return counted if counted is not None else (0, Misbehaviour())

    def orders(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/orders``: a bare array, 204 past the end, line items inline on request."""
        ordinal, lies = self._misbehaviour("v2/orders")
        offset, limit = v2_window(query, self.readings.page_cap)
        if lies.ignore_page:
            offset = 0
        selection = self._order_selection(query)
        includes = _includes(query.get("include"), ORDER_INCLUDES, "v2")
        consignments = next((name for name in ("consignments.line_items", "consignments") if name in includes), None)
        object_structure = query.get("consignment_structure") == "object"
        indexes = selection.indexes(offset, offset + limit)
        if not indexes or ordinal in lies.blank_requests:
            return NO_CONTENT  # docs/bigcommerce.md "Listing and paging": past the last page, 204 with an empty body
        render = self.data.orders.order_json
        records = [render(index, consignments=consignments, object_structure=object_structure) for index in indexes]
        if query.get("is_deleted") == "true" and self.readings.is_deleted_filter == "honoured":
            records = [record.replace('"is_deleted":false', '"is_deleted":true', 1) for record in records]
        if "fees" in includes:
            records = [with_member(record, "fees", "[]") for record in records]
        return _ok(join_array_utf8(records))

    def orders_count(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/orders/count`` (``ordersCount_Full``) under the same filters as the list: a total and a count
        per status. Under ``orders_count_archived`` the total also counts the archived orders of the range; under
        ``count_date_filters="ignored"`` the dates are not applied."""
        orders = self.data.orders
        query = self.count_query(query)
        selection = self._order_selection(query, counting=True)
        counts = breakdown(selection, lambda index: orders.status_bytes()[index], orders.status_counts)
        total = len(selection)
        if self.readings.orders_count_archived and query.get("is_deleted") != "true":
            bounds = self._order_bounds(query)
            archived = Picked([i for i in self.changes.deleted("v2/orders") if bounds.low <= i < bounds.high])
            total += len(self._by_status(archived, query, counting=True))
        # A stale count lags the orders its filters select: one selecting none (a range before any order) stays 0.
        stale = self.changes.misbehaviour("v2/orders").stale_count if len(selection) else 0
        counts = _stale_breakdown(counts, stale)
        statuses = [
            {
                "id": status_id,
                "name": name,
                "system_label": name,
                "custom_label": name,
                "system_description": name,
                "count": counts.get(status_id, 0),
                "sort_order": status_id,
            }
            for status_id, name in STATUS_NAMES.items()
        ]
        return _ok(encode({"statuses": statuses, "count": max(0, total - stale)}))

    def _order_index(self, args: tuple[str, ...]) -> int:
        index = self.data.orders.index_of(int(args[0]))
        if index is None:
            raise not_found()
        return index

    def order(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        return _ok(self.data.orders.order_json(self._order_index(args)))

    def order_products(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/orders/{id}/products``: v2 paging over the order's line items."""
        return _v2_page(self.data.orders.lines_json(self._order_index(args)), query)

    def shipping_addresses(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        return _v2_page(self.data.orders.shipping_addresses_json(self._order_index(args)), query)

    # -- v3 ---------------------------------------------------------------------------------------------------

    def transactions(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/orders/{id}/transactions``: 204 when the order has none (orders.v3.yml); 404 once the order
        is deleted (``changes``: under ``v2/orders``, or under this route's key to delete it for this list only,
        as if it went between reading the orders and their transactions)."""
        index = self._order_index(args)
        key = "v3/orders/{order_id}/transactions"
        self._misbehaviour(key)
        if index in self.changes.deleted("v2/orders") or index in self.changes.deleted(key):
            raise not_found()
        records = self.data.orders.transactions_json(index)
        if not records:
            return NO_CONTENT
        return _v3_list(records, {"pagination": offset_meta(query, len(records), 1, 50)})

    def _offset_list(
        self,
        key: str,
        query: Mapping[str, str],
        selection: Ordered,
        render: Callable[[int], str],
        *,
        paginated: bool = True,
        page_cap: int | None = None,
    ) -> ApiResult:
        """A v3 list read by page; ``page_cap``: at most this many a page, whatever ``limit`` asks (and the
        store's own ``readings.page_cap``)."""
        ordinal, lies = self._misbehaviour(key)
        selection = _by_ids(selection, query, "id")
        caps = [cap for cap in (self.readings.page_cap, page_cap) if cap is not None]
        page, limit = v3_window(query, min(caps) if caps else None)
        if lies.ignore_page:
            page = 1
        start = (page - 1) * limit
        indexes = [] if ordinal in lies.blank_requests else selection.indexes(start, start + limit)
        records = [render(index) for index in indexes]
        total = max(0, len(selection) - lies.stale_count)
        if not paginated:  # a meta without pagination, as some of the official schemas have it
            return _v3_list(records, {})
        return _v3_list(records, {"pagination": offset_meta(query, total, page, limit)})

    def products(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/catalog/products`` with ``date_modified:min/max`` (date-only quirk in ``formats``)."""
        catalog = self.data.catalog
        low, high = _id_range(query, 0, catalog.product_count, first_id=1)
        low, high = self.date_range(
            catalog.timeline, query, "date_modified:min", "date_modified:max", low, high, time.time()
        )
        sort = query.get("sort", "id")
        if sort not in ("id", "date_modified"):
            raise ApiError(
                422, f"The lookalike sorts products by id or date_modified, not '{sort}'.", errors={"sort": sort}
            )
        direction = query.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise ApiError(422, "The field 'direction' is invalid.", errors={"direction": "asc or desc"})
        selection = self._changed(
            "v3/catalog/products", Selection(low, high, direction == "desc"), query, _V3_DATE_FILTERS
        )
        # products_catalog.v3.yml ``include``: the parts the lookalike has are added; the others are left out.
        includes = frozenset(name.strip() for name in query.get("include", "").split(",")) & PART_INCLUDES
        if not includes:
            return self._offset_list("v3/catalog/products", query, selection, catalog.product_json)
        parts = self.data.more.parts
        narrow = bool(includes & NARROW_INCLUDES)
        if narrow and self.readings.narrow_include_limit == "refused" and v3_limit(query) > NARROW_PAGE:
            raise ApiError(
                422, f"With include=options or modifiers, limit may be at most {NARROW_PAGE}.", errors={"limit": "10"}
            )
        return self._offset_list(
            "v3/catalog/products",
            query,
            selection,
            lambda index: parts.with_parts(catalog.product_json(index), index + 1, includes),
            page_cap=NARROW_PAGE if narrow else None,
        )

    def variants(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        catalog = self.data.catalog
        selection = self._changed("v3/catalog/variants", Selection(0, catalog.variant_total), query, ())
        return self._offset_list("v3/catalog/variants", query, selection, catalog.variant_json)

    def brands(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/catalog/brands``: in id order, or (``readings.brands_order="name"``) by name, the one sort
        brands_catalog.v3.yml declares."""
        catalog = self.data.catalog
        low, high = _id_range(query, 0, catalog.brand_count, first_id=1)
        selection: Ordered = self._changed("v3/catalog/brands", Selection(low, high), query, ())
        if self.readings.brands_order == "name":
            names = {index: catalog.brand_name(index + 1) for index in selection.indexes(0, len(selection))}
            selection = Listed(sorted(names, key=lambda index: (names[index], index)))
        return self._offset_list("v3/catalog/brands", query, selection, catalog.brand_json)

    def trees(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/catalog/trees``: one tree per storefront (``readings.category_trees``)."""
        catalog = self.data.catalog
        records = [encode(catalog.tree_json(index)) for index in range(catalog.trees)]
        return _v3_list(records, {"pagination": offset_meta(query, len(records), 1, max(len(records), 1))})

    def categories(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/catalog/trees/categories``: the categories of every tree, or of those ``tree_id:in`` names;
        ``category_id:in`` picks some. Under ``readings.trees_default_only`` a request without ``tree_id:in``
        answers the first tree only."""
        catalog = self.data.catalog
        trees = _ids_param(query, "tree_id:in")
        if trees is None and self.readings.trees_default_only:
            trees = [1]
        selection: Ordered = self._changed(
            "v3/catalog/trees/categories", Selection(0, catalog.category_count), query, ()
        )
        if trees is not None:
            wanted = set(trees)
            kept = selection.indexes(0, len(selection))
            selection = Listed([index for index in kept if catalog.tree_of(index + 1) in wanted])
        selection = _by_ids(selection, query, "category_id")
        return self._offset_list("v3/catalog/trees/categories", query, selection, catalog.category_json)

    def customers(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/customers``: offset and cursor paging (see ``paging``), ``date_modified:min/max``."""
        book = self.data.customers
        low, high = self.date_range(
            book.timeline, query, "date_modified:min", "date_modified:max", 0, book.count, time.time()
        )
        ordinal, lies = self._misbehaviour("v3/customers")
        selection = self._changed(
            "v3/customers",
            Selection(low, high, _descending(query.get("sort"), ("date_modified",), "v3")),
            query,
            _V3_DATE_FILTERS,
        )
        selection = _by_ids(selection, query, "id")
        includes = _includes(query.get("include"), CUSTOMER_INCLUDES, "v3")
        limit = v3_limit(query, self.readings.page_cap)
        window = cursor_window({**query, "page": "1"} if lies.ignore_page else query, selection, limit)
        indexes = selection.indexes(window.start, window.stop)
        records = [book.customer_json(index, includes) for index in indexes]
        meta: dict = {}
        if window.with_offset_meta:
            total = max(0, len(selection) - lies.stale_count)
            meta["pagination"] = offset_meta(query, total, window.start // limit + 1, limit)
        if window.with_cursor_meta:
            ids = [index + 1 for index in indexes]
            meta["cursor_pagination"] = cursor_meta(query, selection, window, ids, limit)
            if ordinal in lies.blank_requests:
                records = []
                meta["cursor_pagination"]["count"] = 0
            if lies.cursor_cycle and ids:
                _cycle_cursor(meta["cursor_pagination"], query, selection, limit)
            if lies.endless_cursor and "next" not in meta["cursor_pagination"]["links"]:
                _endless_cursor(meta["cursor_pagination"], query, limit)
        elif ordinal in lies.blank_requests:
            records = []
        return _v3_list(records, meta)


def _ids_param(query: Mapping[str, str], name: str) -> list[int] | None:
    """A comma-separated list of ids (``id:in``), or None when the parameter is absent."""
    value = query.get(name)
    if not value:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ApiError(422, f"The field '{name}' is invalid.", errors={name: "not a list of integers"}) from None


def _by_ids(selection: Ordered, query: Mapping[str, str], key: str) -> Ordered:
    """``{key}:in`` (comma separated) or ``{key}`` (one id): only those records, when they are in ``selection``."""
    ids = _ids_param(query, f"{key}:in") if f"{key}:in" in query else _ids_param(query, key)
    return selection if ids is None else with_ids(selection, ids)


def _endless_cursor(meta: dict, query: Mapping[str, str], limit: int) -> None:
    """Past the end, a ``next`` link with a cursor one id beyond the request's (beyond every record): new each time."""
    after = decode_cursor(query["after"], "after") if "after" in query else 0
    fresh = encode_cursor(max(after, 10**12) + 1)
    meta["end_cursor"] = fresh
    meta["links"]["next"] = link(query, page=None, limit=limit, after=fresh)


# -- parameters -----------------------------------------------------------------------------------------------

_V3_DATE_FILTERS = ("date_modified:min", "date_modified:max")


def _cycle_cursor(meta: dict, query: Mapping[str, str], selection: Selection | View, limit: int) -> None:
    """From the third page on, point ``end_cursor`` (and ``next``) back at the first page's: A -> B -> A."""
    if "after" not in query or len(selection) <= limit:
        return
    first_end = encode_cursor(selection.index_at(min(limit, len(selection)) - 1) + 1)
    if query["after"] == first_end:
        return
    meta["end_cursor"] = first_end
    meta["links"]["next"] = link(query, page=None, limit=limit, after=first_end)


def _id_range(query: Mapping[str, str], low: int, high: int, *, first_id: int) -> tuple[int, int]:
    """Narrow ``[low, high)`` by v3 ``id:min``/``id:max`` (inclusive) and ``id:greater``/``id:less`` (exclusive)."""
    bounds = (("id:min", 0, True), ("id:greater", 1, True), ("id:max", 1, False), ("id:less", 0, False))
    for name, shift, is_min in bounds:
        if query.get(name):
            try:
                value = int(query[name]) - first_id + shift
            except ValueError:
                raise ApiError(422, f"The field '{name}' is invalid.", errors={name: "not an integer"}) from None
            low, high = (max(low, value), high) if is_min else (low, min(high, value))
    return low, max(low, high)


def _stale_breakdown(counts: dict[int, int], stale: int) -> dict[int, int]:
    """A per-status count as stale as the total: ``stale`` fewer (or more, when negative), taken from (or added to)
    the largest statuses other than Incomplete first, so the part a client compares with its list moves by it."""
    counts = dict(counts)
    order = sorted(counts, key=lambda status: (status == INCOMPLETE, -counts[status]))
    if stale < 0 and order:
        counts[order[0]] -= stale
    for status in order:
        if stale <= 0:
            break
        taken = min(stale, counts[status])
        counts[status] -= taken
        stale -= taken
    return counts


def _v2_page(records: list[str], query: Mapping[str, str]) -> ApiResult:
    offset, limit = v2_window(query)
    page = records[offset : offset + limit]
    return _ok(join_array(page)) if page else NO_CONTENT


def _v2_int(query: Mapping[str, str], name: str) -> int:
    try:
        return int(query[name])
    except ValueError:
        raise ApiError(400, f"The field '{name}' is invalid.") from None


def _descending(sort: str | None, fields: tuple[str, ...], version: str) -> bool:
    """``sort=field:asc|desc`` (or a bare field). The lookalike orders by id or by ``date_modified`` only."""
    if not sort:
        return False
    field, _, direction = sort.partition(":")
    if field not in fields or direction not in ("", "asc", "desc"):
        status = 400 if version == "v2" else 422
        raise ApiError(status, f"The lookalike sorts by {' or '.join(fields)} (asc or desc), not '{sort}'.")
    return direction == "desc"


def _includes(value: str | None, known: frozenset[str], version: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in (value or "").split(",") if name.strip())
    unknown = names - known
    if unknown:
        status = 400 if version == "v2" else 422
        raise ApiError(status, f"The field 'include' is invalid: {', '.join(sorted(unknown))}.")
    return names
