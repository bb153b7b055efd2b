"""The store API's resources: which paths exist, which scope each needs, and what each answers.

Handlers get the query (first value of each parameter) and path arguments, and return an ``ApiResult`` of JSON
text, or raise ``ApiError``; authentication, rate limits and faults are the gateway's business (``gateway``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from airflow_provider_bigcommerce.sandbox.errors import ApiError, not_found
from airflow_provider_bigcommerce.sandbox.formats import parse_v2_datetime, parse_v3_datetime
from airflow_provider_bigcommerce.sandbox.json_template import encode, join_array, join_array_utf8, with_member
from airflow_provider_bigcommerce.sandbox.orders import FIRST_ORDER_ID, STATUS_NAMES
from airflow_provider_bigcommerce.sandbox.paging import (
    Selection,
    cursor_meta,
    cursor_window,
    offset_meta,
    v2_window,
    v3_limit,
    v3_window,
)
from airflow_provider_bigcommerce.sandbox.store_data import StoreData
from airflow_provider_bigcommerce.sandbox.timeline import Timeline

INFORMATION = "store_v2_information_read_only"
ORDERS = "store_v2_orders_read_only"
PRODUCTS = "store_v2_products_read_only"
CUSTOMERS = "store_v2_customers_read_only"
TRANSACTIONS = "store_v2_transactions_read_only"
ORDER_INCLUDES = frozenset(("consignments", "consignments.line_items", "fees"))
CUSTOMER_INCLUDES = frozenset(("addresses", "storecredit", "attributes", "formfields"))


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

    def __init__(self, data: StoreData) -> None:
        self.data = data
        number = r"(\d+)"
        table = [
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
            ("v3/catalog/trees/categories", PRODUCTS, self.categories),
            ("v3/customers", CUSTOMERS, self.customers),
        ]
        self.routes = [
            Route(key, re.compile("^" + re.escape(key).replace(r"\{order_id\}", number) + "/?$"), scope, handler)
            for key, scope, handler in table
        ]

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

    def _order_selection(self, query: Mapping[str, str]) -> Selection:
        """Filters ``min_id``/``max_id``/``min_date_modified``/``max_date_modified`` and ``sort``."""
        orders = self.data.orders
        low, high = 0, orders.count
        if "min_id" in query:
            low = max(low, _v2_int(query, "min_id") - FIRST_ORDER_ID)
        if "max_id" in query:
            high = min(high, _v2_int(query, "max_id") - FIRST_ORDER_ID + 1)
        low, high = _date_range(orders.timeline, query, "min_date_modified", "max_date_modified", low, high, None)
        return Selection(low, high, _descending(query.get("sort"), ("id", "date_modified"), "v2"))

    def orders(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/orders``: a bare array, 204 past the end, line items inline on request."""
        offset, limit = v2_window(query)
        selection = self._order_selection(query)
        includes = _includes(query.get("include"), ORDER_INCLUDES, "v2")
        consignments = next((name for name in ("consignments.line_items", "consignments") if name in includes), None)
        object_structure = query.get("consignment_structure") == "object"
        indexes = selection.indexes(offset, offset + limit)
        if not indexes:
            return NO_CONTENT  # docs/bigcommerce.md "Listing and paging": past the last page, 204 with an empty body
        render = self.data.orders.order_json
        records = [render(index, consignments=consignments, object_structure=object_structure) for index in indexes]
        if "fees" in includes:
            records = [with_member(record, "fees", "[]") for record in records]
        return _ok(join_array_utf8(records))

    def orders_count(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/orders/count`` (``ordersCount_Full``) under the same filters as the list."""
        selection = self._order_selection(query)
        counts = self.data.orders.status_counts(selection.low, max(selection.low, selection.high))
        statuses = [
            {
                "id": status_id,
                "name": name,
                "system_label": name,
                "custom_label": name,
                "system_description": name,
                "count": counts[status_id],
                "sort_order": status_id,
            }
            for status_id, name in STATUS_NAMES.items()
        ]
        return _ok(encode({"statuses": statuses, "count": len(selection)}))

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
        """``GET /v3/orders/{id}/transactions``: 204 when the order has none (orders.v3.yml)."""
        records = self.data.orders.transactions_json(self._order_index(args))
        if not records:
            return NO_CONTENT
        return _v3_list(records, {"pagination": offset_meta(query, len(records), 1, 50)})

    def _offset_list(self, query: Mapping[str, str], selection: Selection, render: Callable[[int], str]) -> ApiResult:
        page, limit = v3_window(query)
        start = (page - 1) * limit
        records = [render(index) for index in selection.indexes(start, start + limit)]
        return _v3_list(records, {"pagination": offset_meta(query, len(selection), page, limit)})

    def products(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/catalog/products`` with ``date_modified:min/max`` (date-only quirk in ``formats``)."""
        catalog = self.data.catalog
        low, high = _date_range(
            catalog.timeline, query, "date_modified:min", "date_modified:max", 0, catalog.product_count, time.time()
        )
        sort = query.get("sort", "id")
        if sort not in ("id", "date_modified"):
            raise ApiError(
                422, f"The lookalike sorts products by id or date_modified, not '{sort}'.", errors={"sort": sort}
            )
        direction = query.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise ApiError(422, "The field 'direction' is invalid.", errors={"direction": "asc or desc"})
        return self._offset_list(query, Selection(low, high, direction == "desc"), catalog.product_json)

    def variants(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        catalog = self.data.catalog
        return self._offset_list(query, Selection(0, catalog.variant_total), catalog.variant_json)

    def brands(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        catalog = self.data.catalog
        return self._offset_list(query, Selection(0, catalog.brand_count), catalog.brand_json)

    def categories(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        catalog = self.data.catalog
        return self._offset_list(query, Selection(0, catalog.category_count), catalog.category_json)

    def customers(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/customers``: offset and cursor paging (see ``paging``), ``date_modified:min/max``."""
        book = self.data.customers
        low, high = _date_range(
            book.timeline, query, "date_modified:min", "date_modified:max", 0, book.count, time.time()
        )
        selection = Selection(low, high, _descending(query.get("sort"), ("date_modified",), "v3"))
        includes = _includes(query.get("include"), CUSTOMER_INCLUDES, "v3")
        limit = v3_limit(query)
        window = cursor_window(query, selection, limit)
        indexes = selection.indexes(window.start, window.stop)
        records = [book.customer_json(index, includes) for index in indexes]
        meta: dict = {}
        if window.with_offset_meta:
            meta["pagination"] = offset_meta(query, len(selection), window.start // limit + 1, limit)
        if window.with_cursor_meta:
            meta["cursor_pagination"] = cursor_meta(query, selection, window, [index + 1 for index in indexes], limit)
        return _v3_list(records, meta)


# -- parameters -----------------------------------------------------------------------------------------------


def _v2_page(records: list[str], query: Mapping[str, str]) -> ApiResult:
    offset, limit = v2_window(query)
    page = records[offset : offset + limit]
    return _ok(join_array(page)) if page else NO_CONTENT


def _v2_int(query: Mapping[str, str], name: str) -> int:
    try:
        return int(query[name])
    except ValueError:
        raise ApiError(400, f"The field '{name}' is invalid.") from None


def _date_range(
    timeline: Timeline, query: Mapping[str, str], min_name: str, max_name: str, low: int, high: int, now: float | None
) -> tuple[int, int]:
    """Narrow ``[low, high)`` to records modified within the (inclusive) bounds; ``now`` marks v3 parsing."""
    for name, is_min in ((min_name, True), (max_name, False)):
        value = query.get(name)
        if not value:
            continue
        try:
            moment = parse_v2_datetime(value) if now is None else parse_v3_datetime(value, now)
        except ValueError:
            status = 400 if now is None else 422
            raise ApiError(status, f"The field '{name}' is invalid.", errors={name: "not a date"}) from None
        if is_min:
            low = max(low, timeline.first_at_or_after(moment))
        else:
            high = min(high, timeline.first_after(moment))
    return low, max(low, high)


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
