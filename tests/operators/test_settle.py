"""An export whose window ends "now" defers until the window settles, then exports it exactly (dag.test() runs the
deferral's trigger inline). The lookalike plays a store that lists a write some seconds after the date it carries
(``Readings.commit_lag_ms``), with its newest order written just before the run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bigcommerce_lookalike.readings import Readings

CONN_ID = "bc_settle_pat"
ORDERS = 40
# How long after its date the newest order is listed, and the connection's settle time: longer than a dag.test()
# run takes from its run_after to the task's first request (about 5 s here), so reading at once would miss it.
LAG_S = 12


def test_a_run_whose_window_ends_now_defers_until_it_settles_and_then_holds_the_late_commit(
    run_dag: Callable[..., Any], make_sandbox: Callable[..., Any], connection_env: Callable, tmp_path: Path
):
    written = datetime.fromtimestamp(int(time.time()) - 1, UTC)  # in a second that is over before the run starts
    store = make_sandbox(seed=5, orders=ORDERS, newest_order_at=written, readings=Readings(commit_lag_ms=LAG_S * 1000))
    extra = {"store_id": store.store_id, "oauth_access_token": store.access_token, "settle_seconds": LAG_S}
    env = {
        **connection_env(CONN_ID, store, extra),
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": CONN_ID,
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION": str(tmp_path / "export"),
    }

    run = run_dag("bc_test_settle_now", env=env, logical_date=None)  # a manual run: its window ends at run_after

    assert run.state == "success", run.failure()
    manifest = run.xcom("export")
    claimed_until = datetime.fromisoformat(manifest["edges"]["claimed"][1])  # the window's end, to the second
    assert written < claimed_until  # the newest order, written just before the run, is the window's
    lines = Path(manifest["files"][0]["path"]).read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == list(range(100, 100 + ORDERS))
    deferred = run.output.index("deferring until then")
    assert run.output.index("running trigger in line") > deferred  # dag.test() runs the trigger in place
    assert run.output.index("Exporting orders") > deferred  # nothing was read before the window settled
    assert store.stats.requests == manifest["requests"]  # waiting cost no request
