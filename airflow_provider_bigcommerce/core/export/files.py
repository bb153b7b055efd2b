"""What an export writes and how: file names per resource and window, the atomic replacement of a file, the
newline-delimited JSON writer (optionally gzip), and which writer a file format takes (``open_writer``)."""

from __future__ import annotations

import contextlib
import gzip
import json
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from airflow_provider_bigcommerce.core.errors import BigCommerceError, ExportError
from airflow_provider_bigcommerce.core.export.destination import storage_error

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.export.parquet import ParquetWriter
    from airflow_provider_bigcommerce.core.export.resources import Resource
    from airflow_provider_bigcommerce.core.export.windows import Window
    from airflow_provider_bigcommerce.core.schema.records import RecordSchema

COMPRESSIONS = ("gzip",)
FILE_FORMATS = ("ndjson", "parquet")
STALE_PARTIAL_S = 6 * 3600  # a partial file untouched this long belongs to a run that died


class StoragePath(Protocol):
    """What the export needs of a destination: ``pathlib.Path``, ``upath.UPath`` and ``ObjectStoragePath`` all fit."""

    @property
    def name(self) -> str: ...

    @property
    def parent(self) -> StoragePath: ...

    def __truediv__(self, other: str) -> StoragePath: ...

    def open(self, mode: str = ...) -> Any: ...

    def mkdir(self, parents: bool = ..., exist_ok: bool = ...) -> None: ...

    def rename(self, target: Any) -> Any: ...

    def unlink(self, missing_ok: bool = ...) -> None: ...

    def glob(self, pattern: str) -> Iterable[StoragePath]: ...

    def stat(self) -> Any: ...


def export_file_name(
    resource: Resource, window: Window | None, compression: str | None, file_format: str = "ndjson"
) -> str:
    """``orders/orders_20240101T000000Z_20240102T000000Z.ndjson.gz``: the same window always gets the same name."""
    return f"{resource.name}/{_stem(resource, window)}{file_suffix(file_format, compression)}"


def file_suffix(file_format: str, compression: str | None) -> str:
    """``.ndjson``, ``.ndjson.gz`` or ``.parquet`` (compressed inside, column by column)."""
    if file_format == "parquet":
        return ".parquet"
    return ".ndjson" + (".gz" if compression == "gzip" else "")


def check_file_format(file_format: str, compression: str | None, schema: RecordSchema | None, resource: str) -> None:
    """Refuse, before any request, a format this export cannot write: ``ExportError`` with ``code``
    ``unknown_format``, ``compression_with_parquet`` (Parquet compresses inside), ``no_schema`` (a list named by
    path has no declared schema to type it) or ``parquet_unavailable`` (no pyarrow)."""
    if file_format not in FILE_FORMATS:
        raise ExportError("unknown_format", file_format=file_format, choices=FILE_FORMATS)
    if file_format != "parquet":
        return
    if compression is not None:
        raise ExportError("compression_with_parquet", compression=compression)
    if schema is None:
        raise ExportError("no_schema", resource=resource)
    from airflow_provider_bigcommerce.core.export.parquet import require_pyarrow

    require_pyarrow()


def open_writer(
    raw: BinaryIO, file_format: str, *, compression: str | None, inner_name: str, schema: RecordSchema | None
) -> NdjsonWriter | ParquetWriter:
    """The writer of ``file_format`` over ``raw`` (checked by ``check_file_format``)."""
    if file_format == "parquet" and schema is not None:
        from airflow_provider_bigcommerce.core.export.parquet import ParquetWriter

        return ParquetWriter(raw, schema)
    return NdjsonWriter(raw, compression=compression, inner_name=inner_name)


def manifest_file_name(resource: Resource, window: Window | None) -> str:
    """``orders/_orders_20240101T000000Z_20240102T000000Z_manifest.json``, beside the window's files.

    The leading underscore keeps it out of a folder read as data: Spark, Hive and their kin skip such files, as
    they skip ``_SUCCESS``.
    """
    return f"{resource.name}/_{_stem(resource, window)}_manifest.json"


def _stem(resource: Resource, window: Window | None) -> str:
    return f"{resource.name}_{window.label()}" if window is not None else f"{resource.name}_full"


@contextmanager
def atomic_file(target: StoragePath) -> Iterator[BinaryIO]:
    """Open a hidden partial file beside ``target``; on success replace ``target`` with it in one step.

    Readers see the old file or the complete new one, never a partial one: a local rename is atomic, and an
    object store only publishes an object once its upload (or server-side move) completes. On failure the
    partial file is removed. A partial left by a killed process is removed by a later success once it is
    ``STALE_PARTIAL_S`` old, so a run of the same window still writing beside this one keeps its file.

    What the storage raises (on the folder, the file, a write, the upload, the rename) becomes a
    ``DestinationError``; any other error of the caller's work passes unchanged.
    """
    parent = target.parent
    partial = parent / f".{target.name}.{uuid.uuid4().hex}.partial"
    in_callers_work = False
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as raw:
            in_callers_work = True
            yield raw
            in_callers_work = False
        # rename, not replace: fsspec paths (UPath) only implement rename, which overwrites there as os.rename
        # does on POSIX (atomically within one directory).
        partial.rename(target)
    except BaseException as error:
        with contextlib.suppress(Exception):  # the storage may be what failed; a stale partial goes later
            partial.unlink(missing_ok=True)
        if _from_storage(error, in_callers_work):
            raise storage_error(target, error) from error
        raise
    for leftover in parent.glob(f".{target.name}.*.partial"):
        _remove_if_stale(leftover)


def _from_storage(error: BaseException, in_callers_work: bool) -> bool:
    """Whether ``error`` is the storage's: anything but our own errors outside the caller's work, only an OSError
    (a write) within it."""
    if not isinstance(error, Exception) or isinstance(error, BigCommerceError):
        return False
    return isinstance(error, OSError) or not in_callers_work


def _remove_if_stale(partial: StoragePath) -> None:
    try:
        modified = partial.stat().st_mtime
    except (OSError, AttributeError, NotImplementedError):  # gone meanwhile, or a store that keeps no times
        return
    if modified and time.time() - modified > STALE_PARTIAL_S:
        partial.unlink(missing_ok=True)


class NdjsonWriter:
    """Writes records as UTF-8 JSON lines into a binary stream, through gzip when asked. Counts what it wrote."""

    def __init__(self, raw: BinaryIO, *, compression: str | None = None, inner_name: str = "") -> None:
        if compression not in (None, *COMPRESSIONS):
            raise ExportError("compression_unsupported", compression=compression, choices=COMPRESSIONS)
        # mtime=0: the same records give the same bytes, so a rerun's file can be compared with the first run's.
        self._stream: BinaryIO = (
            gzip.GzipFile(filename=inner_name, fileobj=raw, mode="wb", mtime=0) if compression else raw
        )
        self._compressed = compression is not None
        self.records = 0

    def write(self, records: Iterable[Mapping[str, Any]]) -> int:
        lines = [json.dumps(record, ensure_ascii=False, separators=(",", ":")) for record in records]
        if lines:
            self._stream.write(("\n".join(lines) + "\n").encode())
            self.records += len(lines)
        return len(lines)

    def close(self) -> None:
        if self._compressed:
            self._stream.close()  # writes the gzip trailer; the raw file is closed by its owner
