"""The README's first run, as a newcomer takes it: a clean copy of the checkout, a fresh virtualenv, the *Install*
commands (and the Celery provider as docs/deployment.md "Deploying on CeleryExecutor" installs it), then every
command of *Try it against the lookalike* pasted as written, in one terminal whose ``export`` lines carry over,
ending with ``airflow standalone`` and the example daily export it schedules; then the commands of
docs/exporting.md "Run one export without a scheduler" with the same connection.

What the test changes, each for the machine and not the path: the lookalike's port 8765 and the UI's 8080 become
free ports, and ``airflow standalone`` gets the suite's loopback ports, a SQLite lock timeout, heartbeats of a second
and an API without a login (for the checks), the settings every real-scheduler test uses. ``make dist`` runs with
this suite's interpreter (its build and twine) instead of building ``.venv`` with the whole dev extra.
``oauth login`` needs a person at a browser: the same connection is authorized headlessly instead (``authorize-url``,
the merchant's Approve over HTTP, ``exchange``) before the README's next line.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bigcommerce_lookalike.merchant import submit_consent

from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.scheduler.components import Airflow, modified_at, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

REPO_ROOT = Path(__file__).resolve().parents[2]
README = (REPO_ROOT / "README.md").read_text()
DEPLOYMENT = (REPO_ROOT / "docs" / "deployment.md").read_text()
EXPORTING = (REPO_ROOT / "docs" / "exporting.md").read_text()
README_PORT = "8765"
DAG_ID = "bigcommerce_incremental_export"
RESOURCES = ("orders", "products", "customers")
_NOT_CLONED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "test-artifacts", "demo-*")
# What every real-scheduler test sets for the machine (tests/scheduler/conftest.py); the README sets the rest.
_README_SETS = ("AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__LOAD_EXAMPLES", "PATH")


def _section(title: str, page: str = README) -> str:
    start = page.index(f"\n## {title}\n")
    end = page.find("\n## ", start + 1)
    return page[start : end if end > 0 else len(page)]


def _blocks(text: str, language: str = "bash") -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@dataclass
class Terminal:
    """A newcomer's terminal: the clone as working folder, the fresh virtualenv first on PATH, HOME a new folder;
    ``export`` lines pasted earlier stay in force for later commands."""

    clone: Path
    env: dict[str, str]
    exports: list[str] = field(default_factory=list)

    def run(self, script: str, *, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        self.exports += [line for line in script.splitlines() if line.startswith("export ")]
        done = subprocess.run(
            ["bash", "-c", "\n".join(["set -eo pipefail", *self.exports, script])],
            cwd=self.clone,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert not check or done.returncode == 0, f"{script}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        return done

    def environment(self) -> dict[str, str]:
        """The environment a command started now sees, the exports included."""
        listed = self.run("env -0").stdout
        return dict(entry.split("=", 1) for entry in listed.split("\0") if "=" in entry)


@pytest.fixture
def terminal(tmp_path: Path) -> Terminal:
    """A clean copy of the checkout, a fresh virtualenv with the README's *Install* commands run in it."""
    clone = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT, clone, ignore=shutil.ignore_patterns(*_NOT_CLONED))
    home = tmp_path / "home"
    home.mkdir()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    suite_bin = str(Path(sys.executable).parent)
    path = [str(venv / "bin"), *(entry for entry in os.environ["PATH"].split(os.pathsep) if entry != suite_bin)]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "BIGCOMMERCE_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(HOME=str(home), PATH=os.pathsep.join(path))
    terminal = Terminal(clone, env)

    make_dist, install = _blocks(_section("Install"))[0].strip().splitlines()
    assert make_dist == "make dist"
    terminal.run(f"make dist BIN={shlex.quote(suite_bin)} STAMP=")  # this suite's build and twine, not a new .venv
    terminal.run(install)
    celery_section = _section("Deploying on CeleryExecutor", DEPLOYMENT)
    (celery,) = [block for block in _blocks(celery_section) if "apache-airflow-providers-celery" in block]
    terminal.run(celery)
    return terminal


@pytest.fixture
def lookalike(terminal: Terminal, free_port: Callable[[], int]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The README's lookalike, installed as it says, then ``airflow-bigcommerce sandbox --port 8765`` on a free port:
    (that port, the line it printed)."""
    section = _section("Try it against the lookalike")
    install, line = [line for line in _blocks(section)[0].splitlines() if line.strip()]
    assert shlex.split(install) == ["pip", "install", "-c", "constraints.txt", "./lookalike"]
    terminal.run(install)
    assert shlex.split(line) == ["airflow-bigcommerce", "sandbox", "--port", README_PORT]
    port = str(free_port())
    process = subprocess.Popen(
        ["bash", "-c", f"exec {line.replace(README_PORT, port)}"],
        cwd=terminal.clone,
        env=terminal.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        printed = process.stdout.readline()
        assert printed, process.stderr.read()
        yield port, json.loads(printed)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)


def test_a_newcomer_following_the_readme_gets_a_scheduled_export_with_files_manifests_and_asset_events(
    terminal: Terminal,
    lookalike: tuple[str, dict[str, Any]],
    scheduler_env: Callable[[Path, Path], dict[str, str]],
    assert_no_secret: Callable[..., None],
) -> None:
    port, info = lookalike
    section = _section("Try it against the lookalike")
    start, connect, oauth_app, scheduled = _blocks(section)
    (printed,) = _blocks(section, "json")

    def pasted(block: str) -> str:
        return block.replace(README_PORT, port)

    # The line the README says the lookalike prints, key for key (the seed fixes everything but the port).
    assert json.loads(pasted(printed)) == info

    # The quickstart: the connection tests fine, and the run's last line is the store's counts.
    quickstart = terminal.run(pasted(connect))
    assert "Connection success!" in quickstart.stdout
    result = re.search(r"`(Store '.*customers)`", section)[1]
    assert quickstart.stdout.strip().splitlines()[-1] == result

    # The custom app: nothing saved yet (exit 3, naming the command that authorizes), then authorized headlessly
    # where the README opens a browser, then tested.
    lines = pasted(oauth_app).splitlines()
    login = next(index for index, line in enumerate(lines) if line.startswith("airflow-bigcommerce oauth login"))
    terminal.run("\n".join(lines[: login - 1]))
    status = terminal.run(lines[login - 1].split("#")[0], check=False)
    assert status.returncode == 3 and "airflow-bigcommerce oauth login --conn-id bigcommerce_app" in status.stderr
    url = terminal.run("airflow-bigcommerce oauth authorize-url --conn-id bigcommerce_app").stdout.strip()
    code = parse_qs(urlsplit(submit_consent(url, "approve")).query)["code"][0]
    terminal.run(f"airflow-bigcommerce oauth exchange --conn-id bigcommerce_app --verifier {shlex.quote(code)}")
    assert "Connection success!" in terminal.run("\n".join(lines[login + 1 :])).stdout
    assert (Path(terminal.env["HOME"]) / ".bigcommerce" / "OAuthSettings.txt").is_file()

    # The scheduled export: everything up to `airflow standalone`, then Airflow itself with the machine's settings.
    *prepare, standalone = scheduled.strip().splitlines()
    assert standalone == "airflow standalone"
    terminal.run("\n".join(prepare))
    env = terminal.environment()
    airflow_home = Path(env["HOME"]) / "airflow"  # the default AIRFLOW_HOME the README's commands used
    machine = {
        key: value
        for key, value in scheduler_env(airflow_home, Path()).items()
        if key not in _README_SETS and os.environ.get(key) != value  # what it sets, not the suite's own settings
    }
    env = {**env, **machine, "AIRFLOW__API__WORKERS": "1"}
    destination = Path(env["AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION"])
    venv_airflow = shutil.which("airflow", path=env["PATH"])
    with Airflow(airflow_home, env, components={"standalone": ["standalone"]}, airflow=venv_airflow) as airflow:
        airflow.ready(DAG_ID)

        def finished() -> dict[str, Any] | None:
            for run in airflow.runs(DAG_ID):
                tries = airflow.task_instances(DAG_ID, run["dag_run_id"]).values()
                failing = [ti for ti in tries if ti["state"] in ("up_for_retry", "failed")]
                if run["state"] in ("success", "failed") or failing:
                    return {**run, "failing": failing}
            return None

        run = wait_until(finished, f"the scheduled run of {DAG_ID}", 300, airflow.process_logs)
        task_logs = "".join(path.read_text()[-3000:] for path in (airflow_home / "logs").rglob("*.log"))
        assert (run["run_type"], run["state"], run["failing"]) == ("scheduled", "success", []), task_logs
        start, end = (datetime.fromisoformat(run[key]) for key in ("data_interval_start", "data_interval_end"))
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        assert end - start == timedelta(days=1) and today - timedelta(days=1) <= end <= today  # the last full day

        events = airflow.get(f"/assets/events?source_dag_id={DAG_ID}&limit=100")["asset_events"]
        listed = airflow.get("/assets?uri_pattern=bigcommerce%3A%2F%2Fsbx8wb68&limit=100")["assets"]
        versions = airflow.get(f"/dags/{DAG_ID}/dagVersions")["total_entries"]
        dags = airflow.get("/dags?dag_id_pattern=bigcommerce&limit=100")["dags"]
        logs = [path for path in (airflow_home / "logs").rglob("*") if path.is_file()]
        consoles = list(airflow.process_logs.glob("*.log"))

    # Non-empty files for the day, each beside its manifest; exactly the store's records modified that day.
    store = _store_records(info)
    by_uri = {event["uri"]: event for event in events}
    assert set(by_uri) == {f"bigcommerce://sbx8wb68/{resource}" for resource in RESOURCES}
    label = f"{start:%Y%m%dT%H%M%SZ}_{end:%Y%m%dT%H%M%SZ}"
    for resource in RESOURCES:
        data = destination / resource / f"{resource}_{label}.ndjson.gz"
        manifest = json.loads((destination / resource / f"_{resource}_{label}_manifest.json").read_text())
        records = [json.loads(line) for line in gzip.decompress(data.read_bytes()).decode().splitlines()]
        expected = [record["id"] for record in store[resource] if start <= _modified(record) < end]
        assert sorted(record["id"] for record in records) == sorted(expected) and expected, resource
        assert manifest["files"][0]["path"] == str(data) and manifest["records"] == len(expected)
        assert datetime.fromisoformat(manifest["extracted_at"]) >= end
        event = by_uri[f"bigcommerce://sbx8wb68/{resource}"]["extra"]
        assert event["records"] == len(expected) and event["manifest"] == manifest["manifest"]
    assert "bigcommerce://sbx8wb68/orders" in {asset["uri"] for asset in listed}  # the UI's Assets page

    # The example DAGs are defined once: from the DAGs folder only, and the export's definition never changed.
    assert {dag["dag_id"] for dag in dags} >= {DAG_ID, "bigcommerce_quickstart", "bigcommerce_token_refresh"}
    for dag in dags:
        assert dag["bundle_name"] == "dags-folder" and dag["fileloc"].startswith(str(terminal.clone)), dag
    assert versions == 1

    # The export commands of docs/exporting.md, pasted: by the Airflow connection, then by a connection string.
    exported = terminal.run(pasted(_blocks(_section("Run one export without a scheduler", EXPORTING))[0]))
    out = terminal.clone / "out"
    orders = json.loads((out / "orders" / f"_orders_{label}_manifest.json").read_text())
    assert orders["records"] == len([o for o in store["orders"] if start <= _modified(o) < end]) > 0
    coupons = json.loads((out / "coupons" / "_coupons_full_manifest.json").read_text())
    assert coupons["records"] > 0 and coupons["deletions"]["baseline"] is True

    secrets = [info["access_token"], info["client_secret"]]
    assert_no_secret(exported.stderr, secrets)
    for path in logs + consoles:
        assert_no_secret(path.read_text(errors="replace"), secrets, where=str(path))


def _store_records(info: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every order, product and customer of the lookalike, read with the suite's client."""
    properties = ConnectionProperties.from_mapping(
        {"store_id": info["store_id"], "oauth_access_token": info["access_token"], "URL": info["base_url"]}
    )
    paths = {"orders": "v2/orders", "products": "v3/catalog/products", "customers": "v3/customers"}
    with BigCommerceClient(properties, StaticTokenSource(info["access_token"])) as client:
        return {resource: list(client.paginate(path)) for resource, path in paths.items()}


def _modified(record: dict[str, Any]) -> datetime:
    value = record["date_modified"]
    return modified_at(record) if value[:1].isalpha() else datetime.fromisoformat(value).astimezone(UTC)
