"""Exports against a store that changes under them: exactly once in the file, a verdict in the manifest, and two
runs of one window that both end well."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from bigcommerce_lookalike.changes import Misbehaviour

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window


def _window(sandbox) -> Window:
    start, end = sandbox.data_time_range
    return Window(start, end + timedelta(seconds=1))


def _ids_in(manifest: dict) -> Counter:
    path = Path(manifest["files"][0]["path"])
    return Counter(json.loads(line)["id"] for line in path.read_text().splitlines())


def test_orders_edited_out_of_an_incremental_window_mid_export_lose_none_that_stay(make_sandbox, make_client, tmp_path):
    sandbox = make_sandbox(orders=1200)
    edited = [*range(160, 170), *range(700, 710)]  # their date_modified moves past the window after page 1
    sandbox.changes.plan("v2/orders", after=1, edit=edited)
    client = make_client(sandbox)

    manifest = export_resource(client, resource_for("orders"), tmp_path, window=_window(sandbox))

    ids = _ids_in(manifest)
    assert max(ids.values()) == 1, "an order was written twice"
    assert not {n for n in range(100, 1300) if n not in edited} - set(ids), "an order that stayed was lost"
    assert manifest["verification"]["verified"] is True
    assert manifest["records"] == sum(ids.values())


def test_a_quiet_store_exports_with_a_verified_count_at_no_extra_request(make_sandbox, make_client, tmp_path):
    sandbox = make_sandbox(orders=1100)
    client = make_client(sandbox)

    first = export_resource(client, resource_for("orders"), tmp_path / "first", window=_window(sandbox))
    manifest = export_resource(client, resource_for("orders"), tmp_path / "again", window=_window(sandbox))

    assert manifest["verification"] == {"expected": 1100, "read": 1100, "verified": True, "passes": 1}
    assert manifest["requests"] == 6  # page 1, the count, four id slices; the last one short
    assert first["requests"] == 6 + 1  # and, once a client, the probe of whether the store's counts apply dates


def test_a_count_that_cannot_be_reconciled_fails_the_export_and_leaves_no_file(make_sandbox, make_client, tmp_path):
    sandbox = make_sandbox(products=600)
    sandbox.changes.misbehave("v3/catalog/products", Misbehaviour(stale_count=-50))
    client = make_client(sandbox)

    with pytest.raises(PagingError) as caught:
        export_resource(client, resource_for("products"), tmp_path, window=_window(sandbox))

    assert caught.value.code == "count_mismatch" and caught.value.expected == 650
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_two_runs_of_one_window_at_once_both_end_well(make_sandbox, make_client, tmp_path):
    """A retry overlapping a straggler: the quick run's clean-up must not delete the slow run's partial file."""
    slow_store = make_sandbox(orders=1000, latency_ms=150)
    quick_store = make_sandbox(orders=1000)  # the same seed: the same orders
    slow, quick = make_client(slow_store, max_concurrency=1), make_client(quick_store)
    window = _window(quick_store)
    results: dict[str, object] = {}

    def run(name: str, client) -> None:
        try:
            results[name] = export_resource(client, resource_for("orders"), tmp_path, window=window)
        except Exception as error:  # the assertion below shows it
            results[name] = error

    straggler = threading.Thread(target=run, args=("slow", slow))
    straggler.start()
    while not list(tmp_path.rglob(".*.partial")):  # the straggler has its partial file open
        straggler.join(0.01)
        assert straggler.is_alive(), results
    run("quick", quick)
    straggler.join(60)

    assert isinstance(results["quick"], dict), results["quick"]
    assert isinstance(results["slow"], dict), results["slow"]
    assert results["slow"]["files"][0]["path"] == results["quick"]["files"][0]["path"]
    ids = _ids_in(results["slow"])
    assert sorted(ids) == list(range(100, 1100)) and max(ids.values()) == 1
    assert not list(tmp_path.rglob(".*.partial"))
