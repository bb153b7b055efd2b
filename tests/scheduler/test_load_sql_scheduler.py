"""BigCommerceToSqlOperator under a real scheduler (LocalExecutor) loading into a real PostgreSQL server.

What ``dag.test()`` cannot show: a try whose database session dies mid-load (the server ends it while rows are
staged) is retried by the scheduler in a new process, and the retry leaves each order in the table exactly once;
a second run of the same window changes nothing; coupons deleted between the runs are deleted from their table.
"""

from __future__ import annotations

import json
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scheduler.components import Airflow, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DAG_ID = "bc_load_sql_scheduler"
DAG = '''
"""Written by tests/scheduler/test_load_sql_scheduler.py: orders and coupons into PostgreSQL, one retry each."""

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag

from airflow_provider_bigcommerce.transfers.bigcommerce_to_sql import BigCommerceToSqlOperator


@dag(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    params={{"schema": Param("public"), "since": Param(""), "until": Param("")}},
    default_args={{"retries": 1, "retry_delay": timedelta(seconds=1)}},
)
def load():
    common = {{"bigcommerce_conn_id": "bc_store", "sql_conn_id": "bc_warehouse"}}
    BigCommerceToSqlOperator(
        task_id="orders",
        resource="orders",
        table="{{{{ params.schema }}}}.orders",
        since="{{{{ params.since }}}}",
        until="{{{{ params.until }}}}",
        **common,
    )
    BigCommerceToSqlOperator(
        task_id="coupons", resource="coupons", table="{{{{ params.schema }}}}.coupons", incremental=False,
        deletions=True, **common
    )


load()
'''


@pytest.fixture
def store(make_sandbox: Callable[..., Any]) -> Any:
    """Pages of 250 orders 100 ms apart: the orders load stages rows for a second or more."""
    return make_sandbox(seed=73, orders=3000, latency_ms=100, quota=100000)


@pytest.fixture
def airflow(
    tmp_path: Path, store: Any, postgres_server: Any, scheduler_env: Callable[[Path, Path], dict[str, str]]
) -> Iterator[Airflow]:
    home = tmp_path / "airflow-home"
    dags = home / "dags"
    dags.mkdir(parents=True)
    (dags / f"{DAG_ID}.py").write_text(textwrap.dedent(DAG.format(dag_id=DAG_ID)))
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    env = {
        **scheduler_env(home, dags),
        "AIRFLOW_CONN_BC_STORE": json.dumps({"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}),
        "AIRFLOW_CONN_BC_WAREHOUSE": postgres_server.airflow_connection(),
    }
    with Airflow(home, env) as running:
        yield running


def _end_the_session_while_it_stages_rows(postgres_server: Any, schema: str, logs: Path) -> int:
    """Terminate the orders load's database session once it has staged rows and is reading the next page."""

    def staging() -> int | None:
        with postgres_server.connect(autocommit=True) as watcher:
            found = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE %s",
                ('COPY "_bc_stage_orders"%',),
            ).fetchone()
            if found:
                watcher.execute("SELECT pg_terminate_backend(%s)", found)
            return found[0] if found else None

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if (pid := staging()) is not None:
            return pid
        time.sleep(0.01)
    return wait_until(lambda: None, "the orders load to stage rows", 0, logs)


def test_a_try_killed_mid_load_is_retried_and_each_record_lands_once_and_deletions_apply(
    airflow: Airflow, store: Any, postgres_server: Any
):
    logs = airflow.process_logs
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect(autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    first, last = store.data_time_range
    conf = {"schema": schema, "since": first.isoformat(), "until": last.isoformat()}
    airflow.ready(DAG_ID)
    airflow.unpause(DAG_ID)

    run_id = airflow.trigger(DAG_ID, "2025-01-01T00:00:00+00:00", conf)
    _end_the_session_while_it_stages_rows(postgres_server, schema, logs)
    state = wait_until(lambda: airflow.run_state(DAG_ID, run_id), "the first run to finish", 300, logs)

    assert state == "success"
    tries = airflow.task_instances(DAG_ID, run_id)
    assert tries["orders"]["try_number"] == 2  # the first try died with its session; the retry loaded
    loaded = airflow.xcom(DAG_ID, run_id, "orders")
    with postgres_server.connect() as connection:
        ids = [key for (key,) in connection.execute(f'SELECT id FROM "{schema}".orders ORDER BY id')]
    assert loaded["rows"]["inserted"] == loaded["records"] == len(ids) == len(set(ids)) > 100

    store.changes.plan("v2/coupons", after=0, delete=[3, 7])
    again = airflow.trigger(DAG_ID, "2025-01-02T00:00:00+00:00", conf)
    assert wait_until(lambda: airflow.run_state(DAG_ID, again), "the second run to finish", 300, logs) == "success"

    rerun = airflow.xcom(DAG_ID, again, "orders")["rows"]
    assert (rerun["inserted"], rerun["updated"], rerun["unchanged"]) == (0, 0, len(ids))
    coupons = airflow.xcom(DAG_ID, again, "coupons")
    assert coupons["rows"]["deleted"] == 2
    with postgres_server.connect() as connection:
        assert [key for (key,) in connection.execute(f'SELECT id FROM "{schema}".orders ORDER BY id')] == ids
        kept = [key for (key,) in connection.execute(f'SELECT id FROM "{schema}".coupons ORDER BY id')]
    assert 3 not in kept and 7 not in kept and len(kept) == airflow.xcom(DAG_ID, run_id, "coupons")["records"] - 2
