"""The fleet on CeleryExecutor: two Celery workers with homes of their own, one shared OAuthSettingsLocation folder.

Started and stopped by the test: Redis (Debian's ``redis-server``) on a free loopback port as the broker and result
backend; the api-server, scheduler, dag-processor and triggerer in one AIRFLOW_HOME; two ``airflow celery worker``
processes, each with its own AIRFLOW_HOME, DAGs folder copy, log folder, log-server port and hostname. What the
workers share is exactly what a deployment must share: the settings folder, the metadata DB (through the
api-server, which is how Airflow 3 workers reach it), the broker and the export destination.

Two example DAGs run unchanged from ``dags_examples/``:

- ``bigcommerce_token_refresh`` mapped over 20 OAuth connections: ten apps, each with two connections that share
  one pending OAuthVerifier and one settings file. Each verifier is exchanged exactly once, whichever worker gets
  there first; its twin, often on the other worker, finds the saved token.
- ``bigcommerce_incremental_export`` mapped over orders, products and customers for one day of the store.

No task log, on either worker, and no component's console holds a secret.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_authorization_url
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.scheduler.components import Airflow, busiest_day, exported_ids, modified_at, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("bigcommerce_token_refresh.py", "bigcommerce_incremental_export.py")
APPS = 10  # two connections each: 20 refresh tasks
WORKERS = ("bc-worker-a", "bc-worker-b")
CONCURRENCY = 4
EXPORT_CONN = "bc_export"
IDENTITY_MODULE = '''
"""Written by tests/scheduler/test_celery_fleet.py: this worker's hostname, as a machine of its own would have."""

import os


def hostname() -> str:
    return os.environ["BC_WORKER_HOSTNAME"]
'''


@pytest.fixture
def redis_server(tmp_path: Path, free_port: Callable[[], int]) -> Iterator[str]:
    """A Redis of this test on 127.0.0.1 (no persistence); its URL once it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server on PATH: make redis (Debian: apt-get install redis-server)")
    port = free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with (folder / "redis.log").open("wb") as output:
        process = subprocess.Popen([*command, "--dir", str(folder)], stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start: {(folder / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    """60 orders; 150 ms per call, so twin refresh tasks on the two workers are busy at the same time."""
    return make_sandbox(seed=61, orders=60, latency_ms=150)


@pytest.fixture
def fleet(store: Any, tmp_path: Path, free_port: Callable[[], int]) -> dict[str, dict[str, Any]]:
    """Twenty OAuth connections (extras by id) in one shared settings folder: ten apps, each approved once by the
    merchant, each with two connections carrying the same pending OAuthVerifier and settings file."""
    shared = tmp_path / "shared-settings"
    shared.mkdir()
    connections: dict[str, dict[str, Any]] = {}
    for app in range(APPS):
        callback_url = f"http://localhost:{free_port()}/callback"
        client_id, client_secret = store.register_app(callback_url=callback_url)
        extra = {
            "auth_scheme": "OAuth",
            "store_id": store.store_id,
            "oauth_client_id": client_id,
            "oauth_client_secret": client_secret,
            "callback_url": callback_url,
            "login_url": store.login_url,
            "initiate_oauth": "REFRESH",
            "oauth_settings_location": str(shared / f"app-{app}.settings"),
            "oauth_settings_passphrase": secrets.token_hex(16),
        }
        url = get_oauth_authorization_url(_properties(store, extra), state=secrets.token_urlsafe(8))
        extra["oauth_verifier"] = parse_qs(urlsplit(store.approve(url)).query)["code"][0]
        connections[f"bc_app{app}_a"] = extra
        connections[f"bc_app{app}_b"] = dict(extra)
    return connections


def _properties(store: Any, extra: dict[str, Any]) -> ConnectionProperties:
    return ConnectionProperties.from_mapping({**extra, "URL": store.base_url})


@pytest.fixture
def airflow(
    tmp_path: Path,
    store: Any,
    fleet: dict[str, dict[str, Any]],
    redis_server: str,
    scheduler_env: Callable[[Path, Path], dict[str, str]],
    free_port: Callable[[], int],
) -> Iterator[Airflow]:
    home = tmp_path / "airflow-home"
    env = {**scheduler_env(home, _dags_folder(home)), **_fleet_env(tmp_path, store, fleet, redis_server)}
    with Airflow(home, env) as running:
        for name in WORKERS:
            worker_home = tmp_path / name
            worker_env = {
                **env,
                "AIRFLOW_HOME": str(worker_home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(_dags_folder(worker_home)),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "bc_worker_identity.hostname",
                "BC_WORKER_HOSTNAME": name,
                "PYTHONPATH": str(worker_home),
            }
            (worker_home / "bc_worker_identity.py").write_text(textwrap.dedent(IDENTITY_MODULE))
            arguments = ["celery", "worker", "--concurrency", str(CONCURRENCY), "--celery-hostname", f"{name}@%h"]
            running.spawn(name, arguments, worker_env)
        yield running


def _dags_folder(home: Path) -> Path:
    """A home's own copy of the example DAGs, as every worker of a deployment has its own."""
    dags = home / "dags"
    dags.mkdir(parents=True)
    for name in EXAMPLES:
        shutil.copy(REPO_ROOT / "dags_examples" / name, dags / name)
    return dags


def _fleet_env(tmp_path: Path, store: Any, fleet: dict[str, dict[str, Any]], broker: str) -> dict[str, str]:
    pat = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    connections = {**fleet, EXPORT_CONN: pat}
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": "16",
        "AIRFLOW__CELERY__BROKER_URL": f"{broker}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"{broker}/1",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(CONCURRENCY),
        "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
        **{
            f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(
                {"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}
            )
            for conn_id, extra in connections.items()
        },
        "AIRFLOW_VAR_BIGCOMMERCE_FLEET": json.dumps(sorted(fleet)),
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": EXPORT_CONN,
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION": str(tmp_path / "export"),
    }


def test_twenty_refresh_tasks_and_an_export_on_two_celery_workers_exchange_each_verifier_once_and_log_no_secret(
    airflow: Airflow,
    store: Any,
    fleet: dict[str, dict[str, Any]],
    tmp_path: Path,
    orders: list[dict[str, Any]],
    assert_no_secret: Callable[..., None],
):
    logs = airflow.process_logs
    airflow.ready("bigcommerce_token_refresh", "bigcommerce_incremental_export")
    exchanges_before = store.stats.token_requests_by_grant.get("authorization_code", 0)
    day = busiest_day(orders)
    expected_orders = [order["id"] for order in orders if day <= modified_at(order) < day + timedelta(days=1)]

    # The refresh DAG runs as deployed: unpaused, its hourly schedule starts one run. The export runs the busiest
    # day on request (its own schedule adds yesterday's run, which finds nothing to export).
    airflow.unpause("bigcommerce_token_refresh")
    export_run = airflow.trigger("bigcommerce_incremental_export", (day + timedelta(days=1)).isoformat())
    airflow.unpause("bigcommerce_incremental_export")
    refresh_runs = wait_until(lambda: airflow.runs("bigcommerce_token_refresh"), "the refresh run", 60, logs)
    refresh_run = refresh_runs[0]["dag_run_id"]
    for dag_id, run_id in (("bigcommerce_token_refresh", refresh_run), ("bigcommerce_incremental_export", export_run)):
        state = wait_until(lambda d=dag_id, r=run_id: airflow.run_state(d, r), f"{dag_id} to finish", 300, logs)
        assert state == "success", airflow.task_instances(dag_id, run_id)

    # Every refresh task succeeded; the two workers shared them; each app's code went to the token URL once.
    refresh = airflow.task_instances("bigcommerce_token_refresh", refresh_run)
    order = sorted(fleet)
    by_conn = {conn_id: refresh[f"refresh[{index}]"] for index, conn_id in enumerate(order)}
    assert {ti["state"] for ti in by_conn.values()} == {"success"}
    assert {ti["hostname"] for ti in by_conn.values()} == set(WORKERS)
    actions = {
        conn_id: airflow.xcom("bigcommerce_token_refresh", refresh_run, "refresh", index)["action"]
        for index, conn_id in enumerate(order)
    }
    split = []
    for app in range(APPS):
        twins = (f"bc_app{app}_a", f"bc_app{app}_b")
        assert sorted(actions[twin] for twin in twins) == ["exchanged", "none"], (app, actions)
        first, second = (by_conn[twin] for twin in twins)
        overlapped = max(first["start_date"], second["start_date"]) < min(first["end_date"], second["end_date"])
        if first["hostname"] != second["hostname"] and overlapped:
            split.append(app)
    assert split, "no app's twins ran at the same time on different workers: the cross-worker race did not happen"
    assert store.stats.token_requests_by_grant.get("authorization_code", 0) == exchanges_before + APPS

    # The export: one manifest per resource, verified; the day's orders exactly.
    export = airflow.task_instances("bigcommerce_incremental_export", export_run)
    manifests = [airflow.xcom("bigcommerce_incremental_export", export_run, "export", index) for index in range(3)]
    assert [manifest["resource"] for manifest in manifests] == ["orders", "products", "customers"]
    assert all(manifest["verification"]["verified"] for manifest in manifests)
    assert manifests[0]["records"] == len(expected_orders) > 0
    assert sorted(exported_ids(manifests[0])) == sorted(expected_orders)
    assert {export[f"export[{index}]"]["hostname"] for index in range(3)} <= set(WORKERS)

    # Task logs live in the worker that ran the task; none of them, and no component's console, holds a secret.
    every_secret = _every_secret(store, fleet)
    task_logs = [path for name in WORKERS for path in (tmp_path / name / "logs").rglob("*") if path.is_file()]
    assert {path.relative_to(tmp_path).parts[0] for path in task_logs if "task_id=refresh" in str(path)} == set(WORKERS)
    for path in task_logs:
        assert_no_secret(path.read_text(errors="replace"), every_secret, where=str(path.relative_to(tmp_path)))
    for path in sorted(logs.glob("*.log")):
        assert_no_secret(path.read_text(errors="replace"), every_secret, where=str(path.relative_to(airflow.home)))


def _every_secret(store: Any, fleet: dict[str, dict[str, Any]]) -> dict[str, str]:
    found = {"bc_export.oauth_access_token": store.access_token}
    for conn_id, extra in fleet.items():
        for name in ("oauth_client_secret", "oauth_settings_passphrase", "oauth_verifier"):
            found[f"{conn_id}.{name}"] = extra[name]
        saved = open_settings_store(_properties(store, extra)).load()
        assert saved is not None and saved.access_token
        found[f"{conn_id}.access_token"] = saved.access_token
    return found
