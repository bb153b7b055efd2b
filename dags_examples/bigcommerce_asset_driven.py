"""Asset-driven: a daily orders export announces ``bigcommerce://{store_id}/orders``; a second DAG runs after it.

The export's asset event carries what arrived, so the consumer needs no XCom from another DAG::

    {"resource": "orders", "mode": "incremental", "window": {"start": ..., "end": ...}, "records": 412,
     "verification": {"expected": 412, "read": 412, "verified": true, "passes": 1},
     "files": ["/tmp/bigcommerce-export/orders/orders_20260101T000000Z_20260102T000000Z.ndjson"]}

Settings: env ``BIGCOMMERCE_STORE_ID`` (the store hash; read when the DAG file is parsed, since the asset's
URI names it), and the Variables of ``bigcommerce_incremental_export`` (connection id, destination).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from airflow.providers.common.compat.sdk import dag, task  # airflow.sdk on 3.x, airflow.decorators on 2.11

try:
    from airflow.sdk import CronDataIntervalTimetable  # Airflow 3.2 and later
except ImportError:  # Airflow 3.0, 3.1 and 2.11 (docs/compatibility.md)
    from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_bigcommerce.assets.bigcommerce import create_asset
from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator

STORE_ID = os.environ.get("BIGCOMMERCE_STORE_ID", "abc123")
ORDERS = create_asset(store_id=STORE_ID, name="orders")


@dag(
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_orders_export():
    # [START howto_operator_bigcommerce_export_asset]
    BigCommerceToStorageOperator(
        task_id="export_orders",
        resource="orders",
        store_id=STORE_ID,  # declares the outlet ORDERS at parse time
        bigcommerce_conn_id="{{ var.value.get('bigcommerce_export_conn_id', 'bigcommerce_default') }}",
        destination="{{ var.value.get('bigcommerce_export_destination', '/tmp/bigcommerce-export') }}",
        retries=2,
    )
    # [END howto_operator_bigcommerce_export_asset]


# [START howto_asset_bigcommerce_orders_arrived]
@dag(schedule=[ORDERS], start_date=datetime(2024, 1, 1, tzinfo=UTC), tags=["bigcommerce", "example"], doc_md=__doc__)
def bigcommerce_orders_arrived():
    @task
    def load(triggering_asset_events=None) -> list[dict]:
        """One row per export that triggered this run (several when exports ran faster than this DAG)."""
        rows = [event.extra for event in triggering_asset_events[ORDERS]]
        for row in rows:
            window = row["window"] or {"start": "(full)", "end": ""}
            print(f"{row['records']} orders of [{window['start']}, {window['end']}) in {', '.join(row['files'])}")
        return rows

    load()
    # [END howto_asset_bigcommerce_orders_arrived]


bigcommerce_orders_export()
bigcommerce_orders_arrived()
