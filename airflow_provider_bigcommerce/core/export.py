"""Export one BigCommerce resource to newline-delimited JSON: streamed page by page, replaced atomically.

Plain Python, no Airflow: the transfer operator only turns a task's data interval and destination into the
arguments of :func:`export_resource`. Memory stays flat whatever the record count: one page (at most 250 records)
is held at a time and written through the optional gzip stream straight into the destination file.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from airflow_provider_bigcommerce.core.errors import BigCommerceError
from airflow_provider_bigcommerce.core.fan_out import FanOut, FanOutWalk

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.client import ClientStats
    from airflow_provider_bigcommerce.core.paging import PageWalk

COMPRESSIONS = ("gzip",)
PROGRESS_EVERY_S = 10.0
STALE_PARTIAL_S = 6 * 3600  # a partial file untouched this long belongs to a run that died


class ExportError(BigCommerceError):
    """The export's arguments cannot work (unknown resource, empty window, bad compression); nothing was written.

    ``code`` names the problem where an edge words it its own way (``unknown_resource``: the CLI's ``--path``, the
    operator's ``path=``); ``resource`` is the name that was given.
    """

    def __init__(self, message: str, *, code: str | None = None, resource: str | None = None) -> None:
        self.code = code
        self.resource = resource
        super().__init__(message)


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


@dataclass(frozen=True)
class Window:
    """The half-open time range ``[start, end)`` a run exports, on ``date_modified``. Both ends timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ExportError("The export window needs timezone-aware start and end datetimes.")
        if self.start > self.end:
            raise ExportError(
                f"The export window starts ({self.start.isoformat()}) after it ends ({self.end.isoformat()})."
            )

    def inclusive_seconds(self) -> tuple[datetime, datetime]:
        """The first and last whole second inside the window, in UTC.

        BigCommerce stores ``date_modified`` to the second and treats both filter bounds as inclusive, so
        ``[ceil(start), ceil(end) - 1 s]`` selects exactly the records with ``start <= date_modified < end``.
        """
        first = _ceil_to_second(self.start.astimezone(UTC))
        last = _ceil_to_second(self.end.astimezone(UTC)) - timedelta(seconds=1)
        return first, last

    def label(self) -> str:
        """``20240101T000000Z_20240102T000000Z``: names the files of this window."""
        return f"{_compact(self.start)}_{_compact(self.end)}"


def _ceil_to_second(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def filter_timestamp(api_path: str, moment: datetime) -> str:
    """A full timestamp in the format the API version documents for its date filters (never date-only).

    v2 takes RFC 2822 (``Thu, 20 Apr 2017 11:32:00 +0000``); v3 takes ISO 8601. A date-only v3 ``date_modified:min``
    gets the request's current time appended by the server, so the time is always sent
    (docs/bigcommerce.md "Incremental filters").
    """
    moment = moment.astimezone(UTC)
    if _api_version(api_path) == "v2":
        return format_datetime(moment)
    return moment.isoformat(timespec="seconds")


def _api_version(api_path: str) -> str:
    return api_path.strip("/").split("/", 1)[0]


def _shipping_addresses_of(order: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The shipping addresses of one order, taken from its shipping consignments.

    With ``include=consignments`` and ``consignment_structure=object`` every order carries
    ``consignments.shipping[]``: the same address and shipping-cost fields ``/v2/orders/{id}/shipping_addresses``
    returns (orders.v2.oas2.yml). Reading them there costs one request per 250 orders instead of one per order.
    Line items are their own resource (``_line_items_of``); here they would only repeat them.
    """
    consignments = order.get("consignments") or {}
    for consignment in consignments.get("shipping") or ():
        address = {key: value for key, value in consignment.items() if key != "line_items"}
        address["order_id"] = order["id"]
        yield address


def _line_items_of(order: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The line items of one order, from every kind of consignment it carries inline.

    Each is the ``orderProducts`` record ``/v2/orders/{id}/products`` returns (orders.v2.oas2.yml), with its
    ``order_id``: one request per 250 orders instead of one per order.
    """
    consignments = order.get("consignments") or {}
    for kind in consignments.values() if isinstance(consignments, Mapping) else ():
        for consignment in kind if isinstance(kind, list) else ():
            for line in consignment.get("line_items") or ():
                yield {**line, "order_id": order["id"]}


def _stock_by_location(item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One record per variant and location: ``/v3/inventory/items`` nests the locations in each item."""
    for location in item.get("locations") or ():
        yield {**item.get("identity", {}), **location}


@dataclass(frozen=True)
class Deletions:
    """How a resource learns which records were deleted (``core.tombstones``).

    ``"archived"``: the list reports its deleted records itself when asked with ``params`` (orders:
    ``is_deleted=true``). ``"ids"``: every id is read (with ``params``, e.g. ``include_fields=id``) and compared
    with the ids the previous run saw.
    """

    kind: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    """One exportable list: its API path, fixed query parameters and, when it has one, its ``date_modified`` filter.

    ``date_modified_params`` names the (minimum, maximum) query parameters; ``None`` means the API offers no date
    filter and every run reads the whole list. ``derive`` turns each API record into the exported records.
    ``fan_out`` makes ``path`` the parent list and reads the child list of each parent; ``deletions`` says how
    tombstones are found (None: they are not).
    """

    name: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    date_modified_params: tuple[str, str] | None = None
    derive: Callable[[Mapping[str, Any]], Iterable[Mapping[str, Any]]] | None = None
    fan_out: FanOut | None = None
    deletions: Deletions | None = None

    @property
    def incremental(self) -> bool:
        return self.date_modified_params is not None

    def query(self, window: Window | None) -> dict[str, str]:
        """The query parameters for one export; the date filter only when there is a window to apply."""
        params = dict(self.params)
        if window is not None and self.date_modified_params is not None:
            if window.start == window.end:
                raise ExportError(
                    f"The export window starts where it ends ({window.start.isoformat()}): an incremental export "
                    f"of {self.name} would read nothing. Pass a since earlier than until, or set "
                    "incremental=False for a full read."
                )
            first, last = window.inclusive_seconds()
            min_name, max_name = self.date_modified_params
            params[min_name] = filter_timestamp(self.path, first)
            params[max_name] = filter_timestamp(self.path, last)
        return params


_V2_ORDERS_FILTER = ("min_date_modified", "max_date_modified")
_V3_FILTER = ("date_modified:min", "date_modified:max")
# Line items inline, one request per 250 orders (docs/bigcommerce.md "Listing and paging"). Not sorted on
# date_modified: the walk pages orders by id (``min_id``), which edits during the walk cannot shift.
_ORDER_PARAMS = {"include": "consignments.line_items", "consignment_structure": "object"}
_ARCHIVED_ORDERS = Deletions("archived", {"is_deleted": "true"})
_IDS_ONLY = Deletions("ids", {"include_fields": "id"})  # lists that document include_fields: 250 ids a page
_ALL_IDS = Deletions("ids")  # no include_fields: whole records, still 250 a page

RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource("orders", "v2/orders", _ORDER_PARAMS, _V2_ORDERS_FILTER, deletions=_ARCHIVED_ORDERS),
        Resource("order_shipping_addresses", "v2/orders", _ORDER_PARAMS, _V2_ORDERS_FILTER, _shipping_addresses_of),
        Resource("order_line_items", "v2/orders", _ORDER_PARAMS, _V2_ORDERS_FILTER, _line_items_of),
        # Per order only (orders.v3.yml): the orders modified in the window, then their transactions.
        Resource(
            "order_transactions", "v2/orders", {}, _V2_ORDERS_FILTER, fan_out=FanOut("v3/orders/{id}/transactions")
        ),
        Resource("order_refunds", "v3/orders/payment_actions/refunds", {}, ("created:min", "created:max")),
        Resource("products", "v3/catalog/products", {}, _V3_FILTER, deletions=_IDS_ONLY),
        Resource("variants", "v3/catalog/variants", deletions=_IDS_ONLY),
        Resource("brands", "v3/catalog/brands", deletions=_IDS_ONLY),
        Resource("categories", "v3/catalog/categories", deletions=_IDS_ONLY),
        Resource("category_trees", "v3/catalog/trees/categories"),
        Resource("customers", "v3/customers", {}, _V3_FILTER, deletions=_ALL_IDS),
        Resource("customer_addresses", "v3/customers/addresses", deletions=_ALL_IDS),
        Resource("coupons", "v2/coupons", deletions=_ALL_IDS),
        Resource("channels", "v3/channels", {}, _V3_FILTER, deletions=_ALL_IDS),
        Resource("price_lists", "v3/pricelists", {}, _V3_FILTER, deletions=_ALL_IDS),
        # Every price list, then each list's records modified in the window.
        Resource(
            "price_list_records",
            "v3/pricelists",
            {},
            _V3_FILTER,
            fan_out=FanOut("v3/pricelists/{id}/records", filter_on="child"),
        ),
        Resource("inventory", "v3/inventory/items", derive=_stock_by_location),
        Resource("pages", "v3/content/pages", deletions=_ALL_IDS),
        Resource("store_information", "v2/store"),
    )
}


def resource_for(
    name: str,
    *,
    path: str | None = None,
    params: Mapping[str, Any] | None = None,
    date_modified_params: tuple[str, str] | list[str] | None = None,
) -> Resource:
    """A catalogue resource by name, or a list the user names by ``path`` (``v2/coupons``, ``v3/catalog/...``).

    ``params`` are added to (and override) the catalogue's query parameters.
    """
    extra = {str(key): str(value) for key, value in (params or {}).items()}
    if path is None:
        if name not in RESOURCES:
            raise ExportError(
                f"Unknown resource '{name}'. Use one of {', '.join(RESOURCES)}, or name the list to read by its API "
                "path (v2/... or v3/...) with path='v2/...'.",
                code="unknown_resource",
                resource=name,
            )
        if date_modified_params is not None:
            raise ExportError(
                f"date_modified_params only applies with path=...; '{name}' has its filter built in (or none)."
            )
        known = RESOURCES[name]
        return replace(known, params={**known.params, **extra})
    path = path.strip("/")
    if _api_version(path) not in ("v2", "v3"):
        raise ExportError(f"path '{path}' must start with v2/ or v3/ (the part after /stores/{{StoreId}}/).")
    if date_modified_params is not None:
        date_modified_params = tuple(date_modified_params)
        if len(date_modified_params) != 2:
            raise ExportError("date_modified_params takes two names: the minimum and the maximum filter parameter.")
    return Resource(name, path, extra, date_modified_params)


def export_file_name(resource: Resource, window: Window | None, compression: str | None) -> str:
    """``orders/orders_20240101T000000Z_20240102T000000Z.ndjson.gz``: the same window always gets the same name."""
    return f"{resource.name}/{_stem(resource, window)}.ndjson" + (".gz" if compression == "gzip" else "")


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
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    partial = parent / f".{target.name}.{uuid.uuid4().hex}.partial"
    try:
        with partial.open("wb") as raw:
            yield raw
        # rename, not replace: fsspec paths (UPath) only implement rename, which overwrites there as os.rename
        # does on POSIX (atomically within one directory).
        partial.rename(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for leftover in parent.glob(f".{target.name}.*.partial"):
        _remove_if_stale(leftover)


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
            raise ExportError(f"compression '{compression}' is not supported; use None or one of {COMPRESSIONS}.")
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


class PagedClient(Protocol):
    """What the export needs of the REST client (``core.client.BigCommerceClient``)."""

    def walk(self, path: str, params: Mapping[str, Any] | None = None) -> PageWalk: ...

    @property
    def stats(self) -> ClientStats: ...


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
            "%s %s: %d records, %d pages in %.1f s (%.0f records/s), quota left %s/%s",
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
) -> dict[str, Any]:
    """Read ``resource`` and write it under ``destination``; return the manifest (plain JSON types, no secret).

    ``window`` names the file and, when ``incremental`` and the resource has a date filter, selects the records
    with ``window.start <= date_modified < window.end``; otherwise the whole list is read (a snapshot).
    ``deletions`` also writes the resource's tombstones (``core.tombstones``) and adds them to the manifest.
    """
    log = log or logging.getLogger(__name__)
    applied = window if incremental and resource.incremental else None
    if window is None and incremental and resource.incremental:
        raise ExportError(
            f"{resource.name} is read incrementally, but this run has no data interval. Pass since/until, "
            "or set incremental=False for a full read."
        )
    if deletions and resource.deletions is None:
        raise ExportError(
            f"{resource.name} has no way to find deleted records; export it without deletions (line items and "
            "addresses follow their order's tombstones, price list records their price list's)."
        )
    params = resource.query(applied)
    target = destination / export_file_name(resource, window, compression)
    before = client.stats
    progress = _Progress(log, resource.name, client, progress_every_s)
    log.info("Exporting %s from %s (%s) to %s", resource.name, resource.path, _describe(applied, incremental), target)
    with atomic_file(target) as raw:
        writer = NdjsonWriter(raw, compression=compression, inner_name=target.name.removesuffix(".gz"))
        walk = _walk(client, resource, params)
        try:
            for page in walk:
                records = page.records
                if resource.derive is not None:
                    records = [derived for record in records for derived in resource.derive(record)]
                writer.write(records)
                progress.page_done(writer.records)
        finally:
            writer.close()
        size = raw.tell()
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
        "pages": progress.pages,
        "requests": after.requests - before.requests,
        "retries": after.retries - before.retries,
        "responses_429": after.responses_429 - before.responses_429,
        "seconds": progress.seconds,
    }
    if resource.fan_out is not None:
        manifest["child_path"] = resource.fan_out.child
    if deletions:
        from airflow_provider_bigcommerce.core.tombstones import export_deletions  # it builds on this module

        manifest["deletions"] = export_deletions(client, resource, destination, window=window, compression=compression)
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


def _walk(client: PagedClient, resource: Resource, params: dict[str, str]) -> PageWalk | FanOutWalk:
    """The walk of a plain list, or of a fan-out: the parents, then each parent's list with the date filter
    where the resource applies it."""
    fan_out = resource.fan_out
    if fan_out is None:
        return client.walk(resource.path, params)
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
    )


def _describe(window: Window | None, incremental: bool) -> str:
    if window is not None:
        return f"date_modified in [{window.start.isoformat()}, {window.end.isoformat()})"
    if incremental:
        return "full read: the API has no date filter for this list"
    return "full read: incremental=False"
