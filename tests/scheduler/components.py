"""A real Airflow's components as processes of a test: started in a throwaway AIRFLOW_HOME, stopped by their ids.

Used by every real-scheduler test: ``with Airflow(home, env) as airflow:`` migrates the metadata DB and starts the
api-server, scheduler, dag-processor and triggerer; ``spawn`` adds any other process (a Celery worker with a home of
its own); leaving the block ends them all, each as a process group, SIGTERM then SIGKILL after 20 s.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

COMPONENTS = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{api_port}", "--workers", "1"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
}
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def wait_until(condition: Callable[[], Any], what: str, timeout: float, logs: Path) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with the components' log tails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    tails = "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(logs.glob("*.log")))
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tails}")


def modified_at(order: dict[str, Any]) -> datetime:
    """When a v2 order was last modified, in UTC."""
    return parsedate_to_datetime(order["date_modified"]).astimezone(UTC)


def busiest_day(orders: Iterable[dict[str, Any]]) -> datetime:
    """The day (UTC midnight) on which most of ``orders`` were last modified (on a tie, the first seen)."""
    days = Counter(modified_at(order).replace(hour=0, minute=0, second=0, microsecond=0) for order in orders)
    day, _ = days.most_common(1)[0]
    return day


def exported_ids(manifest: dict[str, Any]) -> list[int]:
    """The record ids in a manifest's gzipped JSON-lines files, in file order."""
    return [
        json.loads(line)["id"]
        for file in manifest["files"]
        for line in gzip.decompress(Path(file["path"]).read_bytes()).decode().splitlines()
    ]


class Airflow:
    """The components as process groups of their own, each logging to ``process_logs/{name}.log``; the api-server
    on ``env``'s ``AIRFLOW__API__PORT``. ``components`` replaces the four (``{"standalone": ["standalone"]}``),
    ``airflow`` the executable (another virtualenv's)."""

    def __init__(
        self,
        home: Path,
        env: dict[str, str],
        *,
        components: Mapping[str, list[str]] = COMPONENTS,
        airflow: str = AIRFLOW,
    ) -> None:
        self.home = home
        self.env = env
        self.components = components
        self.airflow = airflow
        self.api = f"http://127.0.0.1:{env['AIRFLOW__API__PORT']}/api/v2"
        self.process_logs = home / "process-logs"
        self.process_logs.mkdir()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Airflow:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        subprocess.run([self.airflow, "db", "migrate"], env=self.env, check=True, capture_output=True, timeout=180)
        for name, arguments in self.components.items():
            self.spawn(name, [argument.format(api_port=self.env["AIRFLOW__API__PORT"]) for argument in arguments])

    def spawn(self, name: str, arguments: list[str], env: Mapping[str, str] | None = None) -> None:
        """Start ``airflow {arguments}`` as ``name`` (its log: ``process_logs/{name}.log``), with ``env`` or the
        components' environment."""
        with (self.process_logs / f"{name}.log").open("ab") as output:
            self.processes[name] = subprocess.Popen(
                [self.airflow, *arguments],
                env=dict(env if env is not None else self.env),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop_one(self, name: str) -> None:
        self._stop([self.processes.pop(name)])

    def stop(self) -> None:
        self._stop(list(self.processes.values()))
        self.processes.clear()

    @staticmethod
    def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
        for process in processes:  # the group even when its leader has died: its children may not have
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def get(self, path: str) -> Any:
        try:
            response = requests.get(f"{self.api}{path}", timeout=10)
        except requests.RequestException:  # not listening yet, or busy starting
            return None
        return response.json() if response.status_code == 200 else None

    def ready(self, *dag_ids: str) -> None:
        """Wait until the components report healthy and the dag-processor has parsed ``dag_ids``."""
        what = "api-server, scheduler, dag-processor and triggerer to report healthy"
        wait_until(self.healthy, what, 120, self.process_logs)
        for dag_id in dag_ids:
            wait_until(
                lambda d=dag_id: self.get(f"/dags/{d}"), f"the dag-processor to parse {dag_id}", 120, self.process_logs
            )

    def healthy(self) -> bool:
        health = self.get("/monitor/health") or {}
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all((health.get(part) or {}).get("status") == "healthy" for part in parts)

    def unpause(self, dag_id: str) -> None:
        response = requests.patch(f"{self.api}/dags/{dag_id}", json={"is_paused": False}, timeout=10)
        assert response.ok, response.text

    def trigger(self, dag_id: str, logical_date: str | None = None, conf: dict[str, Any] | None = None) -> str:
        """Start a run of ``dag_id`` through the REST API (with ``conf``, the run's params); its run id."""
        body = {"logical_date": logical_date, **({"conf": conf} if conf else {})}
        started = requests.post(f"{self.api}/dags/{dag_id}/dagRuns", json=body, timeout=10)
        assert started.ok, started.text
        return started.json()["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        """The DAG's runs, oldest first."""
        return (self.get(f"/dags/{dag_id}/dagRuns?order_by=id&limit=100") or {}).get("dag_runs", [])

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        """The run's state once it has finished (``success`` or ``failed``), else None."""
        state = (self.get(f"/dags/{dag_id}/dagRuns/{run_id}") or {}).get("state")
        return state if state in ("success", "failed") else None

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """The run's task instances by ``task_id`` (``task_id[i]`` when mapped)."""
        listing = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000") or {"task_instances": []}
        return {
            ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]": ti
            for ti in listing["task_instances"]
        }

    def xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        entry = self.get(
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value?map_index={map_index}"
        )
        return entry["value"] if entry else None
