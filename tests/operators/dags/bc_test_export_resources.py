"""Test DAG: the catalogue resources the example export DAG leaves out, a list named by path, explicit windows.

Uncompressed output. ``since``/``until`` (conf) override the data interval of the path export and of products.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import CronDataIntervalTimetable, Param, dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator


@dag(
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "bigcommerce_conn_id": Param("bigcommerce_default"),
        "destination": Param("/tmp/bc-test-export"),
        "since": Param(""),
        "until": Param(""),
    },
)
def bc_test_export_resources():
    common = {"bigcommerce_conn_id": "{{ params.bigcommerce_conn_id }}", "destination": "{{ params.destination }}"}
    window = {"since": "{{ params.since }}", "until": "{{ params.until }}"}
    BigCommerceToStorageOperator.partial(task_id="export", **common).expand(
        resource=["order_shipping_addresses", "variants", "brands", "category_trees"]
    )
    BigCommerceToStorageOperator(
        task_id="export_by_path",
        resource="orders_without_lines",
        path="v2/orders",
        query_params={"sort": "date_modified:asc"},
        date_modified_params=("min_date_modified", "max_date_modified"),
        **common,
        **window,
    )
    BigCommerceToStorageOperator(
        task_id="export_products",
        resource="products",
        **common,
        **window,
    )


bc_test_export_resources()
