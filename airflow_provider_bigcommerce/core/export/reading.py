"""One read of a resource for a window (``ResourceRead``): the query, the walk, the window's claim on each record,
the derived records, progress in the log, and what a manifest says of it. The export (``run``) writes what it
reads to files, the database load (``core.load``) to a table: both read through this.
"""

from __future__ import annotations

import logging
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.resources import Deletions, PagedClient, Resource, expanded_params
from airflow_provider_bigcommerce.core.export.windows import Window, WindowFilter, check_settled
from airflow_provider_bigcommerce.core.paging.fan_out import FanOutWalk
from airflow_provider_bigcommerce.core.paging.rules import whole_id

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.paging.walk import PageWalk

PROGRESS_EVERY_S = 10.0
Log = logging.Logger | logging.LoggerAdapter


class _Progress:
    """Logs records, pages, rate and the store's remaining quota every ``every_s`` seconds and at the end."""

    def __init__(self, log: Log, resource: str, client: PagedClient, every_s: float):
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


class ResourceRead:
    """Reads ``resource``'s records for ``window`` (a snapshot without one, or with ``incremental=False``).

    Built, it has checked its arguments (``ExportError``, before any request); ``check_settled`` raises
    ``WindowNotSettled`` while the window is too fresh; ``pages`` yields the records to write, page by page, and
    ``facts`` is the manifest's part about the read. With ``deletions`` it keeps the ids it read
    (``exported_ids``), which join the id snapshot of the tombstones (``core.tombstones``).
    """

    def __init__(
        self,
        client: PagedClient,
        resource: Resource,
        *,
        window: Window | None,
        incremental: bool,
        deletions: bool,
        incomplete_orders: bool,
        log: Log,
        progress_every_s: float = PROGRESS_EVERY_S,
    ) -> None:
        if window is None and incremental and resource.incremental:
            raise ExportError("no_interval", resource=resource.name)
        if deletions and resource.deletions is None:
            raise ExportError("no_deletions", resource=resource.name)
        self.client = client
        self.resource = resource
        self.window = window
        self.applied = window if incremental and resource.incremental else None
        self.incremental = incremental
        self.incomplete_orders = incomplete_orders
        self.log = log
        self.progress_every_s = progress_every_s
        self.exported_ids: array | None = array("q") if deletions else None
        self.records = 0
        self._params: dict[str, str] = {}
        self._before = client.stats
        self._progress: _Progress | None = None
        self._walk: PageWalk | FanOutWalk | None = None
        self._claimed: WindowFilter | None = None

    def check_settled(self) -> None:
        if self.applied is not None:
            check_settled(self.applied, self.client.properties.settle_seconds)

    def describe(self) -> str:
        if self.applied is not None:
            return f"date_modified in [{self.applied.start.isoformat()}, {self.applied.end.isoformat()})"
        if self.incremental:
            return "full read: the API has no date filter for this list"
        return "full read: incremental=False"

    def pages(self) -> Iterator[list[Mapping[str, Any]]]:
        """The records to write, a page at a time (derived records in place of their parents)."""
        client, resource, applied = self.client, self.resource, self.applied
        self._before = client.stats
        self._params = {**resource.query(applied), **expanded_params(client, resource)}
        self._progress = _Progress(self.log, resource.name, client, self.progress_every_s)
        claimed = WindowFilter(applied, resource.date_field or "date_modified") if applied is not None else None
        self._claimed = claimed
        on_parents = claimed is not None and resource.fan_out is not None and resource.fan_out.filter_on == "parent"
        self._walk = _walk(client, resource, self._params, claimed if on_parents else None, self.incomplete_orders)
        for page in self._walk:
            records = page.records
            if claimed is not None and not on_parents:
                records = [record for record in records if claimed(record)]
            if self.exported_ids is not None:
                self.exported_ids.extend(_whole_ids(records, resource.deletions))
            if resource.derive is not None:
                records = [derived for record in records for derived in resource.derive(record)]
            self.records += len(records)
            yield records
            self._progress.page_done(self.records)
        self._progress.report(self.records, "done")

    def facts(self) -> dict[str, Any]:
        """What the manifest says of the read (plain JSON types, no secret)."""
        resource, window, applied, after = self.resource, self.window, self.applied, self.client.stats
        facts = {
            "resource": resource.name,
            "api_path": resource.path,
            "mode": "incremental" if applied is not None else "full",
            "window": None if window is None else {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "filter": {key: self._params.get(key) for key in resource.date_modified_params or ()} if applied else None,
            "records": self.records,
            "verification": self._walk.outcome.as_manifest() if self._walk and self._walk.outcome else None,
            "edges": self._claimed.as_manifest() if self._claimed is not None else None,
            "pages": self._progress.pages if self._progress else 0,
            "requests": after.requests - self._before.requests,
            "retries": after.retries - self._before.retries,
            "responses_429": after.responses_429 - self._before.responses_429,
            "seconds": self._progress.seconds if self._progress else 0.0,
        }
        if resource.fan_out is not None:
            facts["child_path"] = resource.fan_out.child
        return facts


def _whole_ids(records: Iterable[Any], how: Deletions | None) -> Iterator[int]:
    key = how.key if how is not None else "id"
    for record in records:
        value = whole_id(record.get(key) if isinstance(record, Mapping) else None)
        if value is not None:
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
