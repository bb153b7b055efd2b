"""``airflow-bigcommerce plan``: in a real subprocess against the lookalike, the table names each resource with the
core's figures, ``--json`` is the core's plan, and what the export refuses the plan refuses in the same words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.cli.export import CONNECTION_ENV
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.plan.estimate import plan_export

REPO_ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airflow_provider_bigcommerce.cli.main", "plan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=REPO_ROOT,
    )


@pytest.fixture(scope="module")
def store(make_shared_sandbox):
    return make_shared_sandbox(seed=5, orders=700, products=40, customers=50)


@pytest.fixture(scope="module")
def connection(store) -> dict[str, str]:
    token = store.access_token
    text = f"AuthScheme=PersonalAccessToken;StoreId={store.store_id};OAuthAccessToken={token};URL={store.base_url}"
    return {CONNECTION_ENV: text}


@pytest.fixture(scope="module")
def window(store) -> list[str]:
    first, last = store.data_time_range
    return ["--since", first.isoformat(), "--until", last.isoformat()]


def test_the_table_has_a_row_per_resource_and_the_minutes_for_one_and_for_several_tasks(
    store, connection, window, assert_no_secret
):
    done = _cli("orders", "brands", "order_transactions", *window, "--parallel-tasks", "3", env=connection)

    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha()}
    assert rows["orders"].split()[1:3] == ["incremental", "keyset"] and rows["brands"].split()[1:3] == [
        "full",
        "offset",
    ]
    assert "~ (from" in rows["order_transactions"] and "parents)" in rows["order_transactions"]
    assert "150 requests per 30 s window" in done.stdout
    assert "One task" in done.stdout and "3 tasks at once" in done.stdout
    assert_no_secret(done.stdout + done.stderr, store.access_token)


def test_json_is_the_cores_plan(store, connection, window, make_client):
    done = _cli("orders", "customers", *window, "--json", env=connection)

    plan = json.loads(done.stdout)
    core = plan_export(
        make_client(store),
        [resource_for("orders"), resource_for("customers")],
        Window(datetime.fromisoformat(window[1]), datetime.fromisoformat(window[3])),
    ).as_dict()
    assert done.returncode == 0, done.stderr
    assert [row["resource"] for row in plan["resources"]] == ["orders", "customers"]
    assert [(row["records"], row["requests"]) for row in plan["resources"]] == [
        (row["records"], row["requests"]) for row in core["resources"]
    ]
    assert plan["resources"][0]["records"] > 600 and plan["plan_requests"] == core["plan_requests"]
    assert plan["quota"] == 150 and plan["requests_per_window"] == 149 and plan["minutes_one_task"] >= 0


def test_an_unknown_resource_is_refused_in_the_exports_words_before_any_request(store, connection, window):
    before = store.stats.requests

    done = _cli("orders", "ordres", *window, env=connection)

    assert done.returncode == 2 and "Unknown resource 'ordres'" in done.stderr and "orders," in done.stderr
    assert store.stats.requests == before


def test_an_incremental_resource_without_a_window_asks_for_one_or_full(store, connection):
    done = _cli("orders", "brands", env=connection)
    full = _cli("orders", "brands", "--full", "--json", env=connection)

    assert done.returncode == 2 and "--since and --until" in done.stderr and "--full" in done.stderr
    assert full.returncode == 0 and [row["mode"] for row in json.loads(full.stdout)["resources"]] == ["full", "full"]
