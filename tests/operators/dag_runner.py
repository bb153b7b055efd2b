"""Run DAGs with ``dag.test()`` in a long-lived process, one request per stdin line, one JSON result per run.

The operator tests start this once per session (``python dag_runner.py``) and send it lines like
``{"dag_id": ..., "logical_date": ISO or null, "conf": {...}, "env": {"AIRFLOW_CONN_X": ...}}``. Each run
parses the dags folder again and sees exactly the ``env`` of its request (connections, Variables), and prints
``DAG_RUN_RESULT {...}`` when done. Importing Airflow and starting ``dag.test()``'s in-process execution API
cost about 15 s, paid once here instead of per run. What a provider caches in memory between runs is keyed on
content (the OAuth settings cache checks the file's identity), so a reused process sees what a fresh one would.

A worker runs each task in a process of its own, so Airflow's hook lineage collector (a process-wide singleton)
starts empty for every task there; here one process runs them all, so :class:`FreshLineagePerTask` empties it as
each task starts, or a task's lineage would carry the lists that earlier tasks read.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import traceback
from datetime import datetime
from typing import Any

from airflow.providers.common.compat.sdk import hookimpl

RESULT_MARKER = "DAG_RUN_RESULT "


class FreshLineagePerTask:
    """A task listener that gives every task a new hook lineage collector, as a worker's fresh process would."""

    @hookimpl
    def on_task_instance_running(self, previous_state, task_instance) -> None:
        from airflow.providers.common.compat.sdk import get_hook_lineage_collector

        if hasattr(get_hook_lineage_collector, "cache_clear"):  # Airflow 3.2 and later
            get_hook_lineage_collector.cache_clear()
        else:  # 3.0, 3.1: a module-level singleton
            import airflow.lineage.hook

            airflow.lineage.hook._hook_lineage_collector = None


def run_once(dag_id: str, logical_date: str | None, conf: dict[str, Any] | None) -> dict[str, Any]:
    from airflow import settings
    from sqlalchemy import select

    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.2 and later
    except ImportError:  # 3.0, 3.1, 2.11
        from airflow.models.dagbag import DagBag
    try:
        from airflow.models.xcom import XComModel  # Airflow 3

        read_value = XComModel.deserialize_value
    except ImportError:  # 2.11, where replacing a run deletes its note, whose user lives in FAB's tables
        import airflow.providers.fab.auth_manager.models  # noqa: F401
        from airflow.models.xcom import BaseXCom as XComModel

        def read_value(xcom: Any) -> Any:
            return xcom.value  # already read from its JSON column

    bag = DagBag(dag_folder=settings.DAGS_FOLDER)
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise LookupError(f"DAG {dag_id} not found in {settings.DAGS_FOLDER}: {bag.import_errors}")
    moment = datetime.fromisoformat(logical_date) if logical_date else None
    date_argument = "logical_date"
    if "logical_date" not in inspect.signature(dag.test).parameters:  # Airflow 2.11
        date_argument = "execution_date"
        dag.sync_to_db()  # its dag.test() writes no datasets or aliases, which a dag processor would have written
    dag_run = dag.test(**{date_argument: moment}, run_conf=conf)

    tasks: dict[str, dict[str, Any]] = {}
    with settings.Session() as session:
        for ti in dag_run.get_task_instances(session=session):
            key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            tasks[key] = {"state": str(ti.state) if ti.state else None, "try_number": ti.try_number}
        query = select(XComModel).where(XComModel.dag_id == dag.dag_id, XComModel.run_id == dag_run.run_id)
        for xcom in session.scalars(query):
            key = xcom.task_id if xcom.map_index < 0 else f"{xcom.task_id}[{xcom.map_index}]"
            tasks.setdefault(key, {}).setdefault("xcom", {})[xcom.key] = read_value(xcom)
    return {
        "state": str(dag_run.state),
        "run_id": dag_run.run_id,
        "data_interval_start": dag_run.data_interval_start.isoformat() if dag_run.data_interval_start else None,
        "data_interval_end": dag_run.data_interval_end.isoformat() if dag_run.data_interval_end else None,
        "tasks": tasks,
    }


def serve() -> None:
    from airflow.providers.common.compat.sdk import get_listener_manager

    get_listener_manager().add_listener(FreshLineagePerTask())
    base_env = dict(os.environ)
    for line in sys.stdin:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update({**base_env, **request.get("env", {})})
        try:
            result = run_once(request["dag_id"], request.get("logical_date"), request.get("conf"))
        except Exception:
            result = {"state": "runner-error", "error": traceback.format_exc(), "tasks": {}}
        sys.stderr.flush()
        print(RESULT_MARKER + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    serve()
