"""``airflow backfill create`` over the example daily export, under a real scheduler (LocalExecutor, SQLite).

What ``dag.test()`` cannot show: the scheduler creates one run per day of the requested range, runs them side by
side, and each run's files hold exactly the orders modified in that run's data interval: no order in two days'
files, none missing from the range.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.scheduler.components import AIRFLOW, Airflow, busiest_day, exported_ids, modified_at, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

REPO_ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "bigcommerce_incremental_export"
CONN_ID = "bc_store"
DAYS = 3


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(seed=71, orders=120)


@pytest.fixture
def modified(orders: list[dict[str, Any]]) -> dict[int, datetime]:
    """Every order's id and when it was last modified."""
    return {order["id"]: modified_at(order) for order in orders}


@pytest.fixture
def airflow(tmp_path: Path, store: Any, scheduler_env: Callable[[Path, Path], dict[str, str]]) -> Iterator[Airflow]:
    home = tmp_path / "airflow-home"
    dags = home / "dags"
    dags.mkdir(parents=True)
    (dags / f"{DAG_ID}.py").symlink_to(REPO_ROOT / "dags_examples" / f"{DAG_ID}.py")
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    env = {
        **scheduler_env(home, dags),
        f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(
            {"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}
        ),
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": CONN_ID,
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION": str(tmp_path / "export"),
    }
    with Airflow(home, env) as running:
        yield running


def test_a_backfill_of_three_days_exports_each_days_orders_once_in_runs_side_by_side(
    airflow: Airflow, orders: list[dict[str, Any]], modified: dict[int, datetime]
):
    logs = airflow.process_logs
    first_day = busiest_day(orders) - timedelta(days=1)
    last_day = first_day + timedelta(days=DAYS - 1)
    airflow.ready(DAG_ID)

    airflow.unpause(DAG_ID)  # a paused DAG's backfill runs wait; unpaused, its schedule adds yesterday's run too

    # Yesterday's scheduled run first: its events create the store's assets (the DAG maps its exports, so it cannot
    # declare them when parsed). Airflow 3.3.2 creates an asset an event names inside the task's state update, and
    # fails the task when two runs create the same one at once (docs/operators.md "Assets").
    def scheduled_done() -> list[dict[str, Any]] | None:
        runs = [run for run in airflow.runs(DAG_ID) if run["run_type"] == "scheduled"]
        return runs if runs and all(run["state"] in ("success", "failed") for run in runs) else None

    assert {run["state"] for run in wait_until(scheduled_done, "yesterday's run", 300, logs)} == {"success"}
    command = [AIRFLOW, "backfill", "create", "--dag-id", DAG_ID, "--max-active-runs", str(DAYS)]
    command += ["--from-date", first_day.isoformat(), "--to-date", last_day.isoformat()]
    # The CLI writes SQLite itself beside the scheduler: a write that meets the scheduler's can fail at once with
    # "database is locked" (SQLite gives up without waiting when two readers upgrade to writers), and the command's
    # transaction is rolled back whole. Production runs PostgreSQL or MySQL; here the command is tried again.
    for _ in range(3):
        created = subprocess.run(command, env=airflow.env, capture_output=True, text=True, timeout=120)
        if created.returncode == 0 or "database is locked" not in created.stderr + created.stdout:
            break
    assert created.returncode == 0, created.stdout + created.stderr

    def backfill_runs() -> list[dict[str, Any]] | None:
        runs = [run for run in airflow.runs(DAG_ID) if run["run_type"] == "backfill"]
        done = len(runs) == DAYS and all(run["state"] in ("success", "failed") for run in runs)
        return runs if done else None

    runs = wait_until(backfill_runs, f"{DAYS} backfill runs to finish", 300, logs)
    assert {run["state"] for run in runs} == {"success"}, runs
    starts = sorted(datetime.fromisoformat(run["data_interval_start"]) for run in runs)
    assert starts == [first_day + timedelta(days=n) for n in range(DAYS)]
    assert any(
        datetime.fromisoformat(a["start_date"]) < datetime.fromisoformat(b["end_date"])
        and datetime.fromisoformat(b["start_date"]) < datetime.fromisoformat(a["end_date"])
        for a in runs
        for b in runs
        if a is not b
    ), "the backfill ran its days one after another"

    read: list[int] = []
    for run in runs:
        start = datetime.fromisoformat(run["data_interval_start"])
        end = datetime.fromisoformat(run["data_interval_end"])
        manifest = airflow.xcom(DAG_ID, run["dag_run_id"], "export", 0)
        assert manifest["resource"] == "orders" and manifest["verification"]["verified"] is True
        ids = exported_ids(manifest)
        assert sorted(ids) == sorted(order for order, at in modified.items() if start <= at < end), (start, end)
        read += ids
    assert len(read) == len(set(read)) > 0
    window = (first_day, last_day + timedelta(days=1))
    assert sorted(read) == sorted(order for order, at in modified.items() if window[0] <= at < window[1])
