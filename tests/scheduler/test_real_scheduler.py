"""A real Airflow: api-server, scheduler (LocalExecutor), dag-processor and triggerer on loopback, SQLite.

Started and stopped by the test in a throwaway AIRFLOW_HOME, against the lookalike on a thread of this process.
One DAG run shows what ``dag.test()`` cannot:

- two mapped refresh tasks run at the same time in separate worker processes against one connection's pending
  OAuthVerifier and one shared settings file: the code is exchanged exactly once;
- the deferrable token sensor is handed to the real triggerer and completes there once the merchant approves;
- the task log files hold no secret, even from a task that prints them: only ``***``.

SQLite serializes the metadata writes, not the tasks: the LocalExecutor still runs task processes in parallel
(their state goes through the api-server), which the overlapping start/end times below prove.
"""

from __future__ import annotations

import json
import secrets
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_access_token, get_oauth_authorization_url
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.scheduler.components import Airflow, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

DAG_ID = "bc_real_scheduler"
DAG_FILE = '''
"""Written by tests/scheduler/test_real_scheduler.py."""

from datetime import UTC, datetime

from airflow.sdk import dag, task

from airflow_provider_bigcommerce.operators.refresh_token import BigCommerceRefreshTokenOperator
from airflow_provider_bigcommerce.sensors.token import BigCommerceTokenSensor


@dag(schedule=None, start_date=datetime(2024, 1, 1, tzinfo=UTC), catchup=False)
def bc_real_scheduler():
    refresh = BigCommerceRefreshTokenOperator.partial(task_id="refresh").expand(
        bigcommerce_conn_id=["bc_worker_a", "bc_worker_b"]
    )

    @task
    def print_secrets_carelessly():
        """What masking must catch: a task that prints the token and the connection's secrets."""
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

        hook = BigCommerceHook("bc_worker_a")
        properties = hook.properties
        print(f"access token={hook.token_source.access_token()}")
        print(f"client secret={properties.oauth_client_secret} passphrase={properties.oauth_settings_passphrase}")
        print(f"verifier={properties.oauth_verifier}")

    refresh >> print_secrets_carelessly()
    BigCommerceTokenSensor(
        task_id="wait_for_authorization",
        bigcommerce_conn_id="bc_web",
        deferrable=True,
        poke_interval=1,
        timeout=240,
    )


bc_real_scheduler()
'''


@pytest.fixture
def airflow(
    tmp_path: Path,
    sandbox_for_scheduler: Any,
    apps: dict[str, dict[str, Any]],
    scheduler_env: Callable[[Path, Path], dict[str, str]],
) -> Iterator[Airflow]:
    home = tmp_path / "airflow-home"
    dags = home / "dags"
    dags.mkdir(parents=True)
    (dags / f"{DAG_ID}.py").write_text(textwrap.dedent(DAG_FILE))
    env = scheduler_env(home, dags)
    for conn_id, extra in apps.items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
            {"conn_type": "bigcommerce", "host": sandbox_for_scheduler.base_url, "extra": extra}
        )
    with Airflow(home, env) as running:
        yield running


@pytest.fixture
def sandbox_for_scheduler(make_sandbox: Callable[..., Any]) -> Any:
    """The lookalike with 300 ms per call, so the two refresh tasks are certainly busy at the same time."""
    return make_sandbox(seed=21, orders=5, latency_ms=300)


@pytest.fixture
def apps(sandbox_for_scheduler: Any, tmp_path: Path, free_port: Callable[[], int]) -> dict[str, dict[str, Any]]:
    """Connection extras: two workers' connections sharing one app, one settings file and one pending verifier;
    and a web-authorization connection (another app, another settings file) with nothing saved yet."""
    sandbox = sandbox_for_scheduler
    shared = tmp_path / "shared"
    shared.mkdir()

    def app_extra(name: str) -> dict[str, Any]:
        callback_url = f"http://localhost:{free_port()}/callback"
        client_id, client_secret = sandbox.register_app(callback_url=callback_url)
        return {
            "auth_scheme": "OAuth",
            "store_id": sandbox.store_id,
            "oauth_client_id": client_id,
            "oauth_client_secret": client_secret,
            "callback_url": callback_url,
            "login_url": sandbox.login_url,
            "initiate_oauth": "REFRESH",
            "oauth_settings_location": str(shared / name / "OAuthSettings.txt"),
            "oauth_settings_passphrase": secrets.token_hex(16),
        }

    fleet, web = app_extra("fleet"), app_extra("web")
    for extra in (fleet, web):
        Path(extra["oauth_settings_location"]).parent.mkdir()
    fleet["oauth_verifier"] = _approve(sandbox, fleet)
    return {"bc_worker_a": fleet, "bc_worker_b": dict(fleet), "bc_web": web}


def _properties(sandbox: Any, extra: dict[str, Any]) -> ConnectionProperties:
    return ConnectionProperties.from_mapping({**extra, "URL": sandbox.base_url})


def _approve(sandbox: Any, extra: dict[str, Any]) -> str:
    """The merchant approves the consent page; returns the redirect's code."""
    url = get_oauth_authorization_url(_properties(sandbox, extra), state=secrets.token_urlsafe(8))
    return parse_qs(urlsplit(sandbox.approve(url)).query)["code"][0]


def test_parallel_refresh_deferred_sensor_and_masked_logs_under_a_real_scheduler(
    airflow: Airflow, sandbox_for_scheduler: Any, apps: dict[str, dict[str, Any]], assert_no_secret: Callable[..., None]
):
    sandbox = sandbox_for_scheduler
    logs = airflow.process_logs
    airflow.ready(DAG_ID)
    airflow.unpause(DAG_ID)
    exchanges_before = sandbox.stats.token_requests_by_grant.get("authorization_code", 0)
    run_id = airflow.trigger(DAG_ID)

    def sensor_state() -> str | None:
        state = airflow.task_instances(DAG_ID, run_id).get("wait_for_authorization", {}).get("state")
        return state if state in ("deferred", "success", "failed") else None

    assert wait_until(sensor_state, "the sensor to defer", 120, logs) == "deferred"

    def trigger_polling() -> bool:
        trigger_logs = (airflow.home / "logs").rglob("task_id=wait_for_authorization/*.trigger.*.log")
        return any("Not authorized yet for bc_web" in path.read_text() for path in trigger_logs)

    wait_until(trigger_polling, "the triggerer to run the sensor's trigger", 60, logs)
    web = apps["bc_web"]
    get_oauth_access_token(_properties(sandbox, web), _approve(sandbox, web))  # the app's callback saves the token

    state = wait_until(lambda: airflow.run_state(DAG_ID, run_id), "the run to finish", 150, logs)
    assert state == "success", airflow.task_instances(DAG_ID, run_id)

    tis = airflow.task_instances(DAG_ID, run_id)
    first, second = tis["refresh[0]"], tis["refresh[1]"]
    starts = [datetime.fromisoformat(ti["start_date"]) for ti in (first, second)]
    ends = [datetime.fromisoformat(ti["end_date"]) for ti in (first, second)]
    assert max(starts) < min(ends), f"the refresh tasks did not overlap: {starts} / {ends}"
    assert first["pid"] != second["pid"]
    actions = sorted(airflow.xcom(DAG_ID, run_id, "refresh", index)["action"] for index in (0, 1))
    assert actions == ["exchanged", "none"]
    assert sandbox.stats.token_requests_by_grant.get("authorization_code", 0) == exchanges_before + 2  # fleet + web
    assert airflow.xcom(DAG_ID, run_id, "wait_for_authorization")["authorized"] is True
    assert tis["wait_for_authorization"]["state"] == "success"

    secrets_ = _every_secret(sandbox, apps)
    task_logs = [path for path in (airflow.home / "logs").rglob("*") if path.is_file()]
    careless = [path for path in task_logs if "task_id=print_secrets_carelessly" in str(path)]
    assert careless and "access token=***" in careless[0].read_text()
    assert "client secret=*** passphrase=***" in careless[0].read_text()
    assert "verifier=***" in careless[0].read_text()
    assert any("task_id=wait_for_authorization" in str(path) for path in task_logs)
    for path in task_logs:
        assert_no_secret(path.read_text(errors="replace"), secrets_, where=str(path.relative_to(airflow.home)))
    # The components' consoles: Airflow 3.3's LocalExecutor echoes what a task *prints* to the scheduler's stdout
    # without masking ("[task.stdout]" lines, supervise(subprocess_logs_to_stdout=True)); the careless task's
    # prints land there by Airflow's doing. Nothing this provider logs may.
    for path in sorted(logs.glob("*.log")):
        text = "\n".join(line for line in path.read_text(errors="replace").splitlines() if "[task.stdout]" not in line)
        assert_no_secret(text, secrets_, where=str(path.relative_to(airflow.home)))


def _every_secret(sandbox: Any, apps: dict[str, dict[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for conn_id, extra in apps.items():
        for name in ("oauth_client_secret", "oauth_settings_passphrase", "oauth_verifier"):
            if extra.get(name):
                found[f"{conn_id}.{name}"] = extra[name]
        saved = open_settings_store(_properties(sandbox, extra)).load()
        assert saved is not None and saved.access_token
        found[f"{conn_id}.access_token"] = saved.access_token
    return found
