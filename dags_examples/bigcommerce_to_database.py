"""Orders and coupons into database tables: typed, one row per record, deletions applied, exactly once per run.

The first run loads every order (``initial_load="full"``); each later run loads the orders modified since the
previous successful run ended, merged by id, so reruns and retries never duplicate a row. Coupons are read whole
each run, and the ones the store deleted are deleted from their table. The tables are created on the first run
(``numeric`` money, ``timestamptz`` dates in PostgreSQL).

Settings (Airflow Variables):

- ``bigcommerce_export_conn_id``: the BigCommerce connection (default ``bigcommerce_default``);
- ``bigcommerce_database_conn_id``: the database connection, any ``postgres`` or ``sqlite`` one (default
  ``bigcommerce_warehouse``), e.g. ``AIRFLOW_CONN_BIGCOMMERCE_WAREHOUSE='postgresql://user:pass@host:5432/db'``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.providers.common.compat.sdk import dag  # airflow.sdk on 3.x, airflow.decorators on 2.11

from airflow_provider_bigcommerce.transfers.bigcommerce_to_sql import BigCommerceToSqlOperator

CONNECTIONS = {
    "bigcommerce_conn_id": "{{ var.value.get('bigcommerce_export_conn_id', 'bigcommerce_default') }}",
    "sql_conn_id": "{{ var.value.get('bigcommerce_database_conn_id', 'bigcommerce_warehouse') }}",
}


@dag(
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_to_database():
    BigCommerceToSqlOperator(
        task_id="orders", resource="orders", table="orders", initial_load="full", retries=2, **CONNECTIONS
    )
    BigCommerceToSqlOperator(
        task_id="coupons",
        resource="coupons",
        table="coupons",
        incremental=False,
        deletions=True,
        retries=2,
        **CONNECTIONS,
    )


bigcommerce_to_database()
