"""How the change trigger reads a list's marker (``core.change_marker``): which request, and what it costs.

BigCommerce has no request that answers for more than one list (no change feed across resources; its webhooks,
webhooks.v3.yml, push to a public callback instead), so every watched list costs its own request per poll. What
``read_markers`` shares between the lists of one store is everything else: one connection lookup and one token
read per poll, one HTTP session (one kept-alive TCP connection) and, as every client of the process does, the
store's one rate limiter (``core.http.rate_limit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_bigcommerce.core import change_marker
from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceTransportError,
    PagingError,
)
from airflow_provider_bigcommerce.core.paging import rules as page_rules

LIMIT_PARAM = str(change_marker.PAGE_LIMIT)  # the newest page: 250, the most a page holds
SKIPPED = (BigCommerceTransportError, BigCommerceApiError, PagingError)
"""What one list's read may end in without ending the others' (``is_permanent`` says whether to try again)."""


@dataclass(frozen=True)
class Watch:
    """How to read one list's marker: its newest page, and its count when that page does not carry it."""

    path: str
    newest_params: Mapping[str, str]
    count_path: str | None = None

    @property
    def requests_per_poll(self) -> int:
        return 1 + (self.count_path is not None)


WATCHES: dict[str, Watch] = {
    # orders.v2.oas2.yml: sort=date_modified:desc; limit at most 250 (docs/bigcommerce.md "Listing and paging").
    "orders": Watch(
        "v2/orders", {"sort": "date_modified:desc", "limit": LIMIT_PARAM}, count_path=page_rules.ORDERS_COUNT.path
    ),
    # products_catalog.v3.yml: sort, direction; IncludeFieldsParam answers "the ID and the specified fields".
    "products": Watch(
        "v3/catalog/products",
        {"sort": "date_modified", "direction": "desc", "limit": LIMIT_PARAM, "include_fields": "date_modified"},
    ),
    # customers.v3.yml: sort=date_modified:desc.
    "customers": Watch("v3/customers", {"sort": "date_modified:desc", "limit": LIMIT_PARAM, "page": "1"}),
}
REQUESTS_PER_POLL = {name: watch.requests_per_poll for name, watch in WATCHES.items()}


def requests_per_poll(resources: Iterable[str]) -> int:
    """The most one poll of ``resources`` of one store sends (each list once, however many watchers it has)."""
    return sum(REQUESTS_PER_POLL[resource] for resource in set(resources))


def requests_per_hour(resources: Iterable[str], poll_interval: float) -> float:
    """The most that polling ``resources`` of one store every ``poll_interval`` seconds costs, in requests an hour."""
    return requests_per_poll(resources) * 3600 / poll_interval


def is_permanent(error: BaseException) -> bool:
    """A wrong StoreId, a revoked token, a missing scope: polling again cannot help (a 429 or a 5xx can)."""
    return isinstance(error, BigCommerceApiError) and error.status < 500 and error.status != 429


def read_markers(bigcommerce_conn_id: str, resources: Iterable[str]) -> dict[str, dict[str, Any] | BaseException]:
    """Each list's marker now, or the error (``SKIPPED``) its read ended in, read one list after the other through
    one hook.

    Blocking (a connection lookup, then one or two HTTP calls a list through the client's retries and rate
    limits). A body that is not a list page or count, or a record that cannot be placed, is a ``PagingError``. A
    connection that cannot be read raises: no list can be read then.
    """
    from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

    hook = BigCommerceHook(bigcommerce_conn_id, read_only=True)
    markers: dict[str, dict[str, Any] | BaseException] = {}
    try:
        store_id = hook.properties.store_id
        for resource in dict.fromkeys(resources):
            try:
                markers[resource] = _marker(hook, store_id, resource)
            except SKIPPED as error:
                markers[resource] = error
        return markers
    finally:
        hook.close()


def _marker(hook: Any, store_id: str, resource: str) -> dict[str, Any]:
    watch = WATCHES[resource]
    answer = hook.request("GET", watch.path, params=dict(watch.newest_params))
    # The bodies are read by the paging rules' readers: a malformed one is a PagingError, not a false marker.
    count: int | None
    if watch.count_path is None:  # v3: {"data": [...], "meta": {"pagination": {"total": n}}}
        records = page_rules.v3_records(watch.path, answer)
        pagination = page_rules.meta_of(answer).get("pagination")
        total = pagination.get("total") if isinstance(pagination, Mapping) else None
        count = page_rules.whole_number(watch.path, "total", total)
    else:  # v2: a bare array, or None (204) for an empty list; the count from its companion request
        listed = page_rules.v2_records(watch.path, answer)
        if listed is None:
            raise PagingError("bad_meta", watch.path, "object_for_list")
        records = listed
        # A short page is the whole list: its length is the count (and the count request is saved).
        full = len(records) >= change_marker.PAGE_LIMIT
        count = page_rules.count_of(watch.count_path, hook.request("GET", watch.count_path)) if full else None
    return change_marker.marker_of(store_id, resource, watch.path, records, limit=change_marker.PAGE_LIMIT, count=count)
