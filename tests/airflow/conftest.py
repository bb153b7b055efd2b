"""Fixtures for the Airflow-layer tests: one lookalike store on loopback and connections that point at it.

Connections reach Airflow the way a deployment would pass them: as ``AIRFLOW_CONN_<ID>`` JSON in the environment.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from bigcommerce_lookalike import Sandbox, SandboxConfig

# Small enough to be quick, more than one page of orders (250 per page) to exercise paging.
STORE = SandboxConfig(seed=11, orders=300, products=60, customers=120, brands=5, categories=8, quota=2000)


@pytest.fixture(scope="session")
def store_config() -> SandboxConfig:
    return STORE


@pytest.fixture(scope="session")
def sandbox(make_shared_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_shared_sandbox(**dataclasses.asdict(STORE))


def connection_json(host: str, extra: dict[str, Any]) -> str:
    """An Airflow connection of type ``bigcommerce`` in the JSON form ``AIRFLOW_CONN_*`` accepts."""
    return json.dumps({"conn_type": "bigcommerce", "host": host, "extra": extra})


@pytest.fixture
def bigcommerce_connection(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Callable[..., str]:
    """Define a connection on the lookalike through the environment; returns its conn id.

    ``extra`` replaces the default extras (a personal access token for the lookalike's store).
    """
    counter = iter(range(1_000_000))

    def define(extra: dict[str, Any] | None = None, *, conn_id: str | None = None, host: str | None = None) -> str:
        conn_id = conn_id or f"bigcommerce_test_{next(counter)}"
        if extra is None:
            extra = {
                "auth_scheme": "PersonalAccessToken",
                "store_id": sandbox.store_id,
                "oauth_access_token": sandbox.access_token,
            }
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", connection_json(host or sandbox.base_url, extra))
        return conn_id

    return define
