"""One poll loop per store under a real Airflow (scheduler, dag-processor, triggerer, api-server; LocalExecutor,
SQLite), against the lookalike on a thread of this process.

Three DAGs watch one store's orders, products and customers (``watched_asset``, one connection, 30 s, the
minimum): the triggerer runs the three watchers' triggers as one shared stream, so the store's request log shows
one loop's rounds, each list once a round, the three back to back, one round every 30 s. A new product fires the
products watcher only: one asset event, on the products asset, and its DAG runs.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.messages.watch import watching
from airflow_provider_bigcommerce.triggers.changes import WATCHES
from airflow_provider_bigcommerce.triggers.list_markers import requests_per_hour, requests_per_poll
from tests.scheduler.components import Airflow, wait_until

pytestmark = pytest.mark.slow

CONN_ID = "bc_store"
INTERVAL = 30
LISTS = ("orders", "products", "customers")
PATHS = [WATCHES[resource].path for resource in LISTS]
DAG_FILE = textwrap.dedent(
    """
    import os
    from datetime import UTC, datetime

    from airflow.sdk import dag, task

    from airflow_provider_bigcommerce.triggers.changes import watched_asset

    for resource in ("orders", "products", "customers"):
        changed = watched_asset(
            os.environ["BIGCOMMERCE_STORE_ID"], resource, bigcommerce_conn_id="bc_store", poll_interval=30
        )

        @dag(dag_id=f"on_{resource}_change", schedule=[changed], start_date=datetime(2024, 1, 1, tzinfo=UTC))
        def watching():
            @task
            def what_changed(triggering_asset_events=None):
                return [event.extra["payload"]["resource"] for events in triggering_asset_events.values()
                        for event in events]

            what_changed()

        watching()
    """
)


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(seed=43, orders=30, products=20, customers=20)


@pytest.fixture
def airflow(tmp_path: Path, store: Any, scheduler_env: Callable[[Path, Path], dict[str, str]]) -> Iterator[Airflow]:
    home = tmp_path / "airflow-home"
    dags = home / "dags"
    dags.mkdir(parents=True)
    (dags / "watch_three_lists.py").write_text(DAG_FILE)
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    env = {
        **scheduler_env(home, dags),
        f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(
            {"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}
        ),
        "BIGCOMMERCE_STORE_ID": store.store_id,
    }
    with Airflow(home, env) as running:
        yield running


def _reads(store: Any) -> list[str]:
    return [entry.path for entry in store.stats.request_log() if entry.path in PATHS]


def _events_by_list(airflow: Airflow, store_id: str) -> dict[str, list[dict[str, Any]]]:
    """The watched assets' events in the metadata database: their payloads by list."""
    db = sqlite3.connect(f"file:{airflow.home / 'airflow.db'}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT a.uri, e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id ORDER BY e.id"
        ).fetchall()
    finally:
        db.close()
    by_uri = {f"bigcommerce://{store_id}/{WATCHES[resource].path}": resource for resource in LISTS}
    events: dict[str, list[dict[str, Any]]] = {resource: [] for resource in LISTS}
    for uri, extra in rows:
        if uri in by_uri:
            events[by_uri[uri]].append(json.loads(extra)["payload"])
    return events


def test_three_watched_lists_of_one_store_are_polled_by_one_loop_and_fire_apart(airflow: Airflow, store: Any):
    logs = airflow.process_logs
    dag_ids = [f"on_{resource}_change" for resource in LISTS]
    airflow.ready(*dag_ids)
    for dag_id in dag_ids:
        airflow.unpause(dag_id)
    store.changes.plan("v3/catalog/products", after=10**9, insert=[20])  # not created yet

    wait_until(lambda: set(_reads(store)) == set(PATHS), "every watcher's first look", 180, logs)
    first_looks = len(_reads(store))
    wait_until(lambda: len(_reads(store)) >= first_looks + 9, "three whole rounds", 3 * INTERVAL + 60, logs)
    rounds = _reads(store)[first_looks : first_looks + 9]
    order = rounds[:3]  # the order the watchers joined in
    assert sorted(order) == sorted(PATHS), rounds
    assert rounds == order * 3, rounds  # three whole rounds, always in one order: one loop, not three

    triggerer_log = (logs / "triggerer.log").read_text(errors="replace")
    trigger_logs = "".join(path.read_text(errors="replace") for path in (airflow.home / "logs").rglob("*.log"))
    resources = [LISTS[PATHS.index(path)] for path in order]
    per_poll, per_hour = requests_per_poll(resources), requests_per_hour(resources, INTERVAL)
    announced = watching(resources, CONN_ID, INTERVAL, per_poll, per_hour)
    assert announced in triggerer_log + trigger_logs

    store.changes.plan("v3/catalog/products", after=0, insert=[20])
    wait_until(lambda: _events_by_list(airflow, store.store_id)["products"], "the products event", 3 * INTERVAL, logs)
    seen = len(_reads(store))
    # One more whole round: an event made with the products one, for a list that did not change, is stored by then.
    wait_until(lambda: len(_reads(store)) >= seen + 3, "one more round", INTERVAL + 60, logs)
    events = _events_by_list(airflow, store.store_id)
    assert [(event["resource"], event["newest"]["id"]) for event in events["products"]] == [("products", 20)]
    assert events["orders"] == [] and events["customers"] == []

    def products_run() -> list[dict[str, Any]] | None:
        runs = [run for run in airflow.runs("on_products_change") if run["state"] == "success"]
        return runs or None

    (run,) = wait_until(products_run, "the products DAG's run", 150, logs)
    assert airflow.xcom("on_products_change", run["dag_run_id"], "what_changed") == ["products"]
    assert airflow.runs("on_orders_change") == [] and airflow.runs("on_customers_change") == []
