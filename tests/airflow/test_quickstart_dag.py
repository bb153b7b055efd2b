"""The quickstart DAG runs with ``dag.test()`` against the lookalike, in a fresh process as ``make demo`` runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from airflow_provider_bigcommerce.sandbox import Sandbox, SandboxConfig

RESULT_MARKER = "QUICKSTART_RESULT "

# dag.test() needs the DAG file inside the configured dags folder (tests/conftest.py points it at dags_examples/).
_RUN_QUICKSTART = f"""
import json, sys
from airflow import settings
from airflow.models.xcom import XComModel
from sqlalchemy import select

sys.path.insert(0, settings.DAGS_FOLDER)
from bigcommerce_quickstart import quickstart as dag

run = dag.test()
with settings.Session() as session:
    states = {{ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)}}
    query = select(XComModel).where(XComModel.dag_id == dag.dag_id, XComModel.run_id == run.run_id)
    xcoms = {{x.task_id: XComModel.deserialize_value(x) for x in session.scalars(query) if x.key == "return_value"}}
print({RESULT_MARKER!r} + json.dumps({{"state": str(run.state), "tasks": states, "xcom": xcoms}}))
"""


def test_quickstart_counts_orders_products_and_customers(
    airflow_db, sandbox: Sandbox, store_config: SandboxConfig, bigcommerce_connection
):
    bigcommerce_connection(conn_id="bigcommerce_default")
    result = subprocess.run(
        [sys.executable, "-c", _RUN_QUICKSTART],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith(RESULT_MARKER))
    outcome = json.loads(line.removeprefix(RESULT_MARKER))
    assert outcome["state"] == "success", outcome
    assert outcome["tasks"] == {"count_store_records": "success"}
    summary = outcome["xcom"]["count_store_records"]
    assert summary["store_id"] == sandbox.store_id
    assert summary["counts"] == {
        "orders": store_config.orders,
        "products": store_config.products,
        "customers": store_config.customers,
    }
    assert sandbox.access_token not in json.dumps(summary)
    assert f"Store {summary['store_name']!r} ({sandbox.store_id})" in result.stdout
