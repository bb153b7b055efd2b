"""Test DAG: exports that must fail in words before writing anywhere: a templated resource name that renders to a
way out of the destination, and a destination that is a file."""

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
        "resource": Param("coupons"),
        "destination": Param("/tmp/bc-test-refusals"),
        "blocked_destination": Param("/tmp/bc-test-refusals-blocked"),
    },
)
def bc_test_export_refusals():
    common = {"bigcommerce_conn_id": "{{ params.bigcommerce_conn_id }}", "initial_load": "full", "incremental": False}
    BigCommerceToStorageOperator(
        task_id="templated_name",
        resource="{{ params.resource }}",
        path="v2/coupons",
        destination="{{ params.destination }}",
        **common,
    )
    BigCommerceToStorageOperator(
        task_id="unwritable_destination",
        resource="coupons",
        destination="{{ params.blocked_destination }}",
        **common,
    )


bc_test_export_refusals()
