"""The id snapshot of a resource: every id the previous run knew, kept beside the export and checked before it is
believed, because a tombstone computed from a wrong snapshot deletes live rows downstream.

``{resource}/_ids/{resource}_ids.txt.gz`` is gzip text: a header line (JSON: format, store, resource, how many
ids, the SHA-256 of the id lines), then the ids in strictly ascending order, one per line. Reading checks all of
it: the header, the store and resource it belongs to, every id a whole number within ``MAX_ID``, strictly
ascending (sorted, no repeats), the count and the checksum. A snapshot that fails any check raises
``SnapshotError`` with a ``code``; it is never used to compute deletions. Snapshots written before the header
existed (format 1: ids only) are read when they pass the same checks on the ids and hold at least one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

from airflow_provider_bigcommerce.core.errors import ExportError

FORMAT = 2
MAX_ID = 2**63 - 1  # ids are kept as signed 64-bit integers
MAX_HEADER_BYTES = 4096
_CHUNK = 10_000


class SnapshotError(ExportError):
    """The id snapshot at ``path`` cannot be believed: ``code`` (one of ``CODES``) says why, ``line`` where."""

    CODES = frozenset(
        {
            "unreadable",  # not gzip, truncated, or not text
            "empty",  # no bytes, or an empty gzip stream: not a snapshot any run wrote
            "bad_header",  # the header line is not the expected JSON
            "other_store",  # written for another store
            "other_resource",  # written for another resource
            "not_a_number",  # a line is not a whole number
            "out_of_bounds",  # an id below 0 or above MAX_ID
            "not_ascending",  # ids out of order or repeated
            "count_mismatch",  # fewer or more ids than the header says
            "checksum_mismatch",  # the id lines are not the ones written
        }
    )

    def __init__(self, code: str, *, path: str, line: int | None = None) -> None:
        super().__init__(code, path=path, line=line)
        self.path = path
        self.line = line


def read_snapshot(path: Any, *, store_id: str, resource: str) -> array | None:
    """The ids of the snapshot at ``path`` (a storage path), or None when there is none. Raises ``SnapshotError``."""
    where = str(path)
    try:
        with path.open("rb") as raw:
            data = raw.read()
    except FileNotFoundError:
        return None
    if not data:
        raise SnapshotError("empty", path=where)
    try:
        text = gzip.decompress(data).decode("ascii")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError):
        raise SnapshotError("unreadable", path=where) from None
    lines = text.splitlines()
    if not lines:
        raise SnapshotError("empty", path=where)
    header = _header(lines[0], where) if lines[0].startswith("{") else None
    body = lines[1:] if header is not None else lines
    if header is not None:
        if header.get("store") != store_id:
            raise SnapshotError("other_store", path=where)
        if header.get("resource") != resource:
            raise SnapshotError("other_resource", path=where)
    elif not body:
        raise SnapshotError("empty", path=where)
    ids = _checked_ids(body, where, first_line=2 if header is not None else 1)
    if header is not None:
        if header.get("count") != len(ids):
            raise SnapshotError("count_mismatch", path=where)
        if header.get("sha256") != _digest(ids):
            raise SnapshotError("checksum_mismatch", path=where)
    return ids


def _header(line: str, where: str) -> dict[str, Any]:
    if len(line) > MAX_HEADER_BYTES:
        raise SnapshotError("bad_header", path=where, line=1)
    try:
        header = json.loads(line)
    except ValueError:
        raise SnapshotError("bad_header", path=where, line=1) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotError("bad_header", path=where, line=1)
    return header


def _checked_ids(lines: list[str], where: str, *, first_line: int) -> array:
    ids = array("q")
    previous = -1
    for number, line in enumerate(lines, start=first_line):
        text = line.strip()
        if not text.isdigit() or not text.isascii():
            raise SnapshotError("not_a_number", path=where, line=number)
        if len(text) > 19 or int(text) > MAX_ID:
            raise SnapshotError("out_of_bounds", path=where, line=number)
        value = int(text)
        if value <= previous:
            raise SnapshotError("not_ascending", path=where, line=number)
        ids.append(value)
        previous = value
    return ids


def _digest(ids: Iterable[int]) -> str:
    digest = hashlib.sha256()
    for chunk in _lines(ids):
        digest.update(chunk)
    return digest.hexdigest()


def _lines(ids: Iterable[int]) -> Iterator[bytes]:
    batch: list[str] = []
    for key in ids:
        batch.append(f"{key}\n")
        if len(batch) >= _CHUNK:
            yield "".join(batch).encode("ascii")
            batch = []
    if batch:
        yield "".join(batch).encode("ascii")


def snapshot_bytes(ids: array, *, store_id: str, resource: str) -> Iterator[bytes]:
    """The snapshot's text for ``ids`` (strictly ascending), header first, in chunks."""
    header = {"format": FORMAT, "store": store_id, "resource": resource, "count": len(ids), "sha256": _digest(ids)}
    yield (json.dumps(header, separators=(",", ":")) + "\n").encode("ascii")
    yield from _lines(ids)
