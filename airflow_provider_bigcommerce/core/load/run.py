"""Load one resource's window into a database table, exactly once: typed rows merged by primary key, tombstones
deleting, the whole window in one transaction.

Plain Python over a DB-API connection (the operator gets it from Airflow's hook for the connection). In order,
inside one transaction:

1. the table is created from the resource's typed schema when missing (``core.load.table``);
2. the window's records are read (``core.export.reading``, the export's own read: settle time, window edges,
   paging checks) and typed (``core.schema``) into a temporary staging table, a batch at a time (memory stays flat);
3. with ``deletions``, the deleted records are found as the export finds them, the table's keys standing for the
   previous run's id snapshot (``core.export.tombstones``);
4. the table gets a column for each field it lacks (a field new to the schema, or one the API sends that the
   schema does not know, as JSON), the staged rows are merged (new keys inserted, changed rows updated, the last
   copy of a key read twice wins), the tombstones delete, and the transaction commits.

A failure anywhere rolls everything back: the table is as it was, and a rerun or retry of the window loads it
again; merging by key makes a second load of the same records change nothing. Locks on the table are taken only
in step 4, after the API was read.
"""

from __future__ import annotations

import contextlib
import logging
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from airflow_provider_bigcommerce.core.export.reading import PROGRESS_EVERY_S, Log, ResourceRead
from airflow_provider_bigcommerce.core.export.resources import PagedClient, Resource
from airflow_provider_bigcommerce.core.export.run import report_extra
from airflow_provider_bigcommerce.core.export.tombstones import find_deletions
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.load.dialects import SqlDialect, quote
from airflow_provider_bigcommerce.core.load.errors import LoadError
from airflow_provider_bigcommerce.core.load.table import (
    TableName,
    create_key_stage,
    create_stage,
    create_table,
    ensure_columns,
)
from airflow_provider_bigcommerce.core.schema.catalogue import schema_of
from airflow_provider_bigcommerce.core.schema.records import EXTRA, Field, RecordSchema, RecordTyper
from airflow_provider_bigcommerce.core.schema.types import JSON, json_text

BATCH_ROWS = 1000  # rows typed and held before they go to the staging table (one COPY each)
RESERVED = frozenset(("_seq", EXTRA))


def load_resource(
    client: PagedClient,
    resource: Resource,
    connection: Any,
    dialect: SqlDialect,
    table: str,
    *,
    window: Window | None = None,
    incremental: bool = True,
    deletions: bool = False,
    incomplete_orders: bool = True,
    log: Log | None = None,
    batch_rows: int = BATCH_ROWS,
    progress_every_s: float = PROGRESS_EVERY_S,
) -> dict[str, Any]:
    """Load ``resource``'s records for ``window`` into ``table``; return what was done (plain JSON types).

    ``window``, ``incremental``, ``deletions`` and ``incomplete_orders`` mean what they mean to ``export_resource``.
    Arguments that cannot work raise before any request and leave the database untouched: ``LoadError``
    (``no_schema``, ``bad_table_name``) or ``ExportError``; a window too fresh raises ``WindowNotSettled``.
    A caller that opens the connection for the load builds a ``ResourceLoad`` instead, and opens it only once
    ``check_settled`` has passed.
    """
    load = ResourceLoad(
        client,
        resource,
        table,
        window=window,
        incremental=incremental,
        deletions=deletions,
        incomplete_orders=incomplete_orders,
        log=log,
        batch_rows=batch_rows,
        progress_every_s=progress_every_s,
    )
    return load.into(connection, dialect)


class ResourceLoad:
    """One resource's window, ready to load: built, its arguments are checked (``LoadError``, ``ExportError``; no
    request, no database); ``check_settled`` raises ``WindowNotSettled`` while the window is too fresh, so a
    window that must wait never touches the database; ``into`` loads it through a connection."""

    def __init__(
        self,
        client: PagedClient,
        resource: Resource,
        table: str,
        *,
        window: Window | None = None,
        incremental: bool = True,
        deletions: bool = False,
        incomplete_orders: bool = True,
        log: Log | None = None,
        batch_rows: int = BATCH_ROWS,
        progress_every_s: float = PROGRESS_EVERY_S,
    ) -> None:
        self._log = log or logging.getLogger(__name__)
        self._read = ResourceRead(
            client,
            resource,
            window=window,
            incremental=incremental,
            deletions=deletions,
            incomplete_orders=incomplete_orders,
            log=self._log,
            progress_every_s=progress_every_s,
        )
        schema = schema_of(resource)
        if schema is None:
            raise LoadError("no_schema", resource=resource.name)
        self._schema = schema
        self._table = TableName.parse(table)
        self._client = client
        self._resource = resource
        self._deletions = deletions
        self._batch_rows = batch_rows

    def check_settled(self) -> None:
        self._read.check_settled()

    def into(self, connection: Any, dialect: SqlDialect) -> dict[str, Any]:
        """Load the window into the table through ``connection``, in one transaction; return what was done."""
        read, resource, name, log = self._read, self._resource, self._table, self._log
        name.check_fits(dialect.max_identifier_bytes, dialect.name)  # before a record is read
        read.check_settled()  # again: a caller may not have asked, and a window once settled stays so
        log.info(
            "Loading %s from %s (%s) into %s (%s)", resource.name, resource.path, read.describe(), name, dialect.name
        )
        with TableLoad(connection, dialect, name, self._schema, batch_rows=self._batch_rows) as load:
            for records in read.pages():
                load.add(records)
            found = None
            if self._deletions:
                keys = load.keys()
                found = find_deletions(self._client, resource, lambda: keys, exported_ids=read.exported_ids or ())
            done = load.commit([(tombstone["id"],) for tombstone in found.tombstones] if found else ())
        summary = {
            **read.facts(),
            "table": str(name),
            "database": dialect.name,
            **done,
            "extra": report_extra(load.typer, log, kept_in="columns of their own (JSON; _extra for a name too long)"),
        }
        if found is not None:
            summary["deletions"] = {"records": len(found.tombstones), **found.facts}
        log.info("%s loaded into %s: %s", resource.name, name, summary["rows"])
        return summary


class TableLoad:
    """One transaction writing typed rows into ``table``: ``with TableLoad(...) as load``, then ``add`` records
    (staged a batch at a time), ``keys`` (what the table holds), ``commit`` (columns added, merge, deletes,
    commit). Leaving the block without ``commit``, or by an exception, rolls everything back."""

    def __init__(
        self, connection: Any, dialect: SqlDialect, table: TableName, schema: RecordSchema, *, batch_rows: int
    ) -> None:
        self._connection = connection
        self._dialect = dialect
        self._table = table
        self._schema = schema
        self._batch_rows = batch_rows
        self._cursor: Any = None
        self._restore: Any = None
        self._stage: _Stage | None = None

    def __enter__(self) -> TableLoad:
        self._cursor = self._connection.cursor()
        try:
            self._restore = self._dialect.begin(self._connection, self._cursor)
            create_table(self._cursor, self._dialect, self._table, self._schema)
            self._stage = _Stage(self._cursor, self._dialect, self._table, self._schema, self._batch_rows)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Roll back whatever ``commit`` did not commit, and give the connection its mode back."""
        if self._connection is None:
            return
        with contextlib.suppress(Exception):  # the connection may be what failed: its server rolls back then
            self._connection.rollback()
        with contextlib.suppress(Exception):
            self._cursor.close()
        if self._restore is not None:
            with contextlib.suppress(Exception):  # as above: a failed connection must not hide what failed first
                self._restore()
        self._connection = None

    @property
    def typer(self) -> RecordTyper:
        return self._staged.typer

    @property
    def _staged(self) -> _Stage:
        if self._stage is None:
            raise RuntimeError("TableLoad is used outside its with block")
        return self._stage

    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._staged.add(records)

    def keys(self) -> array:
        """The keys the table holds, ascending: what the previous loads saw, standing for the id snapshot."""
        (key,) = self._schema.key  # resources with deletions have a one-field integer key (tests/core/test_load_sql.py)
        self._cursor.execute(f"SELECT {quote(key)} FROM {self._table.sql} ORDER BY 1")
        keys = array("q")
        while batch := self._cursor.fetchmany(10_000):
            keys.extend(row[0] for row in batch if row[0] is not None)
        return keys

    def commit(self, deleted_keys: Iterable[tuple[Any, ...]] = ()) -> dict[str, Any]:
        """Add the columns the table lacks, merge the staged rows, delete the rows of ``deleted_keys`` (tuples in the
        order of the schema's key), commit; what was done."""
        stage, cursor = self._staged, self._cursor
        stage.flush()
        added = ensure_columns(cursor, self._dialect, self._table, (*self._schema.columns, *stage.promoted))
        rows = _merge(cursor, self._dialect, self._table, stage, self._schema)
        rows["deleted"] = _delete(cursor, self._dialect, self._table, self._schema, list(deleted_keys))
        cursor.execute(f"DROP TABLE {stage.name}")
        self._connection.commit()
        return {"rows": rows, "columns_added": added}


class _Stage:
    """The window's typed rows in a temporary table, in batches; a field the schema does not know gets a column of
    its own (JSON) from its first record on, unless its name cannot be a column (then it stays in ``_extra``)."""

    def __init__(self, cursor: Any, dialect: SqlDialect, table: TableName, schema: RecordSchema, batch_rows: int):
        self._cursor = cursor
        self._dialect = dialect
        self._batch_rows = batch_rows
        self.typer = RecordTyper(schema, promotable=self._promotable)
        self.promoted: list[Field] = []
        self._declared = frozenset(column.name for column in schema.columns)
        adapters = [dialect.adapter(column.type) for column in schema.columns]
        self._adapters = adapters if any(adapters) else []  # PostgreSQL's driver takes every typed value as it is
        self._rows: list[tuple[Any, ...]] = []
        self.staged = 0
        self.name = create_stage(cursor, dialect, table, schema.columns)
        self._schema_columns = schema.columns
        self._columns = ["_seq", *(column.name for column in schema.columns)]

    def _promotable(self, name: str) -> bool:
        limit = self._dialect.max_identifier_bytes
        return name not in RESERVED and name not in self._declared and (limit is None or len(name.encode()) <= limit)

    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            promoted: dict[str, Any] = {}
            row = self.typer.row(record, promoted)
            if self._adapters:
                row = tuple(v if a is None or v is None else a(v) for v, a in zip(row, self._adapters, strict=True))
            for field_name in promoted.keys() - {column.name for column in self.promoted}:
                self._add_column(field_name)
            extra = [json_text(promoted[column.name]) if column.name in promoted else None for column in self.promoted]
            self.staged += 1
            self._rows.append((self.staged, *row, *extra))
            if len(self._rows) >= self._batch_rows:
                self.flush()

    def _add_column(self, field_name: str) -> None:
        self.flush()  # the rows held so far are one column narrower
        column = Field(field_name, JSON)
        self._cursor.execute(
            f"ALTER TABLE {self.name} ADD COLUMN {quote(field_name)} {self._dialect.stage_type(column.type)}"
        )
        self._columns.append(field_name)
        self.promoted.append(column)

    def flush(self) -> None:
        if self._rows:
            self._dialect.stage_rows(self._cursor, self.name, self._columns, self._rows)
            self._rows = []

    @property
    def fields(self) -> list[Field]:
        """The staged columns after ``_seq``: the schema's, then the promoted ones."""
        return [*self._schema_columns, *self.promoted]


def _merge(cursor: Any, dialect: SqlDialect, table: TableName, stage: _Stage, schema: RecordSchema) -> dict[str, int]:
    """Keep the last staged copy of each key, upsert; count what was inserted, updated (values changed) and left
    unchanged."""
    _keep_last_copies(cursor, table.temporary("last", dialect.max_identifier_bytes), stage.name, schema.key)
    distinct = stage.staged - max(cursor.rowcount, 0)
    matches = " AND ".join(f"{table.sql}.{quote(key)} = {stage.name}.{quote(key)}" for key in schema.key)
    cursor.execute(f"SELECT count(*) FROM {stage.name} WHERE EXISTS (SELECT 1 FROM {table.sql} WHERE {matches})")
    (existing,) = cursor.fetchone()
    cursor.execute(dialect.upsert(table.sql, stage.name, stage.fields, schema.key))
    written = max(cursor.rowcount, 0)
    inserted = distinct - existing
    updated = written - inserted
    return {"read": stage.staged, "inserted": inserted, "updated": updated, "unchanged": existing - updated}


def _keep_last_copies(cursor: Any, index: str, stage: str, key: Sequence[str]) -> None:
    """Delete each staged row a later copy of its key follows: a semi-join (``EXISTS``), which PostgreSQL runs as a
    hash join and SQLite through the index made first; without that index SQLite scans the stage once a row (20,000
    rows: 14 s against 0.01 s for the ``NOT IN`` it replaces, which PostgreSQL can hash only within ``work_mem``)."""
    cursor.execute(f"CREATE INDEX {index} ON {stage} ({', '.join(map(quote, key))}, _seq)")
    same_key = " AND ".join(f"later.{quote(column)} = {stage}.{quote(column)}" for column in key)
    later = f"SELECT 1 FROM {stage} AS later WHERE {same_key} AND later._seq > {stage}._seq"
    cursor.execute(f"DELETE FROM {stage} WHERE EXISTS ({later})")


def _delete(
    cursor: Any, dialect: SqlDialect, table: TableName, schema: RecordSchema, keys: list[tuple[Any, ...]]
) -> int:
    """Delete the rows of ``keys`` (tuples in the order of the schema's key) in one statement however many there are:
    the keys go into a temporary table (one ``COPY``, or one ``executemany``) the ``DELETE`` joins."""
    if not keys:
        return 0
    fields = {column.name: column for column in schema.columns}
    gone = create_key_stage(cursor, dialect, table, [fields[name] for name in schema.key])
    dialect.stage_rows(cursor, gone, schema.key, keys)
    matches = " AND ".join(f"{table.sql}.{quote(key)} = {gone}.{quote(key)}" for key in schema.key)
    cursor.execute(f"DELETE FROM {table.sql} WHERE EXISTS (SELECT 1 FROM {gone} WHERE {matches})")
    deleted = max(cursor.rowcount, 0)
    cursor.execute(f"DROP TABLE {gone}")
    return deleted
