"""Fixtures for the Airflow-layer tests: the lookalike, an Airflow home of their own, connections, DAG runs.

Every DAG runs with the real ``dag.test()`` in ``dag_runner.py``, a process of its own that serves the session's
runs one after the other (see its docstring). The runs share a private AIRFLOW_HOME (SQLite, migrated once) whose
dags folder holds links to the example DAGs and to the test DAGs in ``dags/``; connections are ``AIRFLOW_CONN_*``
JSON in each run's environment, settings Airflow Variables ``AIRFLOW_VAR_*``.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_access_token, get_oauth_authorization_url
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
RUNNER = HERE / "dag_runner.py"
RESULT_MARKER = "DAG_RUN_RESULT "
EXAMPLE_DAGS = (
    "bigcommerce_token_refresh.py",
    "bigcommerce_web_authorization.py",
    "bigcommerce_incremental_export.py",
)
RUN_TIMEOUT_S = 240


@pytest.fixture(scope="session")
def airflow_runs_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated AIRFLOW_HOME whose dags folder links the example DAGs and ``dags/*.py``; returns its env."""
    home = tmp_path_factory.mktemp("airflow-runs-home")
    dags = home / "dags"
    dags.mkdir()
    for source in [REPO_ROOT / "dags_examples" / name for name in EXAMPLE_DAGS] + sorted((HERE / "dags").glob("*.py")):
        (dags / source.name).symlink_to(source)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=env, timeout=180)
    return env


@dataclass
class DagRun:
    """The outcome of one ``dag.test()``: run state, per-task state and XComs, and the console output."""

    state: str
    tasks: dict[str, dict[str, Any]]
    data_interval_start: str | None
    data_interval_end: str | None
    output: str

    def xcom(self, task: str) -> Any:
        return self.tasks[task].get("xcom", {}).get("return_value")

    def task_state(self, task: str) -> str | None:
        return self.tasks[task]["state"]

    def failure(self) -> str:
        """The error lines of the output: what an assertion message should show."""
        keep = ("error", "Traceback", "Exception", "raise ", "File ")
        return "\n".join(line for line in self.output.splitlines() if any(word in line for word in keep))[-6000:]

    @property
    def all_xcom_json(self) -> str:
        return json.dumps({task: info.get("xcom") for task, info in self.tasks.items()}, default=str)


class DagSession:
    """One ``dag_runner.py`` process serving the runs of the whole session, restarted if a run hangs.

    ``start`` sends one run and returns at once; ``wait_for`` blocks until the run prints a given line (so a test
    can act, e.g. approve, while a sensor waits); ``result`` blocks until the run's outcome.
    """

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._seen: list[str] = []

    def start(self, dag_id: str, *, env: dict[str, str], logical_date: str | None, conf: dict | None) -> DagSession:
        if self._process is None or self._process.poll() is not None:
            self._spawn()
        self._seen = []
        request = {"dag_id": dag_id, "logical_date": logical_date, "conf": conf, "env": env}
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return self

    def wait_for(self, text: str, timeout: float = 120) -> str:
        """Block until the current run prints a line containing ``text``; return that line."""
        while True:
            line = self._next(timeout, f"a line with {text!r}")
            if line.startswith(RESULT_MARKER):
                raise AssertionError(f"the run ended without a line with {text!r}:\n{''.join(self._seen)[-6000:]}")
            if text in line:
                return line

    def result(self, timeout: float = RUN_TIMEOUT_S) -> DagRun:
        while not (line := self._next(timeout, "the run's result")).startswith(RESULT_MARKER):
            pass
        # A task's thread may write to stdout between the result and its newline: read the JSON, not the line.
        result, _ = json.JSONDecoder().raw_decode(line[len(RESULT_MARKER) :])
        output = "".join(self._seen)
        assert result["state"] != "runner-error", result.get("error")
        return DagRun(
            state=result["state"],
            tasks=result["tasks"],
            data_interval_start=result["data_interval_start"],
            data_interval_end=result["data_interval_end"],
            output=output,
        )

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _spawn(self) -> None:
        self._lines = queue.Queue()
        self._process = subprocess.Popen(
            [sys.executable, str(RUNNER)],
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO_ROOT,
        )
        threading.Thread(target=self._pump, args=(self._process, self._lines), daemon=True).start()

    @staticmethod
    def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    def _next(self, timeout: float, waiting_for: str) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self._kill()
            raise AssertionError(f"no {waiting_for} within {timeout} s:\n{''.join(self._seen)[-6000:]}") from None
        if line is None:
            self._kill()
            raise AssertionError(f"the runner exited before {waiting_for}:\n{''.join(self._seen)[-6000:]}")
        self._seen.append(line)
        return line

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


@pytest.fixture(scope="session")
def dag_session(airflow_runs_home: dict[str, str]) -> Iterator[DagSession]:
    session = DagSession(airflow_runs_home)
    yield session
    session.close()


@pytest.fixture
def run_dag(dag_session: DagSession) -> Callable[..., DagRun]:
    """``run_dag(dag_id, env={...}, logical_date=ISO, conf={...})``: one ``dag.test()`` to its end."""

    def run(dag_id: str, *, env: dict[str, str], logical_date: str | None = None, conf: dict | None = None) -> DagRun:
        return dag_session.start(dag_id, env=env, logical_date=logical_date, conf=conf).result()

    return run


@pytest.fixture
def start_dag(dag_session: DagSession) -> Callable[..., DagSession]:
    """Like ``run_dag`` but returns at once; then ``.wait_for(text)`` and ``.result()``."""

    def start(dag_id: str, *, env: dict[str, str], logical_date: str | None = None, conf: dict | None = None):
        return dag_session.start(dag_id, env=env, logical_date=logical_date, conf=conf)

    return start


# ------------------------------------------------------------------------------------------------- the store


@pytest.fixture(scope="session")
def sandbox(make_shared_sandbox: Callable[..., Any]) -> Any:
    """The lookalike with BigCommerce's semantics (app tokens never expire), a small store."""
    return make_shared_sandbox(seed=11, orders=600, products=150, customers=300)


@pytest.fixture(scope="session")
def expiring_sandbox(make_shared_sandbox: Callable[..., Any]) -> Any:
    """A lookalike whose app tokens expire after a few seconds and come with rotating refresh tokens."""
    return make_shared_sandbox(seed=12, orders=5, expiring_tokens=True, token_lifetime_s=8)


@pytest.fixture
def connection_env() -> Callable[[str, Any, dict[str, Any]], dict[str, str]]:
    """``connection_env(conn_id, sandbox, extra)``: ``AIRFLOW_CONN_<ID>`` for a ``bigcommerce`` connection (JSON)."""

    def env(conn_id: str, sandbox: Any, extra: dict[str, Any]) -> dict[str, str]:
        value = {"conn_type": "bigcommerce", "host": sandbox.base_url, "extra": extra}
        return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(value)}

    return env


@pytest.fixture
def pat_extra(sandbox: Any) -> dict[str, str]:
    """A store-level API account: AuthScheme=PersonalAccessToken."""
    return {
        "auth_scheme": "PersonalAccessToken",
        "store_id": sandbox.store_id,
        "oauth_access_token": sandbox.access_token,
    }


@dataclass
class App:
    """A custom app registered on a lookalike, with an OAuth connection (REFRESH) and its settings file."""

    sandbox: Any
    client_id: str
    client_secret: str
    callback_url: str
    settings_location: Path
    passphrase: str

    def extra(self, **changes: Any) -> dict[str, Any]:
        """Connection extras under the form's snake_case names."""
        values = {
            "auth_scheme": "OAuth",
            "store_id": self.sandbox.store_id,
            "oauth_client_id": self.client_id,
            "oauth_client_secret": self.client_secret,
            "callback_url": self.callback_url,
            "login_url": self.sandbox.login_url,
            "initiate_oauth": "REFRESH",
            "oauth_settings_location": str(self.settings_location),
            "oauth_settings_passphrase": self.passphrase,
            **changes,
        }
        return {key: value for key, value in values.items() if value is not None}

    def properties(self, **changes: Any) -> ConnectionProperties:
        return ConnectionProperties.from_mapping({**self.extra(**changes), "URL": self.sandbox.base_url})

    def approve(self, authorization_url: str | None = None) -> str:
        """The merchant clicks Approve on the consent page; returns the ``code`` the redirect carries."""
        url = authorization_url or get_oauth_authorization_url(self.properties(), state=secrets.token_urlsafe(8))
        return parse_qs(urlsplit(self.sandbox.approve(url)).query)["code"][0]

    def complete_web_authorization(self, authorization_url: str) -> dict[str, Any]:
        """What the app's callback handler does: trade the code and save the token in the settings location."""
        return get_oauth_access_token(self.properties(), self.approve(authorization_url))

    def token_requests(self) -> int:
        return self.sandbox.stats.token_requests

    def secrets(self) -> list[str]:
        """Every secret of this app that must never reach XCom or an error message, saved tokens included."""
        from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store

        found = [self.client_secret, self.passphrase]
        if self.settings_location.exists():
            saved = open_settings_store(self.properties()).load()
            if saved is not None:
                found += [value for value in (saved.access_token, saved.refresh_token) if value]
        return found


def _app(sandbox: Any, tmp_path: Path, callback_port: int) -> App:
    callback_url = f"http://localhost:{callback_port}/callback"
    client_id, client_secret = sandbox.register_app(callback_url=callback_url)
    shared_folder = tmp_path / "shared"  # stands for the volume every worker mounts; it must exist
    shared_folder.mkdir()
    return App(
        sandbox, client_id, client_secret, callback_url, shared_folder / "OAuthSettings.txt", secrets.token_hex(16)
    )


@pytest.fixture
def app(sandbox: Any, tmp_path: Path, free_port: Callable[[], int]) -> App:
    """A custom app of this test's own on the never-expiring lookalike."""
    return _app(sandbox, tmp_path, free_port())


@pytest.fixture
def expiring_app(expiring_sandbox: Any, tmp_path: Path, free_port: Callable[[], int]) -> App:
    """A custom app of this test's own on the lookalike with expiring tokens."""
    return _app(expiring_sandbox, tmp_path, free_port())
