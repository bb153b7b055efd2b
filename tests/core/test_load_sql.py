"""Loading a resource into a real PostgreSQL server (and SQLite): typed columns, merged by key, deletions applied,
one window in one transaction, so that reruns, retries and crashes leave each record exactly once."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bigcommerce_lookalike.changes import Misbehaviour

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, resource_for
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.load.dialects import DIALECTS, dialect_for
from airflow_provider_bigcommerce.core.load.errors import LoadError
from airflow_provider_bigcommerce.core.load.run import BATCH_ROWS, TableLoad, load_resource
from airflow_provider_bigcommerce.core.load.table import TableName
from airflow_provider_bigcommerce.core.schema.catalogue import SCHEMAS

POSTGRES = DIALECTS["postgresql"]
SQLITE = DIALECTS["sqlite"]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(make_sandbox):
    return make_sandbox(seed=7, orders=400, products=60, customers=120, quota=5000)


@pytest.fixture
def schema(postgres_server) -> str:
    """A schema of this test's own in the session's PostgreSQL server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect(autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    return name


@pytest.fixture
def load(postgres_server, client) -> Callable[..., dict[str, Any]]:
    """``load(name, table, **options)``: one load through a connection of its own, as the operator makes one."""

    def run(name: str, table: str, **options: Any) -> dict[str, Any]:
        with postgres_server.connect() as connection:
            return load_resource(client, resource_for(name), connection, POSTGRES, table, **options)

    return run


def _rows(postgres_server, table: str, order: str = "id") -> list[tuple]:
    with postgres_server.connect() as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def _column_types(postgres_server, schema: str, table: str) -> dict[str, str]:
    with postgres_server.connect() as connection:
        found = connection.execute(
            "SELECT column_name, data_type, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        ).fetchall()
    return {
        name: f"{kind}({scale})" if scale is not None and kind == "numeric" else kind for name, kind, scale in found
    }


def _window(store, start: float = 0.0, end: float = 1.0) -> Window:
    first, last = store.data_time_range
    return Window(first + (last - first) * start, first + (last - first) * end)


def test_a_window_loads_typed_columns_and_a_rerun_leaves_each_record_once(store, postgres_server, schema, load):
    table = f"{schema}.orders"
    window = _window(store, 0.2, 0.7)

    first = load("orders", table, window=window)
    before = _rows(postgres_server, table)
    again = load("orders", table, window=window)

    assert first["rows"] == {
        "read": first["records"],
        "inserted": first["records"],
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert first["records"] > 50 and first["verification"]["verified"] is True
    assert again["rows"]["inserted"] == again["rows"]["updated"] == 0
    assert again["rows"]["unchanged"] == first["records"]
    assert _rows(postgres_server, table) == before and len(before) == first["records"]
    types = _column_types(postgres_server, schema, "orders")
    assert types["id"] == "bigint" and types["total_inc_tax"] == "numeric(4)"
    assert types["date_modified"] == "timestamp with time zone" and types["billing_address"] == "jsonb"
    assert types["currency_exchange_rate"] == "numeric(10)" and types["is_deleted"] == "boolean"
    with postgres_server.connect() as connection:
        primary_key = connection.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
            (f'"{schema}"."orders"',),
        ).fetchall()
    assert primary_key == [("id",)]


def test_money_and_dates_arrive_exactly_as_the_api_wrote_them(store, client, postgres_server, schema, load):
    from email.utils import parsedate_to_datetime

    load("orders", f"{schema}.orders", incremental=False)
    api = {order["id"]: order for page in client.walk("v2/orders") for order in page.records}

    with postgres_server.connect() as connection:
        rows = connection.execute(
            f'SELECT id, total_inc_tax, date_modified, billing_address FROM "{schema}".orders'
        ).fetchall()
        total = connection.execute(f'SELECT sum(total_inc_tax) FROM "{schema}".orders').fetchone()[0]
    assert len(rows) == len(api)
    for key, money, moment, address in rows:
        assert money == Decimal(api[key]["total_inc_tax"])
        assert moment == parsedate_to_datetime(api[key]["date_modified"])
        assert address == api[key]["billing_address"]
    assert total == sum(Decimal(order["total_inc_tax"]) for order in api.values())  # exact, not a float sum


def test_rows_whose_values_differ_are_updated_and_missing_keys_inserted(store, postgres_server, schema, load):
    """The table drifted from the store (three rows changed, two gone): the load puts exactly those right."""
    table = f"{schema}.orders"
    load("orders", table, incremental=False)
    with postgres_server.connect() as connection:
        connection.execute(f"UPDATE {table} SET total_inc_tax = 0, status = 'x' WHERE id IN (120, 121, 130)")
        connection.execute(f"DELETE FROM {table} WHERE id IN (140, 141)")
    before = {key: row for key, *row in _rows(postgres_server, table)}

    second = load("orders", table, incremental=False)

    assert second["rows"] == {
        "read": second["records"],
        "inserted": 2,
        "updated": 3,
        "unchanged": second["records"] - 5,
        "deleted": 0,
    }
    after = {key: row for key, *row in _rows(postgres_server, table)}
    assert {key for key in after if after[key] != before.get(key)} == {120, 121, 130, 140, 141}


def test_deletions_between_runs_delete_their_rows(store, postgres_server, schema, load):
    table = f"{schema}.coupons"
    first = load("coupons", table, incremental=False, deletions=True)
    store.changes.plan("v2/coupons", after=0, delete=[3, 7])

    second = load("coupons", table, incremental=False, deletions=True)

    assert first["deletions"]["records"] == 0
    assert second["deletions"]["records"] == 2 and second["rows"]["deleted"] == 2
    keys = [key for (key, *_) in _rows(postgres_server, table)]
    assert 3 not in keys and 7 not in keys and len(keys) == first["records"] - 2


def test_archived_orders_delete_their_rows(store, postgres_server, schema, load):
    table = f"{schema}.orders"
    load("orders", table, incremental=False)
    store.changes.plan("v2/orders", after=0, delete=[104, 230])

    second = load("orders", table, incremental=False, deletions=True)

    assert second["deletions"]["method"] == "archived" and second["rows"]["deleted"] == 2
    # The walk's outcome, as the ids way records its own: no count takes is_deleted (orders.v2.oas2.yml 284-300).
    assert second["deletions"]["verified"] is False
    assert {104, 230}.isdisjoint(key for (key, *_) in _rows(postgres_server, table))


def test_a_load_failing_after_rows_were_staged_leaves_the_table_as_it_was(store, postgres_server, schema, load):
    """Every order is read into the staging table, then the count the list answered does not hold: nothing is
    merged."""
    table = f"{schema}.orders"
    load("orders", table, window=_window(store, 0.0, 0.5))
    before = _rows(postgres_server, table)
    store.changes.misbehave("v2/orders", Misbehaviour(stale_count=-100))  # the count says 500; 400 are there

    with pytest.raises(PagingError):
        load("orders", table, incremental=False)

    assert _rows(postgres_server, table) == before
    store.changes.misbehave("v2/orders", Misbehaviour())
    done = load("orders", table, incremental=False)
    assert done["rows"]["inserted"] == done["records"] - len(before)
    assert len(_rows(postgres_server, table)) == done["records"]


def test_a_first_load_that_fails_leaves_no_table_behind(store, postgres_server, schema, load):
    store.changes.misbehave("v2/orders", Misbehaviour(stale_count=-100))  # the count says 500; 400 are there

    with pytest.raises(PagingError):
        load("orders", f"{schema}.orders", incremental=False)

    assert _column_types(postgres_server, schema, "orders") == {}


def test_a_process_killed_mid_load_leaves_the_table_as_it_was_and_a_retry_loads_each_record_once(
    make_sandbox, postgres_server, schema
):
    """A real crash: the loading process is killed while its transaction holds staged rows; the server rolls it
    back, and the retry loads the window once."""
    store = make_sandbox(seed=3, orders=1500, latency_ms=100, quota=100000)
    table = f"{schema}.orders"
    script = f"""
import sys
from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.load.dialects import DIALECTS
from airflow_provider_bigcommerce.core.load.run import load_resource
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
import psycopg
values = {{"StoreId": {store.store_id!r}, "OAuthAccessToken": {store.access_token!r}, "URL": {store.base_url!r}}}
with BigCommerceClient(ConnectionProperties.from_mapping(values), StaticTokenSource({store.access_token!r})) as client:
    with psycopg.connect({postgres_server.uri!r}, application_name="bc-crash-test") as connection:
        summary = load_resource(client, resource_for("orders"), connection, DIALECTS["postgresql"], {table!r},
                                incremental=False, batch_rows=50)
print(summary["rows"]["inserted"])
"""

    def run() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", script], cwd=REPO_ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, text=True
        )

    loading = run()
    try:
        _wait_for_staged_rows(postgres_server, loading)
        loading.send_signal(signal.SIGKILL)
        loading.wait(timeout=30)
    finally:
        if loading.poll() is None:
            loading.kill()
    assert (
        _column_types(postgres_server, schema, "orders") == {}
    )  # not even the table: it was made in the same transaction

    retry = run()
    out, _ = retry.communicate(timeout=300)
    again = run()
    out_again, _ = again.communicate(timeout=300)

    assert retry.returncode == 0 and int(out) == 1500
    assert again.returncode == 0 and int(out_again) == 0
    assert [key for (key, *_) in _rows(postgres_server, table)] == list(range(100, 1600))


def _wait_for_staged_rows(postgres_server, loading: subprocess.Popen[str]) -> None:
    """Until the loading session has staged rows and is reading the next page: its transaction is open and the
    last statement it ran was a COPY into the staging table."""
    deadline = time.monotonic() + 120
    with postgres_server.connect(autocommit=True) as watcher:
        while time.monotonic() < deadline:
            assert loading.poll() is None, "the load ended before it could be killed"
            (writing,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bc-crash-test' "
                "AND state = 'idle in transaction' AND query LIKE 'COPY%%_bc_stage_%%'"
            ).fetchone()
            if writing:
                return
            time.sleep(0.01)
    raise AssertionError("the load never staged rows")


def test_a_new_field_adds_a_column_instead_of_failing_or_dropping_data(store, client, postgres_server, schema, load):
    """Fields the API sends that the schema does not know (custom_status on orders) get a JSON column; a declared
    field the table lacks (one added to the schema since the table was made) gets its typed column back."""
    table = f"{schema}.orders"
    load("orders", table, incremental=False)
    with postgres_server.connect() as connection:
        connection.execute(f"ALTER TABLE {table} DROP COLUMN refunded_amount")

    again = load("orders", table, incremental=False)

    assert again["columns_added"] == ["refunded_amount"]
    types = _column_types(postgres_server, schema, "orders")
    assert types["custom_status"] == "jsonb" and types["credit_card_type"] == "jsonb"
    assert types["refunded_amount"] == "numeric(4)"
    api = {order["id"]: order for page in client.walk("v2/orders") for order in page.records}
    with postgres_server.connect() as connection:
        rows = connection.execute(f"SELECT id, custom_status, refunded_amount, _extra FROM {table}").fetchall()
    for key, status, refunded, extra in rows:
        assert status == api[key]["custom_status"] and refunded == Decimal(api[key]["refunded_amount"])
        assert extra is None  # nothing left that the table cannot hold
    assert again["rows"]["updated"] == len(rows)  # the refunded_amount column was filled in


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_catalogue_resource_loads_into_postgresql_with_its_key(
    make_sandbox, make_client, postgres_server, schema, name
):
    store = make_sandbox(seed=7, orders=30, products=20, customers=20, quota=5000, consignment_kinds=True)
    with postgres_server.connect() as connection:
        summary = load_resource(
            make_client(store), resource_for(name), connection, POSTGRES, f"{schema}.{name}", incremental=False
        )

    key = ", ".join(SCHEMAS[name].key)
    assert summary["records"] > 0 and summary["rows"]["inserted"] == len(
        _rows(postgres_server, f"{schema}.{name}", key)
    )
    assert summary["extra"]["unconverted"] == {}


def test_sqlite_takes_the_same_load_rerun_and_deletions(store, client, tmp_path):
    path = tmp_path / "shop.db"

    def load(**options: Any) -> dict[str, Any]:
        with sqlite3.connect(path) as connection:
            return load_resource(client, resource_for("coupons"), connection, SQLITE, "coupons", **options)

    first = load(incremental=False, deletions=True)
    again = load(incremental=False, deletions=True)
    store.changes.plan("v2/coupons", after=0, delete=[4])
    third = load(incremental=False, deletions=True)

    assert first["rows"]["inserted"] == first["records"] > 0
    assert again["rows"]["unchanged"] == first["records"] and again["rows"]["inserted"] == 0
    assert third["rows"]["deleted"] == 1
    with sqlite3.connect(path) as connection:
        keys = [key for (key,) in connection.execute("SELECT id FROM coupons ORDER BY id")]
        amount, created = connection.execute("SELECT amount, date_created FROM coupons WHERE id = 1").fetchone()
    assert 4 not in keys and len(keys) == first["records"] - 1
    assert amount == 11 and created.endswith("+00:00")


def test_a_failed_sqlite_load_leaves_no_table_behind(store, client, tmp_path):
    store.changes.misbehave("v2/orders", Misbehaviour(stale_count=-100))  # the count says 500; 400 are there
    path = tmp_path / "shop.db"

    with sqlite3.connect(path) as connection, pytest.raises(PagingError):
        load_resource(client, resource_for("orders"), connection, SQLITE, "orders", incremental=False)

    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize(
    ("table", "code"),
    [("a.b.c", "bad_table_name"), ('or"ders', "bad_table_name"), ("", "bad_table_name"), ("x.", "bad_table_name")],
)
def test_a_table_name_that_could_reach_outside_its_place_is_refused_before_any_request(client, tmp_path, table, code):
    before = client.stats.requests
    with sqlite3.connect(tmp_path / "x.db") as connection, pytest.raises(LoadError) as refused:
        load_resource(client, resource_for("brands"), connection, SQLITE, table, incremental=False)

    assert refused.value.code == code and client.stats.requests == before


def test_a_list_named_by_path_or_an_unknown_database_is_refused(client, tmp_path):
    with sqlite3.connect(tmp_path / "x.db") as connection, pytest.raises(LoadError) as refused:
        load_resource(client, resource_for("mine", path="v2/coupons"), connection, SQLITE, "mine", incremental=False)
    assert refused.value.code == "no_schema"

    with pytest.raises(LoadError) as unknown:
        dialect_for("mssql+pyodbc")
    assert unknown.value.code == "unsupported_database" and unknown.value.facts["database"] == "mssql+pyodbc"
    assert dialect_for("postgres") is POSTGRES and dialect_for("postgresql+psycopg") is POSTGRES


def test_resources_with_deletions_have_a_one_field_key_their_tombstones_name():
    """Tombstones delete by one key (core/load/run.py ``_table_keys``, ``_delete``)."""
    for name, resource in RESOURCES.items():
        if resource.deletions is not None:
            assert SCHEMAS[name].key == (resource.deletions.key,), name


class _StatementLog:
    """A real DB-API connection whose cursors note each statement they send (``execute``, ``executemany``, ``COPY``)
    and pass it on: what the load asks of the database, read where it leaves the process."""

    def __init__(self, connection: Any) -> None:
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "statements", [])

    def cursor(self) -> Any:
        return _LoggingCursor(self._connection.cursor(), self.statements)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __setattr__(self, name: str, value: Any) -> None:  # autocommit, isolation_level: the connection's own
        setattr(self._connection, name, value)


class _LoggingCursor:
    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self._cursor, self._statements = cursor, statements

    def execute(self, statement: str, *args: Any) -> Any:
        self._statements.append(statement)
        return self._cursor.execute(statement, *args)

    def executemany(self, statement: str, rows: Any) -> Any:
        self._statements.append(statement)
        return self._cursor.executemany(statement, rows)

    def copy(self, statement: str) -> Any:
        self._statements.append(statement)
        return self._cursor.copy(statement)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path) -> tuple[Any, Callable[[], Any], str]:
    """(dialect, a function opening a new connection to the test's database, the table's schema prefix)."""
    if request.param == "sqlite":
        return SQLITE, lambda: sqlite3.connect(tmp_path / "shop.db"), ""
    postgres_server = request.getfixturevalue("postgres_server")
    schema = request.getfixturevalue("schema")
    return POSTGRES, postgres_server.connect, f"{schema}."


def test_deleting_many_rows_sends_one_delete_statement_and_no_more_statements_than_deleting_one(
    store, client, database
):
    """Archived orders are tombstones on every run, so their number grows run after run: the load deletes them
    with one statement against their staged keys, not one statement a key."""
    dialect, connect, prefix = database
    table = f"{prefix}orders"
    deleting = f"DELETE FROM {TableName.parse(table).sql} "

    def load() -> tuple[dict[str, Any], list[str]]:
        with contextlib.closing(connect()) as connection:
            logged = _StatementLog(connection)
            summary = load_resource(
                client, resource_for("orders"), logged, dialect, table, incremental=False, deletions=True
            )
        return summary, logged.statements

    load()
    store.changes.plan("v2/orders", after=0, delete=[104])
    one, one_sent = load()
    store.changes.plan("v2/orders", after=0, delete=range(200, 350))
    many, many_sent = load()

    assert one["rows"]["deleted"] == 1 and many["rows"]["deleted"] == 150
    assert many["deletions"]["records"] == 151  # the archived list: 104 again, and the 150 new
    assert [s for s in one_sent if s.startswith(deleting)] == [s for s in many_sent if s.startswith(deleting)]
    assert len([s for s in many_sent if s.startswith(deleting)]) == 1
    assert len(many_sent) == len(one_sent)
    with contextlib.closing(connect()) as connection:
        keys = [key for (key,) in connection.execute(f"SELECT id FROM {TableName.parse(table).sql}").fetchall()]
    assert len(keys) == 400 - 151 and {104, 200, 349}.isdisjoint(keys)


def test_the_last_copy_of_a_key_staged_twice_is_the_one_merged(client, database):
    """A record read twice in one window (a list moving under a read by position) is merged once, as last read,
    even when its copies are in different batches."""
    dialect, connect, prefix = database
    coupons = [record for page in client.walk("v2/coupons") for record in page.records]
    first_copy = {**coupons[3], "name": "first copy"}
    last_copy = {**coupons[3], "name": "last copy"}

    with contextlib.closing(connect()) as connection:
        with TableLoad(
            connection, dialect, TableName.parse(f"{prefix}coupons"), SCHEMAS["coupons"], batch_rows=4
        ) as load:
            load.add([first_copy, *coupons, last_copy])
            done = load.commit()
        names = connection.execute(f"SELECT id, name FROM {prefix}coupons ORDER BY id").fetchall()

    assert done["rows"] == {
        "read": len(coupons) + 2,
        "inserted": len(coupons),
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert len(names) == len(coupons) and dict(names)[coupons[3]["id"]] == "last copy"


@pytest.mark.parametrize("last_part", ["o" * 63, "\u00e9" * 31 + "x"], ids=["63-ascii", "63-bytes-utf8"])
def test_a_table_name_of_63_bytes_loads_with_temporary_names_postgresql_does_not_cut(
    store, client, postgres_server, schema, last_part
):
    """PostgreSQL cuts identifiers past 63 bytes with only a notice: the load's temporary tables (``_bc_stage_``
    and the others, prefixed to the table's name) must fit, so none is cut and two long names never share one."""
    table = f"{schema}.{last_part}"
    notices: list[str] = []

    def load(**options: Any) -> dict[str, Any]:
        with postgres_server.connect() as connection:
            connection.add_notice_handler(lambda notice: notices.append(notice.message_primary))
            return load_resource(client, resource_for("orders"), connection, POSTGRES, table, **options)

    first = load(incremental=False)
    store.changes.plan("v2/orders", after=0, delete=[104, 230])
    second = load(incremental=False, deletions=True)

    assert first["rows"]["inserted"] == 400 and second["rows"]["deleted"] == 2
    assert [notice for notice in notices if "truncated" in notice] == []
    assert len(_rows(postgres_server, TableName.parse(table).sql)) == 398
    names = {TableName.parse(f"{last_part[:-1]}{end}").temporary("stage", 63) for end in "xyz"}
    assert len(names) == 3 and all(len(name.strip('"').encode()) <= 63 for name in names)


def test_a_table_name_postgresql_would_cut_is_refused_before_a_record_is_read(store, client, postgres_server, schema):
    logged = len(store.stats.request_log())

    with postgres_server.connect() as connection, pytest.raises(LoadError) as refused:
        load_resource(client, resource_for("orders"), connection, POSTGRES, f"{schema}.{'o' * 64}", incremental=False)

    assert refused.value.code == "table_name_too_long" and refused.value.facts["limit"] == 63
    assert len(store.stats.request_log()) == logged


def test_a_delete_by_a_composite_key_removes_only_rows_matching_every_part(database):
    """Keys other than ``id`` (channel listings: channel_id and listing_id) delete by all their parts: (1, 11) and
    (2, 10) go, (1, 10) and (2, 11) stay."""
    dialect, connect, prefix = database
    table, schema = TableName.parse(f"{prefix}channel_listings"), SCHEMAS["channel_listings"]
    listings = [{"channel_id": channel, "listing_id": listing} for channel in (1, 2) for listing in (10, 11)]

    with contextlib.closing(connect()) as connection:
        with TableLoad(connection, dialect, table, schema, batch_rows=BATCH_ROWS) as load:
            load.add(listings)
            load.commit()
        with TableLoad(connection, dialect, table, schema, batch_rows=BATCH_ROWS) as load:
            done = load.commit([(1, 11), (2, 10)])
        left = connection.execute(f"SELECT channel_id, listing_id FROM {table.sql} ORDER BY 1, 2").fetchall()

    assert done["rows"]["deleted"] == 2 and [tuple(row) for row in left] == [(1, 10), (2, 11)]
