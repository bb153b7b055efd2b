"""BigCommerceToSqlOperator through dag.test() against the lookalike and a real PostgreSQL server (and SQLite, through
Airflow's own providers): two runs of the same window, a load failing mid-way, deletions between runs."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bigcommerce_lookalike.changes import Misbehaviour

pytest.importorskip("airflow.providers.postgres", reason="the dev extra installs Airflow's PostgreSQL provider")

SQL_CONN = "bc_warehouse"


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(seed=17, orders=300, products=30, customers=40)


@pytest.fixture
def env(store: Any, connection_env: Callable, postgres_server: Any) -> dict[str, str]:
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    return {
        **connection_env("bc_sql", store, extra),
        f"AIRFLOW_CONN_{SQL_CONN.upper()}": postgres_server.airflow_connection(),
    }


@pytest.fixture
def conf(store: Any, postgres_server: Any) -> dict[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect(autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    first, last = store.data_time_range
    return {
        "bigcommerce_conn_id": "bc_sql",
        "sql_conn_id": SQL_CONN,
        "table": f"{schema}.orders",
        "since": (first + (last - first) * 0.3).isoformat(),
        "until": (first + (last - first) * 0.8).isoformat(),
    }


def _rows(postgres_server: Any, table: str) -> list[tuple]:
    with postgres_server.connect() as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


@pytest.mark.slow  # over 20 s: three DAG runs
def test_two_runs_of_the_same_window_leave_each_record_once_and_a_failed_run_leaves_the_table_as_it_was(
    run_dag: Callable[..., Any], store: Any, env: dict[str, str], conf: dict[str, str], postgres_server: Any
):
    first = run_dag("bc_test_load_sql", env=env, conf=conf)
    loaded = _rows(postgres_server, conf["table"])
    second = run_dag("bc_test_load_sql", env=env, conf=conf)

    assert first.state == "success" and second.state == "success", first.failure() + second.failure()
    orders = first.xcom("orders")
    assert orders["rows"]["inserted"] == orders["records"] == len(loaded) > 20
    assert orders["window"] == {"start": conf["since"], "end": conf["until"]} and orders["database"] == "postgresql"
    again = second.xcom("orders")["rows"]
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, orders["records"])
    assert _rows(postgres_server, conf["table"]) == loaded

    # The list's count stops holding: every order of the window is staged, then the read fails; nothing merges.
    store.changes.misbehave("v2/orders", Misbehaviour(stale_count=-40))
    failed = run_dag("bc_test_load_sql", env=env, conf=conf)

    assert failed.task_state("orders") == "failed" and failed.task_state("coupons") == "success"
    assert _rows(postgres_server, conf["table"]) == loaded


@pytest.mark.slow  # over 20 s: two DAG runs
def test_deletions_between_runs_delete_their_rows(
    run_dag: Callable[..., Any], store: Any, env: dict[str, str], conf: dict[str, str], postgres_server: Any
):
    first = run_dag("bc_test_load_sql", env=env, conf=conf)
    store.changes.plan("v2/coupons", after=0, delete=[3, 7])
    second = run_dag("bc_test_load_sql", env=env, conf=conf)

    assert first.state == "success" and second.state == "success", first.failure() + second.failure()
    coupons = second.xcom("coupons")
    assert coupons["deletions"]["records"] == 2 and coupons["rows"]["deleted"] == 2
    keys = [row[0] for row in _rows(postgres_server, f"{conf['table']}_coupons")]
    assert 3 not in keys and 7 not in keys and len(keys) == first.xcom("coupons")["records"] - 2


@pytest.mark.slow  # over 20 s: a DAG run
def test_a_sqlite_connection_loads_through_airflows_sqlite_provider(
    run_dag: Callable[..., Any], store: Any, env: dict[str, str], conf: dict[str, str], tmp_path: Path
):
    pytest.importorskip("airflow.providers.sqlite")
    database = tmp_path / "shop.db"
    sqlite_env = {**env, "AIRFLOW_CONN_BC_SHOP": json.dumps({"conn_type": "sqlite", "host": str(database)})}

    run = run_dag("bc_test_load_sql", env=sqlite_env, conf={**conf, "sql_conn_id": "bc_shop", "table": "orders"})

    assert run.state == "success", run.failure()
    assert run.xcom("orders")["database"] == "sqlite"
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM orders").fetchone()
    assert count == run.xcom("orders")["records"] > 0


def test_a_window_that_has_not_settled_defers_before_the_database_is_opened(
    store: Any, connection_env: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The settle check comes first: a window that must wait opens no database connection (SQLite would create its
    file on connect) and sends no request; the deferral carries the moment the window may be read."""
    pytest.importorskip("airflow.providers.sqlite")
    from datetime import UTC, datetime, timedelta

    from airflow.providers.common.compat.sdk import TaskDeferred

    from airflow_provider_bigcommerce.transfers.bigcommerce_to_sql import BigCommerceToSqlOperator

    database = tmp_path / "shop.db"
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    for name, value in {
        **connection_env("bc_unsettled", store, extra),
        "AIRFLOW_CONN_BC_SHOP": json.dumps({"conn_type": "sqlite", "host": str(database)}),
    }.items():
        monkeypatch.setenv(name, value)
    until = datetime.now(UTC) + timedelta(days=1)  # ends tomorrow: settled only after that, whatever the clock
    operator = BigCommerceToSqlOperator(
        task_id="orders",
        resource="orders",
        bigcommerce_conn_id="bc_unsettled",
        sql_conn_id="bc_shop",
        table="orders",
        since=(until - timedelta(days=2)).isoformat(),
        until=until.isoformat(),
    )
    before = store.stats.requests

    with pytest.raises(TaskDeferred) as deferred:
        operator.execute({})

    assert deferred.value.trigger.moment >= until
    assert not database.exists() and store.stats.requests == before
