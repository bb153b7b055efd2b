"""Export one BigCommerce resource to newline-delimited JSON: streamed page by page, replaced atomically.

Plain Python, no Airflow: the transfer operator only turns a task's data interval and destination into the
arguments of :func:`export_resource`. Memory stays flat whatever the record count: one page (at most 250 records)
is held at a time and written through the optional gzip stream straight into the destination file.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import time
import unicodedata
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import unquote

from airflow_provider_bigcommerce.core.destination import claim, storage_error, unclaimed
from airflow_provider_bigcommerce.core.errors import BigCommerceError, ExportError, PagingError
from airflow_provider_bigcommerce.core.fan_out import FanOut, FanOutWalk
from airflow_provider_bigcommerce.core.page_rules import MAX_PAGE_SIZE, record_id
from airflow_provider_bigcommerce.core.windows import (
    Window,
    WindowFilter,
    api_version,
    check_settled,
    filter_timestamp,
)

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.client import ClientStats
    from airflow_provider_bigcommerce.core.paging import PageWalk
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

COMPRESSIONS = ("gzip",)
PROGRESS_EVERY_S = 10.0
STALE_PARTIAL_S = 6 * 3600  # a partial file untouched this long belongs to a run that died


class ResourceNameError(ExportError):
    """A resource name or a list's API path that could reach outside its place; nothing was read or written.

    The name becomes a folder and a file name under the destination (``export_file_name``), the path a URL under
    ``/stores/{StoreId}/``. ``code`` says what is wrong (``CODES``), ``name`` is the value refused, as given, and
    ``argument`` which one it was (``resource`` or ``path``). The CLI and the hook put it in words.
    """

    CODES = frozenset(("empty", "absolute", "separator", "dot_name", "control_character", "dot_segment"))

    def __init__(self, code: str, name: str, *, argument: str = "resource") -> None:
        if code not in self.CODES:
            raise ValueError(f"ResourceNameError: unknown code {code!r}")
        super().__init__(f"The {argument} {name!r} is refused ({code})", code=code)
        self.name = name
        self.argument = argument


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


# orders.v2.oas2.yml ``orderConsignment_Get``: ``shipping``, ``pickups`` and ``downloads`` are lists of consignments;
# ``email`` is one object whose ``gift_certificates`` is the list. Each kind's name in the exported records first.
_ORDERS_PATH = "v2/orders"
CONSIGNMENT_KINDS = (
    ("shipping", ("shipping",)),
    ("pickup", ("pickups",)),
    ("download", ("downloads",)),
    ("gift_certificate", ("email", "gift_certificates")),
)


def _consignments_of(order: Mapping[str, Any], where: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """The consignments of one kind, found by following ``where`` from the order's ``consignments`` object. A kind
    the order does not carry has none; anything not shaped as the file declares is an error, not a skipped line."""
    found: Any = order.get("consignments")
    path = "consignments"
    for key in where:
        if not isinstance(found, Mapping):
            raise _malformed(order, path)
        found, path = found.get(key), f"{path}.{key}"
        if found is None:
            return []
    if not isinstance(found, list) or not all(isinstance(consignment, Mapping) for consignment in found):
        raise _malformed(order, path)
    return found


def _lines_in(order: Mapping[str, Any], consignment: Mapping[str, Any], path: str) -> list[Mapping[str, Any]]:
    """A consignment's ``line_items``: a list as the schema declares, or one object as the file's examples of
    downloads and gift certificates write it (docs/bigcommerce.md "Listing and paging"); each an inline record."""
    lines = consignment.get("line_items")
    if lines is None:
        return []
    lines = [lines] if isinstance(lines, Mapping) else lines
    if not isinstance(lines, list) or not all(isinstance(line, Mapping) for line in lines):
        raise _malformed(order, f"{path}[].line_items")
    for line in lines:
        record_id(_ORDERS_PATH, line)  # a link ({url, resource}) instead of the record would lose the line
    return lines


def _malformed(order: Mapping[str, Any], where: str) -> PagingError:
    return PagingError("bad_record", _ORDERS_PATH, "consignments_malformed", order_id=order.get("id"), where=where)


def _shipping_addresses_of(order: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The shipping addresses of one order, taken from its shipping consignments only (pickups are collected at a
    store location, downloads and gift certificates are sent by email).

    With ``include=consignments`` and ``consignment_structure=object`` every order carries
    ``consignments.shipping[]``: the same address and shipping-cost fields ``/v2/orders/{id}/shipping_addresses``
    returns (orders.v2.oas2.yml). Reading them there costs one request per 250 orders instead of one per order.
    Line items are their own resource (``_line_items_of``); here they would only repeat them.
    """
    for consignment in _consignments_of(order, ("shipping",)):
        address = {key: value for key, value in consignment.items() if key != "line_items"}
        address["order_id"] = order["id"]
        yield address


def _line_items_of(order: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The line items of one order, from every kind of consignment it carries inline.

    Each is the ``orderProducts`` record ``/v2/orders/{id}/products`` returns (orders.v2.oas2.yml), with its
    ``order_id``, its ``consignment_kind`` (``CONSIGNMENT_KINDS``) and, for a pickup, the ``pickup_location`` it is
    collected from (``pickupConsignmentLocation_Get``; None for the other kinds): one request per 250 orders
    instead of one per order.
    """
    for kind, where in CONSIGNMENT_KINDS:
        for consignment in _consignments_of(order, where):
            location = consignment.get("location") if kind == "pickup" else None
            for line in _lines_in(order, consignment, ".".join(("consignments", *where))):
                yield {**line, "order_id": order["id"], "consignment_kind": kind, "pickup_location": location}


def _stock_by_location(item: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One record per variant and location: ``/v3/inventory/items`` nests the locations in each item."""
    for location in item.get("locations") or ():
        yield {**item.get("identity", {}), **location}


@dataclass(frozen=True)
class Confirm:
    """How deletion candidates are read by id (``core.tombstones``), with a request the list's official file declares.

    ``param`` takes up to ``batch`` comma-separated ids (``id:in``) or one (``id``); ``path`` reads one record by its
    own path (``v3/channels/{id}``: 404 once it is gone); ``span`` names a list's (minimum, maximum) id filters,
    read over candidates less than a page apart (v2 ``min_id``/``max_id``).
    """

    param: str | None = None
    batch: int = 1
    path: str | None = None
    span: tuple[str, str] | None = None

    def batches(self, candidates: list[int]) -> Iterator[list[int]]:
        """The candidates (ascending) in the groups one request reads."""
        if self.span is not None:
            group: list[int] = []
            for key in candidates:
                if group and key - group[0] >= MAX_PAGE_SIZE - 2:  # the span asks one id beyond each end
                    yield group
                    group = []
                group.append(key)
            if group:
                yield group
            return
        size = max(1, self.batch)
        for start in range(0, len(candidates), size):
            yield candidates[start : start + size]

    def request(self, list_path: str, batch: list[int]) -> tuple[str, dict[str, str]]:
        """The GET reading ``batch``: its path and query."""
        if self.path is not None:
            return self.path.format(id=batch[0]), {}
        if self.span is not None:
            low, high = self.span  # whether they include their value is not stated: one id beyond each end
            return list_path, {low: str(batch[0] - 1), high: str(batch[-1] + 1), "limit": str(MAX_PAGE_SIZE)}
        if self.param is None:
            raise ExportError("Confirm needs param, path or span", code="confirm_unset")
        return list_path, {self.param: ",".join(map(str, batch)), "limit": str(MAX_PAGE_SIZE)}


@dataclass(frozen=True)
class Deletions:
    """How a resource learns which records were deleted (``core.tombstones``).

    ``"archived"``: the list reports its deleted records itself when asked with ``params`` (orders:
    ``is_deleted=true``); ``fallback`` is the way used when the store ignores that. ``"ids"``: every id is read
    (with ``params``, e.g. ``include_fields=id``), compared with the ids the previous run saw, and each id gone
    from the read is confirmed by ``confirm`` before it is written. ``key`` is the record field holding the id.
    """

    kind: str
    params: Mapping[str, str] = field(default_factory=dict)
    confirm: Confirm = field(default_factory=Confirm)
    key: str = "id"
    fallback: Deletions | None = None


@dataclass(frozen=True)
class Expand:
    """A filter a list needs filled from another list first: every ``field`` of ``path``'s records, comma
    separated, as ``param`` (the categories of every category tree: ``tree_id:in`` from ``v3/catalog/trees``)."""

    path: str
    field: str
    param: str


def expanded_params(client: PagedClient, resource: Resource) -> dict[str, str]:
    """The query parameters ``resource.expand`` fills in (one short read), or none."""
    expand = resource.expand
    if expand is None:
        return {}
    values = [str(record[expand.field]) for page in client.walk(expand.path) for record in page.records]
    return {expand.param: ",".join(values)} if values else {}


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
    expand: Expand | None = None

    @property
    def incremental(self) -> bool:
        return self.date_modified_params is not None

    @property
    def date_field(self) -> str | None:
        """The record field the date filter applies to: ``min_date_modified`` and ``date_modified:min`` filter
        ``date_modified``, ``created:min`` filters ``created``."""
        if self.date_modified_params is None:
            return None
        return self.date_modified_params[0].removeprefix("min_").removesuffix(":min")

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
            low, high = window.query_bounds()
            min_name, max_name = self.date_modified_params
            params[min_name] = filter_timestamp(self.path, low)
            params[max_name] = filter_timestamp(self.path, high)
        return params


_V2_ORDERS_FILTER = ("min_date_modified", "max_date_modified")
_V3_FILTER = ("date_modified:min", "date_modified:max")
# Line items inline, one request per 250 orders (docs/bigcommerce.md "Listing and paging"). Not sorted on
# date_modified: the walk pages orders by id (``min_id``), which edits during the walk cannot shift.
_ORDER_PARAMS = {"include": "consignments.line_items", "consignment_structure": "object"}
# Candidates are read back by id before they become tombstones: in batches where the list declares ``id:in``
# (products_catalog.v3.yml, brands_catalog.v3.yml, categories_catalog.v3.yml, customers.v3.yml, price_lists.v3.yml,
# pages.v3.yml), by id ranges where it declares ``min_id``/``max_id`` (orders.v2.oas2.yml, marketing.v2.yml), one by
# one where it declares only ``id`` (variants) or a path per record (channels.v3.yml ``/channels/{channel_id}``).
_BY_ID_IN = Confirm(param="id:in", batch=200)
_BY_ID_SPAN = Confirm(span=("min_id", "max_id"))
_IDS_ONLY = Deletions("ids", {"include_fields": "id"}, _BY_ID_IN)  # lists that document include_fields
_ALL_IDS = Deletions("ids", confirm=_BY_ID_IN)  # no include_fields: whole records, still 250 a page
_ARCHIVED_ORDERS = Deletions("archived", {"is_deleted": "true"}, fallback=Deletions("ids", confirm=_BY_ID_SPAN))

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
        Resource("variants", "v3/catalog/variants", deletions=replace(_IDS_ONLY, confirm=Confirm(param="id"))),
        Resource("brands", "v3/catalog/brands", deletions=_IDS_ONLY),
        # Every category of every tree (multi-storefront: one tree per channel group); v3/catalog/categories is
        # deprecated and shows one tree. Whether trees/categories without tree_id:in answers every tree is not
        # stated (docs/open-questions.md "Category trees"), so the trees are listed first and named.
        Resource(
            "categories",
            "v3/catalog/trees/categories",
            deletions=Deletions("ids", key="category_id", confirm=Confirm(param="category_id:in", batch=200)),
            expand=Expand("v3/catalog/trees", "id", "tree_id:in"),
        ),
        Resource("category_trees", "v3/catalog/trees"),
        Resource("customers", "v3/customers", {}, _V3_FILTER, deletions=_ALL_IDS),
        Resource("customer_addresses", "v3/customers/addresses", deletions=_ALL_IDS),
        Resource("coupons", "v2/coupons", deletions=Deletions("ids", confirm=_BY_ID_SPAN)),
        Resource(
            "channels",
            "v3/channels",
            {},
            _V3_FILTER,
            deletions=Deletions("ids", confirm=Confirm(path="v3/channels/{id}")),
        ),
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

    ``params`` are added to (and override) the catalogue's query parameters. A name or path that could reach
    outside its place raises ``ResourceNameError``.
    """
    _check_name(name)
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
    given, path = path, path.strip("/")
    if api_version(path) not in ("v2", "v3"):
        raise ExportError(f"path '{path}' must start with v2/ or v3/ (the part after /stores/{{StoreId}}/).")
    # A server may decode %2e and %2f, or take a backslash for a slash.
    if any(segment in (".", "..") for segment in unquote(path).replace("\\", "/").split("/")):
        raise ResourceNameError("dot_segment", given, argument="path")
    if _has_control_character(path):
        raise ResourceNameError("control_character", given, argument="path")
    if date_modified_params is not None:
        date_modified_params = tuple(date_modified_params)
        if len(date_modified_params) != 2:
            raise ExportError("date_modified_params takes two names: the minimum and the maximum filter parameter.")
    return Resource(name, path, extra, date_modified_params)


def _check_name(name: str) -> None:
    """A resource name becomes a folder and a file name under the destination: one plain name, never a way out."""
    if not name.strip():
        code = "empty"
    elif name.startswith(("/", "\\")):
        code = "absolute"
    elif "/" in name or "\\" in name:
        code = "separator"
    elif name in (".", ".."):
        code = "dot_name"
    elif _has_control_character(name):
        code = "control_character"
    else:
        return
    raise ResourceNameError(code, name)


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


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

    def walk(self, path: str, params: Mapping[str, Any] | None = None, *, read_set_apart: bool = True) -> PageWalk: ...

    @property
    def stats(self) -> ClientStats: ...

    @property
    def properties(self) -> ConnectionProperties: ...


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
        raise ExportError(
            f"{resource.name} is read incrementally, but this run has no data interval. Pass since/until, "
            "or set incremental=False for a full read."
        )
    if deletions and resource.deletions is None:
        raise ExportError(
            f"{resource.name} has no way to find deleted records; export it without deletions (line items and "
            "addresses follow their order's tombstones, price list records their price list's)."
        )
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
        from airflow_provider_bigcommerce.core.tombstones import export_deletions  # it builds on this module

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
