"""The smaller lists of a store: coupons, channels, pages, price lists and their records, inventory, customer
addresses, v3 categories and refunds. Each is derived from the seed and the rest of the store, and rendered as
plain dicts (these lists are small, or read rarely, so templates would buy nothing).

Every list numbers its records from 1 and, where the API filters on a date, dates them non-decreasing with the id
(a ``Timeline``), so a date filter is an index range like everywhere else in the lookalike.
"""

from __future__ import annotations

import json
from functools import cached_property, lru_cache
from typing import Any

from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.customers import CustomerBook
from bigcommerce_lookalike.formats import amount, iso8601, money, rfc2822
from bigcommerce_lookalike.json_template import encode
from bigcommerce_lookalike.orders import FIRST_ORDER_ID, OrderBook
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.timeline import Timeline

KIND_COUPON = 40
KIND_CHANNEL_TIME = 41
KIND_PRICE_LIST_TIME = 42
KIND_PRICE_RECORD_TIME = 43  # + price list id
KIND_INVENTORY = 44
COUPONS = 30
PAGES = 9
PRICE_LISTS = 2
_REFUNDED_STATUSES = (4, 14)  # Refunded, Partially Refunded
# marketing.v2.yml ``coupon_Full.type``; channels.v3.yml ``type`` and ``platform``.
_COUPON_TYPES = ("per_item_discount", "per_total_discount", "shipping_discount", "free_shipping", "percentage_discount")
_CHANNELS = (("Storefront", "storefront", "bigcommerce"), ("Point of Sale", "pos", "square"))
_CHANNELS += (("Amazon", "marketplace", "amazon"),)
_PAGE_NAMES = ("About Us", "Contact", "Shipping & Returns", "FAQ", "Privacy Policy", "Terms", "Blog", "Sizes", "Care")
_REFUND_REASONS = ("Customer request", "Damaged in transit", "Wrong size", "Duplicate order")
LOCATIONS = ((1, "BC-LOCATION-1", "Default location"), (2, "WAREHOUSE-2", "Warehouse"))


class StoreExtras:
    """The smaller lists of one store; nothing is built until it is asked for."""

    def __init__(
        self, seed: int, start: int, end: int, catalog: Catalog, customers: CustomerBook, orders: OrderBook
    ) -> None:
        self.seed = seed
        self.start, self.end = start, end
        self.catalog = catalog
        self.customers = customers
        self.orders = orders
        self.channel_timeline = Timeline(seed, KIND_CHANNEL_TIME, len(_CHANNELS), start, end)
        self.price_list_timeline = Timeline(seed, KIND_PRICE_LIST_TIME, PRICE_LISTS, start, end)
        self._variant = lru_cache(maxsize=4096)(self._variant_facts)

    # -- coupons (v2) -----------------------------------------------------------------------------------------

    @cached_property
    def coupons(self) -> list[str]:
        """marketing.v2.yml ``coupon_Full``: v2 money as strings, dates in RFC 2822."""
        records = []
        for coupon_id in range(1, COUPONS + 1):
            draws = Draws(self.seed, KIND_COUPON, coupon_id)
            kind = draws.pick(_COUPON_TYPES)
            records.append(
                {
                    "id": coupon_id,
                    "date_created": rfc2822(self.start + coupon_id * 3600),
                    "num_uses": draws.below(200),
                    "name": f"Promotion {coupon_id}",
                    "type": kind,
                    "amount": money(draws.between(1, 30) * 100),
                    "min_purchase": money(draws.pick((0, 2500, 5000))),
                    "expires": "",
                    "enabled": draws.chance(0.8),
                    "code": f"SAVE{coupon_id:04d}{draws.text(4, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}",
                    "applies_to": {"entity": "categories", "ids": [0]},
                    "max_uses": 0,
                    "max_uses_per_customer": draws.pick((0, 1)),
                    "restricted_to": {},
                    "shipping_methods": [],
                }
            )
        return [encode(record) for record in records]

    # -- channels, pages --------------------------------------------------------------------------------------

    def channel(self, index: int, *, ids_only: bool = False) -> dict[str, Any]:
        """channels.v3.yml ``Channel`` (the storefront is channel 1, as in every store)."""
        if ids_only:
            return {"id": index + 1}
        name, kind, platform = _CHANNELS[index]
        modified = self.channel_timeline.at(index)
        return {
            "id": index + 1,
            "external_id": "",
            "is_listable_from_ui": True,
            "is_enabled": True,
            "is_visible": True,
            "status": "active",
            "name": name,
            "type": kind,
            "platform": platform,
            "date_created": iso8601(self.start - 86400 * (index + 1)),
            "date_modified": iso8601(modified),
        }

    @property
    def channel_count(self) -> int:
        return len(_CHANNELS)

    def page(self, index: int) -> dict[str, Any]:
        """pages.v3.yml ``pages_Base`` of type ``page`` (no body unless ``include=body``)."""
        name = _PAGE_NAMES[index % len(_PAGE_NAMES)]
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
        return {
            "id": index + 1,
            "channel_id": 1,
            "name": name,
            "is_visible": True,
            "parent_id": 0,
            "sort_order": index,
            "type": "page",
            "is_homepage": False,
            "is_customers_only": False,
            "url": f"/{slug}/",
            "meta_title": "",
            "meta_keywords": None,
            "meta_description": "",
            "search_keywords": "",
        }

    # -- price lists and their records, inventory -------------------------------------------------------------

    def price_list(self, index: int) -> dict[str, Any]:
        modified = self.price_list_timeline.at(index)
        return {
            "id": index + 1,
            "name": ("Wholesale", "VIP", "Staff")[index % 3] + ("" if index < 3 else f" {index + 1}"),
            "active": True,
            "date_created": iso8601(self.start - 86400),
            "date_modified": iso8601(modified),
        }

    def record_timeline(self, price_list_id: int) -> Timeline:
        return Timeline(
            self.seed, KIND_PRICE_RECORD_TIME + price_list_id, self.catalog.variant_total, self.start, self.end
        )

    def _variant_facts(self, position: int) -> dict[str, Any]:
        return json.loads(self.catalog.variant_json(position))

    def price_record(self, price_list_id: int, position: int) -> dict[str, Any]:
        """price_lists.v3.yml ``PriceRecord``: one per variant, the price list's discount off the variant price."""
        variant = self._variant(position)
        price = round(variant["price"] * (0.9 if price_list_id == 1 else 0.8), 2)
        modified = self.record_timeline(price_list_id).at(position)
        return {
            "price_list_id": price_list_id,
            "variant_id": variant["id"],
            "product_id": variant["product_id"],
            "sku": variant["sku"],
            "currency": "USD",
            "price": price,
            "sale_price": price,
            "retail_price": variant["price"],
            "map_price": 0.0,
            "calculated_price": price,
            "date_created": iso8601(self.start),
            "date_modified": iso8601(modified),
            "bulk_pricing_tiers": [],
        }

    def inventory_item(self, position: int) -> dict[str, Any]:
        """inventory.v3.yml ``/inventory/items``: a variant and its stock at each location."""
        variant = self._variant(position)
        draws = Draws(self.seed, KIND_INVENTORY, position)
        stock = variant.get("inventory_level") or 0
        second = draws.below(20)
        locations = []
        for (location_id, code, name), onhand in zip(LOCATIONS, (stock, second), strict=True):
            locations.append(
                {
                    "location_id": location_id,
                    "location_code": code,
                    "location_name": name,
                    "available_to_sell": onhand,
                    "total_inventory_onhand": onhand,
                    "location_enabled": True,
                    "settings": {
                        "safety_stock": 0,
                        "is_in_stock": onhand > 0,
                        "warning_level": 5,
                        "bin_picking_number": f"BIN-{location_id}-{position % 97:02d}",
                    },
                }
            )
        return {
            "identity": {
                "sku": variant["sku"],
                "variant_id": variant["id"],
                "product_id": variant["product_id"],
                "sku_id": 0,
            },
            "locations": locations,
        }

    # -- customer addresses, v3 categories --------------------------------------------------------------------

    def customer_address(self, index: int) -> dict[str, Any]:
        """customers.v3.yml ``/customers/addresses``: each customer's one address (as ``include=addresses``)."""
        customer_id = index + 1
        person = self.customers.person(customer_id)
        return {
            "id": customer_id,
            "customer_id": customer_id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "company": person.company,
            "address1": person.street_1,
            "address2": "",
            "city": person.city,
            "state_or_province": person.state,
            "postal_code": person.zip,
            "country": person.country,
            "country_code": person.country_iso2,
            "phone": person.phone,
            "address_type": "commercial" if person.company else "residential",
        }

    def category(self, index: int) -> dict[str, Any]:
        """categories_catalog.v3.yml ``category_Full``: the tree categories in the older list's shape."""
        tree = json.loads(self.catalog.category_json(index))
        return {
            "id": tree["category_id"],
            "parent_id": tree["parent_id"],
            "name": tree["name"],
            "description": tree["description"],
            "views": tree["views"],
            "sort_order": tree["sort_order"],
            "page_title": tree["page_title"],
            "meta_keywords": tree["meta_keywords"],
            "meta_description": tree["meta_description"],
            "layout_file": tree["layout_file"],
            "image_url": tree["image_url"],
            "is_visible": tree["is_visible"],
            "search_keywords": tree["search_keywords"],
            "default_product_sort": tree["default_product_sort"],
            "custom_url": {"url": tree["url"]["path"], "is_customized": False},
        }

    # -- refunds ----------------------------------------------------------------------------------------------

    @cached_property
    def refunded_orders(self) -> list[int]:
        """Indexes of the refunded and partially refunded orders, ascending (so ``created`` is too)."""
        orders = self.orders
        return [index for index in range(orders.count) if orders.shape_of(index).status_id in _REFUNDED_STATUSES]

    def refund_created(self, position: int) -> int:
        return self.orders.timeline.at(self.refunded_orders[position])

    def refund(self, position: int) -> dict[str, Any]:
        """orders.v3.yml ``Refund``: the refund of a refunded order, at the moment its order was last modified."""
        index = self.refunded_orders[position]
        shape = self.orders.shape_of(index)
        cents = shape.total_cents if shape.status_id == 4 else shape.total_cents // 2
        order_id = FIRST_ORDER_ID + index
        transactions = [json.loads(text) for text in self.orders.transactions_json(index)]
        refund = next((t for t in transactions if t["event"] == "refund"), None)
        payment = {
            "id": position + 1,
            "provider_id": refund["gateway"] if refund else "custom",
            "amount": amount(cents),
            "offline": refund is None,
            "is_declined": False,
            "declined_message": "",
        }
        if refund is not None:
            payment["transaction_id"] = str(refund["id"])
        return {
            "id": position + 1,
            "order_id": order_id,
            "user_id": 0,
            "created": iso8601(self.refund_created(position)),
            "reason": _REFUND_REASONS[position % len(_REFUND_REASONS)],
            "total_amount": amount(cents),
            "total_tax": 0.0,
            "uses_merchant_override_values": False,
            "items": [
                {
                    "item_type": "ORDER",
                    "item_id": order_id,
                    "quantity": 1,
                    "requested_amount": amount(cents),
                    "reason": "",
                }
            ],
            "payments": [payment],
        }
