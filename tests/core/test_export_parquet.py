"""Typed Parquet: every catalogue resource written with its declared schema (core.schema.catalogue), exact money,
UTC timestamps, the same columns in every file, unknown fields kept and reported, files DuckDB, pandas and pyarrow
read as they are, row groups that keep memory flat."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from airflow_provider_bigcommerce.core.errors import ExportError  # noqa: E402
from airflow_provider_bigcommerce.core.export.parquet import ParquetWriter, arrow_schema  # noqa: E402
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, resource_for  # noqa: E402
from airflow_provider_bigcommerce.core.export.run import export_resource  # noqa: E402
from airflow_provider_bigcommerce.core.export.windows import Window  # noqa: E402
from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS  # noqa: E402
from airflow_provider_bigcommerce.core.schema.records import RecordTyper  # noqa: E402

# Fan-outs read one list per parent: a small store keeps them within the quota.
STORE = dict(seed=7, orders=60, products=30, customers=40, quota=5000, consignment_kinds=True)


@pytest.fixture(scope="module")
def store(make_shared_sandbox):
    return make_shared_sandbox(**STORE)


def _parquet(tmp_path: Path, client, name: str, **options):
    manifest = export_resource(client, resource_for(name), tmp_path, file_format="parquet", **options)
    return manifest, pq.read_table(manifest["files"][0]["path"])


def _ndjson(tmp_path: Path, client, name: str, **options) -> list[dict]:
    manifest = export_resource(client, resource_for(name), tmp_path, **options)
    return [json.loads(line) for line in Path(manifest["files"][0]["path"]).read_text().splitlines()]


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_catalogue_resource_is_written_with_its_declared_schema_and_every_value_typed(client, tmp_path, name):
    manifest, table = _parquet(tmp_path, client, name, incremental=False)

    assert manifest["files"][0]["path"].endswith(f"{name}_full.parquet") and manifest["format"] == "parquet"
    assert table.schema.equals(arrow_schema(SCHEMAS[name]), check_metadata=True)
    assert table.num_rows == manifest["records"] > 0
    assert manifest["extra"]["unconverted"] == {}  # every value the lookalike writes fits its declared type
    assert manifest["schema"] == SCHEMAS[name].as_facet()
    for key in SCHEMAS[name].key:
        assert table.column(key).null_count == 0


def test_money_is_an_exact_decimal_and_dates_are_utc_timestamps_equal_to_what_the_api_wrote(client, tmp_path):
    as_written = {order["id"]: order for order in _ndjson(tmp_path / "json", client, "orders", incremental=False)}
    _, table = _parquet(tmp_path / "parquet", client, "orders", incremental=False)

    assert table.schema.field("total_inc_tax").type == pa.decimal128(20, 4)
    assert table.schema.field("date_modified").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("currency_exchange_rate").type == pa.decimal128(28, 10)
    for row in table.to_pylist():
        api = as_written[row["id"]]
        assert row["total_inc_tax"] == Decimal(api["total_inc_tax"]) and str(row["total_inc_tax"]).count(".") == 1
        assert row["date_modified"] == parsedate_to_datetime(api["date_modified"])
        assert row["date_modified"].utcoffset().total_seconds() == 0
        assert row["is_deleted"] is api["is_deleted"]
        assert json.loads(row["billing_address"]) == api["billing_address"]
        assert row["date_shipped"] is None if api["date_shipped"] == "" else row["date_shipped"] is not None


def test_v3_money_numbers_become_the_decimal_they_spell_and_iso_dates_utc(client, tmp_path):
    as_written = {p["id"]: p for p in _ndjson(tmp_path / "json", client, "products", incremental=False)}
    _, table = _parquet(tmp_path / "parquet", client, "products", incremental=False)

    for row in table.to_pylist():
        api = as_written[row["id"]]
        assert row["price"] == Decimal(repr(api["price"]))  # 41.16, not 41.159999999999996589...
        assert row["date_modified"] == datetime.fromisoformat(api["date_modified"]).astimezone(UTC)


def test_every_file_of_a_resource_has_the_same_columns_whatever_its_window_holds(store, client, tmp_path):
    first, last = store.data_time_range
    empty = Window(datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 2, tzinfo=UTC))
    busy = Window(first, last)

    nothing, empty_table = _parquet(tmp_path, client, "orders", window=empty)
    some, busy_table = _parquet(tmp_path, client, "orders", window=busy)

    assert nothing["records"] == 0 and some["records"] > 0
    assert empty_table.schema.equals(busy_table.schema, check_metadata=True)


def test_fields_the_schema_does_not_know_are_kept_in_extra_and_reported_once_per_run(client, tmp_path, caplog):
    """The lookalike writes ``custom_status`` and ``credit_card_type`` on orders, which orders.v2.oas2.yml does
    not document: they are not columns, but no value of them is lost."""
    as_written = {order["id"]: order for order in _ndjson(tmp_path / "json", client, "orders", incremental=False)}
    with caplog.at_level(logging.WARNING):
        manifest, table = _parquet(tmp_path / "parquet", client, "orders", incremental=False)

    assert manifest["extra"]["unknown_fields"] == {"credit_card_type": table.num_rows, "custom_status": table.num_rows}
    for row in table.to_pylist():
        kept = json.loads(row["_extra"])
        api = as_written[row["id"]]
        assert kept == {"custom_status": api["custom_status"], "credit_card_type": api["credit_card_type"]}
    reports = [record for record in caplog.records if "does not know" in record.getMessage()]
    assert len(reports) == 1 and "custom_status" in reports[0].getMessage()


def test_a_value_its_type_cannot_hold_unchanged_is_kept_as_it_came_never_rounded():
    typer = RecordTyper(SCHEMAS["orders"])
    columns = [column.name for column in SCHEMAS["orders"].columns]

    row = dict(
        zip(
            columns,
            typer.row(
                {
                    "id": 5,
                    "total_inc_tax": "12.34567",  # five decimals: not rounded to 12.3457
                    "date_created": "not a date",
                    "date_shipped": "",  # not shipped yet: missing, not unreadable
                    "customer_id": 7.0,  # a whole number declared as number in the file
                    "subtotal_ex_tax": 12.5,
                    "is_deleted": "false",  # a boolean as text is not guessed at
                }
            ),
            strict=True,
        )
    )

    assert row["total_inc_tax"] is None and row["date_created"] is None and row["date_shipped"] is None
    assert row["customer_id"] == 7 and row["subtotal_ex_tax"] == Decimal("12.5000")
    assert json.loads(row["_extra"]) == {
        "total_inc_tax": "12.34567",
        "date_created": "not a date",
        "is_deleted": "false",
    }
    assert typer.report()["unconverted"] == {"total_inc_tax": 1, "date_created": 1, "is_deleted": 1}


def test_files_are_read_as_they_are_by_duckdb_pandas_and_pyarrow(client, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pd = pytest.importorskip("pandas")
    manifest, table = _parquet(tmp_path, client, "orders", incremental=False)
    path = manifest["files"][0]["path"]

    with duckdb.connect() as database:
        total, kind, moment, address = database.execute(
            "SELECT sum(total_inc_tax), typeof(sum(total_inc_tax)), typeof(min(date_modified)), "
            f"min(billing_address->>'$.city') FROM '{path}'"
        ).fetchone()
    frame = pd.read_parquet(path)

    assert total == sum(table.column("total_inc_tax").to_pylist()) and kind.startswith("DECIMAL")
    assert moment == "TIMESTAMP WITH TIME ZONE" and address
    assert len(frame) == manifest["records"] and str(frame["date_modified"].dtype) == "datetime64[us, UTC]"
    assert frame["total_inc_tax"].map(type).eq(Decimal).all()


def test_a_rerun_of_the_same_window_writes_the_same_bytes(client, tmp_path):
    first = export_resource(client, resource_for("products"), tmp_path / "a", incremental=False, file_format="parquet")
    again = export_resource(client, resource_for("products"), tmp_path / "b", incremental=False, file_format="parquet")

    assert Path(first["files"][0]["path"]).read_bytes() == Path(again["files"][0]["path"]).read_bytes()


def test_a_large_window_streams_in_row_groups_holding_one_at_a_time(tmp_path):
    """Memory stays flat: the writer holds at most one row group of typed rows, whatever the record count."""
    records = [
        {"id": key, "name": "x" * 200, "price": 12.5, "date_modified": "2025-01-01T00:00:00+00:00"}
        for key in range(1000)
    ]
    peaks = {}
    for total in (20_000, 80_000):
        with (tmp_path / f"{total}.parquet").open("wb") as raw:
            tracemalloc.start()
            writer = ParquetWriter(raw, SCHEMAS["products"], row_group_rows=2000)
            for start in range(0, total, 1000):
                writer.write({**record, "id": start + record["id"]} for record in records)
            writer.close()
            peaks[total] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert pq.ParquetFile(tmp_path / f"{total}.parquet").metadata.num_row_groups == total // 2000

    assert peaks[80_000] < peaks[20_000] * 1.5  # four times the records, not four times the memory


def test_tombstones_are_written_in_parquet_beside_a_parquet_export(store, client, tmp_path):
    export_resource(client, resource_for("coupons"), tmp_path, incremental=False, deletions=True, file_format="parquet")
    store.changes.plan("v2/coupons", after=0, delete=[3, 7])

    manifest = export_resource(
        client, resource_for("coupons"), tmp_path, incremental=False, deletions=True, file_format="parquet"
    )

    tombstones = pq.read_table(manifest["deletions"]["path"])
    assert manifest["deletions"]["path"].endswith("coupons_deleted_full.parquet")
    assert sorted(tombstones.column("id").to_pylist()) == [3, 7]
    assert tombstones.schema.field("_deleted_at").type == pa.timestamp("us", tz="UTC")


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"compression": "gzip"}, "compression_with_parquet"),
        ({"file_format": "csv"}, "unknown_format"),
    ],
)
def test_a_format_the_export_cannot_write_is_refused_before_any_request(client, tmp_path, options, code):
    before = client.stats.requests
    with pytest.raises(ExportError) as refused:
        export_resource(
            client, resource_for("brands"), tmp_path, incremental=False, **{"file_format": "parquet", **options}
        )

    assert refused.value.code == code and client.stats.requests == before
    assert not list(tmp_path.rglob("*.parquet"))


def test_a_list_named_by_path_has_no_schema_and_is_refused_as_parquet_but_written_as_ndjson(client, tmp_path):
    listed = resource_for("my_coupons", path="v2/coupons")
    with pytest.raises(ExportError) as refused:
        export_resource(client, listed, tmp_path, incremental=False, file_format="parquet")

    assert refused.value.code == "no_schema"
    assert export_resource(client, listed, tmp_path, incremental=False)["records"] > 0


def test_without_pyarrow_parquet_is_refused_with_its_code_and_ndjson_still_works(store, tmp_path):
    """pyarrow is an optional extra: the JSON path keeps working without it."""
    values = {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    script = f"""
import sys
from pathlib import Path
sys.modules["pyarrow"] = None  # as if it were not installed
from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
properties = ConnectionProperties.from_mapping({values!r})
with BigCommerceClient(properties, StaticTokenSource({store.access_token!r})) as client:
    folder = Path({str(tmp_path)!r})
    try:
        export_resource(client, resource_for("brands"), folder, incremental=False, file_format="parquet")
    except ExportError as error:
        print(error.code)
    print(export_resource(client, resource_for("brands"), folder, incremental=False)["records"])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    code, records = done.stdout.split()
    assert code == "parquet_unavailable" and int(records) > 0


def test_ndjson_keeps_every_value_as_the_api_wrote_it(client, tmp_path):
    """The JSON path is unchanged by the typed one: money stays the API's text."""
    manifest = export_resource(client, resource_for("orders"), tmp_path, incremental=False, compression="gzip")
    with gzip.open(manifest["files"][0]["path"], "rt") as lines:
        order = json.loads(lines.readline())

    assert isinstance(order["total_inc_tax"], str) and manifest["format"] == "ndjson" and "schema" not in manifest
