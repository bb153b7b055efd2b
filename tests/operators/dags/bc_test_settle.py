"""Test DAG: a manual export whose window ends "now" waits, deferred, until the window settles (``SettleSeconds``).

Unscheduled, with a start_date long before the lookalike's data, so its first run reads every order up to the run's
``run_after``. Settings come from Variables: ``bigcommerce_export_conn_id`` and ``bigcommerce_export_destination``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator


@dag(schedule=None, start_date=datetime(2020, 1, 1, tzinfo=UTC), catchup=False, max_active_runs=1)
def bc_test_settle_now():
    BigCommerceToStorageOperator(
        task_id="export",
        resource="orders",
        bigcommerce_conn_id="{{ var.value.bigcommerce_export_conn_id }}",
        destination="{{ var.value.bigcommerce_export_destination }}",
    )


bc_test_settle_now()
