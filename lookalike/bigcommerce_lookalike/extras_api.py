"""The GET resources of the smaller lists (``store_extras``): coupons, channels, pages, price lists and their
records, inventory, customer addresses, v3 categories and refunds. Paging, deletions and lies come from the
store's own machinery (``StoreApi._offset_list`` and ``StoreChanges``), keyed by each route's key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bigcommerce_lookalike import api as store_api
from bigcommerce_lookalike.errors import ApiError, not_found
from bigcommerce_lookalike.json_template import encode, join_array
from bigcommerce_lookalike.paging import Selection, v2_window
from bigcommerce_lookalike.store_extras import COUPONS, PAGES, PRICE_LISTS, StoreExtras
from bigcommerce_lookalike.timeline import Moments

if TYPE_CHECKING:
    from bigcommerce_lookalike.api import ApiResult, StoreApi

MARKETING = "store_v2_marketing_read_only"
CHANNELS = "store_channel_settings_read_only"
CONTENT = "store_v2_content_read_only"
INVENTORY = "store_inventory_read_only"
_V3_DATES = ("date_modified:min", "date_modified:max")
_CREATED = ("created:min", "created:max")


class ExtrasApi:
    """Handlers of the smaller lists; ``table()`` gives ``StoreApi`` its routes: (key, scope, handler)."""

    def __init__(self, store: StoreApi, extras: StoreExtras) -> None:
        self.store = store
        self.extras = extras

    def table(self) -> list[tuple[str, str | None, Callable[..., ApiResult]]]:
        return [
            ("v2/coupons", MARKETING, self.coupons),
            ("v2/coupons/count", MARKETING, self.coupons_count),
            ("v3/channels", CHANNELS, self.channels),
            ("v3/channels/{channel_id}", CHANNELS, self.channel),
            ("v3/content/pages", CONTENT, self.pages),
            ("v3/pricelists", store_api.PRODUCTS, self.price_lists),
            ("v3/pricelists/{price_list_id}/records", store_api.PRODUCTS, self.price_records),
            ("v3/inventory/items", INVENTORY, self.inventory),
            ("v3/customers/addresses", store_api.CUSTOMERS, self.customer_addresses),
            ("v3/catalog/categories", store_api.PRODUCTS, self.categories),
            ("v3/orders/payment_actions/refunds", store_api.TRANSACTIONS, self.refunds),
        ]

    def _list(
        self,
        key: str,
        query: Mapping[str, str],
        selection: Selection,
        render: Callable[[int], dict[str, Any]],
        date_filters: tuple[str, ...] = (),
        *,
        paginated: bool = True,
    ) -> ApiResult:
        view = self.store._changed(key, selection, query, date_filters)
        fields = _include_fields(query)
        return self.store._offset_list(
            key, query, view, lambda index: encode(_only(render(index), fields)), paginated=paginated
        )

    def _dated(
        self, count: int, at: Callable[[int], int], query: Mapping[str, str], names: tuple[str, str]
    ) -> Selection:
        low, high = self.store.date_range(Moments(count, at), query, *names, 0, count, time.time())
        return Selection(low, high)

    def coupons(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/coupons``: a bare array with ``min_id``/``max_id``, 204 past the end."""
        ordinal, lies = self.store._misbehaviour("v2/coupons")
        low, high = self.store.v2_id_range(query, 0, COUPONS, 1)
        view = self.store._changed("v2/coupons", Selection(max(low, 0), max(low, high)), query, ())
        offset, limit = v2_window(query, self.store.readings.page_cap)
        indexes = view.indexes(offset, offset + limit)
        if not indexes or ordinal in lies.blank_requests:
            return store_api.NO_CONTENT
        coupons = self.extras.coupons
        return store_api.ApiResult(200, join_array([coupons[index] for index in indexes]))

    def coupons_count(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v2/coupons/count``: ``{"count": N}`` of the whole list (it takes no filters, dates included)."""
        view = self.store._changed("v2/coupons", Selection(0, COUPONS), self.store.count_query(query), ())
        stale = self.store.changes.misbehaviour("v2/coupons").stale_count
        return store_api.ApiResult(200, encode({"count": max(0, len(view) - stale)}))

    def channels(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        extras = self.extras
        selection = self._dated(extras.channel_count, extras.channel_timeline.at, query, _V3_DATES)
        return self._list("v3/channels", query, selection, extras.channel, _V3_DATES)

    def channel(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/channels/{channel_id}``: one channel, 404 once it is deleted."""
        index = int(args[0]) - 1
        deleted = self.store.changes.deleted("v3/channels")
        if not 0 <= index < self.extras.channel_count or index in deleted:
            raise not_found()
        return store_api.ApiResult(200, encode({"data": self.extras.channel(index), "meta": {}}))

    def pages(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        return self._list("v3/content/pages", query, Selection(0, PAGES), self.extras.page)

    def price_lists(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        extras = self.extras
        selection = self._dated(PRICE_LISTS, extras.price_list_timeline.at, query, _V3_DATES)
        return self._list("v3/pricelists", query, selection, extras.price_list, _V3_DATES)

    def price_records(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/pricelists/{id}/records``: one record per variant, ``date_modified:min/max``."""
        price_list_id = int(args[0])
        if not 1 <= price_list_id <= PRICE_LISTS:
            raise not_found()
        extras = self.extras
        count = extras.catalog.variant_total
        selection = self._dated(count, extras.record_timeline(price_list_id).at, query, _V3_DATES)
        key = "v3/pricelists/{price_list_id}/records"
        return self._list(key, query, selection, lambda index: extras.price_record(price_list_id, index), _V3_DATES)

    def inventory(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        extras = self.extras
        return self._list(
            "v3/inventory/items", query, Selection(0, extras.catalog.variant_total), extras.inventory_item
        )

    def customer_addresses(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        extras = self.extras
        return self._list(
            "v3/customers/addresses", query, Selection(0, extras.customers.count), extras.customer_address
        )

    def categories(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/catalog/categories``: ``id:min``/``id:max``, ``include_fields`` (``id`` always comes)."""
        count = self.extras.catalog.category_count
        low, high = store_api._id_range(query, 0, count, first_id=1)
        return self._list("v3/catalog/categories", query, Selection(low, high), self.extras.category)

    def refunds(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """``GET /v3/orders/payment_actions/refunds``: every refund of the store, ``created:min``/``created:max``."""
        extras = self.extras
        count = len(extras.refunded_orders)
        selection = self._dated(count, extras.refund_created, query, _CREATED)
        paginated = self.store.readings.refunds_meta == "pagination"  # orders.v3.yml: a meta without pagination
        return self._list(
            "v3/orders/payment_actions/refunds", query, selection, extras.refund, _CREATED, paginated=paginated
        )


def _include_fields(query: Mapping[str, str]) -> frozenset[str] | None:
    value = query.get("include_fields")
    if value is None:
        return None
    names = frozenset(name.strip() for name in value.split(",") if name.strip())
    if not names:
        raise ApiError(422, "The field 'include_fields' is invalid.", errors={"include_fields": "empty"})
    return names | {"id"}


def _only(record: dict[str, Any], fields: frozenset[str] | None) -> dict[str, Any]:
    return record if fields is None else {name: value for name, value in record.items() if name in fields}
