"""The catalogue of exportable lists: each one's path, date filter, derived records, fan-out and way of finding
deletions (``Resource``), and the names and paths a user may give (``resource_for``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.consignments import (
    line_items_of,
    shipping_addresses_of,
    stock_by_location,
)
from airflow_provider_bigcommerce.core.export.product_parts import parts_of
from airflow_provider_bigcommerce.core.export.windows import Window, api_version, filter_timestamp
from airflow_provider_bigcommerce.core.paging.fan_out import FanOut
from airflow_provider_bigcommerce.core.paging.rules import MAX_PAGE_SIZE

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.http.client import ClientStats
    from airflow_provider_bigcommerce.core.paging.walk import PageWalk
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties


class ResourceNameError(ExportError):
    """A resource name or a list's API path that could reach outside its place; nothing was read or written.

    The name becomes a folder and a file name under the destination (``export_file_name``), the path a URL under
    ``/stores/{StoreId}/``. ``code`` says what is wrong (``CODES``), ``name`` is the value refused, as given, and
    ``argument`` which one it was (``resource`` or ``path``). The CLI and the hook put it in words.
    """

    CODES = frozenset(("empty", "absolute", "separator", "dot_name", "control_character", "dot_segment"))

    def __init__(self, code: str, name: str, *, argument: str = "resource") -> None:
        super().__init__(code, name=name, argument=argument)
        self.name = name
        self.argument = argument


class PagedClient(Protocol):
    """What the export needs of the REST client (``core.client.BigCommerceClient``)."""

    def walk(self, path: str, params: Mapping[str, Any] | None = None, *, read_set_apart: bool = True) -> PageWalk: ...

    @property
    def stats(self) -> ClientStats: ...

    @property
    def properties(self) -> ConnectionProperties: ...


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
            raise ExportError("confirm_unset")
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
                raise ExportError("empty_window", resource=self.name, start=window.start.isoformat())
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


def _by_path(path: str) -> Deletions:
    """Candidates read one by one by the record's own path, which answers 404 once it is gone."""
    return Deletions("ids", confirm=Confirm(path=path))


# The collection-wide metafield lists: one list per collection, not one request per record; each declares
# ``date_modified:min``/``date_modified:max`` and ``before``/``after`` cursors (products_catalog.v3.yml
# ``getProductsMetafields``, product-variants_catalog.v3.yml, categories_catalog.v3.yml, brands_catalog.v3.yml,
# customers.v3.yml, orders.v3.yml, channels.v3.yml, locations.v3.yml ``getLocationsMetafields``,
# store_information.v3.yml ``getStoreMetafields``). None declares a read by id, so their deletions are not tracked.
_METAFIELDS = (
    ("product_metafields", "v3/catalog/products/metafields"),
    ("variant_metafields", "v3/catalog/variants/metafields"),
    ("category_metafields", "v3/catalog/categories/metafields"),
    ("brand_metafields", "v3/catalog/brands/metafields"),
    ("customer_metafields", "v3/customers/metafields"),
    ("order_metafields", "v3/orders/metafields"),
    ("channel_metafields", "v3/channels/metafields"),
    ("location_metafields", "v3/inventory/locations/metafields"),
    ("store_metafields", "v3/store/metafields"),
)

RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource("orders", "v2/orders", _ORDER_PARAMS, _V2_ORDERS_FILTER, deletions=_ARCHIVED_ORDERS),
        Resource("order_shipping_addresses", "v2/orders", _ORDER_PARAMS, _V2_ORDERS_FILTER, shipping_addresses_of),
        Resource("order_line_items", "v2/orders", _ORDER_PARAMS, _V2_ORDERS_FILTER, line_items_of),
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
        Resource("inventory", "v3/inventory/items", derive=stock_by_location),
        Resource("pages", "v3/content/pages", deletions=_ALL_IDS),
        Resource("store_information", "v2/store"),
        *(Resource(name, path, {}, _V3_FILTER) for name, path in _METAFIELDS),
        # Every channel, then its listings modified in the window (channels.v3.yml ``getChannelListings``): a
        # listing's own date_modified moves when a product is assigned to the channel; the product's does not.
        Resource(
            "channel_listings",
            "v3/channels",
            {},
            _V3_FILTER,
            fan_out=FanOut("v3/channels/{id}/listings", filter_on="child"),
        ),
        # -- customers and marketing --
        # customers.v2.yml dates its groups without a time zone (``2023-07-17 06:30:41``): no window can be placed.
        Resource("customer_groups", "v2/customer_groups", deletions=_by_path("v2/customer_groups/{id}")),
        Resource("subscribers", "v3/customers/subscribers", {}, _V3_FILTER, deletions=_ALL_IDS),
        Resource("customer_attributes", "v3/customers/attributes", {}, _V3_FILTER),
        Resource("customer_attribute_values", "v3/customers/attribute-values", {}, _V3_FILTER),
        Resource("segments", "v3/segments"),  # segments.v3.yml: UUID ids, no date filter
        # promotions.v3.yml ``getPromotions`` declares ``id``: one id a request.
        Resource("promotions", "v3/promotions", deletions=Deletions("ids", confirm=Confirm(param="id"))),
        Resource("wishlists", "v3/wishlists", deletions=_by_path("v3/wishlists/{id}")),
        # -- store setup --
        Resource(
            "locations",
            "v3/inventory/locations",
            deletions=Deletions("ids", confirm=Confirm(param="location_id:in", batch=200)),
        ),
        Resource("pickup_methods", "v3/pickup/methods", {}, _V3_FILTER, deletions=_ALL_IDS),
        # shipping.v2.yml and currencies.v2.yml give these lists no count, so an id read of them is never
        # confirmed and could write no tombstone: their deletions are not tracked.
        Resource("shipping_zones", "v2/shipping/zones"),
        # A method does not name its zone (shipping.v2.yml): each gets its zone's id as ``zone_id``.
        Resource(
            "shipping_methods",
            "v2/shipping/zones",
            fan_out=FanOut("v2/shipping/zones/{id}/methods", parent_field="zone_id"),
        ),
        Resource("currencies", "v2/currencies"),
        Resource("tax_classes", "v2/tax_classes"),  # tax_classes.v2.yml: string ids
        Resource("payment_methods", "v2/payments/methods"),  # methods_payments.v2.yml: a code, no id
        Resource("sites", "v3/sites", deletions=_by_path("v3/sites/{id}")),
        Resource("redirects", "v3/storefront/redirects", deletions=_ALL_IDS),
        Resource("countries", "v2/countries"),
        Resource("blog_posts", "v2/blog/posts", deletions=_by_path("v2/blog/posts/{id}")),
        Resource("store_logs", "v3/store/systemlogs"),
        # -- the children people ask for --
        # Per order only (orders.v2.oas2.yml): the orders modified in the window, then each one's list.
        Resource("order_coupons", "v2/orders", {}, _V2_ORDERS_FILTER, fan_out=FanOut("v2/orders/{id}/coupons")),
        Resource("order_shipments", "v2/orders", {}, _V2_ORDERS_FILTER, fan_out=FanOut("v2/orders/{id}/shipments")),
        Resource("order_taxes", "v2/orders", {}, _V2_ORDERS_FILTER, fan_out=FanOut("v2/orders/{id}/taxes")),
        # Inline with the products (core/export/product_parts.py); whole snapshots, since nothing states that
        # editing a part moves its product's date_modified.
        Resource("product_images", "v3/catalog/products", {"include": "images"}, derive=parts_of("images")),
        Resource(
            "product_custom_fields",
            "v3/catalog/products",
            {"include": "custom_fields"},
            derive=parts_of("custom_fields"),
        ),
        Resource("product_options", "v3/catalog/products", {"include": "options"}, derive=parts_of("options")),
        Resource("product_modifiers", "v3/catalog/products", {"include": "modifiers"}, derive=parts_of("modifiers")),
        # Reviews are not in the product's schema, so they are read per product (products_catalog.v3.yml); a
        # review does not name its product (``productReview_Full``): each gets its product's id as ``product_id``.
        Resource(
            "product_reviews",
            "v3/catalog/products",
            {"include_fields": "id"},
            fan_out=FanOut("v3/catalog/products/{id}/reviews", parent_field="product_id"),
        ),
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
            raise ExportError("unknown_resource", resource=name)
        if date_modified_params is not None:
            raise ExportError("date_params_for_named", resource=name)
        known = RESOURCES[name]
        return replace(known, params={**known.params, **extra})
    given, path = path, path.strip("/")
    if api_version(path) not in ("v2", "v3"):
        raise ExportError("path_not_versioned", path=path)
    # A server may decode %2e and %2f, or take a backslash for a slash.
    if any(segment in (".", "..") for segment in unquote(path).replace("\\", "/").split("/")):
        raise ResourceNameError("dot_segment", given, argument="path")
    if _has_control_character(path):
        raise ResourceNameError("control_character", given, argument="path")
    if date_modified_params is not None:
        date_modified_params = tuple(date_modified_params)
        if len(date_modified_params) != 2:
            raise ExportError("date_params_not_two", count=len(date_modified_params))
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
