"""Export one BigCommerce resource to newline-delimited JSON: streamed page by page, replaced atomically.

Plain Python, no Airflow: the transfer operator only turns a task's data interval and destination into the
arguments of :func:`export_resource`. Memory stays flat whatever the record count: one page (at most 250 records)
is held at a time and written through the optional gzip stream straight into the destination file.
"""

from __future__ import annotations

import json
import logging
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.files import (
    NdjsonWriter,
    StoragePath,
    atomic_file,
    export_file_name,
    manifest_file_name,
)
from airflow_provider_bigcommerce.core.export.resources import Deletions, PagedClient, Resource, expanded_params
from airflow_provider_bigcommerce.core.export.store_marker import claim, unclaimed
from airflow_provider_bigcommerce.core.export.windows import Window, WindowFilter, check_settled
from airflow_provider_bigcommerce.core.paging.fan_out import FanOutWalk

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.paging.walk import PageWalk

PROGRESS_EVERY_S = 10.0


class _Progress:
    """Logs records, pages, rate and the store's remaining quota every ``every_s`` seconds and at the end."""

    def __init__(self, log: logging.Logger | logging.LoggerAdapter, resource: str, client: PagedClient, every_s: float):
        self._log = log
        self._resource = resource
        self._client = client
        self._every_s = every_s
        self._started = time.monotonic()
        self._last = self._started
        self.pages = 0

    def page_done(self, records: int) -> None:
        self.pages += 1
        now = time.monotonic()
        if now - self._last >= self._every_s:
            self._last = now
            self.report(records, "progress")

    def report(self, records: int, stage: str) -> None:
        elapsed = time.monotonic() - self._started
        stats = self._client.stats
        quota, left = stats.quota, stats.requests_left
        self._log.info(
            "%s %s: %d records, %d pages, %.1f s, %.0f/s, quota %s/%s",
            self._resource,
            stage,
            records,
            self.pages,
            elapsed,
            records / elapsed if elapsed > 0 else 0.0,
            "?" if left is None else left,
            "?" if quota is None else quota,
        )

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self._started, 3)


def export_resource(
    client: PagedClient,
    resource: Resource,
    destination: StoragePath,
    *,
    window: Window | None = None,
    incremental: bool = True,
    compression: str | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
    progress_every_s: float = PROGRESS_EVERY_S,
    deletions: bool = False,
    incomplete_orders: bool = True,
) -> dict[str, Any]:
    """Read ``resource`` and write it under ``destination``; return the manifest (plain JSON types, no secret).

    ``window`` names the file and, when ``incremental`` and the resource has a date filter, selects the records
    with ``window.start <= date_modified < window.end``; otherwise the whole list is read (a snapshot).
    ``deletions`` also writes the resource's tombstones (``core.tombstones``) and adds them to the manifest.
    ``incomplete_orders=False`` leaves out orders in status Incomplete (0): checkouts that reached the payment page
    and stopped there; by default they are exported with the rest (docs/open-questions.md "Orders count").

    A window read incrementally is read only once the connection's ``SettleSeconds`` have passed since its end;
    before that ``WindowNotSettled`` (``core.windows``) says when, and nothing was requested or written. A snapshot
    has no window edge to wait for.
    """
    log = log or logging.getLogger(__name__)
    applied = window if incremental and resource.incremental else None
    if window is None and incremental and resource.incremental:
        raise ExportError("no_interval", resource=resource.name)
    if deletions and resource.deletions is None:
        raise ExportError("no_deletions", resource=resource.name)
    if applied is not None:
        check_settled(applied, client.properties.settle_seconds)
    before = client.stats
    params = {**resource.query(applied), **expanded_params(client, resource)}
    store_id = client.properties.store_id
    mark_store = unclaimed(destination, store_id)
    target = destination / export_file_name(resource, window, compression)
    progress = _Progress(log, resource.name, client, progress_every_s)
    log.info("Exporting %s from %s (%s) to %s", resource.name, resource.path, _describe(applied, incremental), target)
    claimed = WindowFilter(applied, resource.date_field or "date_modified") if applied is not None else None
    on_parents = claimed is not None and resource.fan_out is not None and resource.fan_out.filter_on == "parent"
    exported_ids = array("q") if deletions else None  # they join the id snapshot (core.tombstones)
    with atomic_file(target) as raw:
        writer = NdjsonWriter(raw, compression=compression, inner_name=target.name.removesuffix(".gz"))
        walk = _walk(client, resource, params, claimed if on_parents else None, incomplete_orders)
        try:
            for page in walk:
                records = page.records
                if claimed is not None and not on_parents:
                    records = [record for record in records if claimed(record)]
                if exported_ids is not None:
                    exported_ids.extend(_whole_ids(records, resource.deletions))
                if resource.derive is not None:
                    records = [derived for record in records for derived in resource.derive(record)]
                writer.write(records)
                progress.page_done(writer.records)
        finally:
            writer.close()
        size = raw.tell()
    if mark_store:
        claim(destination, store_id)
    progress.report(writer.records, "done")
    after = client.stats
    manifest = {
        "resource": resource.name,
        "api_path": resource.path,
        "mode": "incremental" if applied is not None else "full",
        "window": None if window is None else {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "filter": {key: params[key] for key in resource.date_modified_params} if applied is not None else None,
        "compression": compression,
        "files": [{"path": str(target), "records": writer.records, "bytes": size}],
        "records": writer.records,
        "verification": walk.outcome.as_manifest() if walk.outcome else None,
        "edges": claimed.as_manifest() if claimed is not None else None,
        "pages": progress.pages,
        "requests": after.requests - before.requests,
        "retries": after.retries - before.retries,
        "responses_429": after.responses_429 - before.responses_429,
        "seconds": progress.seconds,
    }
    if resource.fan_out is not None:
        manifest["child_path"] = resource.fan_out.child
    if deletions:
        from airflow_provider_bigcommerce.core.export.tombstones import export_deletions  # it builds on this module

        manifest["deletions"] = export_deletions(
            client, resource, destination, window=window, compression=compression, exported_ids=exported_ids or ()
        )
    return publish_manifest(destination, resource, window, manifest)


def publish_manifest(
    destination: StoragePath, resource: Resource, window: Window | None, manifest: dict[str, Any]
) -> dict[str, Any]:
    """Write the window's manifest beside its files, atomically and after everything else; return it.

    A downstream job that finds the manifest knows the window is complete without asking Airflow: the files it
    names (data and tombstones) were in place before it, and a rerun replaces it only after replacing them.
    ``extracted_at`` is when the reading ended (the records are the store's as of then).
    """
    target = destination / manifest_file_name(resource, window)
    published = {**manifest, "extracted_at": datetime.now(UTC).isoformat(timespec="seconds"), "manifest": str(target)}
    with atomic_file(target) as raw:
        raw.write((json.dumps(published, indent=2) + "\n").encode())
    return published


def _whole_ids(records: Iterable[Any], how: Deletions | None) -> Iterator[int]:
    key = how.key if how is not None else "id"
    for record in records:
        value = record.get(key) if isinstance(record, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool):
            yield value


def _walk(
    client: PagedClient,
    resource: Resource,
    params: dict[str, str],
    parents_kept: WindowFilter | None,
    read_set_apart: bool,
) -> PageWalk | FanOutWalk:
    """The walk of a plain list, or of a fan-out: the parents (those the window claims), then each parent's list
    with the date filter where the resource applies it."""
    fan_out = resource.fan_out
    if fan_out is None:
        return client.walk(resource.path, params, read_set_apart=read_set_apart)
    dated = {name: params[name] for name in resource.date_modified_params or () if name in params}
    fixed = {name: value for name, value in params.items() if name not in dated}
    on_child = fan_out.filter_on == "child"
    return FanOutWalk(
        client,
        resource.path,
        fan_out,
        fixed if on_child else params,
        dated if on_child else {},
        workers=getattr(client, "max_concurrency", 4),
        parents_kept=parents_kept,
        read_set_apart=read_set_apart,
    )


def _describe(window: Window | None, incremental: bool) -> str:
    if window is not None:
        return f"date_modified in [{window.start.isoformat()}, {window.end.isoformat()})"
    if incremental:
        return "full read: the API has no date filter for this list"
    return "full read: incremental=False"
