"""Test DAG: an order's line items and shipping addresses through the transfer operator, for a window given as
``since``/``until`` (conf)."""

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
        "destination": Param("/tmp/bc-test-export-consignments"),
        "since": Param(""),
        "until": Param(""),
    },
)
def bc_test_export_consignments():
    common = {"bigcommerce_conn_id": "{{ params.bigcommerce_conn_id }}", "destination": "{{ params.destination }}"}
    window = {"since": "{{ params.since }}", "until": "{{ params.until }}"}
    for resource in ("order_line_items", "order_shipping_addresses"):
        BigCommerceToStorageOperator(task_id=resource, resource=resource, **common, **window)


bc_test_export_consignments()
