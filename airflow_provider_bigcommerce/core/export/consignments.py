"""Records derived from others: an order's line items and shipping addresses from its consignments, stock by
location from inventory items (one request per 250 parents instead of one per parent)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.paging.rules import record_id

# orders.v2.oas2.yml ``orderConsignment_Get``: ``shipping``, ``pickups`` and ``downloads`` are lists of consignments;
# ``email`` is one object whose ``gift_certificates`` is the list. Each kind's name in the exported records first.
_ORDERS_PATH = "v2/orders"
CONSIGNMENT_KINDS = (
    ("shipping", ("shipping",)),
    ("pickup", ("pickups",)),
    ("download", ("downloads",)),
    ("gift_certificate", ("email", "gift_certificates")),
)


def _consignments_of(order: Mapping[str, Any], where: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """The consignments of one kind, found by following ``where`` from the order's ``consignments`` object. A kind
    the order does not carry has none; anything not shaped as the file declares is an error, not a skipped line."""
    found: Any = order.get("consignments")
    path = "consignments"
    for key in where:
        if not isinstance(found, Mapping):
            raise _malformed(order, path)
        found, path = found.get(key), f"{path}.{key}"
        if found is None:
            return []
    if not isinstance(found, list) or not all(isinstance(consignment, Mapping) for consignment in found):
        raise _malformed(order, path)
    return found


def _lines_in(order: Mapping[str, Any], consignment: Mapping[str, Any], path: str) -> list[Mapping[str, Any]]:
    """A consignment's ``line_items``: a list as the schema declares, or one object as the file's examples of
    downloads and gift certificates write it (docs/bigcommerce.md "Listing and paging"); each an inline record."""
    lines = consignment.get("line_items")
    if lines is None:
        return []
    lines = [lines] if isinstance(lines, Mapping) else lines
    if not isinstance(lines, list) or not all(isinstance(line, Mapping) for line in lines):
        raise _malformed(order, f"{path}[].line_items")
    for line in lines:
        record_id(_ORDERS_PATH, line)  # a link ({url, resource}) instead of the record would lose the line
    return lines


def _malformed(order: Mapping[str, Any], where: str) -> PagingError:
    return PagingError("bad_record", _ORDERS_PATH, "consignments_malformed", order_id=order.get("id"), where=where)


def shipping_addresses_of(order: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The shipping addresses of one order, taken from its shipping consignments only (pickups are collected at a
    store location, downloads and gift certificates are sent by email).

    With ``include=consignments`` and ``consignment_structure=object`` every order carries
    ``consignments.shipping[]``: the same address and shipping-cost fields ``/v2/orders/{id}/shipping_addresses``
    returns (orders.v2.oas2.yml). Reading them there costs one request per 250 orders instead of one per order.
    Line items are their own resource (``line_items_of``); here they would only repeat them.
    """
    for consignment in _consignments_of(order, ("shipping",)):
        address = {key: value for key, value in consignment.items() if key != "line_items"}
        address["order_id"] = order["id"]
        yield address


def line_items_of(order: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The line items of one order, from every kind of consignment it carries inline.

    Each is the ``orderProducts`` record ``/v2/orders/{id}/products`` returns (orders.v2.oas2.yml), with its
    ``order_id``, its ``consignment_kind`` (``CONSIGNMENT_KINDS``) and, for a pickup, the ``pickup_location`` it is
    collected from (``pickupConsignmentLocation_Get``; None for the other kinds): one request per 250 orders
    instead of one per order.
    """
    for kind, where in CONSIGNMENT_KINDS:
        for consignment in _consignments_of(order, where):
            location = consignment.get("location") if kind == "pickup" else None
            for line in _lines_in(order, consignment, ".".join(("consignments", *where))):
                yield {**line, "order_id": order["id"], "consignment_kind": kind, "pickup_location": location}


def stock_by_location(item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One record per variant and location: ``/v3/inventory/items`` nests the locations in each item."""
    for location in item.get("locations") or ():
        yield {**item.get("identity", {}), **location}
