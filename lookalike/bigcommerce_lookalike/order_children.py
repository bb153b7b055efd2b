"""An order's coupons, shipments and taxes (orders.v2.oas2.yml ``/orders/{order_id}/coupons``, ``/shipments``,
``/taxes``), derived from its shape: about a third of the orders used a coupon, a shipped order that ships has one
shipment of its shipping lines, and every taxed line has a tax line. Each is a ``Records`` per order.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from bigcommerce_lookalike.customers import Person
from bigcommerce_lookalike.formats import money, rfc2822
from bigcommerce_lookalike.orders import FIRST_ORDER_ID, MAX_LINES, SHIPPING, OrderBook
from bigcommerce_lookalike.records import Records
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.store_extras import StoreExtras

KIND_ORDER_COUPON = 190
# orders.v2.oas2.yml ``orderCoupons_Base.type``: 0 per item, 1 percentage, 2 per total, 3 shipping, 4 free shipping
_COUPON_TYPES = {
    "per_item_discount": 0,
    "percentage_discount": 1,
    "per_total_discount": 2,
    "shipping_discount": 3,
    "free_shipping": 4,
}
_CARRIERS = {"UPS Ground": "ups", "USPS Priority": "usps", "FedEx 2Day": "fedex"}


def _address(person: Person) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company": person.company,
        "street_1": person.street_1,
        "street_2": "",
        "city": person.city,
        "state": person.state,
        "zip": person.zip,
        "country": person.country,
        "country_iso2": person.country_iso2,
        "phone": person.phone,
        "email": person.email,
    }


class OrderChildren:
    """The coupons, shipments and taxes of each order of an ``OrderBook``."""

    def __init__(self, seed: int, orders: OrderBook, extras: StoreExtras) -> None:
        self.seed, self.orders, self.extras = seed, orders, extras

    @cached_property
    def _coupons(self) -> list[dict[str, Any]]:
        return [json.loads(coupon) for coupon in self.extras.coupons]

    def coupons(self, index: int) -> Records:
        """The coupon the order used, if it used one (``orderCoupons_Base``)."""
        draws = Draws(self.seed, KIND_ORDER_COUPON, index)
        if not draws.chance(0.3):
            return Records(0, dict)
        coupon = self._coupons[draws.below(len(self._coupons))]

        def render(_: int) -> dict[str, Any]:
            return {
                "id": index + 1,
                "coupon_id": coupon["id"],
                "order_id": FIRST_ORDER_ID + index,
                "code": coupon["code"],
                "amount": coupon["amount"],
                "type": _COUPON_TYPES[coupon["type"]],
                "discount": float(coupon["amount"]),
            }

        return Records(1, render)

    def shipments(self, index: int) -> Records:
        """One shipment of the shipping lines of a shipped order (``shipment_Full``)."""
        shape = self.orders.shape_of(index)
        if not (shape.shipped and shape.ships):
            return Records(0, dict)
        order_id, modified = FIRST_ORDER_ID + index, self.orders.timeline.at(index)
        first_line = index * MAX_LINES + 1
        items = [
            {"order_product_id": first_line + position, "product_id": line.product_id, "quantity": line.quantity}
            for position, line in enumerate(shape.lines)
            if line.kind == SHIPPING
        ]
        carrier = _CARRIERS.get(shape.shipping_method, "")

        def render(_: int) -> dict[str, Any]:
            return {
                "id": index + 1,
                "order_id": order_id,
                "customer_id": shape.customer_id,
                "order_address_id": index + 1,
                "date_created": rfc2822(modified - shape.age_s // 2),
                "tracking_number": f"1Z{order_id:010d}" if carrier else "",
                "merchant_shipping_cost": money(shape.shipping_cents),
                "shipping_method": shape.shipping_method,
                "shipping_provider": carrier,
                "tracking_carrier": carrier,
                "tracking_link": "",
                "comments": "",
                "billing_address": _address(shape.billing),
                "shipping_address": _address(shape.shipping),
                "items": items,
                "shipping_provider_display_name": shape.shipping_method,
                "generated_tracking_link": "",
            }

        return Records(1, render)

    def taxes(self, index: int) -> Records:
        """A tax line for each taxed line item (``orderTaxes_Base``): US sales tax at 8.25 %."""
        shape = self.orders.shape_of(index)
        taxed = [(position, line) for position, line in enumerate(shape.lines) if line.tax_cents]
        first_line = index * MAX_LINES + 1

        def render(number: int) -> dict[str, Any]:
            position, line = taxed[number]
            amount = money(line.tax_cents * line.quantity)
            return {
                "id": first_line + position,
                "order_id": FIRST_ORDER_ID + index,
                "order_address_id": index + 1 if line.kind == SHIPPING else 0,
                "tax_rate_id": 1,
                "sales_tax_id": "",
                "tax_class_id": None,
                "name": "Sales Tax",
                "class": "Default Tax Class",
                "rate": "8.2500",
                "priority": 0,
                "priority_amount": amount,
                "line_amount": amount,
                "order_pickup_method_id": 0,
                "order_product_id": str(first_line + position),
                "line_item_type": "item",
            }

        return Records(len(taxed), render)
