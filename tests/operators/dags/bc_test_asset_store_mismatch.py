"""Test DAG: an export whose declared ``store_id`` is not the connection's store."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={"bigcommerce_conn_id": Param("bigcommerce_default"), "destination": Param("/tmp/bc-test-mismatch")},
)
def bc_test_asset_store_mismatch():
    BigCommerceToStorageOperator(
        task_id="orders",
        resource="orders",
        store_id="anotherstore",
        bigcommerce_conn_id="{{ params.bigcommerce_conn_id }}",
        destination="{{ params.destination }}",
        initial_load="full",
        incremental=False,
        retries=2,
    )


bc_test_asset_store_mismatch()
