"""Orders (v2) with line items, shipping addresses, consignments, and their v3 transactions.

Every line ships unless the store has ``consignment_kinds``: then each line is fulfilled by shipping, pickup,
download or gift certificate (``fulfilment``), and the order's consignments group its lines by kind.

An order is a shape (customer, lines, totals, status; see ``shapes``) plus what is its own: id, dates, cart
id, line item and address ids. Each shape is rendered once into partial templates (``order_templates``); an
order only fills in its own fields, so a page of 250 orders with their line items costs about 10 ms of CPU
and a million orders cost no more memory than a thousand.
"""

from __future__ import annotations

import threading
from array import array
from functools import lru_cache
from typing import NamedTuple

from bigcommerce_lookalike import vocabulary as words
from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.customers import CustomerBook, Person
from bigcommerce_lookalike.formats import amount, iso8601, money, rfc2822
from bigcommerce_lookalike.json_template import Partial, encode, join_array, later, with_member
from bigcommerce_lookalike.order_templates import (
    CONSIGNMENTS,
    LINE,
    LINE_RESOURCE,
    ORDER,
    PICKUP_CONSIGNMENT,
    PICKUP_LOCATION_FIELDS,
    RECIPIENT_CONSIGNMENT,
    SHIPPING_ADDRESS,
    SHIPPING_CONSIGNMENT,
    TRANSACTION,
    ZERO,
    address_values,
)
from bigcommerce_lookalike.seeded import Draws, Keys
from bigcommerce_lookalike.shapes import SHAPE_POOL, ShapePicker
from bigcommerce_lookalike.timeline import Timeline

KIND_ORDER_SHAPE = 20
KIND_ORDER_TIME = 21
KIND_ORDER_PICK = 22
KIND_CART = 23
KIND_TRANSACTION = 24
KIND_FULFILMENT = 25
FIRST_ORDER_ID = 100  # BigCommerce numbers a store's orders from 100.
MAX_LINES = 4

# Order statuses (orders.v2.oas2.yml, "Get All Order Statuses").
STATUS_NAMES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
_STATUS_WEIGHTS = ((10, 35), (2, 20), (11, 15), (9, 8), (1, 5), (7, 5), (5, 5), (4, 3), (14, 2), (0, 2))
_STATUS_TABLE = bytes(status for status, weight in _STATUS_WEIGHTS for _ in range(weight))
_PAYMENT_STATUS = {0: "", 1: "pending", 7: "pending", 5: "void", 4: "refunded", 14: "partially refunded"}
_SHIPPED = frozenset((2, 10))
_REFUNDED = 4
_PARTIALLY_REFUNDED = 14
_LINE_IDS = tuple(f"line_{position}" for position in range(MAX_LINES))
SHIPPING, PICKUP, DOWNLOAD, GIFT_CERTIFICATE = "shipping", "pickup", "download", "gift_certificate"
_KIND_DRAW = (SHIPPING,) * 4 + (PICKUP,) * 2 + (DOWNLOAD,) * 2 + (GIFT_CERTIFICATE,) * 2
_PRODUCT_TYPE = {SHIPPING: "physical", PICKUP: "physical", DOWNLOAD: "digital", GIFT_CERTIFICATE: "giftcertificate"}


class Line(NamedTuple):
    product_id: int
    quantity: int
    price_cents: int
    tax_cents: int
    kind: str = SHIPPING  # how the line is fulfilled: which consignment holds it


class OrderShape(NamedTuple):
    """An order without its id and dates."""

    number: int
    customer_id: int
    billing: Person
    shipping: Person
    status_id: int
    payment_method: str
    shipping_method: str
    lines: tuple[Line, ...]
    subtotal_cents: int
    tax_cents: int
    shipping_cents: int
    age_s: int  # how long before its last modification the order was placed
    ip_address: str
    pickup_location: int = 0  # the id of the location its pickup lines are collected from; 0: none

    @property
    def items_total(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def shipping_items(self) -> int:
        return sum(line.quantity for line in self.lines if line.kind == SHIPPING)

    @property
    def ships(self) -> bool:
        return any(line.kind == SHIPPING for line in self.lines)

    @property
    def shipped(self) -> bool:
        return self.status_id in _SHIPPED

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents + self.shipping_cents


class OrderBook:
    """Orders ``100 .. 100 + count - 1``; ``date_modified`` grows with the id (see ``Timeline``)."""

    def __init__(
        self,
        seed: int,
        count: int,
        start: int,
        end: int,
        catalog: Catalog,
        customers: CustomerBook,
        api_root: str,
        *,
        consignment_kinds: bool = False,
        digital_line_items: str = "list",
    ) -> None:
        self.seed = seed
        self.consignment_kinds = consignment_kinds
        self.digital_line_items = digital_line_items
        self.count = count
        self.timeline = Timeline(seed, KIND_ORDER_TIME, count, start, end)
        self.catalog = catalog
        self.customers = customers
        self.api_root = api_root  # "{base_url}/stores/{hash}/v2", for the sub-resource urls
        self.shape = lru_cache(maxsize=SHAPE_POOL)(self._shape)
        self._shape_number = ShapePicker(seed, KIND_ORDER_PICK, count)
        self._cart_keys = Keys(seed, KIND_CART)
        self._order_partial = lru_cache(maxsize=2 * SHAPE_POOL)(self._render_order_partial)
        self._lines_text = lru_cache(maxsize=SHAPE_POOL)(self._render_lines)
        self._lines_partial = lru_cache(maxsize=SHAPE_POOL)(self._render_lines_partial)
        self._address_partial = lru_cache(maxsize=SHAPE_POOL)(self._render_address_partial)
        self._statuses: array | None = None
        self._status_bytes: bytes | None = None
        self._lock = threading.Lock()

    def index_of(self, order_id: int) -> int | None:
        index = order_id - FIRST_ORDER_ID
        return index if 0 <= index < self.count else None

    def shape_of(self, index: int) -> OrderShape:
        return self.shape(self._shape_number(index))

    def _shape(self, number: int) -> OrderShape:
        draws = Draws(self.seed, KIND_ORDER_SHAPE, number)
        status_id = _STATUS_TABLE[draws.below(len(_STATUS_TABLE))]
        customer_count = self.customers.count
        customer_id = draws.between(1, customer_count) if customer_count and not draws.chance(0.1) else 0
        billing = self.customers.person(customer_id) if customer_id else self.customers.guest(number)
        shipping = billing if draws.chance(0.8) else self.customers.guest(number, recipient=True)
        tax_basis_points = 825 if shipping.country_iso2 == "US" else 0
        lines = []
        for _ in range(draws.between(1, MAX_LINES)):
            product = self.catalog.facts(draws.between(1, self.catalog.product_count))
            quantity = draws.between(1, 5) if draws.chance(0.3) else 1
            tax = product.price_cents * tax_basis_points // 10000
            lines.append(Line(product.id, quantity, product.price_cents, tax))
        subtotal = sum(line.price_cents * line.quantity for line in lines)
        pickup_location = 0
        if self.consignment_kinds:  # its own draws, so the store without kinds stays the same byte for byte
            lines, pickup_location = fulfilment(Draws(self.seed, KIND_FULFILMENT, number), lines)
        return OrderShape(
            number=number,
            customer_id=customer_id,
            billing=billing,
            shipping=shipping,
            status_id=status_id,
            payment_method=draws.pick(words.PAYMENT_METHODS),
            shipping_method=draws.pick(words.SHIPPING_METHODS),
            lines=tuple(lines),
            subtotal_cents=subtotal,
            tax_cents=sum(line.tax_cents * line.quantity for line in lines),
            shipping_cents=0 if subtotal > 10000 else draws.pick((0, 599, 999)),
            age_s=draws.between(0, 3 * 86400),
            ip_address=f"10.{draws.below(256)}.{draws.below(256)}.{draws.between(1, 254)}",
            pickup_location=pickup_location,
        )

    def _own_fields(self, index: int, shape: OrderShape) -> dict:
        """What an order does not share with its shape: id, dates, cart id, line item and address ids."""
        modified = self.timeline.at(index)
        created = modified - shape.age_s
        key, serial = f"{self._cart_keys(index):016x}", f"{index:016x}"
        first_line = index * MAX_LINES + 1
        fields = {
            "id": FIRST_ORDER_ID + index,
            "date_created": rfc2822(created),
            "date_modified": rfc2822(modified),
            "date_shipped": rfc2822(created + shape.age_s // 2) if shape.shipped else "",
            "cart_id": f"{key[:8]}-{key[8:12]}-4{key[13:16]}-a{serial[1:4]}-{serial[4:]}",
            "address_id": index + 1,
        }
        fields.update(zip(_LINE_IDS, range(first_line, first_line + MAX_LINES), strict=True))
        return fields

    def _link(self, path: str, prefix: str) -> dict:
        return {f"{prefix}_url": f"{self.api_root}{path}", f"{prefix}_resource": path}

    # -- the order itself -------------------------------------------------------------------------------------

    def order_json(self, index: int, *, consignments: str | None = None, object_structure: bool = False) -> str:
        """The v2 order at 0-based ``index`` as JSON (orders.v2.oas2.yml ``order_Resp``).

        ``consignments`` is ``None``, ``"consignments"`` or ``"consignments.line_items"`` (the ``include``
        parameter). Without ``consignment_structure=object`` they come in the legacy form: a one-element array.
        """
        shape = self.shape_of(index)
        return self._order_partial(shape.number, consignments, object_structure).fill(self._own_fields(index, shape))

    def _render_order_partial(self, number: int, consignments: str | None, object_structure: bool) -> Partial:
        shape = self.shape(number)
        subtotal, tax, ship = shape.subtotal_cents, shape.tax_cents, shape.shipping_cents
        items_total = shape.items_total
        order_path = f"/orders/{later('id')}"
        document = ORDER.render(
            id=later("id"),
            customer_id=shape.customer_id,
            date_created=later("date_created"),
            date_modified=later("date_modified"),
            date_shipped=later("date_shipped"),
            status_id=shape.status_id,
            status=STATUS_NAMES[shape.status_id],
            subtotal_ex_tax=money(subtotal),
            subtotal_inc_tax=money(subtotal + tax),
            tax=money(tax),
            shipping=money(ship),
            total_ex_tax=money(subtotal + ship),
            total_inc_tax=money(shape.total_cents),
            items_total=items_total,
            items_shipped=items_total if shape.shipped else 0,
            order_is_digital=all(line.kind in (DOWNLOAD, GIFT_CERTIFICATE) for line in shape.lines),
            shipping_address_count=int(shape.ships),
            payment_method=shape.payment_method,
            payment_status=_PAYMENT_STATUS.get(shape.status_id, "captured"),
            refunded_amount=money(shape.total_cents) if shape.status_id == _REFUNDED else ZERO,
            ip_address=shape.ip_address,
            cart_id=later("cart_id"),
            **address_values(shape.billing, "billing_"),
            **self._link(f"{order_path}/products", "products"),
            # "shippingaddresses" (sic) is what the real API writes here; both spellings of the path are served.
            **self._link(f"{order_path}/shippingaddresses", "shipping_addresses"),
            **self._link(f"{order_path}/coupons", "coupons"),
        )
        if consignments:
            block = self._render_consignments(shape, with_lines=consignments == "consignments.line_items")
            document = with_member(document, "consignments", block if object_structure else f"[{block}]")
        return Partial(document)

    def _render_consignments(self, shape: OrderShape, *, with_lines: bool) -> str:
        """The order's lines grouped by consignment (orders.v2.oas2.yml ``orderConsignment_Get``): its shipping lines
        in one shipping consignment, its pickup lines in one pickup consignment with the location, its digital line
        in one download, each gift certificate in an email consignment of its own; ``line_items`` inline or as
        links."""
        if with_lines:
            items = list(self._lines_text(shape.number))
        else:
            items = [
                LINE_RESOURCE.render(**self._link(f"/orders/{later('id')}/products/{later(name)}", "line"))
                for name in _LINE_IDS[: len(shape.lines)]
            ]
        held = {
            kind: [item for item, line in zip(items, shape.lines, strict=True) if line.kind == kind]
            for kind in _PRODUCT_TYPE
        }
        shipping = [self._shipping_consignment(shape, held[SHIPPING])] if held[SHIPPING] else []
        pickups = [self._pickup_consignment(shape, held[PICKUP])] if held[PICKUP] else []
        downloads = [self._recipient_consignment(shape.billing.email, held[DOWNLOAD])] if held[DOWNLOAD] else []
        gifts = [self._recipient_consignment(shape.shipping.email, [item]) for item in held[GIFT_CERTIFICATE]]
        return CONSIGNMENTS.render(
            pickups=join_array(pickups),
            shipping=join_array(shipping),
            downloads=join_array(downloads),
            gift_certificates=join_array(gifts),
        )

    def _shipping_consignment(self, shape: OrderShape, items: list[str]) -> str:
        quotes = f"/orders/{later('id')}/consignments/shipping/{later('address_id')}/shipping_quotes"
        return SHIPPING_CONSIGNMENT.render(
            id=later("address_id"),
            line_items=join_array(items),
            items_total=shape.shipping_items,
            items_shipped=shape.shipping_items if shape.shipped else 0,
            shipping_method=shape.shipping_method,
            cost=amount(shape.shipping_cents),
            shipping_zone_id=shape.shipping.shipping_zone_id,
            shipping_zone_name=shape.shipping.shipping_zone_name,
            **address_values(shape.shipping, ""),
            **self._link(quotes, "shipping_quotes"),
        )

    def _pickup_consignment(self, shape: OrderShape, items: list[str]) -> str:
        method_id, display_name, instructions, time_description = words.PICKUP_METHOD
        return PICKUP_CONSIGNMENT.render(
            id=later("address_id"),
            pickup_method_id=method_id,
            pickup_method_display_name=display_name,
            collection_instructions=instructions,
            collection_time_description=time_description,
            location_id=shape.pickup_location,
            **{
                f"location_{name}": value
                for name, value in zip(
                    PICKUP_LOCATION_FIELDS, words.PICKUP_LOCATIONS[shape.pickup_location - 1], strict=True
                )
            },
            line_items=join_array(items),
        )

    def _recipient_consignment(self, email: str, items: list[str]) -> str:
        """A download or gift-certificate consignment; under the ``"object"`` reading its one line item alone."""
        line_items = items[0] if self.digital_line_items == "object" else join_array(items)
        return RECIPIENT_CONSIGNMENT.render(recipient_email=email, line_items=line_items)

    # -- sub-resources ----------------------------------------------------------------------------------------

    def lines_json(self, index: int) -> list[str]:
        """``GET /v2/orders/{id}/products`` of the order at ``index``, one JSON text per line item."""
        shape = self.shape_of(index)
        fields = self._own_fields(index, shape)
        return [partial.fill(fields) for partial in self._lines_partial(shape.number)]

    def _render_lines_partial(self, number: int) -> tuple[Partial, ...]:
        return tuple(Partial(line) for line in self._lines_text(number))

    def _render_lines(self, number: int) -> tuple[str, ...]:
        shape = self.shape(number)
        refunded = shape.status_id == _REFUNDED
        partials = []
        for name, line in zip(_LINE_IDS, shape.lines, strict=False):
            product = self.catalog.facts(line.product_id)
            price, tax, quantity = line.price_cents, line.tax_cents, line.quantity
            partials.append(
                LINE.render(
                    id=later(name),
                    order_id=later("id"),
                    product_id=line.product_id,
                    variant_id=product.base_variant_id,
                    order_pickup_method_id=words.PICKUP_METHOD[0] if line.kind == PICKUP else 0,
                    order_address_id=later("address_id") if line.kind == SHIPPING else 0,
                    type=_PRODUCT_TYPE[line.kind],
                    gift_certificate_id=later(name) if line.kind == GIFT_CERTIFICATE else "null",
                    name=product.name,
                    sku=product.sku,
                    price_ex_tax=money(price),
                    price_inc_tax=money(price + tax),
                    price_tax=money(tax),
                    total_ex_tax=money(price * quantity),
                    total_inc_tax=money((price + tax) * quantity),
                    total_tax=money(tax * quantity),
                    quantity=quantity,
                    cost_price=money(product.cost_cents),
                    weight=product.weight,
                    is_refunded=refunded,
                    quantity_refunded=quantity if refunded else 0,
                    quantity_shipped=quantity if shape.shipped else 0,
                    brand=product.brand,
                )
            )
        return tuple(partials)

    def shipping_addresses_json(self, index: int) -> list[str]:
        """``GET /v2/orders/{id}/shipping_addresses`` of the order at ``index``: one, or none when no line ships."""
        shape = self.shape_of(index)
        if not shape.ships:
            return []
        return [self._address_partial(shape.number).fill(self._own_fields(index, shape))]

    def _render_address_partial(self, number: int) -> Partial:
        shape = self.shape(number)
        quotes = f"/orders/{later('id')}/shippingaddresses/{later('address_id')}/shippingquotes"
        document = SHIPPING_ADDRESS.render(
            id=later("address_id"),
            order_id=later("id"),
            items_total=shape.shipping_items,
            items_shipped=shape.shipping_items if shape.shipped else 0,
            shipping_method=shape.shipping_method,
            cost=money(shape.shipping_cents),
            shipping_zone_id=shape.shipping.shipping_zone_id,
            shipping_zone_name=shape.shipping.shipping_zone_name,
            **address_values(shape.shipping, ""),
            **self._link(quotes, "shipping_quotes"),
        )
        return Partial(document)

    def transactions_json(self, index: int) -> list[str]:
        """``GET /v3/orders/{id}/transactions``: none for unpaid, manual and cash orders (the API says 204)."""
        shape = self.shape_of(index)
        paid = _PAYMENT_STATUS.get(shape.status_id, "captured") in ("captured", "refunded", "partially refunded")
        if not paid or shape.payment_method in ("Manual", "Cash on Delivery"):
            return []
        draws = Draws(self.seed, KIND_TRANSACTION, index)
        total = shape.total_cents
        modified = self.timeline.at(index)
        wallet = shape.payment_method == "PayPal"
        gateway = "paypalexpress" if wallet else draws.pick(words.GATEWAYS)
        card = {
            "card_type": draws.pick(words.CARD_TYPES),
            "card_iin": "411111",
            "card_last4": f"{draws.below(10000):04d}",
            "card_expiry_month": draws.between(1, 12),
            "card_expiry_year": 2027 + draws.below(5),
        }
        events = [("purchase", total, modified - shape.age_s + 5)]
        if shape.status_id == _REFUNDED:
            events.append(("refund", total, modified))
        elif shape.status_id == _PARTIALLY_REFUNDED:
            events.append(("refund", total // 2, modified))
        first_id = index * 3 + 1
        records = [
            TRANSACTION.render(
                id=first_id + position,
                order_id=str(FIRST_ORDER_ID + index),
                event=event,
                method="electronic_wallet" if wallet else "credit_card",
                amount=amount(cents),
                gateway=gateway,
                gateway_transaction_id=draws.hex(12),
                payment_method_id=f"{gateway}.{'paypal' if wallet else 'card'}",
                date_created=iso8601(moment),
                reference_transaction_id=first_id if position else 0,
            )
            for position, (event, cents, moment) in enumerate(events)
        ]
        if wallet:
            return records
        return [with_member(record, "credit_card", encode(card)) for record in records]

    # -- counts -----------------------------------------------------------------------------------------------

    def status_counts(self, low: int, high: int) -> dict[int, int]:
        """Orders per status id among indexes ``[low, high)`` (``GET /v2/orders/count``)."""
        window = self._status_array()[low:high].tobytes()
        return {status: window.count(bytes((status,))) for status in STATUS_NAMES}

    def status_bytes(self) -> bytes:
        """One byte per order, its status id (built once)."""
        if self._status_bytes is None:
            self._status_bytes = self._status_array().tobytes()
        return self._status_bytes

    def _status_array(self) -> array:
        """One byte per order, built on first use (about a second per million orders)."""
        if self._statuses is None:
            with self._lock:
                if self._statuses is None:
                    by_shape = bytes(self.shape(number).status_id for number in range(min(self.count, SHAPE_POOL)))
                    numbers = map(self._shape_number, range(self.count))
                    self._statuses = array("B", (by_shape[number] for number in numbers))
        return self._statuses


def fulfilment(draws: Draws, lines: list[Line]) -> tuple[list[Line], int]:
    """Each line's consignment kind, and the pickup location (0 when no line is picked up). One pickup consignment
    and one download line per order at most: orders.v2.oas2.yml says an order has one pickup consignment, and
    ``downloads`` holds at most one consignment, whose one line item the ``"object"`` reading can carry."""
    kinds: list[str] = []
    for _ in lines:
        kind = draws.pick(_KIND_DRAW)
        kinds.append(SHIPPING if kind == DOWNLOAD and DOWNLOAD in kinds else kind)
    location = draws.between(1, len(words.PICKUP_LOCATIONS)) if PICKUP in kinds else 0
    return [line._replace(kind=kind) for line, kind in zip(lines, kinds, strict=True)], location
