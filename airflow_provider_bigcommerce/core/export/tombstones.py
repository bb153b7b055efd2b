"""Tombstones: which records of a resource were deleted, written as ``{"id": ..., "_deleted_at": ...}`` records in
``{resource}/{resource}_deleted_{window}.ndjson`` beside the export.

Downstream, a tombstone deletes a row, so a tombstone is written only from evidence the store itself gave:
- ``archived``: the list reports its deleted records (v2 orders with ``is_deleted=true``) and each says
  ``"is_deleted": true``. The filter is not declared in orders.v2.oas2.yml, so a store may ignore it and answer
  the live orders; a record that does not say it is deleted is never a tombstone, and then the resource falls back
  to its ``ids`` way in the same run (docs/open-questions.md "is_deleted").
- ``ids``: every id of the list is read and compared with the previous run's snapshot (``core.id_snapshot``, checked
  before it is believed). An id the snapshot holds and the read does not is only a candidate: each is read by id
  (``Confirm``: a batch per request where the list takes ``id:in``) and becomes a tombstone only when that read
  says it is gone. A candidate found alive was skipped by the read (a list moving under a read by position, a
  count that lied); it stays in the next snapshot. Candidates beyond ``MAX_CONFIRMS`` per run are carried over
  to the next run unread rather than guessed.
The new snapshot holds the ids read, the candidates still alive or not yet confirmed, and the ids this run's
export wrote, so a record exported and deleted before the id read is reported by the next run. A snapshot that
fails its checks is never used: the run starts a new one and says so in the manifest (``snapshot_rejected``). An
id read the API's count cannot confirm writes no tombstones; its snapshot adds what this run learnt to the old one.
"""

from __future__ import annotations

import gzip
import heapq
import logging
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_provider_bigcommerce.core.errors import BigCommerceApiError, ExportError
from airflow_provider_bigcommerce.core.export.files import StoragePath, atomic_file, file_suffix, open_writer
from airflow_provider_bigcommerce.core.export.id_snapshot import SnapshotError, read_snapshot, snapshot_bytes
from airflow_provider_bigcommerce.core.export.resources import Deletions, PagedClient, Resource, expanded_params
from airflow_provider_bigcommerce.core.export.windows import Window, iso_utc
from airflow_provider_bigcommerce.core.paging.rules import record_id, v2_records, v3_records
from airflow_provider_bigcommerce.core.schema.records import Field, RecordSchema
from airflow_provider_bigcommerce.core.schema.types import INTEGER, TIMESTAMP

SNAPSHOT_FOLDER = "_ids"
MAX_CONFIRMS = 2000  # candidates read by id per run; more wait for the next run (a few requests each batch)
log = logging.getLogger(__name__)


def deleted_file_name(
    resource: Resource, window: Window | None, compression: str | None, file_format: str = "ndjson"
) -> str:
    """``orders/orders_deleted_20240101T000000Z_20240102T000000Z.ndjson``: beside the export of the same run."""
    stem = f"{resource.name}_deleted_{window.label()}" if window is not None else f"{resource.name}_deleted_full"
    return f"{resource.name}/{stem}{file_suffix(file_format, compression)}"


def snapshot_file_name(resource: Resource) -> str:
    return f"{resource.name}/{SNAPSHOT_FOLDER}/{resource.name}_ids.txt.gz"


# A tombstone file in Parquet: the deleted record's id and when it was found deleted (UTC).
TOMBSTONE_SCHEMA = RecordSchema("tombstones", (Field("id", INTEGER), Field("_deleted_at", TIMESTAMP)), ("id",), ())

PreviousIds = Callable[[], "array | None"]
"""The ids a resource held when last read, sorted and unique (None: nothing to compare with); may raise
``SnapshotError``. An export reads them from its id snapshot file, a database load from its table's keys."""


@dataclass
class FoundDeletions:
    """``tombstones`` (``{"id", "_deleted_at"}``), the ``facts`` for the manifest, and the ids to remember for the
    next run (None: keep what is remembered)."""

    tombstones: list[dict[str, Any]]
    facts: dict[str, Any]
    snapshot: array | None = None


def find_deletions(
    client: PagedClient,
    resource: Resource,
    previous_ids: PreviousIds,
    *,
    now: datetime | None = None,
    exported_ids: Iterable[int] = (),
) -> FoundDeletions:
    """Which records of ``resource`` were deleted, from the store's own evidence (see the module docstring).

    ``previous_ids`` is called only when the ids way runs. ``exported_ids`` are the ids the same run wrote: they
    join the next snapshot.
    """
    how = resource.deletions
    if how is None:
        raise ExportError("no_deletions", resource=resource.name)
    moment = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    found: FoundDeletions | None = None
    if how.kind == "archived":
        found = _archived(client, resource, how)
        how = how.fallback if found is None and how.fallback is not None else how
    if found is None:
        found = _by_ids(client, resource, how, previous_ids, moment, sorted(set(exported_ids)))
    return found


def export_deletions(
    client: PagedClient,
    resource: Resource,
    destination: StoragePath,
    *,
    window: Window | None = None,
    compression: str | None = None,
    now: datetime | None = None,
    exported_ids: Iterable[int] = (),
    file_format: str = "ndjson",
) -> dict[str, Any]:
    """Write the resource's tombstones; return their part of the manifest (file, records, requests, method).

    ``exported_ids`` are the ids the same run's export wrote: they join the next snapshot.
    """
    before = client.stats.requests
    snapshot_path = destination / snapshot_file_name(resource)
    store_id = client.properties.store_id

    def previous_ids() -> array | None:
        return read_snapshot(snapshot_path, store_id=store_id, resource=resource.name)

    found = find_deletions(client, resource, previous_ids, now=now, exported_ids=exported_ids)
    target = destination / deleted_file_name(resource, window, compression, file_format)
    with atomic_file(target) as raw:
        inner_name = target.name.removesuffix(".gz")
        schema = TOMBSTONE_SCHEMA if file_format == "parquet" else None
        writer = open_writer(raw, file_format, compression=compression, inner_name=inner_name, schema=schema)
        try:
            writer.write(found.tombstones)
        finally:
            writer.close()
    if found.snapshot is not None:  # after the tombstones: a run dying between them reports them again
        _write_snapshot(snapshot_path, found.snapshot, store_id, resource.name)
    return {
        "path": str(target),
        "records": writer.records,
        **found.facts,
        "requests": client.stats.requests - before,
    }


def _archived(client: PagedClient, resource: Resource, how: Deletions) -> FoundDeletions | None:
    """The archived records as tombstones, or None when the store ignored the filter (a record not deleted came
    back): then nothing from this read is believed. ``verified`` is the walk's, as the ids way records its own (false
    for orders: their count takes no ``is_deleted``, orders.v2.oas2.yml 284-300). Each tombstone rests on its
    record's ``is_deleted``, so an unverified walk still writes the ones it read (an archived record it missed is
    listed again by the next run's)."""
    tombstones = []
    walk = client.walk(resource.path, dict(how.params))
    for page in walk:
        for record in page.records:
            if not isinstance(record, Mapping) or record.get("is_deleted") is not True:
                log.warning("%s: is_deleted=true ignored; reading ids instead", resource.name)
                return None
            tombstones.append(
                {"id": record_id(resource.path, record, how.key), "_deleted_at": iso_utc(record.get("date_modified"))}
            )
    verified = walk.outcome is not None and walk.outcome.verified
    facts = {"method": "archived", "ids_seen": None, "baseline": None, "verified": verified}
    return FoundDeletions(tombstones, facts)


def _by_ids(
    client: PagedClient,
    resource: Resource,
    how: Deletions,
    previous_ids: PreviousIds,
    moment: str,
    exported: list[int],
) -> FoundDeletions:
    scope = expanded_params(client, resource)  # the filters every read of this list needs (all category trees)
    current, verified = _all_ids(client, resource, how, scope)
    facts: dict[str, Any] = {"method": "ids", "ids_seen": len(current), "verified": verified}
    try:
        previous = previous_ids()
    except SnapshotError as error:
        log.warning("%s: id snapshot not used (%s); a new one starts", resource.name, error.code)
        facts["snapshot_rejected"] = error.code
        previous = None
    facts["baseline"] = verified and previous is None
    if not verified:
        log.warning("%s: id read not confirmed by a count; no tombstones", resource.name)
        kept = _union(previous or (), exported) if previous is not None or exported else None
        return FoundDeletions([], {**facts, "candidates": None}, kept)
    candidates = list(_gone(previous, current)) if previous is not None else []
    checked, carried = candidates[:MAX_CONFIRMS], candidates[MAX_CONFIRMS:]
    alive = _alive(client, resource, how, checked, scope) if checked else set()
    gone = [key for key in checked if key not in alive]
    facts.update(candidates=len(candidates), confirmed_gone=len(gone), found_alive=len(alive), carried=len(carried))
    snapshot = _union(current, exported, sorted(alive), carried, leave_out=set(gone))
    return FoundDeletions([{"id": key, "_deleted_at": moment} for key in gone], facts, snapshot)


def _all_ids(client: PagedClient, resource: Resource, how: Deletions, scope: dict[str, str]) -> tuple[array, bool]:
    """Every id of the list, sorted and unique, and whether the walk proved it read them all."""
    ids = array("q")
    walk = client.walk(resource.path, {**how.params, **scope})
    for page in walk:
        for record in page.records:
            ids.append(record_id(resource.path, record, how.key))
    return array("q", sorted(set(ids))), walk.outcome is not None and walk.outcome.verified


def _alive(
    client: PagedClient, resource: Resource, how: Deletions, candidates: list[int], scope: dict[str, str]
) -> set[int]:
    """Which candidates a read by id still finds; every read is one the list's official file declares."""
    confirm = how.confirm
    alive: set[int] = set()
    for batch in confirm.batches(candidates):
        path, params = confirm.request(resource.path, batch)
        if confirm.path is None:
            params = {**scope, **params}
        try:
            body = client.request("GET", path, params)
        except BigCommerceApiError as error:
            if error.status == 404:
                continue
            raise
        if confirm.path is not None:  # one record read by its own path: an answer means it exists
            alive.update(batch if body is not None else ())
            continue
        records = v2_records(path, body) if path.startswith("v2/") else v3_records(path, body)
        found = {record_id(resource.path, record, how.key) for record in records or ()}
        alive.update(key for key in batch if key in found)
    return alive


def _union(*sources: Iterable[int], leave_out: frozenset[int] | set[int] = frozenset()) -> array:
    """The sorted, unique ids of sorted ``sources``, without ``leave_out``; memory flat in the sources' size."""
    merged = array("q")
    last = None
    for key in heapq.merge(*sources):
        if key != last and key not in leave_out:
            merged.append(key)
        last = key
    return merged


def _write_snapshot(path: StoragePath, ids: array, store_id: str, resource: str) -> None:
    with atomic_file(path) as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as packed:
        for chunk in snapshot_bytes(ids, store_id=store_id, resource=resource):
            packed.write(chunk)


def _gone(previous: array, current: array) -> Iterator[int]:
    """Ids in ``previous`` but not in ``current``, both sorted ascending."""
    position, size = 0, len(current)
    for key in previous:
        while position < size and current[position] < key:
            position += 1
        if position >= size or current[position] != key:
            yield key
