"""What every real-scheduler test gives its Airflow: one SQLite home, loopback ports, fast heartbeats; and the
orders of the test's ``store`` as the v2 API lists them."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def scheduler_env(free_port: Callable[[], int]) -> Callable[[Path, Path], dict[str, str]]:
    """``scheduler_env(home, dags)``: the environment for ``airflow`` processes on LocalExecutor, everything on
    127.0.0.1 with ports of its own, heartbeats of a second so a test waits seconds, not minutes."""

    def env(home: Path, dags: Path) -> dict[str, str]:
        api_port = free_port()
        return {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",
            # SQLite waits up to 30 s for a lock (Python's default: 5 s); several components and CLIs write at once.
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}?timeout=30",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        }

    return env


@pytest.fixture
def orders(store: Any, make_client: Callable[..., Any]) -> list[dict[str, Any]]:
    """Every order of the test's ``store`` (a lookalike), read before the test changes anything."""
    return list(make_client(store).paginate("v2/orders"))
