"""Asset-driven and change-driven runs of the example DAGs under a real Airflow (scheduler, dag-processor,
triggerer, api-server; LocalExecutor, SQLite), against the lookalike on a thread of this process.

- ``bigcommerce_orders_export`` exports a day of orders; its asset event (window, records, verification, files)
  starts ``bigcommerce_orders_arrived``, which reads them from the event.
- ``bigcommerce_orders_on_change`` is scheduled on an ``AssetWatcher``: the triggerer polls the store every 30 s
  (the minimum), and a new order in the store starts a run that exports exactly the orders that changed. An
  order deleted while the triggerer is down starts a run once a new triggerer is up: the trigger compares with
  the marker it saved in the watched asset's state store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

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


def test_an_export_starts_the_dag_scheduled_on_its_asset_and_a_new_order_starts_the_watching_dag(
    airflow: Airflow, store: Any, orders: list[dict[str, Any]]
):
    logs = airflow.process_logs
    newest = max(orders, key=modified_at)
    store.changes.plan("v2/orders", after=10**9, insert=[newest["id"]])  # not placed yet
    dag_ids = ("bigcommerce_orders_export", "bigcommerce_orders_arrived", "bigcommerce_orders_on_change")
    airflow.ready(*dag_ids)
    for dag_id in dag_ids:
        airflow.unpause(dag_id)  # the export's catchup=False run exports yesterday too (no orders then)

    # Asset-driven: export a busy day (not the new order's); the DAG on the orders asset gets the event's metadata.
    new_day = modified_at(newest).replace(hour=0, minute=0, second=0)
    day = busiest_day(order for order in orders if modified_at(order) < new_day)
    expected = sorted(order["id"] for order in orders if day <= modified_at(order) < day + timedelta(days=1))
    export_run = airflow.trigger("bigcommerce_orders_export", (day + timedelta(days=1)).isoformat())

    # Change-driven, meanwhile: once the watcher's trigger has taken its first look, an order arrives.
    first_look = wait_until(lambda: _first_look(airflow, store.store_id), "the trigger's first look", 120, logs)
    assert "kept in the asset's state store" in first_look  # a restarted triggerer compares with it
    assert not airflow.runs("bigcommerce_orders_on_change"), "a run before any change"
    store.changes.plan("v2/orders", after=0, insert=[newest["id"]])  # the order is placed

    export_done = wait_until(
        lambda: airflow.run_state("bigcommerce_orders_export", export_run), "the export", 150, logs
    )
    assert export_done == "success"
    manifest = airflow.xcom("bigcommerce_orders_export", export_run, "export_orders")
    written = [json.loads(line)["id"] for line in Path(manifest["files"][0]["path"]).read_text().splitlines()]
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

    def changed_run() -> dict[str, Any] | None:
        runs = [run for run in airflow.runs("bigcommerce_orders_on_change") if run["state"] in ("success", "failed")]
        return runs[0] if runs else None

    run = wait_until(changed_run, "a run of the watching DAG after the change", 150, logs)
    assert run["state"] == "success" and run["run_type"] == "asset_triggered"
    changed = airflow.xcom("bigcommerce_orders_on_change", run["dag_run_id"], "export_changed_orders")
    exported = [json.loads(line)["id"] for line in Path(changed["files"][0]["path"]).read_text().splitlines()]
    assert newest["id"] in exported
    window_start = datetime.fromisoformat(changed["window"]["start"])
    assert all(modified_at(order) >= window_start for order in orders if order["id"] in exported)
    assert len(airflow.runs("bigcommerce_orders_on_change")) == 1  # one change, one run

    # An order is deleted while the triggerer is down: the restarted trigger compares with the saved marker.
    _restart_triggerer(airflow, during=lambda: store.changes.plan("v2/orders", after=0, delete=[newest["id"]]))

    def second_run() -> dict[str, Any] | None:
        runs = [run for run in airflow.runs("bigcommerce_orders_on_change") if run["state"] in ("success", "failed")]
        return runs[0] if len(runs) == 2 else None

    wait_until(second_run, "a run for the change made while the triggerer was down", 120, logs)
    (latest,) = [
        other for other in airflow.runs("bigcommerce_orders_on_change") if other["dag_run_id"] != run["dag_run_id"]
    ]
    assert latest["state"] == "success" and latest["run_type"] == "asset_triggered"
    tis = airflow.task_instances("bigcommerce_orders_on_change", latest["dag_run_id"])
    states = {task_id: ti["state"] for task_id, ti in tis.items()}
    assert states == {"changed_window": "skipped", "export_changed_orders": "skipped"}  # only a deletion
