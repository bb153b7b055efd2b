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

One poll loop per store: in the triggerer, every change trigger of one store, connection, interval and trigger
class shares one stream (``shared_stream_key``), whose loop (``change_poll.StorePoll``) reads each watched list
once a poll through one hook, and each trigger keeps the events of its own list and asset
(``filter_shared_stream``). BigCommerce answers for one list a request, so N lists still cost the sum of their
requests; what they share is the loop, the connection lookup, the token, the HTTP session and the rate limiter,
and a list watched by several assets is read once (docs/triggers.md "One poll loop per store").

The trigger carries only the connection id, the resource, the interval and the watched asset's URI (they are
stored in the metadata database); the connection and its token are read inside the triggerer on every poll.

Each list's last marker is kept in its watched asset's state store (Airflow 3.3), and it is saved only once its
event is safe: the shared stream is acknowledged, Airflow reports when the event is stored in the metadata
database (``create_shared_stream_producer``), and only then is that list's new marker saved. A triggerer that
dies before that leaves the previous marker, so the next one fires the change again. (An event that has left the
trigger is not yet stored: the triggerer hands events to its supervisor about once a second, while a state store
write goes at once.)

Before Airflow 3.3 there is neither a state store nor a shared stream (``compat``): the trigger polls in its own
``run`` and keeps the marker in memory, so a triggerer restart takes a new first look, and a change made while no
triggerer ran is not fired. Airflow 2.11 has no ``AssetWatcher``: ``watched_asset`` raises
``AirflowFeatureUnavailable`` there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from airflow.triggers.base import TriggerEvent

from airflow_provider_bigcommerce.compat import (
    BaseEventTrigger,
    SharedStreamProducer,
    asset_state_store,
    asset_watcher,
    require_shared_streams,
    trigger_state_store,
)
from airflow_provider_bigcommerce.core.errors import BigCommerceError
from airflow_provider_bigcommerce.triggers.change_poll import (
    MARKER_KEY,
    ChangeProducer,
    ListEvent,
    MarkerStore,
    Roster,
    StorePoll,
    WatchedList,
    roster_of,
)
from airflow_provider_bigcommerce.triggers.list_markers import REQUESTS_PER_POLL, WATCHES, requests_per_hour

__all__ = [
    "DEFAULT_POLL_INTERVAL_S",
    "MARKER_KEY",
    "MIN_POLL_INTERVAL_S",
    "REQUESTS_PER_POLL",
    "WATCHES",
    "BigCommerceChangeTrigger",
    "ChangeTriggerError",
    "watched_asset",
]

MIN_POLL_INTERVAL_S = 30.0
DEFAULT_POLL_INTERVAL_S = 300.0


class ChangeTriggerError(BigCommerceError, ValueError):
    """The trigger's arguments cannot work: ``argument`` names the one to fix, ``code`` what is wrong (``CODES``)."""

    CODES = frozenset(("not_watched", "not_seconds", "too_often"))

    def __init__(self, code: str, argument: str, **facts: Any) -> None:
        super().__init__(code, argument=argument, **facts)
        self.argument = argument


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
        """What watching this list costs the store at most, in API requests an hour (in the triggerer, a list that
        several assets of one store watch at one interval is read once for all of them)."""
        return requests_per_hour([self.resource], self.poll_interval)

    @property
    def watched_list(self) -> WatchedList:
        return WatchedList(self.resource, self.asset_uri)

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
        """Polls this trigger's list in a loop of its own: the marker is saved when the consumer resumes the
        generator after taking the event. The triggerer uses ``filter_shared_stream`` instead when ``asset_uri``
        is known."""
        roster = Roster()
        with roster.member(self.watched_list):
            poll = StorePoll(
                self.bigcommerce_conn_id, self.poll_interval, roster, lambda _: trigger_state_store(self), self.log
            )
            async for event, receipt in poll.changes():
                yield self._event_of(event)
                if receipt is not None:
                    await receipt.watch.handed_over(receipt)

    def shared_stream_key(self) -> Hashable | None:
        """One stream per store, connection, interval and trigger class: every list of the store watched at this
        interval is polled in its loop. The store is the watched asset's (``bigcommerce://{store_id}/...``); the
        connection names the one actually read, and nothing secret is in the key. Without the asset's URI the
        producer has nowhere to save, so ``run`` polls instead."""
        if self.asset_uri is None:
            return None
        return self.serialize()[0], _store_of(self.asset_uri), self.bigcommerce_conn_id, self.poll_interval

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> SharedStreamProducer:
        """The store's poll loop, made from the first watcher's arguments; it reads what is on the roster of the
        stream's key, which every watcher joins in ``filter_shared_stream``."""
        require_shared_streams()
        first = cls(**kwargs)
        roster = roster_of(first.shared_stream_key())
        roster.hold()  # released by the producer's aclose, when the poll ends
        poll = StorePoll(
            first.bigcommerce_conn_id,
            first.poll_interval,
            roster,
            lambda watched: cls.marker_store(watched.asset_uri) if watched.asset_uri is not None else None,
            first.log,
        )
        return ChangeProducer(poll)

    @classmethod
    def marker_store(cls, asset_uri: str) -> MarkerStore:
        """The watched asset's state store, written through the triggerer's supervisor."""
        return asset_state_store(asset_uri)

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        """This trigger's list joins the loop's roster while it listens, and it fires for its own list and asset
        only; every other event of the stream it passes by (Airflow counts that as taken)."""
        mine = self.watched_list
        with roster_of(self.shared_stream_key()).member(mine):
            async for event in shared_stream:
                if isinstance(event, ListEvent) and event.watched == mine:
                    yield self._event_of(event)

    @staticmethod
    def _event_of(event: ListEvent) -> TriggerEvent:
        if event.error is not None:
            raise event.error  # a wrong StoreId, a revoked token, a missing scope: polling again cannot help
        return TriggerEvent(event.payload)


def _store_of(asset_uri: str) -> str | None:
    """The store hash of a ``bigcommerce://`` asset URI; None for another scheme (the connection names it)."""
    parts = urlsplit(asset_uri)
    return parts.netloc if parts.scheme == "bigcommerce" else None


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
