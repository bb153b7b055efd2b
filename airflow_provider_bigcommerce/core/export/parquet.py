"""The Parquet writer: typed records (``core.schema``) into one file, a row group at a time, so memory stays flat.

pyarrow is optional (``pip install 'airflow-provider-bigcommerce[parquet]'``): it is imported when a Parquet file is
opened, and its absence is an ``ExportError`` (``parquet_unavailable``) before any request.

Every file of a resource has the Arrow schema of its ``RecordSchema``, whatever the window holds; the schema's
metadata names the resource and its key (``bigcommerce.resource``, ``bigcommerce.key``). Columns are compressed
with zstd, which DuckDB, pandas (pyarrow), Spark and every warehouse loader read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.schema.records import RecordSchema, RecordTyper

ROW_GROUP_ROWS = 20_000  # rows held before they are written: a few MB for the widest resource (orders)
CODEC = "zstd"


def require_pyarrow() -> Any:
    """The ``pyarrow`` module, or ``ExportError(code="parquet_unavailable")`` where it is not installed."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (the writer's module, loaded with its package)
    except ImportError:
        raise ExportError("parquet_unavailable") from None
    return pyarrow


def arrow_schema(schema: RecordSchema) -> Any:
    pa = require_pyarrow()
    fields = [pa.field(column.name, column.type.arrow()) for column in schema.columns]
    metadata = {"bigcommerce.resource": schema.resource, "bigcommerce.key": ",".join(schema.key)}
    return pa.schema(fields, metadata=metadata)


class ParquetWriter:
    """Writes records typed by ``schema`` into a binary stream as Parquet. Counts what it wrote; ``typer`` counts
    what went to ``_extra``."""

    def __init__(self, raw: BinaryIO, schema: RecordSchema, *, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        pa = require_pyarrow()
        self._pa = pa
        self._schema = arrow_schema(schema)
        self._types = [field.type for field in self._schema]
        self._writer = pa.parquet.ParquetWriter(raw, self._schema, compression=CODEC)
        self._rows: list[tuple[Any, ...]] = []
        self._row_group_rows = row_group_rows
        self.typer = RecordTyper(schema)
        self.records = 0

    def write(self, records: Iterable[Mapping[str, Any]]) -> int:
        written = 0
        for record in records:
            self._rows.append(self.typer.row(record))
            written += 1
            if len(self._rows) >= self._row_group_rows:
                self._flush()
        self.records += written
        return written

    def close(self) -> None:
        """Writes the last row group and the footer (a file with no record still has the schema)."""
        self._flush()
        self._writer.close()

    def _flush(self) -> None:
        if not self._rows:
            return
        columns = zip(*self._rows, strict=True)
        arrays = [self._pa.array(values, type=kind) for values, kind in zip(columns, self._types, strict=True)]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._rows = []
