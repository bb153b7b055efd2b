"""``airflow backfill create`` over the example daily export, under a real scheduler (LocalExecutor, SQLite).

What ``dag.test()`` cannot show: the scheduler creates one run per day of the requested range, runs them side by
side, and each run's files hold exactly the orders modified in that run's data interval: no order in two days'
files, none missing from the range.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.auth import token_source_for
from airflow_provider_bigcommerce.core.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.scheduler.components import AIRFLOW, Airflow, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

REPO_ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "bigcommerce_incremental_export"
CONN_ID = "bc_store"
DAYS = 3


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(seed=71, orders=120)


@pytest.fixture
def modified(store: Any) -> dict[int, datetime]:
    """Every order's id and when it was last modified."""
    properties = ConnectionProperties.from_mapping(
        {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    )
    with BigCommerceClient(properties, token_source_for(properties)) as client:
        return {
            order["id"]: parsedate_to_datetime(order["date_modified"]).astimezone(UTC)
            for order in client.paginate("v2/orders")
        }


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
    running = Airflow(home, env, int(env["AIRFLOW__API__PORT"]))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_a_backfill_of_three_days_exports_each_days_orders_once_in_runs_side_by_side(
    airflow: Airflow, modified: dict[int, datetime]
):
    logs = airflow.process_logs
    first_day = _busiest_day(modified) - timedelta(days=1)
    last_day = first_day + timedelta(days=DAYS - 1)
    wait_until(airflow.healthy, "api-server, scheduler, dag-processor and triggerer to report healthy", 120, logs)
    wait_until(lambda: airflow.get(f"/dags/{DAG_ID}"), f"the dag-processor to parse {DAG_ID}", 90, logs)

    airflow.unpause(DAG_ID)  # a paused DAG's backfill runs wait; unpaused, its schedule adds yesterday's run too
    command = [AIRFLOW, "backfill", "create", "--dag-id", DAG_ID, "--max-active-runs", str(DAYS)]
    command += ["--from-date", first_day.isoformat(), "--to-date", last_day.isoformat()]
    created = subprocess.run(command, env=airflow.env, capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stdout + created.stderr

    def backfill_runs() -> list[dict[str, Any]] | None:
        runs = [run for run in _runs(airflow) if run["run_type"] == "backfill"]
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
        ids = [json.loads(line)["id"] for line in _lines(manifest)]
        assert sorted(ids) == sorted(order for order, at in modified.items() if start <= at < end), (start, end)
        read += ids
    assert len(read) == len(set(read)) > 0
    window = (first_day, last_day + timedelta(days=1))
    assert sorted(read) == sorted(order for order, at in modified.items() if window[0] <= at < window[1])


def _runs(airflow: Airflow) -> list[dict[str, Any]]:
    return (airflow.get(f"/dags/{DAG_ID}/dagRuns?limit=100") or {}).get("dag_runs", [])


def _lines(manifest: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for file in manifest["files"]:
        lines += gzip.decompress(Path(file["path"]).read_bytes()).decode().splitlines()
    return lines


def _busiest_day(modified: dict[int, datetime]) -> datetime:
    days: dict[datetime, int] = {}
    for at in modified.values():
        day = at.replace(hour=0, minute=0, second=0, microsecond=0)
        days[day] = days.get(day, 0) + 1
    return max(days, key=lambda day: days[day])
