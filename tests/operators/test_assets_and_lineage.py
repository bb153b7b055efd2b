"""Asset events and OpenLineage from the export operator, through dag.test() against the lookalike.

The runs here go through a ``dag_runner`` process of their own, started with the OpenLineage provider's file
transport configured: OpenLineage reads its settings once per process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.operators.conftest import DagSession

CONN_ID = "bc_assets"
pytest.importorskip("airflow.providers.openlineage", reason="the dev extra installs the OpenLineage provider")


@pytest.fixture(scope="module")
def lineage_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("openlineage") / "events.jsonl"


@pytest.fixture(scope="module")
def lineage_session(airflow_runs_home: dict[str, str], lineage_file: Path) -> Iterator[DagSession]:
    env = {
        **airflow_runs_home,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(lineage_file), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "bigcommerce-tests",
    }
    session = DagSession(env)
    yield session
    session.close()


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


@pytest.mark.slow  # over 20 s: a DAG run in a runner of its own, with OpenLineage
def test_exports_emit_asset_events_with_window_counts_and_verification_and_openlineage_datasets_and_hook_lineage(
    lineage_session: DagSession,
    lineage_file: Path,
    sandbox: Any,
    pat_extra: dict[str, str],
    connection_env: Callable,
    tmp_path: Path,
):
    first, last = sandbox.data_time_range
    since, until = first + (last - first) * 0.3, first + (last - first) * 0.5
    destination = tmp_path / "assets"
    conf = {
        "bigcommerce_conn_id": CONN_ID,
        "destination": str(destination),
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    env = {**connection_env(CONN_ID, sandbox, pat_extra), "BC_TEST_ASSET_STORE": sandbox.store_id}

    run = lineage_session.start("bc_test_assets", env=env, logical_date=None, conf=conf).result()

    assert run.state == "success", run.failure()
    store = sandbox.store_id
    events = run.xcom("read_events")
    for resource in ("orders", "order_line_items"):
        manifest = run.xcom(resource)
        (extra,) = events[f"bigcommerce://{store}/{resource}"]
        assert extra["resource"] == resource
        assert extra["window"] == {"start": since.isoformat(), "end": until.isoformat()}
        assert extra["records"] == manifest["records"] > 0
        assert extra["files"] == [manifest["files"][0]["path"]]
        verification = manifest["verification"]
        assert extra["verification"] == {key: verification[key] for key in ("expected", "read", "verified", "passes")}
        assert extra["verification"]["verified"] is True
        assert extra["manifest"] == manifest["manifest"] and Path(extra["manifest"]).is_file()
    # Typed Parquet: the asset event carries the typed schema, as the manifest holds it.
    typed = run.xcom("products")
    (products_extra,) = events[f"bigcommerce://{store}/products"]
    assert products_extra["format"] == "parquet" and products_extra["schema"] == typed["schema"]
    assert {"name": "price", "type": "decimal(20,4)"} in typed["schema"]
    assert "schema" not in events[f"bigcommerce://{store}/orders"][0]  # NDJSON: no declared schema to carry
    # Exports whose DAG did not declare their asset when parsed: recorded through the alias, on the store's asset.
    aliased = events["alias"]
    assert set(aliased) == {f"bigcommerce://{store}/order_line_items", f"bigcommerce://{store}/brands"}
    brands = run.xcom("mapped[0]")
    assert aliased[f"bigcommerce://{store}/brands"]["records"] == brands["records"] > 0
    assert aliased[f"bigcommerce://{store}/brands"]["files"] == [brands["files"][0]["path"]]

    complete = [
        event
        for event in _events(lineage_file)
        if event.get("eventType") == "COMPLETE" and event["job"]["name"].startswith("bc_test_assets.")
    ]
    by_task = {event["job"]["name"].split(".", 1)[1]: event for event in complete}
    assert {"orders", "order_line_items", "products", "count_coupons"} <= set(by_task), sorted(by_task)
    (parquet_file,) = by_task["products"]["outputs"]
    typed_fields = {field["name"]: field["type"] for field in parquet_file["facets"]["schema"]["fields"]}
    assert typed_fields == {column["name"]: column["type"] for column in typed["schema"]}
    assert typed_fields["date_modified"] == "timestamp" and typed_fields["id"] == "integer"
    orders = by_task["orders"]
    (source,) = orders["inputs"]
    assert (source["namespace"], source["name"]) == (f"bigcommerce://{store}", "v2/orders")
    (target,) = orders["outputs"]
    assert (target["namespace"], target["name"]) == ("file", run.xcom("orders")["files"][0]["path"])
    assert target["outputFacets"]["outputStatistics"]["rowCount"] == run.xcom("orders")["records"]
    first_order = json.loads(Path(target["name"]).read_text().splitlines()[0])
    fields = {field["name"]: field["type"] for field in target["facets"]["schema"]["fields"]}
    assert list(fields) == list(first_order)
    assert fields["id"] == "integer" and fields["date_modified"] == "string"
    assert {field["name"] for field in source["facets"]["schema"]["fields"]} == set(first_order)
    # Line items are derived from the orders: the output has their fields, the orders list no schema of theirs.
    line_items = by_task["order_line_items"]
    (source,) = line_items["inputs"]
    assert (source["namespace"], source["name"]) == (f"bigcommerce://{store}", "v2/orders")
    assert "schema" not in source.get("facets", {})
    line_fields = {field["name"] for field in line_items["outputs"][0]["facets"]["schema"]["fields"]}
    assert "order_id" in line_fields and "product_id" in line_fields
    # A task that only calls the hook: the hook's lineage names the store's list it read.
    (coupons,) = by_task["count_coupons"]["inputs"]
    assert (coupons["namespace"], coupons["name"]) == (f"bigcommerce://{store}", "v2/coupons")
    assert run.xcom("count_coupons") > 0


def test_an_export_declaring_another_store_than_its_connections_fails_before_reading_without_retries(
    lineage_session: DagSession, sandbox: Any, pat_extra: dict[str, str], connection_env: Callable, tmp_path: Path
):
    before = sandbox.stats.requests
    conf = {"bigcommerce_conn_id": CONN_ID, "destination": str(tmp_path / "mismatch")}
    env = connection_env(CONN_ID, sandbox, pat_extra)

    run = lineage_session.start("bc_test_asset_store_mismatch", env=env, logical_date=None, conf=conf).result()

    assert run.state == "failed"
    assert run.task_state("orders") == "failed" and run.tasks["orders"]["try_number"] == 1  # no retry can help
    assert "store_id='anotherstore'" in run.output and sandbox.store_id in run.output
    assert sandbox.stats.requests == before
    assert not (tmp_path / "mismatch").exists()


def test_the_provider_works_where_openlineage_cannot_be_imported():
    code = (
        "import importlib.abc, sys\n"
        "class NoOpenLineage(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith(('openlineage', 'airflow.providers.openlineage')):\n"
        "            raise ModuleNotFoundError(name)\n"
        # Airflow itself reads every installed provider's info first; from then on nothing may import OpenLineage.
        "from airflow.configuration import conf\n"
        "from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime\n"
        "conf.get('core', 'dags_folder'); ProvidersManagerTaskRuntime().asset_uri_handlers\n"
        "for name in [name for name in sys.modules if 'openlineage' in name]:\n"
        "    del sys.modules[name]\n"
        "sys.meta_path.insert(0, NoOpenLineage())\n"
        "from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator\n"
        "from airflow_provider_bigcommerce.triggers.changes import watched_asset\n"
        "from airflow_provider_bigcommerce.get_provider_info import get_provider_info\n"
        "from airflow_provider_bigcommerce.lineage import asset_event_extra, record_fields\n"
        "get_provider_info()\n"
        "task = BigCommerceToStorageOperator(task_id='t', resource='orders', destination='/x', store_id='abc123')\n"
        "print([asset.uri for asset in task.outlets], watched_asset('abc123', 'orders').uri)\n"
        "print(asset_event_extra({'resource': 'orders', 'records': 1, 'files': [{'path': '/x'}]})['records'])\n"
        "print(record_fields({'id': 1}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-3:] == [
        "['bigcommerce://abc123/orders'] bigcommerce://abc123/v2/orders",
        "1",
        "[('id', 'integer')]",
    ]
