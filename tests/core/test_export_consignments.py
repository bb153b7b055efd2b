"""Line items and shipping addresses of orders fulfilled by every kind of consignment, under each reading of
orders.v2.oas2.yml's ``orderConsignment_Get``: download and gift-certificate ``line_items`` as a list (its schema)
or as one object (its examples). Each export is checked against the order's own endpoints, id by id per window."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window
from tests.export_files import read_records

KINDS = ("shipping", "pickup", "download", "gift_certificate")


def _kind(line: dict[str, Any]) -> str:
    """A line item's consignment kind from its own fields on ``/v2/orders/{id}/products`` (``orderProducts``:
    ``type`` physical, digital or giftcertificate; ``order_pickup_method_id`` 0 unless it is picked up)."""
    if line["type"] == "giftcertificate":
        return "gift_certificate"
    if line["type"] == "digital":
        return "download"
    return "pickup" if line["order_pickup_method_id"] else "shipping"


def _thirds(store) -> list[Window]:
    """Three windows side by side that hold every order between them."""
    first, last = store.data_time_range
    edges = [first + (last - first) * n / 3 for n in range(3)] + [last + timedelta(seconds=1)]
    return [Window(start, end) for start, end in zip(edges, edges[1:], strict=False)]


def _orders_in(client, window: Window) -> list[dict[str, Any]]:
    params = {"include": "consignments", "consignment_structure": "object"}
    return [
        order
        for order in client.paginate("v2/orders", params)
        if window.claims(parsedate_to_datetime(order["date_modified"]))
    ]


def _expected_lines(client, orders) -> dict[str, list[tuple[int, int]]]:
    by_kind: dict[str, list[tuple[int, int]]] = {kind: [] for kind in KINDS}
    for order in orders:
        for line in client.request("GET", f"v2/orders/{order['id']}/products"):
            by_kind[_kind(line)].append((order["id"], line["id"]))
    return {kind: sorted(ids) for kind, ids in by_kind.items()}


def _written_lines(records) -> dict[str, list[tuple[int, int]]]:
    return {kind: sorted((r["order_id"], r["id"]) for r in records if r["consignment_kind"] == kind) for kind in KINDS}


@pytest.mark.parametrize("reading", ["list", "object"])
def test_order_line_items_come_from_every_consignment_kind_under_each_reading_of_digital_line_items(
    make_sandbox, make_client, tmp_path, reading
):
    store = make_sandbox(
        seed=7, orders=300, products=40, customers=60, quota=5000, consignment_kinds=True, digital_line_items=reading
    )
    client = make_client(store)
    for number, window in enumerate(_thirds(store)):
        orders = _orders_in(client, window)
        expected = _expected_lines(client, orders)

        manifest = export_resource(client, resource_for("order_line_items"), tmp_path / str(number), window=window)

        written = read_records(manifest["files"][0]["path"])
        assert _written_lines(written) == expected
        assert all(expected.values()), expected  # every kind is in every window
        assert manifest["records"] == len(written) and manifest["verification"]["verified"]
        assert manifest["requests"] <= 3 + len(orders) // 250 * 2  # inline: no request per order
        locations = {order["id"]: order["consignments"]["pickups"] for order in orders}
        for record in written:
            pickups = locations[record["order_id"]]
            if record["consignment_kind"] == "pickup":
                assert record["pickup_location"] == pickups[0]["location"] and record["pickup_location"]["id"]
            else:
                assert record["pickup_location"] is None


def test_order_line_items_of_a_store_that_only_ships_are_all_shipping_line_items(make_sandbox, make_client, tmp_path):
    store = make_sandbox(seed=7, orders=120, products=30, customers=40, quota=5000)
    client = make_client(store)
    window = _thirds(store)[1]
    expected = _expected_lines(client, _orders_in(client, window))

    manifest = export_resource(client, resource_for("order_line_items"), tmp_path, window=window)

    assert _written_lines(read_records(manifest["files"][0]["path"])) == expected
    assert expected["shipping"] and not expected["pickup"] + expected["download"] + expected["gift_certificate"]


@pytest.mark.parametrize("reading", ["list", "object"])
def test_order_shipping_addresses_come_from_shipping_consignments_only(make_sandbox, make_client, tmp_path, reading):
    store = make_sandbox(
        seed=7, orders=300, products=40, customers=60, quota=5000, consignment_kinds=True, digital_line_items=reading
    )
    client = make_client(store)
    for number, window in enumerate(_thirds(store)):
        orders = _orders_in(client, window)
        expected = sorted(
            (order["id"], address["id"])
            for order in orders
            for address in client.request("GET", f"v2/orders/{order['id']}/shipping_addresses") or ()
        )

        manifest = export_resource(
            client, resource_for("order_shipping_addresses"), tmp_path / str(number), window=window
        )

        written = read_records(manifest["files"][0]["path"])
        assert sorted((r["order_id"], r["id"]) for r in written) == expected
        assert 0 < len(expected) < len(orders)  # some orders in the window ship nothing
        assert not [r for r in written if "line_items" in r or "location" in r]


@pytest.mark.parametrize("reading", ["list", "object"])
def test_orders_of_every_consignment_kind_export_once_each_per_window_with_their_consignments(
    make_sandbox, make_client, tmp_path, reading
):
    store = make_sandbox(
        seed=7, orders=300, products=40, customers=60, quota=5000, consignment_kinds=True, digital_line_items=reading
    )
    client = make_client(store)
    written_ids = []
    for number, window in enumerate(_thirds(store)):
        orders = _orders_in(client, window)

        manifest = export_resource(client, resource_for("orders"), tmp_path / str(number), window=window)

        written = read_records(manifest["files"][0]["path"])
        assert sorted(order["id"] for order in written) == sorted(order["id"] for order in orders) != []
        kinds = {kind for order in written for kind, found in order["consignments"].items() if found != []}
        assert kinds >= {"shipping", "pickups", "downloads"}
        written_ids += [order["id"] for order in written]
    assert sorted(written_ids) == list(range(100, 400))


@pytest.mark.parametrize(
    ("params", "reason", "facts"),
    [
        ({"include": "fees"}, "consignments_malformed", {"where": "consignments"}),  # no consignments at all
        ({"consignment_structure": ""}, "consignments_malformed", {"where": "consignments"}),  # a list of them
        ({"include": "consignments"}, "id_not_whole", {"value": "None"}),  # links where the records belong
    ],
    ids=["missing", "list", "links"],
)
def test_orders_whose_consignments_do_not_hold_their_line_items_fail_the_export_and_write_nothing(
    make_sandbox, make_client, tmp_path, params, reason, facts
):
    """A store that does not answer the object structure with inline records the export asks for would otherwise
    lose the lines silently (or write links as line items)."""
    store = make_sandbox(seed=7, orders=30, products=10, customers=10, quota=5000)
    client = make_client(store)

    with pytest.raises(PagingError) as caught:
        export_resource(client, resource_for("order_line_items", params=params), tmp_path, incremental=False)

    assert (caught.value.code, caught.value.reason, caught.value.path) == ("bad_record", reason, "v2/orders")
    assert facts.items() <= caught.value.facts.items()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
