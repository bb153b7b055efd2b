"""Change-driven: export orders when the store's orders change, instead of on a clock.

An ``AssetWatcher`` on ``bigcommerce://{store_id}/v2/orders`` runs ``BigCommerceChangeTrigger`` in the
triggerer: every ``poll_interval`` seconds it reads the newest order and the order count (2 requests; 24 an
hour at the default 300 s, at most 240 at the 30 s minimum) and fires when either changed. Each run exports
the orders modified between the newest order before the change and the newest after it. A change that only
deleted orders exports nothing (tombstones come from the export's deletion check).

Settings, read when the file is parsed (the watcher is part of the DAG's definition): env
``BIGCOMMERCE_STORE_ID``, ``BIGCOMMERCE_CONN_ID`` (default ``bigcommerce_default``) and
``BIGCOMMERCE_POLL_INTERVAL_S`` (default 300); the destination is the Variable ``bigcommerce_export_destination``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator
from airflow_provider_bigcommerce.triggers.changes import watched_asset

STORE_ID = os.environ.get("BIGCOMMERCE_STORE_ID", "abc123")
CONN_ID = os.environ.get("BIGCOMMERCE_CONN_ID", "bigcommerce_default")
ORDERS_CHANGED = watched_asset(
    STORE_ID,
    "orders",
    bigcommerce_conn_id=CONN_ID,
    poll_interval=os.environ.get("BIGCOMMERCE_POLL_INTERVAL_S", "300"),  # the trigger checks it
)


@dag(
    schedule=[ORDERS_CHANGED],
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    max_active_runs=1,
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_orders_on_change():
    @task
    def changed_window(triggering_asset_events=None) -> dict[str, str]:
        """[newest before the first change, newest after the last one + 1 s): every order modified meanwhile."""
        from airflow.sdk.exceptions import AirflowSkipException

        payloads = [event.extra["payload"] for event in triggering_asset_events[ORDERS_CHANGED]]
        befores = [p["previous"]["newest"]["date_modified"] for p in payloads if p["previous"].get("newest")]
        afters = [p["newest"]["date_modified"] for p in payloads if p.get("newest")]
        if not befores or not afters or max(afters) <= min(befores):
            raise AirflowSkipException("Only deletions: no order is newer than before.")
        until = datetime.fromisoformat(max(afters)) + timedelta(seconds=1)
        return {"since": min(befores), "until": until.isoformat()}

    window = changed_window()
    BigCommerceToStorageOperator(
        task_id="export_changed_orders",
        resource="orders",
        store_id=STORE_ID,
        bigcommerce_conn_id=CONN_ID,
        destination="{{ var.value.get('bigcommerce_export_destination', '/tmp/bigcommerce-export') }}",
        since=window["since"],
        until=window["until"],
    )


bigcommerce_orders_on_change()
