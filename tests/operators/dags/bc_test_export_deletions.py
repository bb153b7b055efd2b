"""Test DAG: coupons exported with their tombstones (``deletions=True``) through the transfer operator."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={"bigcommerce_conn_id": Param("bigcommerce_default"), "destination": Param("/tmp/bc-test-deletions")},
)
def bc_test_export_deletions():
    BigCommerceToStorageOperator(
        task_id="coupons",
        resource="coupons",
        bigcommerce_conn_id="{{ params.bigcommerce_conn_id }}",
        destination="{{ params.destination }}",
        deletions=True,
    )


bc_test_export_deletions()
