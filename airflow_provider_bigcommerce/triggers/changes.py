"""Change-driven runs: an event trigger for an ``AssetWatcher`` that fires when a store's list changed.

Each poll reads a *marker* of the list with one or two cheap calls, and fires when it differs from the last
one: the newest record by ``date_modified`` (a 1-record page sorted newest first) and the record count. A new
or edited record moves the newest; a deleted one lowers the count.

Cost, in requests per poll (``REQUESTS_PER_POLL``): orders 2 (``v2/orders?sort=date_modified:desc&limit=1``
and ``v2/orders/count``), products and customers 1 (a v3 ``limit=1`` page sorted newest first carries
``meta.pagination.total``). Per hour that is ``requests_per_poll * 3600 / poll_interval``: orders at the
default 300 s cost 24 requests an hour, and at most 240 at the minimum 30 s (``MIN_POLL_INTERVAL_S``); a
store's quota is thousands an hour. The calls go through the provider's client, so they share the store's
rate budget with every export and back off on 429 like them.

The trigger carries only the connection id, the resource and the interval (they are stored in the metadata
database); the connection and its token are read inside the triggerer on every poll. The last marker is kept
in the watched asset's state store when Airflow provides one (Airflow 3.3), so a change made while the
triggerer restarted still fires.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_bigcommerce.core import page_rules
from airflow_provider_bigcommerce.core.errors import BigCommerceError, PagingError

MIN_POLL_INTERVAL_S = 30.0
DEFAULT_POLL_INTERVAL_S = 300.0
MARKER_KEY = "bigcommerce_change_marker"


@dataclass(frozen=True)
class Watch:
    """How to read one list's marker: its newest record, and its count when the newest page does not carry it."""

    path: str
    newest_params: Mapping[str, str]
    count_path: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def requests_per_poll(self) -> int:
        return 1 + (self.count_path is not None)


WATCHES: dict[str, Watch] = {
    "orders": Watch("v2/orders", {"sort": "date_modified:desc", "limit": "1"}, count_path=page_rules.ORDERS_COUNT.path),
    "products": Watch("v3/catalog/products", {"sort": "date_modified", "direction": "desc", "limit": "1"}),
    "customers": Watch("v3/customers", {"sort": "date_modified:desc", "limit": "1", "page": "1"}),
}
REQUESTS_PER_POLL = {name: watch.requests_per_poll for name, watch in WATCHES.items()}


class ChangeTriggerError(BigCommerceError, ValueError):
    """The trigger's arguments cannot work. ``argument`` names the one to fix."""

    def __init__(self, argument: str, message: str) -> None:
        self.argument = argument
        super().__init__(message)


def read_marker(bigcommerce_conn_id: str, resource: str) -> dict[str, Any]:
    """The list's marker now: ``{"store", "resource", "count", "newest": {"id", "date_modified"} | None}``.

    Blocking (connection lookup, one or two HTTP calls through the client's retries and rate limits). A body
    that is not a list page or count raises ``PagingError``.
    """
    from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

    watch = WATCHES[resource]
    hook = BigCommerceHook(bigcommerce_conn_id, read_only=True)
    try:
        answer = hook.request("GET", watch.path, params=dict(watch.newest_params))
        # The bodies are read by the paging rules' readers: a malformed one is a PagingError, not a false marker.
        if watch.count_path is None:  # v3: {"data": [...], "meta": {"pagination": {"total": n}}}
            records = page_rules.v3_records(watch.path, answer)
            pagination = page_rules.meta_of(answer).get("pagination")
            total = pagination.get("total") if isinstance(pagination, Mapping) else None
            count = page_rules.whole_number(watch.path, "total", total)
        else:  # v2: a bare array, or None (204) for an empty list; the count from its companion request
            records = page_rules.v2_records(watch.path, answer)
            if records is None:
                raise PagingError("bad_meta", watch.path, "object_for_list")
            count = page_rules.count_of(watch.count_path, hook.request("GET", watch.count_path))
        newest = records[0] if records else None
        return {
            "store": hook.properties.store_id,
            "resource": resource,
            "count": count,
            "newest": None if newest is None else {"id": newest.get("id"), "date_modified": _iso(newest)},
        }
    finally:
        hook.close()


def _iso(record: Mapping[str, Any]) -> str | None:
    """``date_modified`` as ISO 8601 (v2 answers RFC 2822), so the event can feed an export's ``since``."""
    value = record.get("date_modified")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return moment.astimezone(UTC).isoformat()


class BigCommerceChangeTrigger(BaseEventTrigger):
    """Fires ``{"store", "resource", "count", "newest", "previous"}`` each time the list's marker changes.

    For an ``AssetWatcher``: it never ends by itself, and fires once per change seen (changes between two
    polls make one event). ``previous`` is the marker before the change: its ``newest.date_modified`` is where
    the changed records begin, a ready ``since`` for an export.

    :param bigcommerce_conn_id: the BigCommerce connection.
    :param resource: one of ``WATCHES`` (``orders``, ``products``, ``customers``).
    :param poll_interval: seconds between polls, at least ``min_poll_interval`` (``MIN_POLL_INTERVAL_S``; a
        subclass that lowers it, as the tests do, owns the cost).
    """

    min_poll_interval: ClassVar[float] = MIN_POLL_INTERVAL_S

    def __init__(
        self,
        bigcommerce_conn_id: str = "bigcommerce_default",
        resource: str = "orders",
        poll_interval: float | str = DEFAULT_POLL_INTERVAL_S,
    ) -> None:
        super().__init__()
        if resource not in WATCHES:
            raise ChangeTriggerError(
                "resource", f"resource='{resource}' cannot be watched; use one of {', '.join(WATCHES)}."
            )
        try:
            interval = float(poll_interval)
        except (TypeError, ValueError):
            raise ChangeTriggerError("poll_interval", f"poll_interval={poll_interval!r} is not seconds.") from None
        if not interval >= self.min_poll_interval:  # also refuses NaN
            raise ChangeTriggerError(
                "poll_interval",
                f"poll_interval={poll_interval!r} is below the minimum of {self.min_poll_interval:g} s; each poll "
                f"costs {WATCHES[resource].requests_per_poll} request(s) of the store's quota.",
            )
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.resource = resource
        self.poll_interval = interval

    @property
    def requests_per_hour(self) -> float:
        """What watching costs the store, in API requests an hour."""
        return WATCHES[self.resource].requests_per_poll * 3600 / self.poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "bigcommerce_conn_id": self.bigcommerce_conn_id,
                "resource": self.resource,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_bigcommerce.core.errors import BigCommerceApiError, BigCommerceTransportError

        previous = await self._saved_marker()
        self.log.info(
            "Watching %s of %s every %g s (%.0f requests an hour)",
            self.resource,
            self.bigcommerce_conn_id,
            self.poll_interval,
            self.requests_per_hour,
        )
        while True:
            try:
                marker = await asyncio.to_thread(read_marker, self.bigcommerce_conn_id, self.resource)
            except (BigCommerceTransportError, BigCommerceApiError, PagingError) as error:
                permanent = isinstance(error, BigCommerceApiError) and error.status < 500 and error.status != 429
                if permanent:
                    raise  # a wrong StoreId, a revoked token, a missing scope: polling again cannot help
                self.log.warning(
                    "No marker this time (%s); next look in %g s", type(error).__name__, self.poll_interval
                )
            else:
                if previous is None or previous.get("store") != marker["store"]:
                    # A first look, or the connection was repointed: a new baseline, not a change of this store.
                    kept = "the asset's state store" if await self._save_marker(marker) else "memory"
                    self.log.info(
                        "First look at %s of %s: %s (kept in %s)", self.resource, marker["store"], _brief(marker), kept
                    )
                elif _changed(previous, marker):
                    self.log.info("%s changed: %s -> %s", self.resource, _brief(previous), _brief(marker))
                    await self._save_marker(marker)
                    yield TriggerEvent({**marker, "previous": previous})
                previous = marker
            await asyncio.sleep(self.poll_interval)

    async def _saved_marker(self) -> dict[str, Any] | None:
        store = self.asset_state_store
        if store is None:
            return None
        try:
            saved = await store.aget(MARKER_KEY)
        except Exception as error:  # several watched assets, or no state store backend: keep it in memory
            self.log.info("No saved marker (%s): the first poll sets it", type(error).__name__)
            return None
        if isinstance(saved, Mapping) and saved.get("resource") == self.resource:
            return dict(saved)
        return None

    async def _save_marker(self, marker: dict[str, Any]) -> bool:
        """Whether the marker went to the state store (else it lives only as long as this run())."""
        store = self.asset_state_store
        if store is None:
            return False
        try:
            await store.aset(MARKER_KEY, marker)
        except Exception as error:
            self.log.info("Marker not saved (%s); it stays in memory", type(error).__name__)
            return False
        return True


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """A change of one store's list: of its newest record or of its count."""
    return before.get("newest") != after.get("newest") or before.get("count") != after.get("count")


def _brief(marker: Mapping[str, Any]) -> str:
    newest = marker.get("newest") or {}
    return f"count={marker.get('count')} newest={newest.get('id')}@{newest.get('date_modified')}"


def watched_asset(store_id: str, resource: str, **trigger: Any) -> Any:
    """The asset of a store's list with an ``AssetWatcher`` on it: schedule a DAG on it to run on every change.

    Its URI names the list by API path (``bigcommerce://abc123/v2/orders``), as the hook's lineage does, apart
    from the export's asset (``bigcommerce://abc123/orders``). ``trigger`` goes to the trigger
    (``bigcommerce_conn_id``, ``poll_interval``).
    """
    from airflow.sdk import Asset, AssetWatcher

    from airflow_provider_bigcommerce.assets.bigcommerce import asset_uri

    change_trigger = BigCommerceChangeTrigger(resource=resource, **trigger)  # checks resource and interval
    watcher = AssetWatcher(name=f"bigcommerce_{resource}_changes", trigger=change_trigger)
    return Asset(uri=asset_uri(store_id, WATCHES[resource].path), watchers=[watcher])
