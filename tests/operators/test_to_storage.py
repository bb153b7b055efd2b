"""BigCommerceToStorageOperator through dag.test() against the lookalike: windows, files, reruns, manifests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.export_files import read_records

CONN_ID = "bc_export_pat"
PATHS = {"orders": "v2/orders", "products": "v3/catalog/products", "customers": "v3/customers"}


def _modified(record: dict[str, Any]) -> datetime:
    value = record["date_modified"]
    return parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def store_records(sandbox: Any) -> dict[str, list[dict[str, Any]]]:
    """Every order, product and customer of the lookalike, read without any filter: the truth to compare with."""
    properties = ConnectionProperties.from_mapping(
        {"StoreId": sandbox.store_id, "OAuthAccessToken": sandbox.access_token, "URL": sandbox.base_url}
    )
    with BigCommerceClient(properties, token_source_for(properties)) as client:
        return {name: list(client.paginate(path)) for name, path in PATHS.items()}


def _ids_between(records: Iterable[dict[str, Any]], start: datetime, end: datetime) -> list[int]:
    return sorted(record["id"] for record in records if start <= _modified(record) < end)


def _tree(folder: Path) -> dict[str, bytes]:
    """The data files under ``folder``; not the windows' manifests (``_..._manifest.json``), which record when they
    were written, so a rerun's differ."""
    paths = [path for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.endswith("_manifest.json")]
    return {str(path.relative_to(folder)): path.read_bytes() for path in paths}


@pytest.fixture
def export_env(sandbox: Any, pat_extra: dict[str, str], tmp_path: Path, connection_env: Callable) -> dict[str, str]:
    return {
        **connection_env(CONN_ID, sandbox, pat_extra),
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": CONN_ID,
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION": str(tmp_path / "export"),
    }


def _busiest_day(store_records: dict[str, list[dict[str, Any]]]) -> datetime:
    """A day holding orders, products and customers (the lookalike's data does not follow the wall clock)."""
    days = {_modified(record).replace(hour=0, minute=0, second=0) for record in store_records["products"]}

    def smallest_count(day: datetime) -> int:
        return min(len(_ids_between(records, day, day + timedelta(days=1))) for records in store_records.values())

    return max(sorted(days), key=smallest_count)


@pytest.mark.compat
def test_daily_export_writes_exactly_the_records_modified_in_the_interval_and_a_rerun_replaces_them(
    run_dag: Callable[..., Any],
    export_env: dict[str, str],
    store_records: dict[str, list[dict[str, Any]]],
    sandbox: Any,
    pat_extra: dict[str, str],
    tmp_path: Path,
    assert_no_secret: Callable[[str, list[str]], None],
):
    day = _busiest_day(store_records)
    logical_date = (day + timedelta(days=1)).isoformat()  # a data-interval timetable's run covers the day before
    requests_before = sandbox.stats.requests

    first = run_dag("bigcommerce_incremental_export", env=export_env, logical_date=logical_date)

    requests_made = sandbox.stats.requests - requests_before
    assert first.state == "success", first.failure()
    assert (first.data_interval_start, first.data_interval_end) == (
        day.isoformat(),
        (day + timedelta(days=1)).isoformat(),
    )
    manifests = {manifest["resource"]: manifest for manifest in (first.xcom(f"export[{i}]") for i in range(3))}
    assert set(manifests) == set(PATHS)
    for name, manifest in manifests.items():
        expected = _ids_between(store_records[name], day, day + timedelta(days=1))
        assert expected, f"the chosen day has no {name}"
        [file] = manifest["files"]
        assert file["path"].endswith(f"{name}_{day:%Y%m%d}T000000Z_{day + timedelta(days=1):%Y%m%d}T000000Z.ndjson.gz")
        written = read_records(file["path"])
        assert sorted(record["id"] for record in written) == expected
        assert manifest["records"] == file["records"] == len(written)
        assert file["bytes"] == Path(file["path"]).stat().st_size
        assert manifest["mode"] == "incremental" and manifest["compression"] == "gzip"
        assert manifest["responses_429"] == 0 and manifest["requests"] >= manifest["pages"] >= 1
        beside = Path(file["path"]).with_name(f"_{name}_{day:%Y%m%d}T000000Z_{day + timedelta(days=1):%Y%m%d}T000000Z")
        assert json.loads(Path(f"{beside}_manifest.json").read_text()) == manifest  # the XCom, beside the file
    # Every API request of the run is in some manifest: the export is the only client of the lookalike here.
    assert sum(manifest["requests"] for manifest in manifests.values()) == requests_made
    orders = read_records(manifests["orders"]["files"][0]["path"])
    assert all(order["consignments"]["shipping"][0]["line_items"][0]["order_id"] == order["id"] for order in orders)
    assert [row["resource"] for row in first.xcom("summarize")] == list(PATHS)
    assert_no_secret(first.all_xcom_json, [pat_extra["oauth_access_token"]])

    export = tmp_path / "export"
    files_after_first = _tree(export)
    second = run_dag("bigcommerce_incremental_export", env=export_env, logical_date=logical_date)
    assert second.state == "success", second.failure()
    # Same names, same bytes (gzip without a timestamp), nothing added: no duplicates and no partial files.
    assert _tree(export) == files_after_first
    assert len(files_after_first) == 3 + 1  # and the marker naming the store the folder holds
    assert json.loads(files_after_first["_bigcommerce_store.json"])["store_id"] == pat_extra["store_id"]


def test_a_store_whose_counts_ignore_date_filters_still_exports_exactly_the_days_orders(
    run_dag: Callable[..., Any],
    export_env: dict[str, str],
    store_records: dict[str, list[dict[str, Any]]],
    sandbox: Any,
):
    """docs/open-questions.md "Count date filters": the orders count answers every order, whatever the window."""
    day = _busiest_day(store_records)
    sandbox.readings.update(count_date_filters="ignored")
    try:
        run = run_dag(
            "bigcommerce_incremental_export", env=export_env, logical_date=(day + timedelta(days=1)).isoformat()
        )
    finally:
        sandbox.readings.update(count_date_filters="applied")

    assert run.state == "success", run.failure()
    [orders] = [manifest for i in range(3) if (manifest := run.xcom(f"export[{i}]"))["resource"] == "orders"]
    written = read_records(orders["files"][0]["path"])
    assert sorted(order["id"] for order in written) == _ids_between(
        store_records["orders"], day, day + timedelta(days=1)
    )
    assert orders["verification"]["expected"] is None  # no count describes the day: none is claimed


def test_every_other_resource_a_named_path_and_exact_window_bounds(
    run_dag: Callable[..., Any],
    export_env: dict[str, str],
    store_records: dict[str, list[dict[str, Any]]],
    tmp_path: Path,
):
    orders = sorted(store_records["orders"], key=_modified)
    products = sorted(store_records["products"], key=_modified)
    # A window that starts exactly at one order's date_modified and ends exactly at one product's: the first
    # belongs to it, the second does not ([since, until) on whole seconds).
    first_order = orders[len(orders) // 3]
    last_product = next(p for p in products if _modified(p) > _modified(first_order) + timedelta(days=20))
    since, until = _modified(first_order), _modified(last_product)
    destination = tmp_path / "resources"
    conf = {
        "bigcommerce_conn_id": CONN_ID,
        "destination": str(destination),
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    day = datetime(2025, 5, 2, tzinfo=UTC)

    run = run_dag("bc_test_export_resources", env=export_env, logical_date=day.isoformat(), conf=conf)

    assert run.state == "success", run.failure()
    by_path = run.xcom("export_by_path")
    written_orders = read_records(by_path["files"][0]["path"])
    assert sorted(o["id"] for o in written_orders) == _ids_between(orders, since, until)
    assert first_order["id"] in {o["id"] for o in written_orders}
    assert "consignments" not in written_orders[0]  # the named path carries only the parameters given
    # one second beyond each edge: the window keeps its own seconds whatever the store's bounds mean
    assert by_path["filter"]["min_date_modified"] == (since - timedelta(seconds=1)).strftime(
        "%a, %d %b %Y %H:%M:%S +0000"
    )
    assert by_path["files"][0]["path"].endswith(".ndjson")
    products_manifest = run.xcom("export_products")
    written_products = read_records(products_manifest["files"][0]["path"])
    assert sorted(p["id"] for p in written_products) == _ids_between(products, since, until)
    assert last_product["id"] not in {p["id"] for p in written_products}
    assert products_manifest["filter"]["date_modified:max"] == until.isoformat()
    assert products_manifest["edges"]["outside"] >= 1  # the product exactly at until came back and was left out

    full = {run.xcom(f"export[{i}]")["resource"]: run.xcom(f"export[{i}]") for i in range(4)}
    for name in ("variants", "brands", "category_trees"):
        assert full[name]["mode"] == "full" and full[name]["filter"] is None
        assert full[name]["records"] == len(read_records(full[name]["files"][0]["path"])) > 0
    addresses = full["order_shipping_addresses"]
    assert addresses["mode"] == "incremental"  # by the run's data interval: the day before its logical date
    expected_orders = _ids_between(orders, day - timedelta(days=1), day)
    assert expected_orders, "the run's day has no orders"
    written_addresses = read_records(addresses["files"][0]["path"])
    assert sorted(a["order_id"] for a in written_addresses) == expected_orders
    assert all("line_items" not in address and address["street_1"] for address in written_addresses)


def test_a_templated_name_out_of_the_destination_and_a_file_as_destination_fail_in_words(
    run_dag: Callable[..., Any],
    sandbox: Any,
    pat_extra: dict[str, str],
    connection_env: Callable,
    tmp_path: Path,
):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file")
    conf = {
        "bigcommerce_conn_id": CONN_ID,
        "resource": "../../x",
        "destination": str(tmp_path / "a" / "b" / "destination"),
        "blocked_destination": str(blocker),
    }

    run = run_dag("bc_test_export_refusals", env=connection_env(CONN_ID, sandbox, pat_extra), conf=conf)

    assert (run.task_state("templated_name"), run.task_state("unwritable_destination")) == ("failed", "failed")
    assert "The resource name '../../x' holds a '/'" in run.output, run.failure()
    assert f"Cannot write {blocker}/_bigcommerce_store.json: a file stands where a folder is needed" in run.output
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == [blocker]
    assert blocker.read_text() == "a file"
