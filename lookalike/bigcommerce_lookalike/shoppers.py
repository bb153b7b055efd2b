"""The lists about shoppers and marketing: customer groups (v2), newsletter subscribers, customer attributes and
their values, segments, promotions and wishlists. Each is a ``Records`` over the seed and the customer book;
the dated ones carry a ``Timeline`` so ``date_modified:min/max`` is an index range.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.customers import CustomerBook
from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.records import Records
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.timeline import Timeline

KIND_SUBSCRIBER_TIME = 150
KIND_ATTRIBUTE_TIME = 151
KIND_ATTRIBUTE_VALUE = 152
KIND_ATTRIBUTE_VALUE_TIME = 153
KIND_SEGMENT = 154
KIND_PROMOTION = 155
KIND_WISHLIST = 156
# (name, is_default, is_group_for_guests): customers belong to groups 1 and 2 (``CustomerShape``).
_GROUPS = (("Retail", True, False), ("Wholesale", False, False), ("Guests", False, True), ("VIP", False, False))
_ATTRIBUTES = (("Loyalty tier", "string"), ("Shoe size", "number"), ("Birthday", "date"))
_ATTRIBUTES += (("Preferred store", "string"), ("Referrals", "number"), ("Member since", "date"))
_TIERS = ("bronze", "silver", "gold")
_SEGMENTS = ("Frequent buyers", "Lapsed customers", "Newsletter readers")
_PROMOTIONS = ("Spring sale", "Free shipping over 100", "Buy two get one", "Welcome back", "Staff discount")
VALUES_PER_CUSTOMER = 2  # a loyalty tier and a shoe size
CUSTOMERS_PER_WISHLIST = 4


def _v2_date(epoch: int) -> str:
    """customers.v2.yml ``customerGroup_Full`` dates: ``2023-07-17 06:30:41`` (no time zone)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


class Shoppers:
    """The shopper and marketing lists of one store."""

    def __init__(self, seed: int, customers: CustomerBook, catalog: Catalog, start: int, end: int) -> None:
        self.seed, self.customers, self.catalog = seed, customers, catalog
        self.start, self.end = start, end
        subscribers = customers.count // 2
        values = customers.count * VALUES_PER_CUSTOMER
        self._subscriber_times = Timeline(seed, KIND_SUBSCRIBER_TIME, subscribers, start, end)
        self._attribute_times = Timeline(seed, KIND_ATTRIBUTE_TIME, len(_ATTRIBUTES), start, end)
        self._value_times = Timeline(seed, KIND_ATTRIBUTE_VALUE_TIME, values, start, end)
        self.customer_groups = Records(len(_GROUPS), self.customer_group)
        self.subscribers = Records(subscribers, self.subscriber, self._subscriber_times)
        self.attributes = Records(len(_ATTRIBUTES), self.attribute, self._attribute_times)
        self.attribute_values = Records(values, self.attribute_value, self._value_times)
        self.segments = Records(len(_SEGMENTS), self.segment)
        self.promotions = Records(len(_PROMOTIONS), self.promotion)
        self.wishlists = Records(customers.count // CUSTOMERS_PER_WISHLIST, self.wishlist)

    def customer_group(self, index: int) -> dict[str, Any]:
        """customers.v2.yml ``customerGroup_Full``."""
        name, is_default, for_guests = _GROUPS[index]
        rules = [{"type": "all", "method": "percent", "amount": f"{5 * index}.0000"}] if index else []
        return {
            "id": index + 1,
            "name": name,
            "is_default": is_default,
            "category_access": {"type": "all"},
            "discount_rules": rules,
            "date_created": _v2_date(self.start - 86400 * (30 - index)),
            "date_modified": _v2_date(self.start + 3600 * index),
            "is_group_for_guests": for_guests,
        }

    def subscriber(self, index: int) -> dict[str, Any]:
        """subscribers.v3.yml ``subscriber_Full``: every other customer, by their email."""
        person = self.customers.person(2 * index + 1)
        modified = self._subscriber_times.at(index)
        return {
            "id": index + 1,
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "source": "storefront",
            "order_id": None,
            "channel_id": 1,
            "consents": ["marketing_newsletter"],
            "date_created": iso8601(modified - 86400),
            "date_modified": iso8601(modified),
        }

    def attribute(self, index: int) -> dict[str, Any]:
        """customers.v3.yml ``Attribute``."""
        name, kind = _ATTRIBUTES[index]
        modified = self._attribute_times.at(index)
        return {
            "id": index + 1,
            "name": name,
            "type": kind,
            "date_created": iso8601(self.start - 86400),
            "date_modified": iso8601(modified),
        }

    def attribute_value(self, index: int) -> dict[str, Any]:
        """customers.v3.yml ``AttributeValue``: each customer's loyalty tier and shoe size."""
        customer_id, attribute = divmod(index, VALUES_PER_CUSTOMER)
        draws = Draws(self.seed, KIND_ATTRIBUTE_VALUE, index)
        value = draws.pick(_TIERS) if attribute == 0 else str(draws.between(36, 46))
        modified = self._value_times.at(index)
        return {
            "id": index + 1,
            "attribute_id": attribute + 1,
            "attribute_value": value,
            "customer_id": customer_id + 1,
            "date_created": iso8601(modified - 86400),
            "date_modified": iso8601(modified),
        }

    def segment(self, index: int) -> dict[str, Any]:
        """segments.v3.yml ``Segment``: identified by a UUID."""
        draws = Draws(self.seed, KIND_SEGMENT, index)
        return {
            "id": str(uuid.UUID(int=draws.next() << 64 | draws.next(), version=4)),
            "name": _SEGMENTS[index],
            "description": f"{_SEGMENTS[index]} of the store",
            "created_at": iso8601(self.start - 86400 * (index + 1)),
            "updated_at": iso8601(self.start + 86400 * index),
        }

    def promotion(self, index: int) -> dict[str, Any]:
        """promotions.v3.yml ``AutomaticPromotion``: 10 % off the cart."""
        draws = Draws(self.seed, KIND_PROMOTION, index)
        return {
            "id": index + 1,
            "redemption_type": "AUTOMATIC",
            "name": _PROMOTIONS[index],
            "display_name": _PROMOTIONS[index],
            "channels": [{"id": 1}],
            "customer": {"group_ids": [], "minimum_order_count": 0, "excluded_group_ids": []},
            "rules": [{"action": {"cart_value": {"discount": {"percentage_amount": "10"}}}, "apply_once": True}],
            "current_uses": draws.below(500),
            "max_uses": 0,
            "status": "ENABLED" if index % 4 else "DISABLED",
            "start_date": iso8601(self.start - 86400 * (index + 1)),
            "stop": False,
            "can_be_used_with_other_promotions": index % 2 == 0,
            "currency_code": "USD",
            "notifications": [],
            "created_from": "api",
        }

    def wishlist(self, index: int) -> dict[str, Any]:
        """wishlists.v3.yml ``wishlist_Full``: one in four customers keeps one, of one to three products."""
        draws = Draws(self.seed, KIND_WISHLIST, index)
        products = self.catalog.product_count
        items = []
        for position in range(draws.between(1, 3) if products else 0):
            product_id = draws.between(1, products)
            items.append(
                {
                    "id": index * 3 + position + 1,
                    "product_id": product_id,
                    "variant_id": self.catalog.variant_span(product_id - 1)[0],
                }
            )
        token = uuid.UUID(int=draws.next() << 64 | draws.next(), version=4)
        return {
            "id": index + 1,
            "customer_id": CUSTOMERS_PER_WISHLIST * index + 1,
            "name": "My wish list",
            "is_public": draws.chance(0.3),
            "token": str(token),
            "items": items,
        }
