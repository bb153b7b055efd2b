"""Test DAG: one resource loaded into a database table by ``BigCommerceToSqlOperator`` (PostgreSQL or SQLite, as the
run's ``sql_conn_id`` says); the window, the resource and deletions come from the run's conf."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_sql import BigCommerceToSqlOperator


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "bigcommerce_conn_id": Param("bigcommerce_default"),
        "sql_conn_id": Param("bc_warehouse"),
        "table": Param("orders"),
        "since": Param(""),
        "until": Param(""),
    },
)
def bc_test_load_sql():
    common = {
        "bigcommerce_conn_id": "{{ params.bigcommerce_conn_id }}",
        "sql_conn_id": "{{ params.sql_conn_id }}",
        "since": "{{ params.since }}",
        "until": "{{ params.until }}",
    }
    BigCommerceToSqlOperator(task_id="orders", resource="orders", table="{{ params.table }}", **common)
    BigCommerceToSqlOperator(
        task_id="coupons",
        resource="coupons",
        table="{{ params.table }}_coupons",
        deletions=True,
        incremental=False,
        **common,
    )


bc_test_load_sql()
