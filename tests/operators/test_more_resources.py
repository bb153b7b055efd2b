"""The resources added to the catalogue through dag.test() against the lookalike: exact counts, each checked
against another endpoint or an unfiltered read of the same list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.export_files import read_records, record_moment

CONN_ID = "bc_export_more"


@pytest.fixture(scope="module")
def store_client(sandbox: Any):
    properties = ConnectionProperties.from_mapping(
        {"StoreId": sandbox.store_id, "OAuthAccessToken": sandbox.access_token, "URL": sandbox.base_url}
    )
    with BigCommerceClient(properties, token_source_for(properties)) as client:
        yield client


@pytest.mark.slow  # over 20 s: a DAG run exporting every added resource
def test_every_added_resource_exports_through_dag_test_with_exact_counts(
    run_dag: Callable[..., Any],
    sandbox: Any,
    store_client: BigCommerceClient,
    pat_extra: dict[str, str],
    connection_env: Callable,
    tmp_path: Path,
):
    first, last = sandbox.data_time_range
    since, until = first + (last - first) * 0.4, first + (last - first) * 0.6
    conf = {
        "bigcommerce_conn_id": CONN_ID,
        "destination": str(tmp_path / "more"),
        "since": since.isoformat(),
        "until": until.isoformat(),
    }

    run = run_dag("bc_test_export_more_resources", env=connection_env(CONN_ID, sandbox, pat_extra), conf=conf)

    assert run.state == "success", run.failure()
    # The API filters on whole seconds: [since, until) holds the seconds from ceil(since) on.
    low = since if since.microsecond == 0 else since.replace(microsecond=0) + timedelta(seconds=1)
    high = until
    orders = [o for o in store_client.paginate("v2/orders") if low <= record_moment(o["date_modified"]) < high]
    assert orders
    lines = sorted(
        (line["order_id"], line["id"])
        for order in orders
        for line in store_client.request("GET", f"v2/orders/{order['id']}/products")
    )
    transactions = sorted(
        (t["order_id"], t["id"])
        for order in orders
        for t in (store_client.request("GET", f"v3/orders/{order['id']}/transactions") or {"data": []})["data"]
    )
    refunds = sorted(
        r["id"]
        for r in store_client.paginate("v3/orders/payment_actions/refunds")
        if low <= record_moment(r["created"]) < high
    )
    coupons = sorted(c["id"] for c in store_client.paginate("v2/coupons"))
    variants = [v["id"] for v in store_client.paginate("v3/catalog/variants")]

    written = {task: read_records(run.xcom(task)["files"][0]["path"]) for task in run.tasks}
    assert sorted((r["order_id"], r["id"]) for r in written["order_line_items"]) == lines
    assert sorted((r["order_id"], r["id"]) for r in written["order_transactions"]) == transactions and transactions
    assert sorted(r["id"] for r in written["order_refunds"]) == refunds and refunds
    assert sorted(r["id"] for r in written["coupons"]) == coupons and coupons
    assert len(written["inventory"]) == 2 * len(variants)
    for task in run.tasks:
        manifest = run.xcom(task)
        assert manifest["records"] == len(written[task]), task
    price_lists = sorted(
        r["id"] for r in store_client.paginate("v3/pricelists") if low <= record_moment(r["date_modified"]) < high
    )
    assert sorted(r["id"] for r in written["price_lists"]) == price_lists and price_lists
    records = sorted(
        (record["price_list_id"], record["variant_id"])
        for price_list in store_client.paginate("v3/pricelists")
        for record in store_client.paginate(f"v3/pricelists/{price_list['id']}/records")
        if low <= record_moment(record["date_modified"]) < high
    )
    assert sorted((r["price_list_id"], r["variant_id"]) for r in written["price_list_records"]) == records and records
    for task, path, key in (
        ("channels", "v3/channels", "id"),
        ("customer_addresses", "v3/customers/addresses", "id"),
        ("categories", "v3/catalog/trees/categories", "category_id"),
        ("pages", "v3/content/pages", "id"),
    ):
        assert sorted(r[key] for r in written[task]) == sorted(r[key] for r in store_client.paginate(path)), task
    assert [r["id"] for r in written["store_information"]] == [store_client.request("GET", "v2/store")["id"]]
    assert run.xcom("order_transactions")["verification"]["verified"]
    assert run.xcom("order_refunds")["mode"] == "incremental" and run.xcom("coupons")["mode"] == "full"


def test_deletions_true_writes_tombstones_for_coupons_deleted_since_the_previous_run(
    run_dag: Callable[..., Any],
    make_sandbox: Callable[..., Any],
    connection_env: Callable,
    tmp_path: Path,
):
    store = make_sandbox(seed=11)  # its own store: the deletes must not reach other tests' counts
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    env = connection_env("bc_deletions", store, extra)
    conf = {"bigcommerce_conn_id": "bc_deletions", "destination": str(tmp_path)}

    first = run_dag("bc_test_export_deletions", env=env, conf=conf, logical_date="2025-01-01T00:00:00+00:00")
    store.changes.plan("v2/coupons", after=0, delete=[3, 7])
    second = run_dag("bc_test_export_deletions", env=env, conf=conf, logical_date="2025-01-02T00:00:00+00:00")

    assert first.state == "success" and second.state == "success", first.failure() + second.failure()
    assert first.xcom("coupons")["deletions"]["records"] == 0  # the first run only records the ids it saw
    tombstones = second.xcom("coupons")["deletions"]
    assert tombstones["records"] == 2 and tombstones["verified"]
    deleted_files = sorted(tmp_path.rglob("coupons_deleted_*"))
    assert [record["id"] for record in read_records(str(deleted_files[-1]))] == [3, 7]


def test_line_items_of_every_consignment_kind_export_through_the_operator_with_their_kind_and_location(
    run_dag: Callable[..., Any],
    make_sandbox: Callable[..., Any],
    connection_env: Callable,
    tmp_path: Path,
):
    """Downloads and gift certificates carrying ``line_items`` as one object (orders.v2.oas2.yml's examples)."""
    store = make_sandbox(
        seed=7, orders=200, products=40, customers=60, consignment_kinds=True, digital_line_items="object"
    )
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    first, last = store.data_time_range
    since, until = first.replace(microsecond=0), last.replace(microsecond=0) + timedelta(seconds=1)
    conf = {
        "bigcommerce_conn_id": "bc_consignments",
        "destination": str(tmp_path),
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    properties = ConnectionProperties.from_mapping(
        {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    )
    with BigCommerceClient(properties, token_source_for(properties)) as client:
        orders = list(client.paginate("v2/orders", {"include": "consignments", "consignment_structure": "object"}))
        lines = {order["id"]: client.request("GET", f"v2/orders/{order['id']}/products") for order in orders}
    kinds = {"physical": "shipping", "digital": "download", "giftcertificate": "gift_certificate"}
    expected = sorted(
        (order_id, line["id"], "pickup" if line["order_pickup_method_id"] else kinds[line["type"]])
        for order_id, order_lines in lines.items()
        for line in order_lines
    )
    locations = {order["id"]: order["consignments"]["pickups"] for order in orders}

    run = run_dag("bc_test_export_consignments", env=connection_env("bc_consignments", store, extra), conf=conf)

    assert run.state == "success", run.failure()
    written = read_records(run.xcom("order_line_items")["files"][0]["path"])
    assert sorted((r["order_id"], r["id"], r["consignment_kind"]) for r in written) == expected
    assert {kind for _, _, kind in expected} == {"shipping", "pickup", "download", "gift_certificate"}
    for record in written:
        pickups = locations[record["order_id"]]
        assert record["pickup_location"] == (pickups[0]["location"] if record["consignment_kind"] == "pickup" else None)
    addresses = read_records(run.xcom("order_shipping_addresses")["files"][0]["path"])
    shipping = sorted((order["id"], c["id"]) for order in orders for c in order["consignments"]["shipping"])
    assert sorted((a["order_id"], a["id"]) for a in addresses) == shipping and len(shipping) < len(orders)
