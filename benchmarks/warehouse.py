"""Warehouse: typed Parquet against NDJSON, and the exactly-once load into PostgreSQL against a per-row INSERT loop,
with one store's quota as the ceiling of the whole pipeline.

The orders (the widest records: 70 fields, line items inline) are read once from the lookalike, then, side by side
in this process:

- **write**: the same orders through the NDJSON writer (plain and gzip) and the Parquet writer (typed, zstd) into
  files; records per CPU second (``time.process_time``: one core's work) and bytes per record;
- **load**: the same orders into a real PostgreSQL server (``benchmarks.postgres``, a fresh empty table each):
  ``core.load``'s ``TableLoad`` (typed rows ``COPY``-ed into a staging table, one ``INSERT ... ON CONFLICT`` merge,
  one commit), against a loop of one ``INSERT ... ON CONFLICT DO UPDATE`` per row (what ``DbApiHook.insert_rows``
  with ``replace=True`` does), one commit at the end; rows per wall second, typing included in both.

The ceiling: a Standard store answers 150 requests per 30 s, 250 orders each, so no pipeline reads more than
1,250 orders a second from one store. The target: the load keeps up with ten stores' quotas (12,500 orders a
second), so it never becomes the bottleneck below them.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.lookalike import LookalikeProcess
from benchmarks.report import BenchmarkResult, Check, ratio_text

NAME = "warehouse"
STANDARD_QUOTA, STANDARD_WINDOW_S, PAGE = 150, 30.0, 250
STORE_CEILING = STANDARD_QUOTA / STANDARD_WINDOW_S * PAGE  # orders a second one store can give
STORES = 10


def _orders(count: int) -> list[dict[str, Any]]:
    """``count`` orders as the export reads them (line items inline), from a lookalike with no practical quota."""
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.export.resources import resource_for
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    with LookalikeProcess(seed=41, orders=count, products=200, customers=400, quota=1_000_000) as store:
        properties = ConnectionProperties.from_mapping(
            {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
        )
        orders = resource_for("orders")
        with BigCommerceClient(properties, StaticTokenSource(store.access_token)) as client:
            return [record for page in client.walk(orders.path, dict(orders.params)) for record in page.records]


def _write(kind: str, orders: list[dict[str, Any]]) -> tuple[float, int]:
    """(CPU seconds, bytes) to write ``orders`` as ``kind``: ``ndjson``, ``ndjson.gz`` or ``parquet``. A first
    pass over a few pages warms the writer up (pyarrow loads its kernels on first use), untimed."""
    from airflow_provider_bigcommerce.core.export.files import NdjsonWriter
    from airflow_provider_bigcommerce.core.export.parquet import ParquetWriter
    from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS

    def write(records: list[dict[str, Any]]) -> int:
        raw = io.BytesIO()
        if kind == "parquet":
            writer: Any = ParquetWriter(raw, SCHEMAS["orders"])
        else:
            writer = NdjsonWriter(raw, compression="gzip" if kind.endswith(".gz") else None, inner_name="o.ndjson")
        for start in range(0, len(records), PAGE):
            writer.write(records[start : start + PAGE])
        writer.close()
        return raw.tell()

    write(orders[: 4 * PAGE])
    started = time.process_time()
    size = write(orders)
    return time.process_time() - started, size


def _typing_seconds(orders: list[dict[str, Any]]) -> float:
    """CPU seconds to type ``orders`` (what both loads do before the database sees a row)."""
    from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS
    from airflow_provider_bigcommerce.core.schema.records import RecordTyper

    typer = RecordTyper(SCHEMAS["orders"])
    started = time.process_time()
    for order in orders:
        typer.row(order)
    return time.process_time() - started


def _backend_cpu_s(connection: Any) -> float:
    """CPU seconds the PostgreSQL server process of ``connection`` has used so far (user and system)."""
    (pid,) = connection.execute("SELECT pg_backend_pid()").fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14 and 15)


def _load_merged(server: Any, orders: list[dict[str, Any]], table: str) -> tuple[float, float]:
    """(wall seconds, the server's CPU seconds) for ``TableLoad``: stage with COPY, merge once, commit once."""
    from airflow_provider_bigcommerce.core.load.dialects import DIALECTS
    from airflow_provider_bigcommerce.core.load.run import BATCH_ROWS, TableLoad
    from airflow_provider_bigcommerce.core.load.table import TableName
    from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS

    with server.connect() as connection:
        server_cpu = _backend_cpu_s(connection)
        connection.commit()
        started = time.perf_counter()
        with TableLoad(
            connection, DIALECTS["postgresql"], TableName.parse(table), SCHEMAS["orders"], batch_rows=BATCH_ROWS
        ) as load:
            for start in range(0, len(orders), PAGE):
                load.add(orders[start : start + PAGE])
            done = load.commit()
        seconds = time.perf_counter() - started
        server_cpu = _backend_cpu_s(connection) - server_cpu
    if done["rows"]["inserted"] != len(orders):
        raise AssertionError(f"TableLoad inserted {done['rows']['inserted']} of {len(orders)} orders")
    return seconds, server_cpu


def _load_row_by_row(server: Any, orders: list[dict[str, Any]], table: str) -> float:
    """Wall seconds for one ``INSERT ... ON CONFLICT DO UPDATE`` per typed row, one commit at the end."""
    from airflow_provider_bigcommerce.core.load.dialects import DIALECTS, quote
    from airflow_provider_bigcommerce.core.load.table import TableName, create_table
    from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS
    from airflow_provider_bigcommerce.core.schema.records import RecordTyper

    schema, dialect, name = SCHEMAS["orders"], DIALECTS["postgresql"], TableName.parse(table)
    names = [column.name for column in schema.columns]
    statement = (
        f"INSERT INTO {name.sql} ({', '.join(map(quote, names))}) VALUES ({', '.join(['%s'] * len(names))}) "
        f"ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in names if column != "id")
    )
    typer = RecordTyper(schema)
    with server.connect() as connection:
        create_table(connection.cursor(), dialect, name, schema)
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for order in orders:
                cursor.execute(statement, typer.row(order))
        connection.commit()
        seconds = time.perf_counter() - started
        (count,) = connection.execute(f"SELECT count(*) FROM {name.sql}").fetchone()
    if count != len(orders):
        raise AssertionError(f"the per-row loop left {count} of {len(orders)} orders")
    return seconds


def run(*, orders: int = 20_000) -> BenchmarkResult:
    from benchmarks.postgres import PostgresServer

    began = time.monotonic()
    result = BenchmarkResult(NAME, f"{orders:,} orders: typed Parquet vs NDJSON, and loading into PostgreSQL")
    records = _orders(orders)
    count = len(records)
    result.columns = ["what", "records/s", "bytes/record", "x one store's quota"]
    written = {kind: _write(kind, records) for kind in ("ndjson", "ndjson.gz", "parquet")}
    rates = {kind: count / seconds for kind, (seconds, _) in written.items()}
    sizes = {kind: size / count for kind, (_, size) in written.items()}
    typing = _typing_seconds(records)
    with PostgresServer() as server:
        with server.connect(autocommit=True) as connection:
            connection.execute("CREATE SCHEMA bench")
        merged_s, server_s = _load_merged(server, records, "bench.orders_merged")
        row_by_row_s = _load_row_by_row(server, records, "bench.orders_rows")
    merged, row_by_row = count / merged_s, count / row_by_row_s
    database = count / max(server_s, 1e-9)  # what the database itself spends: staging, merge, commit
    table = [
        *((f"write {kind} (one core)", rates[kind], f"{sizes[kind]:,.0f}") for kind in written),
        ("type orders (one core)", count / typing, ""),
        ("load: TableLoad, typing included", merged, ""),
        ("load: the database server's part, per core", database, ""),
        ("load: per-row INSERT loop, typing included", row_by_row, ""),
    ]
    result.rows = [[what, f"{rate:,.0f}", size, f"{rate / STORE_CEILING:.1f}"] for what, rate, size in table]
    result.figures = {
        "parquet_records_per_cpu_s": rates["parquet"],
        "ndjson_records_per_cpu_s": rates["ndjson"],
        "ndjson_gzip_records_per_cpu_s": rates["ndjson.gz"],
        "parquet_bytes_per_record": sizes["parquet"],
        "ndjson_bytes_per_record": sizes["ndjson"],
        "ndjson_gzip_bytes_per_record": sizes["ndjson.gz"],
        "typing_records_per_cpu_s": count / typing,
        "load_rows_per_s": merged,
        "load_database_rows_per_s": database,
        "row_by_row_rows_per_s": row_by_row,
        "store_ceiling_records_per_s": STORE_CEILING,
    }
    ceiling = STORES * STORE_CEILING
    result.checks = [
        Check(
            f"load: rows per CPU second of the database vs {STORES} stores' quotas",
            f"{database:,.0f}/s",
            f">= {ceiling:,.0f}/s",
            database >= ceiling,
            baseline=f"per-row loop {row_by_row:,.0f}/s",
            ratio=ratio_text(merged, row_by_row),
        ),
        Check(
            "load (typing included) vs one store's quota",
            f"{merged:,.0f}/s",
            f">= {STORE_CEILING:,.0f}/s",
            merged >= STORE_CEILING,
        ),
        Check(
            "Parquet write per core vs one store's quota",
            f"{rates['parquet']:,.0f}/s",
            f">= {STORE_CEILING:,.0f}/s",
            rates["parquet"] >= STORE_CEILING,
            baseline=f"NDJSON gzip {rates['ndjson.gz']:,.0f}/s",
            ratio=ratio_text(rates["parquet"], rates["ndjson.gz"]),
        ),
        Check(
            "Parquet bytes per record",
            f"{sizes['parquet']:,.0f}",
            "informative",
            None,
            baseline=f"NDJSON gzip {sizes['ndjson.gz']:,.0f}",
            ratio=ratio_text(sizes["parquet"], sizes["ndjson.gz"]),
        ),
    ]
    result.notes = [
        f"One store's quota (Standard plan: {STANDARD_QUOTA} requests per {STANDARD_WINDOW_S:.0f} s, {PAGE} orders "
        f"a request) gives at most {STORE_CEILING:,.0f} orders a second; the last column is each rate over it.",
        "Writes and typing are timed in CPU seconds of this process (one core); loads in wall seconds, PostgreSQL on "
        "the same two cores (fsync off for both loads). Each store's load is a task of its own that types its rows "
        "while its next page is awaited (one store gives 1,250 a second; one core types over ten times that); what "
        "ten stores' loads share is the database, whose part is the CPU time of its server process for the load.",
    ]
    result.seconds = time.monotonic() - began
    return result


FULL = {"orders": 20_000}
QUICK = {"orders": 5_000}
