"""What differs between the databases a load writes to (``SqlDialect``): column types, quoting, parameters, how a
transaction starts, how rows reach the staging table, and the merge statement.

Two are known: ``postgresql`` (``INSERT ... ON CONFLICT ... DO UPDATE``, rows staged with ``COPY`` where the driver
offers it: psycopg 3, the Airflow PostgreSQL provider's driver under SQLAlchemy 2) and ``sqlite`` (the same upsert
form, SQLite 3.24+; no exact decimal, so money is ``NUMERIC``, kept to 15 significant digits; timestamps are ISO 8601
UTC text, which SQLite's date functions read). Another database is refused by name (``LoadError``), not guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from airflow_provider_bigcommerce.core.load.errors import LoadError
from airflow_provider_bigcommerce.core.schema.records import Field
from airflow_provider_bigcommerce.core.schema.types import FieldType

LOCK_TIMEOUT_S = 120
_UPSERT_TARGET = "target"  # the upsert's name for the table's current row (its new one is ``excluded``)


def quote(identifier: str) -> str:
    """A SQL identifier in double quotes (the standard form both dialects take), quotes inside doubled."""
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class SqlDialect:
    name: str
    types: dict[str, str]
    placeholder: str
    row_differs: str  # how two row values compare as different, NULLs included
    max_identifier_bytes: int | None  # longer column names are cut by the database: kept in _extra instead

    def column_type(self, kind: FieldType) -> str:
        if kind.kind == "decimal" and "{" in self.types["decimal"]:
            return self.types["decimal"].format(precision=kind.precision, scale=kind.scale)
        return self.types[kind.kind]

    def stage_type(self, kind: FieldType) -> str:
        """A staging column's type: the table's, but JSON stays text there and is parsed once, by the merge."""
        return "TEXT" if kind.kind == "json" else self.column_type(kind)

    def adapter(self, kind: FieldType) -> Callable[[Any], Any] | None:
        """How a typed value reaches the driver, where the driver does not take it as it is; None: as it is."""
        if self.name != "sqlite":
            return None
        return {
            "decimal": _text,
            "timestamp": _iso,
            "date": _iso,
        }.get(kind.kind)

    def begin(self, connection: Any, cursor: Any) -> Callable[[], None]:
        """Start the one transaction a load runs in, DDL included, with bounded waits for locks; return what puts
        the connection's mode back afterwards."""
        if self.name == "sqlite":
            # Python's sqlite3 would run CREATE/ALTER outside any transaction: the load manages it instead.
            level = connection.isolation_level
            connection.isolation_level = None
            cursor.execute("BEGIN IMMEDIATE")  # a second writer waits for the connection's timeout, then fails

            def restore_sqlite() -> None:
                connection.isolation_level = level

            return restore_sqlite
        autocommit = connection.autocommit
        connection.autocommit = False
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'")  # another load's lock is not waited on for ever
        # Large JSON (an order's consignments) is compressed when stored: lz4 (PostgreSQL 14+, where the server is
        # built with it) takes a third less time to load than the default pglz (benchmarks/RESULTS.md "warehouse").
        cursor.execute("SAVEPOINT bc_toast")
        try:
            cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
        except Exception:  # an older server, or one built without lz4: pglz it is
            cursor.execute("ROLLBACK TO SAVEPOINT bc_toast")
        cursor.execute("RELEASE SAVEPOINT bc_toast")

        def restore_postgresql() -> None:
            connection.autocommit = autocommit

        return restore_postgresql

    def stage_rows(self, cursor: Any, stage: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Put ``rows`` into the staging table: ``COPY`` where the driver has it (psycopg 3), else executemany."""
        names = ", ".join(map(quote, columns))
        if self.name == "postgresql" and hasattr(cursor, "copy"):
            with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join([self.placeholder] * len(columns))
        cursor.executemany(f"INSERT INTO {stage} ({names}) VALUES ({marks})", rows)

    def upsert(self, table: str, stage: str, columns: Sequence[Field], key: Sequence[str]) -> str:
        """Insert the staged rows (one per key), update the rows whose values changed.

        Both databases take an alias for the target (``INSERT INTO t AS alias``: PostgreSQL's INSERT synopsis,
        https://www.postgresql.org/docs/current/sql-insert.html; SQLite's insert-stmt since UPSERT came in 3.24.0,
        https://sqlite.org/lang_insert.html), so one name refers to the table's current row in both."""
        names = ", ".join(quote(column.name) for column in columns)
        staged = ", ".join(
            f"CAST({quote(column.name)} AS {self.column_type(column.type)})"
            if self.stage_type(column.type) != self.column_type(column.type)
            else quote(column.name)
            for column in columns
        )
        keys = ", ".join(map(quote, key))
        changing = [column.name for column in columns if column.name not in key]
        assignments = ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in changing)
        current = ", ".join(f"{_UPSERT_TARGET}.{quote(column)}" for column in changing)
        incoming = ", ".join(f"excluded.{quote(column)}" for column in changing)
        return (
            f"INSERT INTO {table} AS {_UPSERT_TARGET} ({names}) "
            f"SELECT {staged} FROM {stage} WHERE true "  # "WHERE": SQLite's parser
            f"ON CONFLICT ({keys}) DO UPDATE SET {assignments} "
            f"WHERE ({current}) {self.row_differs} ({incoming})"
        )


def _text(value: Decimal) -> str:
    return str(value)


def _iso(value: datetime | date) -> str:
    return value.isoformat()


DIALECTS = {
    "postgresql": SqlDialect(
        "postgresql",
        {
            "integer": "BIGINT",
            "number": "DOUBLE PRECISION",
            "decimal": "NUMERIC({precision},{scale})",
            "timestamp": "TIMESTAMPTZ",
            "date": "DATE",
            "boolean": "BOOLEAN",
            "string": "TEXT",
            "json": "JSONB",
        },
        placeholder="%s",
        row_differs="IS DISTINCT FROM",
        max_identifier_bytes=63,
    ),
    "sqlite": SqlDialect(
        "sqlite",
        {
            "integer": "INTEGER",
            "number": "REAL",
            "decimal": "NUMERIC",
            "timestamp": "TEXT",
            "date": "TEXT",
            "boolean": "INTEGER",
            "string": "TEXT",
            "json": "TEXT",
        },
        placeholder="?",
        row_differs="IS NOT",
        max_identifier_bytes=None,
    ),
}
# Names Airflow's connections give these databases (``DbApiHook.dialect_name``, SQLAlchemy's dialect names).
_ALIASES = {"postgres": "postgresql", "postgresql": "postgresql", "sqlite": "sqlite"}


def dialect_for(name: str) -> SqlDialect:
    """The dialect of a database named as SQLAlchemy names it (``postgresql``, ``sqlite``); ``LoadError``
    (``unsupported_database``) for any other."""
    known = _ALIASES.get(name.split("+", 1)[0].lower())
    if known is None:
        raise LoadError("unsupported_database", database=name, supported=sorted(DIALECTS))
    return DIALECTS[known]
