"""Change-driven: export the orders that changed when the store's orders change, instead of on a clock.

An ``AssetWatcher`` on ``bigcommerce://{store_id}/v2/orders`` runs ``BigCommerceChangeTrigger`` in the
triggerer: every ``poll_interval`` seconds it reads the 250 newest orders (and, once there are that many, the
order count: at most 2 requests a poll; 24 an hour at the default 300 s, at most 240 at the 30 s minimum) and
fires when the list changed. Its event names the orders added, restored or edited, wherever their
``date_modified`` lies, with export windows that hold them, and the orders that left the list.

Each run exports every window of its events (an older order gets a window of its own, not the span up to the
newest), at most ``MAX_WINDOWS`` exports a run. When orders left the list, the first export also runs the
deletion check, which writes their tombstones; a change made only of deletions exports the window where the
orders were last listed, for that. A change the trigger saw but could not name (on a store of more than 250
orders, below the newest 250) exports everything from the DAG's start up to where its look ended.

Settings, read when the file is parsed (the watcher is part of the DAG's definition): env
``BIGCOMMERCE_STORE_ID``, ``BIGCOMMERCE_CONN_ID`` (default ``bigcommerce_default``) and
``BIGCOMMERCE_POLL_INTERVAL_S`` (default 300); the destination is the Variable ``bigcommerce_export_destination``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from airflow.providers.common.compat.sdk import dag, task  # airflow.sdk on 3.x, airflow.decorators on 2.11

from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator
from airflow_provider_bigcommerce.triggers.changes import watched_asset

STORE_ID = os.environ.get("BIGCOMMERCE_STORE_ID", "abc123")
CONN_ID = os.environ.get("BIGCOMMERCE_CONN_ID", "bigcommerce_default")
START = datetime(2024, 1, 1, tzinfo=UTC)
MAX_WINDOWS = 16
# [START howto_trigger_bigcommerce_change]
ORDERS_CHANGED = watched_asset(
    STORE_ID,
    "orders",
    bigcommerce_conn_id=CONN_ID,
    poll_interval=os.environ.get("BIGCOMMERCE_POLL_INTERVAL_S", "300"),  # the trigger checks it
)
# [END howto_trigger_bigcommerce_change]


@dag(
    schedule=[ORDERS_CHANGED],
    start_date=START,
    max_active_runs=1,
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_orders_on_change():
    # [START howto_trigger_bigcommerce_what_changed]
    @task
    def what_changed(triggering_asset_events=None) -> list[dict[str, Any]]:
        """One export per window of the run's change events; the first also checks deletions when orders left."""
        from airflow_provider_bigcommerce.core.change_marker import export_plan

        payloads = [event.extra["payload"] for event in triggering_asset_events[ORDERS_CHANGED]]
        plan = export_plan(payloads, start=START, limit=MAX_WINDOWS)
        if plan["gone"]:
            print(f"Orders no longer listed: {plan['gone']}")
        return [
            {"since": window["since"], "until": window["until"], "deletions": bool(plan["gone"]) and index == 0}
            for index, window in enumerate(plan["windows"])
        ]

    # [END howto_trigger_bigcommerce_what_changed]

    # [START howto_trigger_bigcommerce_change_export]
    BigCommerceToStorageOperator.partial(
        task_id="export_changed_orders",
        resource="orders",
        store_id=STORE_ID,
        bigcommerce_conn_id=CONN_ID,
        destination="{{ var.value.get('bigcommerce_export_destination', '/tmp/bigcommerce-export') }}",
    ).expand_kwargs(what_changed())
    # [END howto_trigger_bigcommerce_change_export]


bigcommerce_orders_on_change()
