"""The GET resources of the further lists (``more_store``): what path each is served at, under which scope, and
how it pages (``list_answers``); channel listings page by ``after``, the last listing id read.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bigcommerce_lookalike import api as store_api
from bigcommerce_lookalike.errors import ApiError, not_found
from bigcommerce_lookalike.extras_api import CHANNELS, CONTENT, INVENTORY, MARKETING
from bigcommerce_lookalike.json_template import encode, join_array
from bigcommerce_lookalike.list_answers import V3_DATES, ListAnswers
from bigcommerce_lookalike.paging import link, v3_limit

if TYPE_CHECKING:
    from bigcommerce_lookalike.api import ApiResult, StoreApi
    from bigcommerce_lookalike.metafields import Metafields
    from bigcommerce_lookalike.more_store import MoreStore
    from bigcommerce_lookalike.records import Records

Handler = Callable[[Mapping[str, str], tuple[str, ...]], "ApiResult"]
LISTINGS = "v3/channels/{channel_id}/listings"
_METAFIELD_SCOPES = {
    "product": store_api.PRODUCTS,
    "variant": store_api.PRODUCTS,
    "category": store_api.PRODUCTS,
    "brand": store_api.PRODUCTS,
    "customer": store_api.CUSTOMERS,
    "order": store_api.ORDERS,
    "channel": CHANNELS,
    "location": INVENTORY,
    "store": store_api.INFORMATION,
}


class MoreApi:
    """Handlers of the further lists; ``table()`` gives ``StoreApi`` its routes: (key, scope, handler)."""

    def __init__(self, store: StoreApi, more: MoreStore) -> None:
        self.store = store
        self.more = more
        self.answers = ListAnswers(store)

    def table(self) -> list[tuple[str, str | None, Handler]]:
        shoppers, setup, front = self.more.shoppers, self.more.setup, self.more.storefront
        v2, v3, count, one = self._v2, self._v3, self._v2_count, self._one
        customers, products, info = store_api.CUSTOMERS, store_api.PRODUCTS, store_api.INFORMATION
        return [
            *(
                (book.collection.key, _METAFIELD_SCOPES[book.collection.resource_type], self._metafields(book))
                for book in self.more.metafields
            ),  # fmt: skip
            (LISTINGS, CHANNELS, self.listings),
            ("v2/customer_groups", customers, v2("v2/customer_groups", shoppers.customer_groups)),
            ("v2/customer_groups/count", customers, count("v2/customer_groups", shoppers.customer_groups)),
            ("v2/customer_groups/{id}", customers, one("v2/customer_groups", shoppers.customer_groups, v3=False)),
            ("v3/customers/subscribers", MARKETING, v3("v3/customers/subscribers", shoppers.subscribers)),
            ("v3/customers/attributes", customers, v3("v3/customers/attributes", shoppers.attributes)),
            (
                "v3/customers/attribute-values",
                customers,
                v3("v3/customers/attribute-values", shoppers.attribute_values),
            ),
            ("v3/segments", customers, v3("v3/segments", shoppers.segments)),
            ("v3/promotions", MARKETING, v3("v3/promotions", shoppers.promotions)),
            ("v3/wishlists", customers, v3("v3/wishlists", shoppers.wishlists)),
            ("v3/wishlists/{id}", customers, one("v3/wishlists", shoppers.wishlists, v3=True)),
            ("v3/inventory/locations", INVENTORY, v3("v3/inventory/locations", setup.locations, "location_id")),
            ("v3/pickup/methods", info, v3("v3/pickup/methods", setup.pickup_methods)),
            ("v2/shipping/zones", info, self._v2_whole("v2/shipping/zones", setup.shipping_zones)),
            ("v2/shipping/zones/{zone_id}/methods", info, self.shipping_methods),
            ("v2/currencies", info, v2("v2/currencies", setup.currencies)),
            ("v2/tax_classes", info, v2("v2/tax_classes", setup.tax_classes)),
            ("v2/payments/methods", info, v2("v2/payments/methods", setup.payment_methods)),
            ("v2/countries", info, v2("v2/countries", setup.countries)),
            ("v2/countries/count", info, count("v2/countries", setup.countries)),
            ("v3/sites", CONTENT, v3("v3/sites", front.sites)),
            ("v3/sites/{id}", CONTENT, one("v3/sites", front.sites, v3=True)),
            ("v3/storefront/redirects", CONTENT, v3("v3/storefront/redirects", front.redirects)),
            ("v2/blog/posts", CONTENT, v2("v2/blog/posts", front.blog_posts)),
            ("v2/blog/posts/count", CONTENT, count("v2/blog/posts", front.blog_posts)),
            ("v2/blog/posts/{id}", CONTENT, one("v2/blog/posts", front.blog_posts, v3=False)),
            ("v3/store/systemlogs", info, v3("v3/store/systemlogs", front.store_logs)),
            ("v2/orders/{order_id}/coupons", store_api.ORDERS, self._per_order("coupons")),
            ("v2/orders/{order_id}/shipments", store_api.ORDERS, self._per_order("shipments")),
            ("v2/orders/{order_id}/taxes", store_api.ORDERS, self._per_order("taxes")),
            ("v3/catalog/products/{product_id}/reviews", products, self.reviews),
        ]

    # -- the handlers of a list ---------------------------------------------------------------------------------

    def _v3(self, key: str, records: Records, id_param: str | None = None) -> Handler:
        return lambda query, args: self.answers.v3(key, query, records, id_param=id_param)

    def _v2(self, key: str, records: Records) -> Handler:
        return lambda query, args: self.answers.v2(key, query, records)

    def _v2_whole(self, key: str, records: Records) -> Handler:
        return lambda query, args: self.answers.v2_whole(key, query, records)

    def _v2_count(self, key: str, records: Records) -> Handler:
        return lambda query, args: self.answers.v2_count(key, query, records)

    def _one(self, key: str, records: Records, *, v3: bool) -> Handler:
        return lambda query, args: self.answers.one(key, args, records, v3=v3)

    def _metafields(self, book: Metafields) -> Handler:
        return lambda query, args: self.answers.v3_cursor(book.collection.key, query, book.records)

    def _per_order(self, child: str) -> Handler:
        """``GET /v2/orders/{order_id}/{child}``: a v2 array, 204 when the order has none; 404 for no such order."""
        key = f"v2/orders/{{order_id}}/{child}"

        def answer(query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
            index = self.store.data.orders.index_of(int(args[0]))
            if index is None:
                raise not_found()
            return self.answers.v2(key, query, getattr(self.more.order_children, child)(index))

        return answer

    def shipping_methods(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        methods = self.more.setup.shipping_methods(int(args[0]))
        if methods is None:
            raise not_found()
        return self.answers.v2_whole("v2/shipping/zones/{zone_id}/methods", query, methods)

    def reviews(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        product_id = int(args[0])
        if not 1 <= product_id <= self.store.data.catalog.product_count:
            raise not_found()
        return self.answers.v3("v3/catalog/products/{product_id}/reviews", query, self.more.parts.reviews(product_id))

    def listings(self, query: Mapping[str, str], args: tuple[str, ...]) -> ApiResult:
        """One page of a channel's listings: those after ``after`` within the date filter; a channel that does not
        exist answers 200 with no data, as channels.v3.yml says. ``Misbehaviour.ignore_page`` ignores ``after``
        (this list's page parameter): every request gets the first page."""
        store, book = self.store, self.more.listings
        _, lies = store._misbehaviour(LISTINGS)
        channel_id = int(args[0])
        timeline = book.timeline(channel_id)
        low, high = store.date_range(timeline, query, *V3_DATES, 0, timeline.count, time.time())
        limit = v3_limit(query, store.readings.page_cap)
        first = low
        if query.get("after") and not lies.ignore_page:
            try:
                after = int(query["after"])
            except ValueError:
                raise ApiError(422, "The field 'after' is invalid.", errors={"after": "not an integer"}) from None
            first = max(low, after - book.first_id(channel_id))
        indexes = range(first, max(first, min(high, first + limit)))
        records = [encode(book.record(channel_id, index, timeline.at(index))) for index in indexes]
        links = {"current": link(query, limit=limit)}
        if indexes and indexes[-1] + 1 < high:
            links["next"] = link(query, limit=limit, after=book.first_id(channel_id) + indexes[-1] + 1)
        total = high - low
        pagination = {"count": len(records), "total": total, "links": links, "total_pages": math.ceil(total / limit)}
        return store_api.ApiResult(200, f'{{"data":{join_array(records)},"meta":{encode({"pagination": pagination})}}}')
