"""Every catalogue resource exports through the core against the lookalike with exact counts, checked against
another endpoint or an unfiltered read of the same list; tombstones appear after records are deleted."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from bigcommerce_lookalike.changes import Misbehaviour

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, Deletions, resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.tombstones import export_deletions, snapshot_file_name
from airflow_provider_bigcommerce.core.export.windows import Window
from tests.export_files import export_named, read_records, record_moment


@pytest.fixture
def store(make_sandbox):
    return make_sandbox(seed=7, orders=400, products=60, customers=120, quota=5000)


def test_order_line_items_are_the_lines_each_order_of_the_window_lists_on_its_own_endpoint(client, tmp_path, window):
    manifest = export_named(client, "order_line_items", tmp_path, window)

    written = read_records(manifest["files"][0]["path"])
    orders = [order for order in client.paginate("v2/orders") if window.claims(record_moment(order["date_modified"]))]
    expected = sorted(
        (line["order_id"], line["id"])
        for order in orders
        for line in client.request("GET", f"v2/orders/{order['id']}/products")
    )
    assert orders and sorted((line["order_id"], line["id"]) for line in written) == expected
    assert manifest["records"] == len(expected) and manifest["verification"]["verified"]
    assert manifest["requests"] <= 3 + len(orders) // 250 * 2  # inline: no request per order


def test_order_transactions_fan_out_over_the_windows_orders_concurrently(make_sandbox, make_client, tmp_path):
    store = make_sandbox(seed=7, orders=120, products=30, customers=40, quota=5000)
    client = make_client(store, max_concurrency=8)
    first, last = store.data_time_range
    window = Window(first, last + timedelta(seconds=1))
    expected = []
    for order_id in range(100, 220):
        body = client.request("GET", f"v3/orders/{order_id}/transactions")
        expected += [(t["order_id"], t["id"]) for t in (body or {"data": []})["data"]]
    latency_ms = 60
    store.set_faults(latency_ms=latency_ms)

    started = time.monotonic()
    manifest = export_named(client, "order_transactions", tmp_path, window)
    elapsed = time.monotonic() - started

    written = read_records(manifest["files"][0]["path"])
    assert sorted((t["order_id"], t["id"]) for t in written) == sorted(expected) and expected
    assert manifest["verification"]["verified"] and manifest["verification"]["expected"] == len(expected)
    assert manifest["child_path"] == "v3/orders/{id}/transactions"
    # One per order, the one page of orders, its count and the client's one probe of whether counts apply dates.
    assert manifest["requests"] == 120 + 3
    # One request per order at 60 ms each would take 7.2 s one after another.
    assert elapsed < 120 * latency_ms / 1000 / 2


def test_an_order_deleted_after_its_page_was_read_leaves_no_transactions_and_is_counted(
    make_sandbox, make_client, tmp_path
):
    store = make_sandbox(seed=7, orders=120, products=30, customers=40, quota=5000)
    client = make_client(store)
    first, last = store.data_time_range
    window = Window(first, last + timedelta(seconds=1))
    with_transactions = [
        order_id for order_id in range(100, 220) if client.request("GET", f"v3/orders/{order_id}/transactions")
    ]
    gone = with_transactions[0]
    # Listed with the orders, gone when its transactions are asked for.
    store.changes.plan("v3/orders/{order_id}/transactions", after=0, delete=[gone])

    manifest = export_named(client, "order_transactions", tmp_path, window)

    written = read_records(manifest["files"][0]["path"])
    assert gone not in {int(t["order_id"]) for t in written}
    assert {int(t["order_id"]) for t in written} == set(with_transactions) - {gone}
    assert manifest["verification"]["parents_gone"] == 1 and manifest["verification"]["verified"]


def test_order_refunds_are_the_refunds_created_in_the_window(client, tmp_path, window):
    manifest = export_named(client, "order_refunds", tmp_path, window)

    every = list(client.paginate("v3/orders/payment_actions/refunds"))
    expected = sorted(r["id"] for r in every if window.claims(datetime.fromisoformat(r["created"])))
    assert expected and sorted(r["id"] for r in read_records(manifest["files"][0]["path"])) == expected
    assert len(expected) < len(every)
    low, _ = window.query_bounds()
    assert manifest["mode"] == "incremental" and manifest["filter"]["created:min"] == low.isoformat()
    verification = manifest["verification"]
    assert verification["verified"] and verification["read"] == verification["expected"] >= len(expected)
    assert manifest["edges"]["outside"] == verification["read"] - len(expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("coupons", 30),
        ("pages", 9),
        ("customer_addresses", 120),
        ("store_information", 1),
    ],
)
def test_snapshot_resources_export_every_record(client, tmp_path, name, expected):
    manifest = export_named(client, name, tmp_path, incremental=False)

    written = read_records(manifest["files"][0]["path"])
    assert manifest["mode"] == "full" and manifest["records"] == len(written) == expected
    assert len({json.dumps(record, sort_keys=True) for record in written}) == expected


def test_categories_are_the_tree_categories_by_id(client, tmp_path):
    manifest = export_named(client, "categories", tmp_path, incremental=False)

    tree_ids = sorted(c["category_id"] for c in client.paginate("v3/catalog/trees/categories"))
    assert sorted(c["category_id"] for c in read_records(manifest["files"][0]["path"])) == tree_ids
    assert manifest["verification"]["verified"]


def test_deprecated_categories_deleted_during_the_walk_do_not_shift_a_page_the_list_is_read_by_id(
    make_sandbox, make_client, tmp_path
):
    store = make_sandbox(seed=7, orders=0, products=10, customers=0, categories=700)
    client = make_client(store)
    store.changes.plan("v3/catalog/categories", after=1, delete=[5, 6, 7])  # on the first page, once it is read

    deprecated = resource_for("categories_v3", path="v3/catalog/categories")
    manifest = export_resource(client, deprecated, tmp_path, incremental=False)

    assert sorted(c["id"] for c in read_records(manifest["files"][0]["path"])) == list(range(1, 701))
    # By position, deletes before a later page shift it, and the walk would have to read the list again.
    assert manifest["verification"]["passes"] == 1 and manifest["verification"]["verified"]


def test_inventory_has_one_record_per_variant_and_location(client, tmp_path):
    manifest = export_named(client, "inventory", tmp_path, incremental=False)

    variants = [v["id"] for v in client.paginate("v3/catalog/variants")]
    written = read_records(manifest["files"][0]["path"])
    assert sorted((r["variant_id"], r["location_id"]) for r in written) == sorted(
        (variant, location) for variant in variants for location in (1, 2)
    )
    assert all("available_to_sell" in r and "sku" in r for r in written)


def test_channels_and_price_lists_are_incremental_on_date_modified(client, tmp_path, store):
    first, last = store.data_time_range
    everything = Window(first - timedelta(days=1), last + timedelta(days=1))
    for name, path in (("channels", "v3/channels"), ("price_lists", "v3/pricelists")):
        every = list(client.paginate(path))
        newest = max(record_moment(record["date_modified"]) for record in every)
        manifest = export_named(client, name, tmp_path, Window(everything.start, newest))

        written = read_records(manifest["files"][0]["path"])
        assert sorted(r["id"] for r in written) == sorted(
            r["id"] for r in every if record_moment(r["date_modified"]) < newest
        )
        assert len(written) == len(every) - 1 and manifest["mode"] == "incremental"


def test_price_list_records_are_each_lists_records_modified_in_the_window(client, tmp_path, window):
    manifest = export_named(client, "price_list_records", tmp_path, window)

    expected = sorted(
        (record["price_list_id"], record["variant_id"])
        for price_list in client.paginate("v3/pricelists")
        for record in client.paginate(f"v3/pricelists/{price_list['id']}/records")
        if window.claims(record_moment(record["date_modified"]))
    )
    written = read_records(manifest["files"][0]["path"])
    assert expected and sorted((r["price_list_id"], r["variant_id"]) for r in written) == expected
    assert manifest["verification"]["verified"] and manifest["verification"]["parents"]["read"] == 2


def test_every_catalogue_resource_exports(client, tmp_path, window):
    for name in RESOURCES:
        manifest = export_named(client, name, tmp_path, window)
        assert manifest["records"] == len(read_records(manifest["files"][0]["path"])), name
        assert manifest["records"] > 0, name


# -- tombstones ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "deleted"), [("products", "v3/catalog/products", [3, 50]), ("coupons", "v2/coupons", [7])]
)
def test_deleted_records_become_tombstones_on_the_next_run(store, client, tmp_path, name, key, deleted):
    first = export_named(client, name, tmp_path, incremental=False, deletions=True)
    assert first["deletions"]["baseline"] and first["deletions"]["records"] == 0
    assert (tmp_path / snapshot_file_name(resource_for(name))).exists()

    store.changes.plan(key, after=0, delete=deleted)
    second = export_named(client, name, tmp_path, incremental=False, deletions=True)

    tombstones = read_records(second["deletions"]["path"])
    assert [t["id"] for t in tombstones] == deleted
    assert all(datetime.fromisoformat(t["_deleted_at"]).tzinfo is not None for t in tombstones)
    assert second["deletions"]["baseline"] is False
    assert second["deletions"]["ids_seen"] == first["deletions"]["ids_seen"] - len(deleted)
    third = export_named(client, name, tmp_path, incremental=False, deletions=True)
    assert third["deletions"]["records"] == 0  # reported once


def test_product_id_snapshot_costs_one_request_per_250_ids(make_sandbox, make_client, tmp_path):
    store = make_sandbox(seed=3, products=600, orders=0, customers=0)
    client = make_client(store)

    result = export_deletions(client, resource_for("products"), tmp_path)

    assert result["ids_seen"] == 600
    # 3 pages of 250 ids (keyset, one per slice) plus at most two counts verifying the walk.
    assert 3 <= result["requests"] <= 5


def test_archived_orders_become_tombstones_dated_by_their_date_modified(store, client, tmp_path, window):
    store.changes.plan("v2/orders", after=0, delete=[105, 333])

    manifest = export_named(client, "orders", tmp_path, window, deletions=True)

    tombstones = read_records(manifest["deletions"]["path"])
    assert [t["id"] for t in tombstones] == [105, 333]
    assert manifest["deletions"]["method"] == "archived"
    assert all(t["_deleted_at"].endswith("+00:00") for t in tombstones)
    assert 105 not in {o["id"] for o in read_records(manifest["files"][0]["path"])}


def test_a_resource_without_a_deletion_method_says_so_before_exporting_anything(client, tmp_path):
    with pytest.raises(ExportError):
        export_deletions(client, resource_for("order_line_items"), tmp_path)
    with pytest.raises(ExportError):
        export_named(client, "inventory", tmp_path, incremental=False, deletions=True)
    assert not list(tmp_path.rglob("*.ndjson"))


def test_a_damaged_id_snapshot_is_never_used_and_the_run_says_it_starts_a_new_one(client, tmp_path):
    snapshot = tmp_path / snapshot_file_name(resource_for("pages"))
    snapshot.parent.mkdir(parents=True)
    snapshot.write_bytes(b"not gzip")

    result = export_deletions(client, resource_for("pages"), tmp_path)

    assert result["snapshot_rejected"] == "unreadable" and result["baseline"] and result["records"] == 0
    assert snapshot.read_bytes() != b"not gzip"


def test_a_blank_page_in_the_id_read_is_read_again_not_reported_as_deletions(store, client, tmp_path):
    export_named(client, "coupons", tmp_path, incremental=False, deletions=True)
    store.changes.misbehave("v2/coupons", Misbehaviour(blank_requests=frozenset({2})))  # the id read's first page

    second = export_named(client, "coupons", tmp_path, incremental=False, deletions=True)

    assert second["records"] == 30
    assert second["deletions"]["records"] == 0 and second["deletions"]["verified"]
    assert second["deletions"]["ids_seen"] == 30


def test_an_id_read_no_count_confirms_writes_no_tombstones_and_keeps_the_snapshot(store, client, tmp_path):
    # min_id is a filter the coupon count does not take, so nothing can confirm this read.
    unconfirmed = replace(resource_for("coupons"), deletions=Deletions("ids", {"min_id": "1"}))
    export_deletions(client, resource_for("coupons"), tmp_path)
    snapshot = tmp_path / snapshot_file_name(unconfirmed)
    kept = snapshot.read_bytes()
    store.changes.plan("v2/coupons", after=0, delete=[2])

    result = export_deletions(client, unconfirmed, tmp_path)

    assert result["verified"] is False and result["records"] == 0 and result["ids_seen"] == 29
    assert snapshot.read_bytes() == kept
    assert [t["id"] for t in read_records(export_deletions(client, resource_for("coupons"), tmp_path)["path"])] == [2]
