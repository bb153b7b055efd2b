"""Test DAG: every resource added to the catalogue, each through the transfer operator. ``since``/``until``
(conf) give the incremental ones their window."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "bigcommerce_conn_id": Param("bigcommerce_default"),
        "destination": Param("/tmp/bc-test-export-more"),
        "since": Param(""),
        "until": Param(""),
    },
)
def bc_test_export_more_resources():
    common = {"bigcommerce_conn_id": "{{ params.bigcommerce_conn_id }}", "destination": "{{ params.destination }}"}
    window = {"since": "{{ params.since }}", "until": "{{ params.until }}"}
    incremental = ("order_line_items", "order_transactions", "order_refunds", "price_lists")
    for resource in (*incremental, "price_list_records"):
        BigCommerceToStorageOperator(task_id=resource, resource=resource, **common, **window)
    snapshots = ("coupons", "inventory", "channels", "customer_addresses", "categories", "pages", "store_information")
    for resource in snapshots:
        BigCommerceToStorageOperator(task_id=resource, resource=resource, incremental=False, **common, **window)


bc_test_export_more_resources()
