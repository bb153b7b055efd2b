"""Change-driven runs: an event trigger for an ``AssetWatcher`` that fires when a store's list changed.

Each poll reads a *marker* of the list (``core.change_marker``): the id and ``date_modified`` of its newest
records, one page of 250 sorted newest first, and its count. The trigger fires when two markers differ, and its
event names what changed: records added, restored or edited (``changed``, with the export ``windows`` that hold
them) and records gone from the list (``gone``). A page shorter than 250 is the whole list, so on such a list
every change is seen and named; docs/triggers.md "What it sees, and what it cannot" says
what a longer list hides.

Cost, in requests per poll (``REQUESTS_PER_POLL``, the most a poll sends): orders 2 (``v2/orders`` sorted
newest first, 250 a page, and ``v2/orders/count``; the count is skipped while the list is shorter than a page),
products and customers 1 (a v3 page of 250 sorted newest first, whose ``meta.pagination.total`` is the count).
Per hour that is ``requests_per_poll * 3600 / poll_interval``: orders at the default 300 s cost at most 24
requests an hour, and at most 240 at the minimum 30 s (``MIN_POLL_INTERVAL_S``). The calls go through the
provider's client, so they share the store's rate budget with every export and back off on 429 like them.

The trigger carries only the connection id, the resource, the interval and the watched asset's URI (they are
stored in the metadata database); the connection and its token are read inside the triggerer on every poll.

The last marker is kept in the watched asset's state store (Airflow 3.3), and it is saved only once its event
is safe: in the triggerer the trigger runs as an acknowledged shared stream, where Airflow reports when the event
is stored in the metadata database (``create_shared_stream_producer``), and only then is the new marker saved. A
triggerer that dies before that leaves the previous marker, so the next one fires the change again. (An event
that has left the trigger is not yet stored: the triggerer hands events to its supervisor about once a second,
while a state store write goes at once.)

Before Airflow 3.3 there is neither a state store nor a shared stream (``compat``): the trigger polls in its own
``run`` and keeps the marker in memory, so a triggerer restart takes a new first look, and a change made while no
triggerer ran is not fired. Airflow 2.11 has no ``AssetWatcher``: ``watched_asset`` raises
``AirflowFeatureUnavailable`` there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from airflow.triggers.base import TriggerEvent

from airflow_provider_bigcommerce.compat import (
    BaseEventTrigger,
    SharedStreamProducer,
    asset_state_store,
    asset_watcher,
    require_shared_streams,
    trigger_state_store,
)
from airflow_provider_bigcommerce.core import change_marker
from airflow_provider_bigcommerce.core.errors import BigCommerceError, PagingError
from airflow_provider_bigcommerce.core.paging import rules as page_rules

if TYPE_CHECKING:
    from airflow.triggers.shared_stream import AdvanceItem

MIN_POLL_INTERVAL_S = 30.0
DEFAULT_POLL_INTERVAL_S = 300.0
MARKER_KEY = "bigcommerce_change_marker"
LIMIT_PARAM = str(change_marker.PAGE_LIMIT)  # the newest page: 250, the most a page holds


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


class ChangeTriggerError(BigCommerceError, ValueError):
    """The trigger's arguments cannot work: ``argument`` names the one to fix, ``code`` what is wrong (``CODES``)."""

    CODES = frozenset(("not_watched", "not_seconds", "too_often"))

    def __init__(self, code: str, argument: str, **facts: Any) -> None:
        super().__init__(code, argument=argument, **facts)
        self.argument = argument


def read_marker(bigcommerce_conn_id: str, resource: str) -> dict[str, Any]:
    """The list's marker now (``core.change_marker.marker_of``).

    Blocking (connection lookup, one or two HTTP calls through the client's retries and rate limits). A body
    that is not a list page or count, or a record that cannot be placed, raises ``PagingError``.
    """
    from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

    watch = WATCHES[resource]
    hook = BigCommerceHook(bigcommerce_conn_id, read_only=True)
    try:
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
        return change_marker.marker_of(
            hook.properties.store_id, resource, watch.path, records, limit=change_marker.PAGE_LIMIT, count=count
        )
    finally:
        hook.close()


class MarkerStore(Protocol):
    """Where the last marker is kept: Airflow's asset state store accessors have this shape."""

    async def aget(self, key: str) -> Any: ...

    async def aset(self, key: str, value: Any) -> None: ...


class ChangeWatch:
    """One list's poll loop: yields each change with a *receipt*; the receipt goes back to ``handed_over`` once
    the change's event is safe, and only then is the marker saved. ``not_handed_over`` makes the next poll fire
    the change again."""

    def __init__(self, trigger: BigCommerceChangeTrigger, store: MarkerStore | None) -> None:
        self.trigger = trigger
        self.store = store
        self.log = trigger.log
        self._saved: dict[str, Any] | None = None  # the marker in the state store
        self._previous: dict[str, Any] | None = None  # the marker the last event (or first look) was made from
        self._generation = 0  # receipts of an older generation were overtaken by a change fired again

    async def changes(self) -> AsyncIterator[tuple[dict[str, Any], tuple[int, dict[str, Any]]]]:
        """``(payload, receipt)`` for every change, for ever; raises the client's error when polling cannot help."""
        from airflow_provider_bigcommerce.core.errors import BigCommerceApiError, BigCommerceTransportError

        trigger = self.trigger
        self._saved = self._previous = await self._load()
        self.log.info(
            "Watching %s of %s every %g s (at most %.0f requests an hour)",
            trigger.resource,
            trigger.bigcommerce_conn_id,
            trigger.poll_interval,
            trigger.requests_per_hour,
        )
        while True:
            try:
                marker = await asyncio.to_thread(read_marker, trigger.bigcommerce_conn_id, trigger.resource)
            except (BigCommerceTransportError, BigCommerceApiError, PagingError) as error:
                permanent = isinstance(error, BigCommerceApiError) and error.status < 500 and error.status != 429
                if permanent:
                    raise  # a wrong StoreId, a revoked token, a missing scope: polling again cannot help
                self.log.warning(
                    "No marker this time (%s); next look in %g s", type(error).__name__, trigger.poll_interval
                )
            else:
                previous = self._previous
                if previous is None or previous.get("store") != marker["store"]:
                    # A first look, or the connection was repointed: a new baseline, not a change of this store.
                    kept = "the asset's state store" if await self._save(marker) else "memory"
                    self.log.info(
                        "First look at %s of %s: %s (kept in %s)",
                        trigger.resource,
                        marker["store"],
                        _brief(marker),
                        kept,
                    )
                    self._previous = marker
                elif (change := change_marker.difference(previous, marker)) is not None:
                    self.log.info(
                        "%s changed: %s -> %s; %d changed, %d gone%s",
                        trigger.resource,
                        _brief(previous),
                        _brief(marker),
                        len(change["changed"]),
                        len(change["gone"]),
                        f", unnamed up to {change['unnamed_until']}" if change["unnamed_until"] else "",
                    )
                    self._previous = marker
                    payload = {**change_marker.brief(marker), **change, "previous": change_marker.brief(previous)}
                    yield payload, (self._generation, marker)
            await asyncio.sleep(trigger.poll_interval)

    async def handed_over(self, receipt: tuple[int, dict[str, Any]]) -> None:
        """The receipt's event is safe: its marker becomes the saved one."""
        generation, marker = receipt
        if generation == self._generation:
            await self._save(marker)

    def not_handed_over(self) -> None:
        """An event was lost: compare the next poll with the saved marker, so the change fires again."""
        self._generation += 1
        self._previous = self._saved
        self.log.warning("A change event of %s was not stored; the next poll fires it again", self.trigger.resource)

    async def _load(self) -> dict[str, Any] | None:
        if self.store is None:
            return None
        try:
            saved = await self.store.aget(MARKER_KEY)
        except Exception as error:  # several watched assets, or no state store backend: keep it in memory
            self.log.info("No saved marker (%s): the first poll sets it", type(error).__name__)
            return None
        if change_marker.is_marker(saved) and saved.get("resource") == self.trigger.resource:
            return dict(saved)
        return None

    async def _save(self, marker: dict[str, Any]) -> bool:
        """Whether the marker went to the state store (else it lives only as long as this watch)."""
        self._saved = marker
        if self.store is None:
            return False
        try:
            await self.store.aset(MARKER_KEY, marker)
        except Exception as error:
            self.log.info("Marker not saved (%s); it stays in memory", type(error).__name__)
            return False
        return True


class ChangeProducer(SharedStreamProducer):
    """The watch as the producer of an acknowledged shared stream: Airflow calls ``advance`` for a change once
    every event made from it is stored in the metadata database (or failed to be)."""

    def __init__(self, watch: ChangeWatch) -> None:
        self.watch = watch

    def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:
        return self.watch.changes()

    async def advance(self, batch: Sequence[AdvanceItem]) -> None:
        for item in batch:
            if item.outcome.is_clean:
                await self.watch.handed_over(item.broker_payload)
            else:
                self.watch.not_handed_over()
                return


class BigCommerceChangeTrigger(BaseEventTrigger):
    """Fires ``{"store", "resource", "count", "newest", "previous", "changed", "gone", "windows",
    "unnamed_until"}`` each time the list changes (``core.change_marker.difference``).

    For an ``AssetWatcher``: it never ends by itself, and fires once per change seen (changes between two polls
    make one event). ``windows`` are export windows (``since``, ``until``) holding every changed record;
    ``previous`` is the list before the change.

    :param bigcommerce_conn_id: the BigCommerce connection.
    :param resource: one of ``WATCHES`` (``orders``, ``products``, ``customers``).
    :param poll_interval: seconds between polls, at least ``min_poll_interval`` (``MIN_POLL_INTERVAL_S``; a
        subclass that lowers it, as the tests do, owns the cost).
    :param asset_uri: the watched asset's URI (``watched_asset`` sets it). With it, the triggerer saves the marker
        only once Airflow has stored the event; without it, when the triggerer resumes the trigger after taking
        the event, a second or so before the event is stored.
    """

    min_poll_interval: ClassVar[float] = MIN_POLL_INTERVAL_S

    def __init__(
        self,
        bigcommerce_conn_id: str = "bigcommerce_default",
        resource: str = "orders",
        poll_interval: float | str = DEFAULT_POLL_INTERVAL_S,
        asset_uri: str | None = None,
    ) -> None:
        super().__init__()
        if resource not in WATCHES:
            raise ChangeTriggerError("not_watched", "resource", value=resource, choices=tuple(WATCHES))
        try:
            interval = float(poll_interval)
        except (TypeError, ValueError):
            raise ChangeTriggerError("not_seconds", "poll_interval", value=repr(poll_interval)) from None
        if not interval >= self.min_poll_interval:  # also refuses NaN
            raise ChangeTriggerError(
                "too_often",
                "poll_interval",
                value=repr(poll_interval),
                minimum=self.min_poll_interval,
                requests_per_poll=WATCHES[resource].requests_per_poll,
            )
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.resource = resource
        self.poll_interval = interval
        self.asset_uri = asset_uri

    @property
    def requests_per_hour(self) -> float:
        """What watching costs the store at most, in API requests an hour."""
        return WATCHES[self.resource].requests_per_poll * 3600 / self.poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "bigcommerce_conn_id": self.bigcommerce_conn_id,
                "resource": self.resource,
                "poll_interval": self.poll_interval,
                "asset_uri": self.asset_uri,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Polls in this trigger's own loop: the marker is saved when the consumer resumes the generator after
        taking the event. The triggerer uses ``filter_shared_stream`` instead when ``asset_uri`` is known."""
        watch = ChangeWatch(self, trigger_state_store(self))
        async for payload, receipt in watch.changes():
            yield TriggerEvent(payload)
            await watch.handed_over(receipt)

    def shared_stream_key(self) -> Hashable | None:
        """A stream of its own (one per list, connection, interval and asset), acknowledged: see the module's
        docstring. Without the asset's URI the producer has nowhere to save, so ``run`` polls instead."""
        if self.asset_uri is None:
            return None
        return self.serialize()[0], self.bigcommerce_conn_id, self.resource, self.poll_interval, self.asset_uri

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> SharedStreamProducer:
        require_shared_streams()
        trigger = cls(**kwargs)
        return ChangeProducer(ChangeWatch(trigger, cls.marker_store(kwargs["asset_uri"])))

    @classmethod
    def marker_store(cls, asset_uri: str) -> MarkerStore:
        """The watched asset's state store, written through the triggerer's supervisor."""
        return asset_state_store(asset_uri)

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        async for payload in shared_stream:
            yield TriggerEvent(payload)


def _brief(marker: Mapping[str, Any]) -> str:
    newest = marker.get("newest") or {}
    return f"count={marker.get('count')} newest={newest.get('id')}@{newest.get('date_modified')}"


def watched_asset(store_id: str, resource: str, **trigger: Any) -> Any:
    """The asset of a store's list with an ``AssetWatcher`` on it: schedule a DAG on it to run on every change.

    Its URI names the list by API path (``bigcommerce://abc123/v2/orders``), as the hook's lineage does, apart
    from the export's asset (``bigcommerce://abc123/orders``). ``trigger`` goes to the trigger
    (``bigcommerce_conn_id``, ``poll_interval``).
    """
    from airflow.providers.common.compat.sdk import Asset

    from airflow_provider_bigcommerce.assets.bigcommerce import asset_uri

    uri = asset_uri(store_id, WATCHES[resource].path) if resource in WATCHES else None
    change_trigger = BigCommerceChangeTrigger(resource=resource, asset_uri=uri, **trigger)  # checks its arguments
    watcher = asset_watcher(f"bigcommerce_{resource}_changes", change_trigger)
    return Asset(uri=uri, watchers=[watcher])
