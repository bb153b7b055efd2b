"""The table a resource loads into: its name, made safe to write into SQL (``TableName``), created from the typed
schema when missing, and given a column for each field it lacks (``ensure_columns``), within the load's transaction.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_bigcommerce.core.load.dialects import SqlDialect, quote
from airflow_provider_bigcommerce.core.load.errors import LoadError
from airflow_provider_bigcommerce.core.schema.records import Field, RecordSchema


@dataclass(frozen=True)
class TableName:
    """``orders`` or ``analytics.orders``: one or two plain names, each quoted where it is written into SQL."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> TableName:
        parts = tuple(text.split("."))
        if not 1 <= len(parts) <= 2 or any(not _plain(part) for part in parts):
            raise LoadError("bad_table_name", table=text)
        return cls(parts)

    def check_fits(self, max_bytes: int | None, database: str) -> None:
        """``LoadError`` ``table_name_too_long`` where the database would cut a part of the name (PostgreSQL keeps
        63 bytes, with only a notice): two long names could become one table."""
        if max_bytes is not None and any(len(part.encode()) > max_bytes for part in self.parts):
            raise LoadError("table_name_too_long", table=str(self), limit=max_bytes, database=database)

    @property
    def sql(self) -> str:
        return ".".join(map(quote, self.parts))

    def temporary(self, role: str, max_bytes: int | None) -> str:
        """The name of one of a load's temporary tables (or of an index on one), quoted: ``_bc_{role}_{name}``
        (temporary tables live in the session's own schema). Where the database cuts names longer than
        ``max_bytes`` (PostgreSQL: 63 bytes, silently;
        https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS), a longer one keeps
        the start of the name and a hash of all of it: the name written is the name the database uses, and two long
        table names do not share one."""
        name = f"_bc_{role}_{self.parts[-1]}"
        if max_bytes is None or len(name.encode()) <= max_bytes:
            return quote(name)
        digest = hashlib.sha256(self.parts[-1].encode()).hexdigest()[:_DIGEST_CHARS]
        start = name.encode()[: max_bytes - _DIGEST_CHARS - 1].decode(errors="ignore")  # whole characters only
        return quote(f"{start}_{digest}")

    def __str__(self) -> str:
        return ".".join(self.parts)


_DIGEST_CHARS = 16  # of a SHA-256 hex digest: 64 bits, no collision between the table names of one database


def _plain(name: str) -> bool:
    return bool(name.strip()) and '"' not in name and not any(unicodedata.category(char) == "Cc" for char in name)


def create_table(cursor: Any, dialect: SqlDialect, table: TableName, schema: RecordSchema) -> None:
    """The table with every column of the schema and its key as primary key, unless it exists."""
    columns = ", ".join(f"{quote(column.name)} {dialect.column_type(column.type)}" for column in schema.columns)
    keys = ", ".join(map(quote, schema.key))
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {table.sql} ({columns}, PRIMARY KEY ({keys}))")


def existing_columns(cursor: Any, table: TableName) -> list[str]:
    """The table's column names, as the database reports them for a query that returns no row."""
    cursor.execute(f"SELECT * FROM {table.sql} WHERE 1 = 0")
    names = [description[0] for description in cursor.description]
    cursor.fetchall()
    return names


def ensure_columns(cursor: Any, dialect: SqlDialect, table: TableName, wanted: Sequence[Field]) -> list[str]:
    """Add a column for each field of ``wanted`` the table lacks (a field new to the schema or to the API);
    return the names added. A column the table has keeps its type: the table is the user's from then on."""
    have = set(existing_columns(cursor, table))
    added = []
    for column in wanted:
        if column.name not in have:
            cursor.execute(
                f"ALTER TABLE {table.sql} ADD COLUMN {quote(column.name)} {dialect.column_type(column.type)}"
            )
            added.append(column.name)
    return added


def create_stage(cursor: Any, dialect: SqlDialect, table: TableName, columns: Sequence[Field]) -> str:
    """A temporary table for one window's rows before they are merged, numbered in arrival order (``_seq``)."""
    typed = ", ".join(f"{quote(column.name)} {dialect.stage_type(column.type)}" for column in columns)
    return _create_temporary(
        cursor, table.temporary("stage", dialect.max_identifier_bytes), f"_seq BIGINT NOT NULL, {typed}"
    )


def create_key_stage(cursor: Any, dialect: SqlDialect, table: TableName, key: Sequence[Field]) -> str:
    """A temporary table for the keys of the rows a load deletes, so that one statement deletes them all."""
    typed = ", ".join(f"{quote(column.name)} {dialect.stage_type(column.type)}" for column in key)
    return _create_temporary(cursor, table.temporary("gone", dialect.max_identifier_bytes), typed)


def _create_temporary(cursor: Any, name: str, columns: str) -> str:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
    return name
