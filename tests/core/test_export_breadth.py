"""The resources added for breadth (issue #20 part 1), through the core against the lookalike: channel listings see
the assignments a products export cannot, lists paged by ``after`` or by cursor read exactly while the store pages
or changes under them, v2 lists without paging cost one request, the parts read inline with the products agree
with their own endpoints, an order's children agree with the order, and every added resource with a way to find
deletions writes a tombstone only after a read its official file declares."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from bigcommerce_lookalike.changes import Misbehaviour
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, resource_for
from tests.export_files import export_named, read_records, record_moment

ADDED = list(RESOURCES)[list(RESOURCES).index("product_metafields") :]
LISTINGS = "v3/channels/{channel_id}/listings"


@pytest.fixture
def store(make_sandbox):
    return make_sandbox(seed=7, orders=300, products=60, customers=80, quota=5000)


def test_the_catalogue_holds_forty_resources_with_the_metafields_of_nine_collections_and_channel_listings():
    metafields = [name for name in RESOURCES if name.endswith("_metafields")]

    assert len(RESOURCES) >= 40 and len(metafields) == 9 and "channel_listings" in RESOURCES
    assert all(RESOURCES[name].date_field == "date_modified" for name in metafields)


def test_channel_listings_export_the_assignments_of_the_window_even_where_the_product_is_older(
    client, tmp_path, window
):
    manifest = export_named(client, "channel_listings", tmp_path, window)

    written = read_records(manifest["files"][0]["path"])
    channels = [channel["id"] for channel in client.paginate("v3/channels")]
    expected = sorted(
        listing["listing_id"]
        for channel_id in channels
        for listing in client.paginate(f"v3/channels/{channel_id}/listings")
        if window.claims(record_moment(listing["date_modified"]))
    )
    assert expected and sorted(listing["listing_id"] for listing in written) == expected
    assert manifest["verification"]["verified"] and manifest["verification"]["parents"]["read"] == len(channels)
    products = {p["id"]: record_moment(p["date_modified"]) for p in client.paginate("v3/catalog/products")}
    # The blind spot: assigned in the window, the product's own date_modified outside it (an incremental
    # products export of this window never sees the assignment).
    assert any(not window.claims(products[listing["product_id"]]) for listing in written)


def test_channel_listings_are_read_after_the_last_listing_whatever_page_size_the_store_serves(
    make_sandbox, make_client, tmp_path
):
    store = make_sandbox(seed=7, orders=10, products=60, customers=10, readings=Readings(page_cap=7))
    client = make_client(store)

    manifest = export_named(client, "channel_listings", tmp_path, incremental=False)

    per_channel = [60 // channel_id for channel_id in (1, 2, 3)]  # channel c lists every c-th product
    written = read_records(manifest["files"][0]["path"])
    assert len(written) == len({listing["listing_id"] for listing in written}) == sum(per_channel)
    # The channels, then one request per 7 listings: a short page ends a channel once its total is met.
    assert manifest["requests"] == 1 + sum(math.ceil(count / 7) for count in per_channel)
    assert manifest["verification"]["verified"]


def test_a_listings_page_that_ignores_after_is_an_error_not_an_endless_walk(store, client):
    store.changes.misbehave(LISTINGS, Misbehaviour(ignore_page=True))

    with pytest.raises(PagingError) as caught:
        list(client.paginate("v3/channels/1/listings", {"limit": 20}))

    assert (caught.value.code, caught.value.reason) == ("page_repeated", "ids_out_of_order")


def test_metafields_are_read_by_cursor_in_one_pass_while_records_are_deleted_under_the_walk(
    make_sandbox, make_client, tmp_path
):
    store = make_sandbox(seed=7, orders=10, products=600, customers=10)  # 900 product metafields: 4 pages
    client = make_client(store)
    store.changes.plan("v3/catalog/products/metafields", after=1, delete=[3, 10])

    manifest = export_named(client, "product_metafields", tmp_path, incremental=False)

    # Read by position, page 2 would start two records late; a cursor names the last record read.
    ids = [record["id"] for record in read_records(manifest["files"][0]["path"])]
    assert sorted(ids) == list(range(1, 901))
    assert manifest["verification"]["passes"] == 1 and manifest["requests"] == 4


def test_a_v2_list_that_takes_no_paging_is_read_in_one_request_and_each_method_names_its_zone(client, tmp_path):
    zones = export_named(client, "shipping_zones", tmp_path)
    methods = export_named(client, "shipping_methods", tmp_path)

    assert (zones["records"], zones["requests"]) == (3, 1)
    written = read_records(methods["files"][0]["path"])
    expected = [
        (zone, method["id"])
        for zone in (1, 2, 3)
        for method in client.request("GET", f"v2/shipping/zones/{zone}/methods")
        if "zone_id" not in method  # shipping.v2.yml: a method does not name its zone; the export adds it
    ]
    assert expected and sorted((m["zone_id"], m["id"]) for m in written) == sorted(expected)
    assert methods["requests"] == 1 + 3


def test_product_reviews_carry_the_id_of_the_product_they_were_read_under(client, tmp_path):
    manifest = export_named(client, "product_reviews", tmp_path)

    written = read_records(manifest["files"][0]["path"])
    expected = sorted(
        (product["id"], review["id"])
        for product in client.paginate("v3/catalog/products", {"include_fields": "id"})
        for review in client.paginate(f"v3/catalog/products/{product['id']}/reviews")
        if "product_id" not in review  # products_catalog.v3.yml: a review does not name its product
    )
    assert expected and sorted((r["product_id"], r["id"]) for r in written) == expected


def test_product_options_are_the_sizes_each_products_variants_name_read_ten_products_a_request(client, tmp_path):
    manifest = export_named(client, "product_options", tmp_path)

    written = read_records(manifest["files"][0]["path"])
    sizes: dict[int, set[int]] = {}
    for variant in client.paginate("v3/catalog/variants"):
        for value in variant["option_values"]:
            sizes.setdefault(variant["product_id"], set()).add(value["id"])
    assert written and {o["product_id"]: {v["id"] for v in o["option_values"]} for o in written} == sizes
    # products_catalog.v3.yml: with include=options a page holds 10 products; at most two counts verify it.
    assert math.ceil(60 / 10) <= manifest["requests"] <= math.ceil(60 / 10) + 2
    assert manifest["verification"]["verified"]


def test_product_custom_fields_carry_their_products_id(client, tmp_path):
    manifest = export_named(client, "product_custom_fields", tmp_path)

    written = read_records(manifest["files"][0]["path"])
    expected = sorted(
        (product["id"], field["id"])
        for product in client.paginate("v3/catalog/products", {"include": "custom_fields"})
        for field in product["custom_fields"]
    )
    assert expected and sorted((f["product_id"], f["id"]) for f in written) == expected
    assert manifest["requests"] == 1


def test_an_orders_coupons_shipments_and_taxes_agree_with_the_order(client, tmp_path, window):
    orders = {o["id"]: o for o in client.paginate("v2/orders") if window.claims(record_moment(o["date_modified"]))}
    coupons = {coupon["id"]: coupon["code"] for coupon in client.paginate("v2/coupons")}

    written = {
        name: read_records(export_named(client, name, tmp_path, window)["files"][0]["path"])
        for name in ("order_coupons", "order_shipments", "order_taxes")
    }

    assert written["order_coupons"] and {c["order_id"] for c in written["order_coupons"]} <= set(orders)
    assert all(coupons[c["coupon_id"]] == c["code"] for c in written["order_coupons"])
    shipped = {order_id for order_id, order in orders.items() if order["status_id"] in (2, 10)}
    assert written["order_shipments"] and {s["order_id"] for s in written["order_shipments"]} <= shipped
    taxes: dict[int, Decimal] = {}
    for tax in written["order_taxes"]:
        taxes[tax["order_id"]] = taxes.get(tax["order_id"], Decimal(0)) + Decimal(tax["line_amount"])
    taxed = {order_id: Decimal(o["total_tax"]) for order_id, o in orders.items() if Decimal(o["total_tax"])}
    assert taxes and taxes == taxed


WITH_DELETIONS = [name for name in ADDED if RESOURCES[name].deletions is not None]


@pytest.mark.parametrize("name", WITH_DELETIONS)
def test_a_deleted_record_of_an_added_list_becomes_a_tombstone_after_a_read_by_id_its_file_declares(
    name, store, client, openapi, tmp_path
):
    resource = resource_for(name)
    first = export_named(client, name, tmp_path, incremental=False, deletions=True)
    ids = sorted(record["id"] for record in read_records(first["files"][0]["path"]))
    gone = ids[1] if len(ids) > 1 else ids[0]
    store.changes.plan(resource.path, after=0, delete=[gone])
    store.reset_stats()

    second = export_named(client, name, tmp_path, incremental=False, deletions=True)

    assert first["deletions"]["baseline"] and first["deletions"]["records"] == 0
    assert [tombstone["id"] for tombstone in read_records(second["deletions"]["path"])] == [gone]
    assert second["deletions"]["confirmed_gone"] == 1 and second["records"] == len(ids) - 1
    assert openapi.undeclared(store.stats.request_log()) == []


def test_every_added_resource_is_in_the_docs_table_with_its_incremental_field_deletions_and_cost():
    table = (Path(__file__).resolve().parents[2] / "docs" / "exporting.md").read_text()
    rows = {line.split("|")[1].strip().strip("`"): line for line in table.splitlines() if line.startswith("| `")}

    assert sorted(set(RESOURCES) - set(rows)) == []
    for name in ADDED:
        cells = [cell.strip() for cell in rows[name].split("|")[1:-1]]
        assert len(cells) == 6 and all(cells), name
        field = RESOURCES[name].date_field
        assert (field in cells[2]) if field else ("full snapshot" in cells[2]), name
        untracked = cells[4].startswith(("not tracked", "follow"))
        assert untracked == (RESOURCES[name].deletions is None), name


@pytest.mark.parametrize("name", [name for name in ADDED if RESOURCES[name].incremental])
def test_an_incremental_added_resource_exports_exactly_the_records_its_window_claims(name, client, tmp_path, window):
    resource = resource_for(name)
    manifest = export_named(client, name, tmp_path, window)

    written = read_records(manifest["files"][0]["path"])
    field = resource.date_field or "date_modified"
    if resource.fan_out is None:
        every = list(client.paginate(resource.path))
    elif resource.fan_out.filter_on == "child":
        every = [
            child
            for parent in client.paginate(resource.path)
            for child in client.paginate(resource.fan_out.child.format(id=parent["id"]))
        ]
    else:
        parents = [p for p in client.paginate(resource.path) if window.claims(record_moment(p[field]))]
        every = [c for p in parents for c in client.paginate(resource.fan_out.child.format(id=p["id"]))]
        field = None
    expected = [r for r in every if field is None or window.claims(record_moment(r[field]))]
    assert expected and sorted(map(json.dumps, written)) == sorted(map(json.dumps, expected)), name
    assert manifest["mode"] == "incremental" and manifest["records"] == len(expected)
