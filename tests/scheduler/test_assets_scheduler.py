"""Asset-driven and change-driven runs of the example DAGs under a real Airflow (scheduler, dag-processor,
triggerer, api-server; LocalExecutor, SQLite), against the lookalike on a thread of this process.

- ``bigcommerce_orders_export`` exports a day of orders; its asset event (window, records, verification, files)
  starts ``bigcommerce_orders_arrived``, which reads them from the event.
- ``bigcommerce_orders_on_change`` is scheduled on an ``AssetWatcher``: the triggerer polls the store every 30 s
  (the minimum). An order that shows up dated before the newest one starts a run that exports it (its own
  window, not the span up to the newest); the trigger saves its marker only after Airflow stored the event, as
  the metadata database's own timestamps show. An order archived and an older one restored while the triggerer is
  down keep the count and the newest order as they were, yet start a run once a new triggerer is up (it compares
  with the marker saved in the watched asset's state store) that exports the restored order and writes the
  archived one's tombstone.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.triggers.changes import MARKER_KEY
from tests.scheduler.components import COMPONENTS, Airflow, busiest_day, modified_at, wait_until

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("bigcommerce_asset_driven.py", "bigcommerce_orders_on_change.py")
CONN_ID = "bc_store"
ORDERS = 60


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(seed=41, orders=ORDERS)


@pytest.fixture
def airflow(tmp_path: Path, store: Any, scheduler_env: Callable[[Path, Path], dict[str, str]]) -> Iterator[Airflow]:
    home = tmp_path / "airflow-home"
    dags = home / "dags"
    dags.mkdir(parents=True)
    for name in EXAMPLES:
        (dags / name).symlink_to(REPO_ROOT / "dags_examples" / name)
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    env = {
        **scheduler_env(home, dags),
        # A restarted triggerer takes over the watcher's trigger once the old one counts as gone.
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "5",
        f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(
            {"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}
        ),
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": CONN_ID,
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION": str(tmp_path / "export"),
        # What the example DAGs read when parsed.
        "BIGCOMMERCE_STORE_ID": store.store_id,
        "BIGCOMMERCE_CONN_ID": CONN_ID,
        "BIGCOMMERCE_POLL_INTERVAL_S": "30",
    }
    with Airflow(home, env) as running:
        yield running


def _restart_triggerer(airflow: Airflow, during: Callable[[], None]) -> None:
    """Stop the triggerer (its process group, by id), run ``during``, start a new one logging beside the old."""
    airflow.stop_one("triggerer")
    during()
    airflow.spawn("triggerer-restarted", COMPONENTS["triggerer"])


def _first_look(airflow: Airflow, store_id: str) -> str | None:
    """The triggerer's log line of the trigger's first look at the store (a watcher's trigger logs there)."""
    text = f"First look at orders of {store_id}"
    logs = [airflow.process_logs / "triggerer.log", *(airflow.home / "logs").rglob("*.log")]
    for path in logs:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                if text in line:
                    return line
    return None


def _watched(airflow: Airflow, store_id: str) -> tuple[list[tuple[datetime, dict[str, Any]]], tuple[datetime, Any]]:
    """What the metadata database holds for the watched asset, read in one transaction: its events (when stored,
    payload) in order, and its saved marker (when written, value; None before the first)."""
    uri = f"bigcommerce://{store_id}/v2/orders"
    db = sqlite3.connect(f"file:{airflow.home / 'airflow.db'}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN")
        events = db.execute(
            "SELECT e.timestamp, e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
            "WHERE a.uri = ? ORDER BY e.id",
            (uri,),
        ).fetchall()
        marker = db.execute(
            "SELECT s.updated_at, s.value FROM asset_state_store s JOIN asset a ON a.id = s.asset_id "
            "WHERE a.uri = ? AND s.key = ?",
            (uri, MARKER_KEY),
        ).fetchone()
        db.execute("COMMIT")
    finally:
        db.close()
    stored = [(_utc(when), json.loads(extra)["payload"]) for when, extra in events]
    return stored, (_utc(marker[0]), json.loads(marker[1])) if marker else (datetime.min.replace(tzinfo=UTC), None)


def _first_saved(airflow: Airflow, store_id: str, count: int) -> tuple[list[Any], tuple[datetime, Any]]:
    """The watched asset's events and marker as first seen with a marker of ``count`` records, looking every
    20 ms (a marker saved ahead of its event shows for up to a second or so before the event is stored)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        events, marker = _watched(airflow, store_id)
        if marker[1] is not None and marker[1]["count"] == count:
            return events, marker
        time.sleep(0.02)
    raise AssertionError(f"no marker of {count} orders was saved within 90 s")


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _lines(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_an_export_starts_the_dag_scheduled_on_its_asset_and_changes_start_the_watching_dag(
    airflow: Airflow, store: Any, orders: list[dict[str, Any]]
):
    logs = airflow.process_logs
    day = busiest_day(orders)
    newest = max(orders, key=modified_at)
    elsewhere = sorted(
        (order for order in orders if order is not newest and not day <= modified_at(order) < day + timedelta(days=1)),
        key=modified_at,
    )
    restored, older, deleted = elsewhere[1], elsewhere[len(elsewhere) // 2], elsewhere[-1]
    store.changes.plan("v2/orders", after=10**9, insert=[older["id"]])  # not listed yet
    store.changes.plan("v2/orders", after=0, delete=[restored["id"]])  # archived before the watch starts
    listed = ORDERS - 2
    dag_ids = ("bigcommerce_orders_export", "bigcommerce_orders_arrived", "bigcommerce_orders_on_change")
    airflow.ready(*dag_ids)
    for dag_id in dag_ids:
        airflow.unpause(dag_id)  # the export's catchup=False run exports yesterday too (no orders then)

    # Asset-driven: export a busy day; the DAG on the orders asset gets the event's metadata.
    expected = sorted(order["id"] for order in orders if day <= modified_at(order) < day + timedelta(days=1))
    export_run = airflow.trigger("bigcommerce_orders_export", (day + timedelta(days=1)).isoformat())

    # Change-driven, meanwhile: once the watcher's trigger has taken its first look, an order shows up dated
    # before the newest one (the count moves, the newest stays).
    first_look = wait_until(lambda: _first_look(airflow, store.store_id), "the trigger's first look", 120, logs)
    assert "kept in the asset's state store" in first_look  # a restarted triggerer compares with it
    assert not airflow.runs("bigcommerce_orders_on_change"), "a run before any change"
    store.changes.plan("v2/orders", after=0, insert=[older["id"]])

    # Its marker is saved only once the event is stored: a triggerer dying in between fires the change again.
    events, (marker_written, _) = _first_saved(airflow, store.store_id, listed + 1)
    assert events, "the marker was saved before its event was stored"
    ((event_stored, payload),) = events
    assert [entry["id"] for entry in payload["changed"]] == [older["id"]]
    assert event_stored < marker_written

    export_done = wait_until(
        lambda: airflow.run_state("bigcommerce_orders_export", export_run), "the export", 150, logs
    )
    assert export_done == "success"
    manifest = airflow.xcom("bigcommerce_orders_export", export_run, "export_orders")
    written = [record["id"] for record in _lines(manifest["files"][0]["path"])]
    assert sorted(written) == expected and manifest["records"] == len(expected) > 0

    def arrived() -> dict[str, Any] | None:
        for run in airflow.runs("bigcommerce_orders_arrived"):
            if run["state"] == "success" and run["run_type"] == "asset_triggered":
                for row in airflow.xcom("bigcommerce_orders_arrived", run["dag_run_id"], "load") or []:
                    if row["files"] == [manifest["files"][0]["path"]]:
                        return row
        return None

    row = wait_until(arrived, "the DAG scheduled on the orders asset to run with the export's event", 120, logs)
    assert row["records"] == manifest["records"]
    assert row["window"] == manifest["window"]
    assert row["verification"]["verified"] is True and row["verification"]["read"] == len(expected)

    def finished_runs(count: int) -> list[dict[str, Any]] | None:
        runs = [run for run in airflow.runs("bigcommerce_orders_on_change") if run["state"] in ("success", "failed")]
        return runs if len(runs) == count else None

    (run,) = wait_until(lambda: finished_runs(1), "a run of the watching DAG after the older order", 150, logs)
    assert run["state"] == "success" and run["run_type"] == "asset_triggered"
    changed = airflow.xcom("bigcommerce_orders_on_change", run["dag_run_id"], "export_changed_orders", map_index=0)
    assert older["id"] in [record["id"] for record in _lines(changed["files"][0]["path"])]
    start, end = (datetime.fromisoformat(changed["window"][edge]) for edge in ("start", "end"))
    assert start <= modified_at(older) < end <= modified_at(newest)  # the older order's window, not up to now
    assert len(airflow.runs("bigcommerce_orders_on_change")) == 1  # one change, one run

    # While the triggerer is down an order is archived and an older one restored: count and newest stay.
    _restart_triggerer(
        airflow,
        during=lambda: store.changes.plan("v2/orders", after=0, delete=[deleted["id"]], insert=[restored["id"]]),
    )
    runs = wait_until(lambda: finished_runs(2), "a run for the change made while the triggerer was down", 150, logs)
    latest = runs[-1]
    assert latest["state"] == "success" and latest["run_type"] == "asset_triggered"
    manifest = airflow.xcom("bigcommerce_orders_on_change", latest["dag_run_id"], "export_changed_orders", map_index=0)
    assert restored["id"] in [record["id"] for record in _lines(manifest["files"][0]["path"])]
    tombstones = [record["id"] for record in _lines(manifest["deletions"]["path"])]
    assert tombstones == [deleted["id"]]
