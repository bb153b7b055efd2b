"""The quickstart DAG runs with ``dag.test()`` against the lookalike, in a fresh process as ``make demo`` runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bigcommerce_lookalike import Sandbox, SandboxConfig

RESULT_MARKER = "QUICKSTART_RESULT "
REPO_ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = REPO_ROOT / "dags_examples" / "bigcommerce_quickstart.py"

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


@pytest.mark.slow  # a DAG run in a fresh Airflow process: ~30 s
def test_quickstart_counts_orders_products_and_customers(
    airflow_db, sandbox: Sandbox, store_config: SandboxConfig, bigcommerce_connection, assert_no_secret
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
    assert_no_secret(json.dumps(summary), sandbox.access_token)
    assert f"Store {summary['store_name']!r} ({sandbox.store_id})" in result.stdout


def _instructions(module_doc: str) -> str:
    """The shell lines of the DAG's own docstring (its ``::`` block), as a person would paste them."""
    block = module_doc.split("::", 1)[1].split("\n\n")[1]
    return "\n".join(line.strip() for line in block.splitlines())


@pytest.mark.slow  # over 20 s: the docstring's airflow commands, each a fresh process
def test_the_quickstart_docstring_commands_work_as_pasted(airflow_db, sandbox: Sandbox, store_config):
    script = _instructions(QUICKSTART.read_text().split('"""')[1])
    for placeholder, value in (
        ("<base_url>", sandbox.base_url),
        ("<store_id>", sandbox.store_id),
        ("<token>", sandbox.access_token),
    ):
        assert placeholder in script
        script = script.replace(placeholder, value)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("AIRFLOW__CORE__DAGS_FOLDER")  # the instructions set it themselves

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"({sandbox.store_id}): {store_config.orders} orders" in result.stdout + result.stderr


def test_the_quickstart_run_outside_the_dags_folder_says_which_folder_to_set(airflow_db, tmp_path):
    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, str(QUICKSTART)], cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300
    )

    assert result.returncode == 1
    assert f'AIRFLOW__CORE__DAGS_FOLDER="{QUICKSTART.parent}"' in result.stderr, result.stderr[-2000:]
    assert "not serialized" not in result.stderr
