"""Test DAG: exports that emit asset events, and a task that reads those events back as its inlets.

``orders`` declares its asset at parse time (``store_id``), as does ``products``, written as typed Parquet;
``order_line_items`` (no ``store_id``) and the mapped ``brands`` export (whose ``store_id`` reaches the operator
only when it runs) emit through the export alias. The store hash comes from env ``BC_TEST_ASSET_STORE`` (the
test's lookalike).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from airflow.sdk import Param, dag, task

from airflow_provider_bigcommerce.assets.bigcommerce import create_asset, export_alias
from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator

STORE = os.environ.get("BC_TEST_ASSET_STORE", "nostore")
ORDERS = create_asset(store_id=STORE, name="orders")
LINE_ITEMS = create_asset(store_id=STORE, name="order_line_items")
PRODUCTS = create_asset(store_id=STORE, name="products")


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "bigcommerce_conn_id": Param("bigcommerce_default"),
        "destination": Param("/tmp/bc-test-assets"),
        "since": Param(""),
        "until": Param(""),
    },
)
def bc_test_assets():
    common = {
        "bigcommerce_conn_id": "{{ params.bigcommerce_conn_id }}",
        "destination": "{{ params.destination }}",
        "since": "{{ params.since }}",
        "until": "{{ params.until }}",
    }
    orders = BigCommerceToStorageOperator(task_id="orders", resource="orders", store_id=STORE, **common)
    line_items = BigCommerceToStorageOperator(task_id="order_line_items", resource="order_line_items", **common)
    products = BigCommerceToStorageOperator(
        task_id="products", resource="products", store_id=STORE, file_format="parquet", **common
    )
    mapped = BigCommerceToStorageOperator.partial(task_id="mapped", store_id=STORE, **common).expand(
        resource=["brands"]
    )

    @task(inlets=[ORDERS, LINE_ITEMS, PRODUCTS, export_alias()])
    def read_events(inlet_events=None) -> dict:
        declared = (ORDERS, LINE_ITEMS, PRODUCTS)
        events = {asset.uri: [event.extra for event in inlet_events[asset]] for asset in declared}
        events["alias"] = {event.asset.uri: event.extra for event in inlet_events[export_alias()]}
        return events

    [orders, line_items, products, mapped] >> read_events()

    @task
    def count_coupons(params=None) -> int:
        """Plain hook use in a task: its lineage comes from the hook (Airflow's hook lineage collector)."""
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

        hook = BigCommerceHook(params["bigcommerce_conn_id"])
        try:
            return sum(1 for _ in hook.paginate("v2/coupons"))
        finally:
            hook.close()

    [orders, line_items] >> count_coupons()  # after the exports: its lineage must not carry what they read


bc_test_assets()
