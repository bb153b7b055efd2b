"""Test DAGs: the export under point-in-time schedules (``@daily``, ``schedule=None``), one DAG per scenario.

Each test gets a DAG of its own, so the runs ("previous success") of one test never reach another's. The export
is mapped over two resources, so the previous success is looked up per map index. Settings come from Variables:
``bigcommerce_export_conn_id`` and ``bigcommerce_export_destination``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator

START = datetime(2025, 5, 1, tzinfo=UTC)  # inside the lookalike's data (seed 11: March to June 2025)
RESOURCES = ["orders", "customers"]


def _export_dag(dag_id: str, schedule: str | None, **export: Any) -> Any:
    @dag(dag_id=dag_id, schedule=schedule, start_date=START, catchup=False, max_active_runs=1)
    def build():
        BigCommerceToStorageOperator.partial(
            task_id="export",
            bigcommerce_conn_id="{{ var.value.bigcommerce_export_conn_id }}",
            destination="{{ var.value.bigcommerce_export_destination }}",
            **export,
        ).expand(resource=RESOURCES)

    return build()


bc_test_pit_daily = _export_dag("bc_test_pit_daily", "@daily")


@dag(schedule="0 6 * * *", start_date=START, catchup=False, max_active_runs=1)
def bc_test_pit_unmapped():
    """One export, not mapped: its previous run is found under map index -1."""
    BigCommerceToStorageOperator(
        task_id="export",
        resource="customers",
        bigcommerce_conn_id="{{ var.value.bigcommerce_export_conn_id }}",
        destination="{{ var.value.bigcommerce_export_destination }}",
        compression="gzip",
    )


bc_test_pit_unmapped()
bc_test_pit_daily_rerun = _export_dag("bc_test_pit_daily_rerun", "@daily")
bc_test_pit_daily_backfill = _export_dag("bc_test_pit_daily_backfill", "@daily")
bc_test_pit_daily_gap = _export_dag("bc_test_pit_daily_gap", "@daily")
bc_test_pit_daily_busy = _export_dag("bc_test_pit_daily_busy", "@daily")
bc_test_pit_daily_deferred = _export_dag("bc_test_pit_daily_deferred", "@daily")
bc_test_pit_full_first = _export_dag("bc_test_pit_full_first", "@daily", initial_load="full")
bc_test_pit_manual = _export_dag("bc_test_pit_manual", None)
bc_test_pit_manual_no_date = _export_dag("bc_test_pit_manual_no_date", None)


@dag(schedule=None, catchup=False)
def bc_test_pit_no_start_date():
    """No start_date and no previous success: nothing says where the first window begins."""
    BigCommerceToStorageOperator(
        task_id="export",
        resource="orders",
        bigcommerce_conn_id="{{ var.value.bigcommerce_export_conn_id }}",
        destination="{{ var.value.bigcommerce_export_destination }}",
        retries=2,
    )


bc_test_pit_no_start_date()
