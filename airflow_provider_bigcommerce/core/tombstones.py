"""Tombstones: which records of a resource were deleted, written as ``{"id": ..., "_deleted_at": ...}`` records in
``{resource}/{resource}_deleted_{window}.ndjson`` beside the export.

Two ways, chosen by the resource's ``Deletions``:
- ``archived``: the list reports its deleted records (v2 orders with ``is_deleted=true``); each becomes a
  tombstone dated by its ``date_modified``. Every run reports every archived order again, which downstream
  deletes absorb.
- ``ids``: every id of the list is read (250 a page, ``include_fields=id`` where the list documents it) and
  compared with the previous run's ids, kept sorted, one per line, in ``{resource}/_ids/{resource}_ids.txt.gz``.
  The first run only writes that snapshot. The snapshot is replaced after the tombstones are written, so a run
  that dies between the two reports the same deletions again rather than losing them. An id read the API's count
  cannot confirm writes no tombstones and keeps the old snapshot: a short read would report live records as
  deleted, while waiting only delays the report to the next run.
Memory stays flat in the number of deletions: the ids are kept as 8-byte integers and the diff is a merge.
"""

from __future__ import annotations

import gzip
import logging
from array import array
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_bigcommerce.core.export import (
    ExportError,
    NdjsonWriter,
    PagedClient,
    Resource,
    StoragePath,
    Window,
    atomic_file,
)
from airflow_provider_bigcommerce.core.page_rules import record_id

SNAPSHOT_FOLDER = "_ids"
log = logging.getLogger(__name__)


def deleted_file_name(resource: Resource, window: Window | None, compression: str | None) -> str:
    """``orders/orders_deleted_20240101T000000Z_20240102T000000Z.ndjson``: beside the export of the same run."""
    stem = f"{resource.name}_deleted_{window.label()}" if window is not None else f"{resource.name}_deleted_full"
    return f"{resource.name}/{stem}.ndjson" + (".gz" if compression == "gzip" else "")


def snapshot_file_name(resource: Resource) -> str:
    return f"{resource.name}/{SNAPSHOT_FOLDER}/{resource.name}_ids.txt.gz"


def export_deletions(
    client: PagedClient,
    resource: Resource,
    destination: StoragePath,
    *,
    window: Window | None = None,
    compression: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the resource's tombstones; return their part of the manifest (file, records, requests, method)."""
    how = resource.deletions
    if how is None:
        raise ExportError(
            f"{resource.name} has no way to find deleted records; export it without deletions, or read its "
            "parent list's tombstones (line items and addresses follow their order's)."
        )
    before = client.stats.requests
    target = destination / deleted_file_name(resource, window, compression)
    snapshot_path = destination / snapshot_file_name(resource)
    new_snapshot: array | None = None
    if how.kind == "archived":
        tombstones: Iterator[dict[str, Any]] = _archived(client, resource, how.params)
        ids = {"ids_seen": None, "baseline": None, "verified": None}
    else:
        current, verified = _all_ids(client, resource, how.params)
        previous = _read_snapshot(snapshot_path) if verified else None
        if not verified:
            log.warning("%s: the id read was not confirmed by a count; no tombstones this run", resource.name)
        moment = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        tombstones = ({"id": key, "_deleted_at": moment} for key in _gone(previous, current))
        new_snapshot = current if verified else None
        ids = {"ids_seen": len(current), "baseline": verified and previous is None, "verified": verified}
    with atomic_file(target) as raw:
        writer = NdjsonWriter(raw, compression=compression, inner_name=target.name.removesuffix(".gz"))
        try:
            writer.write(tombstones)
        finally:
            writer.close()
    if new_snapshot is not None:
        _write_snapshot(snapshot_path, new_snapshot)
    return {
        "method": how.kind,
        "path": str(target),
        "records": writer.records,
        **ids,
        "requests": client.stats.requests - before,
    }


def _archived(client: PagedClient, resource: Resource, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    for page in client.walk(resource.path, dict(params)):
        for record in page.records:
            yield {"id": record_id(resource.path, record), "_deleted_at": _iso(record.get("date_modified"))}


def _iso(value: Any) -> str | None:
    """A v2 RFC 2822 or v3 ISO 8601 date as ISO 8601 UTC; None when the record carries none."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _all_ids(client: PagedClient, resource: Resource, params: Mapping[str, str]) -> tuple[array, bool]:
    """Every id of the list, sorted, and whether the walk proved it read them all."""
    ids = array("q")
    walk = client.walk(resource.path, dict(params))
    for page in walk:
        for record in page.records:
            ids.append(record_id(resource.path, record))
    return array("q", sorted(ids)), walk.outcome is not None and walk.outcome.verified


def _read_snapshot(path: StoragePath) -> array | None:
    try:
        with path.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as lines:
            return array("q", (int(line) for line in lines if line.strip()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError) as error:
        raise ExportError(
            f"The id snapshot {path} cannot be read ({type(error).__name__}); delete it and the next run starts "
            "a new one (deletions since the last good run are then not reported)."
        ) from None


def _write_snapshot(path: StoragePath, ids: array) -> None:
    with atomic_file(path) as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as packed:
        for start in range(0, len(ids), 10000):
            packed.write("".join(f"{key}\n" for key in ids[start : start + 10000]).encode("ascii"))


def _gone(previous: array | None, current: array) -> Iterator[int]:
    """Ids in ``previous`` but not in ``current``, both sorted ascending."""
    if previous is None:
        return
    position, size = 0, len(current)
    for key in previous:
        while position < size and current[position] < key:
            position += 1
        if position >= size or current[position] != key:
            yield key
