"""The change trigger against the lookalike: what it serializes, what it costs, and that it fires on a change
(a new order, a deleted one) and not without one. Its run() runs here on an event loop, reading the connection
from ``AIRFLOW_CONN_*`` as the triggerer would."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from typing import Any

import pytest
from airflow.triggers.shared_stream import AdvanceItem, AdvanceOutcome, SharedStreamManager

from airflow_provider_bigcommerce.core import change_marker
from airflow_provider_bigcommerce.core.errors import BigCommerceAuthError
from airflow_provider_bigcommerce.triggers.change_poll import roster_of
from airflow_provider_bigcommerce.triggers.changes import (
    MARKER_KEY,
    MIN_POLL_INTERVAL_S,
    REQUESTS_PER_POLL,
    WATCHES,
    BigCommerceChangeTrigger,
    ChangeTriggerError,
    watched_asset,
)
from tests.waiting import until

CONN_ID = "bc_watch"
ORDERS = 40  # ids 100..139, the newest by date_modified last


class QuickChangeTrigger(BigCommerceChangeTrigger):
    """The same trigger with a minimum that lets a test poll every 0.2 s."""

    min_poll_interval = 0.1


@pytest.fixture
def store(make_sandbox: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    sandbox = make_sandbox(seed=31, orders=ORDERS, products=20, customers=20)
    extra = {
        "auth_scheme": "PersonalAccessToken",
        "store_id": sandbox.store_id,
        "oauth_access_token": sandbox.access_token,
    }
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": sandbox.base_url, "extra": extra}),
    )
    return sandbox


def _requests(sandbox: Any) -> int:
    return sandbox.stats.requests


def _polls(sandbox: Any, resource: str) -> int:
    """How often the list was read: once a poll."""
    return sandbox.stats.requests_by_path.get(WATCHES[resource].path, 0)


async def _polled(store: Any, trigger: BigCommerceChangeTrigger, polls: int, *, since: int = 0) -> None:
    """Wait (bounded) until the trigger has read its list ``polls`` times more than ``since``."""
    await until(lambda: _polls(store, trigger.resource) - since >= polls, polls * trigger.poll_interval + 30)


def _not_yet(waiting: asyncio.Future[Any]) -> None:
    assert not waiting.done(), "fired before any change"


async def _next_event(
    trigger: BigCommerceChangeTrigger, store: Any, *, after_polls: int, change: Callable[[], None] | None
) -> Any:
    """Run the trigger; once it has polled ``after_polls`` times make ``change``; return its first event, or None
    when none came within four more polls."""
    events = trigger.run()
    waiting = asyncio.ensure_future(events.__anext__())
    start = _polls(store, trigger.resource)
    try:
        await until(
            lambda: _polls(store, trigger.resource) - start >= after_polls,
            after_polls * trigger.poll_interval + 30,
            meanwhile=lambda: _not_yet(waiting),
        )
        if change is not None:
            change()
        done, _ = await asyncio.wait({waiting}, timeout=4 * trigger.poll_interval + 5)
        return waiting.result() if done else None
    finally:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await events.aclose()


def test_trigger_serializes_only_the_connection_id_resource_interval_and_asset():
    trigger = BigCommerceChangeTrigger(bigcommerce_conn_id="bc_prod", resource="products", poll_interval=120)
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_bigcommerce.triggers.changes.BigCommerceChangeTrigger"
    assert kwargs == {
        "bigcommerce_conn_id": "bc_prod",
        "resource": "products",
        "poll_interval": 120.0,
        "asset_uri": None,
    }
    assert BigCommerceChangeTrigger(**kwargs).serialize() == (classpath, kwargs)


def test_polling_cost_is_bounded_by_the_minimum_interval():
    assert REQUESTS_PER_POLL == {"orders": 2, "products": 1, "customers": 1}
    fastest = BigCommerceChangeTrigger(resource="orders", poll_interval=MIN_POLL_INTERVAL_S)
    assert fastest.requests_per_hour == 2 * 3600 / MIN_POLL_INTERVAL_S == 240
    assert BigCommerceChangeTrigger(resource="orders").requests_per_hour == 24  # the default 300 s
    for too_fast in (MIN_POLL_INTERVAL_S - 1, 0, -5, math.nan):
        with pytest.raises(ChangeTriggerError) as raised:
            BigCommerceChangeTrigger(resource="orders", poll_interval=too_fast)
        assert raised.value.argument == "poll_interval"


def test_unknown_resource_or_interval_fails_naming_the_argument():
    with pytest.raises(ChangeTriggerError) as raised:
        BigCommerceChangeTrigger(resource="brands")
    assert raised.value.argument == "resource"
    with pytest.raises(ChangeTriggerError) as raised:
        watched_asset("abc123", "orders", poll_interval="soon")
    assert raised.value.argument == "poll_interval"


def test_watched_asset_names_the_stores_list_and_carries_the_watcher():
    asset = watched_asset("abc123", "orders", bigcommerce_conn_id="bc_prod", poll_interval=60)
    assert asset.uri == "bigcommerce://abc123/v2/orders"
    (watcher,) = asset.watchers
    assert watcher.trigger.serialize()[1] == {
        "bigcommerce_conn_id": "bc_prod",
        "resource": "orders",
        "poll_interval": 60.0,
        "asset_uri": "bigcommerce://abc123/v2/orders",
    }


def test_a_new_order_fires_one_event_with_the_new_and_previous_marker(store: Any):
    newest = 100 + ORDERS - 1
    store.changes.plan("v2/orders", after=10**9, insert=[newest])  # not placed yet
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)

    def place_order() -> None:
        store.changes.plan("v2/orders", after=0, insert=[newest])

    event = asyncio.run(_next_event(trigger, store, after_polls=2, change=place_order))

    assert event is not None
    payload = event.payload
    assert payload["store"] == store.store_id and payload["resource"] == "orders"
    assert payload["newest"]["id"] == newest and payload["count"] == ORDERS
    assert payload["previous"]["newest"]["id"] == newest - 1 and payload["previous"]["count"] == ORDERS - 1
    assert payload["previous"]["newest"]["date_modified"] < payload["newest"]["date_modified"]


def test_a_deleted_order_fires_and_an_unchanged_store_does_not(store: Any):
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)
    before, started = _polls(store, "orders"), time.monotonic()
    assert asyncio.run(_next_event(trigger, store, after_polls=2, change=None)) is None
    polls, elapsed = _polls(store, "orders") - before, time.monotonic() - started
    assert 2 <= polls <= elapsed / trigger.poll_interval + 1  # one poll each interval: no busy loop, no burst

    event = asyncio.run(
        _next_event(
            trigger, store, after_polls=2, change=lambda: store.changes.plan("v2/orders", after=0, delete=[120])
        )
    )
    assert event is not None and event.payload["count"] == ORDERS - 1
    assert event.payload["previous"]["count"] == ORDERS


def test_a_v3_list_fires_on_a_new_product_from_its_one_request_marker(store: Any):
    store.changes.plan("v3/catalog/products", after=10**9, insert=[20])
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="products", poll_interval=0.2)
    event = asyncio.run(
        _next_event(
            trigger,
            store,
            after_polls=2,
            change=lambda: store.changes.plan("v3/catalog/products", after=0, insert=[20]),
        )
    )
    assert event is not None
    assert event.payload["newest"]["id"] == 20 and event.payload["count"] == 20
    assert event.payload["previous"]["count"] == 19


def test_a_rejected_token_ends_the_trigger_with_the_auth_error(store: Any, monkeypatch: pytest.MonkeyPatch):
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": "revoked-token"}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}),
    )
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)

    async def first() -> Any:
        return await trigger.run().__anext__()

    with pytest.raises(BigCommerceAuthError) as raised:
        asyncio.run(asyncio.wait_for(first(), 60))
    assert raised.value.status == 401


class _StateStore:
    """Airflow's asset state store accessors as the triggerer injects them: ``aget`` and ``aset`` by key."""

    def __init__(self, saved: dict[str, Any]) -> None:
        self.saved = saved

    async def aget(self, key: str) -> Any:
        return self.saved.get(key)

    async def aset(self, key: str, value: Any) -> None:
        self.saved[key] = value


def test_a_marker_of_another_store_is_replaced_by_this_stores_baseline_without_an_event(store: Any):
    """The connection was repointed: no event, and the new store's marker is saved, so a change made while the
    triggerer restarts is compared with this store's list rather than taken for a new baseline again."""
    other = {"store": "otherstore1", "resource": "orders", "count": 3, "newest": {"id": 1, "date_modified": None}}
    state = _StateStore({MARKER_KEY: other})
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)
    trigger.asset_state_store = state

    assert asyncio.run(_next_event(trigger, store, after_polls=1, change=None)) is None
    saved = state.saved[MARKER_KEY]
    assert saved["store"] == store.store_id and saved["count"] == ORDERS


def test_an_order_placed_with_an_older_date_fires_and_is_named_with_its_window(store: Any):
    """An order that shows up dated before the newest one (an import, a late write, a restore): the newest is the
    same, yet the event names it and gives the window that holds it, so the run exports it."""
    older = 110
    store.changes.plan("v2/orders", after=10**9, insert=[older])  # not listed yet
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)
    event = asyncio.run(
        _next_event(
            trigger, store, after_polls=2, change=lambda: store.changes.plan("v2/orders", after=0, insert=[older])
        )
    )
    assert event is not None
    payload = event.payload
    assert payload["newest"] == payload["previous"]["newest"]
    (changed,) = payload["changed"]
    assert changed["id"] == older and payload["gone"] == []
    (window,) = payload["windows"]
    assert window["since"] <= changed["date_modified"] < window["until"]
    assert window["until"] <= payload["newest"]["date_modified"]  # the older order's window, not the newest's


def test_a_deletion_and_an_older_order_restored_between_two_polls_fire_and_name_both(store: Any):
    """The count and the newest order stay as they were; the event still comes, naming the restored order and the
    gone one."""
    restored, deleted = 110, 125
    store.changes.plan("v2/orders", after=0, delete=[restored])  # archived before the trigger starts
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)
    event = asyncio.run(
        _next_event(
            trigger,
            store,
            after_polls=2,
            change=lambda: store.changes.plan("v2/orders", after=0, delete=[deleted], insert=[restored]),
        )
    )
    assert event is not None
    payload = event.payload
    assert payload["count"] == payload["previous"]["count"] == ORDERS - 1
    assert [entry["id"] for entry in payload["changed"]] == [restored]
    assert [entry["id"] for entry in payload["gone"]] == [deleted]


def test_the_marker_is_saved_only_once_the_event_is_taken(store: Any):
    """Outside Airflow's acknowledged streams, run() saves the marker when the triggerer resumes it after taking
    the event: a triggerer that dies while the event waits at the yield finds the old marker and fires again."""
    state = _StateStore({})
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)
    trigger.asset_state_store = state

    async def scenario() -> None:
        events = trigger.run()
        first = asyncio.ensure_future(events.__anext__())
        try:
            await _polled(store, trigger, 2)
            baseline = state.saved[MARKER_KEY]
            store.changes.plan("v2/orders", after=0, delete=[120])
            event = await asyncio.wait_for(first, 30)
            assert event.payload["count"] == ORDERS - 1
            assert state.saved[MARKER_KEY] == baseline, "saved before the event was handed over"
            second = asyncio.ensure_future(events.__anext__())  # the triggerer took it and resumes the trigger
            await until(lambda: state.saved[MARKER_KEY]["count"] == ORDERS - 1, 30)
            second.cancel()
            await asyncio.gather(second, return_exceptions=True)
        finally:
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await events.aclose()

    asyncio.run(scenario())


ASSET_URI = "bigcommerce://sbxstore/v2/orders"
TRIGGER_ID = 7


@pytest.fixture
def acknowledged() -> tuple[type[QuickChangeTrigger], _StateStore]:
    """A quick trigger class whose shared-stream producer keeps its marker in a state store of the test's."""
    state = _StateStore({})

    class Acknowledged(QuickChangeTrigger):
        @classmethod
        def marker_store(cls, asset_uri: str) -> _StateStore:
            assert asset_uri == ASSET_URI
            return state

    return Acknowledged, state


async def _subscribe(manager: SharedStreamManager, trigger: BigCommerceChangeTrigger) -> Any:
    """Subscribe ``trigger`` to its shared stream as the triggerer's ``run_trigger`` does: its events."""
    key = trigger.shared_stream_key()
    assert key is not None
    return trigger.filter_shared_stream(manager.subscribe(trigger_id=TRIGGER_ID, trigger=trigger, key=key))


def test_in_the_triggerer_the_marker_is_saved_once_airflow_reports_the_event_stored(
    store: Any, acknowledged: tuple[type[QuickChangeTrigger], _StateStore]
):
    """Airflow's own acknowledged shared stream (the triggerer's ``SharedStreamManager``): the event leaves the
    trigger, polls go on, and the saved marker stays the old one until the supervisor confirms the event is in the
    metadata database."""
    trigger_class, state = acknowledged
    trigger = trigger_class(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2, asset_uri=ASSET_URI)

    async def scenario() -> None:
        manager = SharedStreamManager(ack_timeout=120)
        key = trigger.shared_stream_key()
        events = await _subscribe(manager, trigger)
        first = asyncio.ensure_future(events.__anext__())
        following: asyncio.Future[Any] | None = None
        try:
            await _polled(store, trigger, 2)
            baseline = state.saved[MARKER_KEY]
            store.changes.plan("v2/orders", after=0, delete=[120])
            event = await asyncio.wait_for(first, 30)
            assert event.payload["count"] == ORDERS - 1 and [gone["id"] for gone in event.payload["gone"]] == [120]
            seq = manager.bind_pending_event(trigger_id=TRIGGER_ID, key=key)  # queued for the supervisor
            assert seq is not None
            following = asyncio.ensure_future(events.__anext__())  # the runner goes on with the trigger
            await _polled(store, trigger, 3, since=_polls(store, "orders"))
            assert state.saved[MARKER_KEY] == baseline, "saved before the event was stored"
            manager.confirm_persisted([seq])  # what the supervisor reports once the event is stored
            await until(lambda: state.saved[MARKER_KEY]["count"] == ORDERS - 1, 30)
            assert not following.done(), "fired twice for one change"
        finally:
            for waiting in (first, following):
                if waiting is not None:
                    waiting.cancel()
                    await asyncio.gather(waiting, return_exceptions=True)
            await manager.unsubscribe(TRIGGER_ID, key)
            await events.aclose()

    asyncio.run(scenario())


def test_a_triggerer_that_dies_before_the_event_is_stored_leaves_the_old_marker_and_the_next_fires_again(
    store: Any, acknowledged: tuple[type[QuickChangeTrigger], _StateStore]
):
    trigger_class, state = acknowledged
    kwargs = {"bigcommerce_conn_id": CONN_ID, "resource": "orders", "poll_interval": 0.2, "asset_uri": ASSET_URI}

    async def first_life() -> None:
        trigger = trigger_class(**kwargs)
        manager = SharedStreamManager(ack_timeout=120)
        events = await _subscribe(manager, trigger)
        try:
            waiting = asyncio.ensure_future(events.__anext__())
            await _polled(store, trigger, 2)
            store.changes.plan("v2/orders", after=0, delete=[120])
            await asyncio.wait_for(waiting, 30)
            assert manager.bind_pending_event(trigger_id=TRIGGER_ID, key=trigger.shared_stream_key()) is not None
        finally:
            await manager.stop_all()  # the triggerer is gone before its supervisor stored the event
            await events.aclose()

    async def second_life() -> Any:
        trigger = trigger_class(**kwargs)
        manager = SharedStreamManager(ack_timeout=120)
        events = await _subscribe(manager, trigger)
        try:
            return await asyncio.wait_for(events.__anext__(), 30)
        finally:
            await manager.stop_all()
            await events.aclose()

    asyncio.run(first_life())
    assert state.saved[MARKER_KEY]["count"] == ORDERS  # the baseline: the change was never confirmed
    event = asyncio.run(second_life())
    assert event.payload["previous"]["count"] == ORDERS and event.payload["count"] == ORDERS - 1
    assert [gone["id"] for gone in event.payload["gone"]] == [120]


def test_a_change_whose_event_airflow_could_not_store_fires_again_at_the_next_poll(
    store: Any, acknowledged: tuple[type[QuickChangeTrigger], _StateStore]
):
    """Airflow advances a failed event (ack timeout: never confirmed stored) as not clean: the producer keeps the
    saved marker and the next poll makes the same change again."""
    trigger_class, state = acknowledged
    trigger = trigger_class(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2, asset_uri=ASSET_URI)
    producer = trigger_class.create_shared_stream_producer(trigger.serialize()[1])

    async def scenario() -> tuple[Any, Any]:
        stream = producer.open_stream()
        with roster_of(trigger.shared_stream_key()).member(trigger.watched_list):  # as its filter joins
            return await first_and_again(stream)

    async def first_and_again(stream: Any) -> tuple[Any, Any]:
        try:
            waiting = asyncio.ensure_future(stream.__anext__())
            await _polled(store, trigger, 2)
            store.changes.plan("v2/orders", after=0, delete=[120])
            payload, receipt = await asyncio.wait_for(waiting, 30)
            await producer.advance([AdvanceItem(receipt, AdvanceOutcome(acked=0, failed=1))])
            again, _ = await asyncio.wait_for(stream.__anext__(), 30)
            return payload, again
        finally:
            await stream.aclose()

    payload, again = asyncio.run(scenario())
    assert again == payload
    assert state.saved[MARKER_KEY]["count"] == ORDERS


def test_on_a_list_longer_than_a_page_an_older_order_below_it_fires_and_says_it_went_unnamed(
    make_sandbox: Callable[..., Any], make_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
):
    """300 orders: the page holds the newest 250 and a poll adds the count request. An order that shows up below
    the page moves only the count: the event comes, and says up to when records may have changed unnamed."""
    big = make_sandbox(seed=31, orders=300)
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": big.store_id, "oauth_access_token": big.access_token}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": big.base_url, "extra": extra}),
    )
    older = 110  # among the 50 oldest
    big.changes.plan("v2/orders", after=10**9, insert=[older])
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)
    event = asyncio.run(
        _next_event(trigger, big, after_polls=2, change=lambda: big.changes.plan("v2/orders", after=0, insert=[older]))
    )
    assert event is not None
    payload = event.payload
    assert (payload["previous"]["count"], payload["count"]) == (299, 300)
    assert payload["changed"] == [] and payload["gone"] == [] and payload["windows"] == []
    placed = change_marker.modified_at("v2/orders", make_client(big).request("GET", f"v2/orders/{older}")).isoformat()
    assert placed <= payload["unnamed_until"]
    by_path = big.stats.requests_by_path
    assert by_path["v2/orders/count"] == by_path["v2/orders"]  # a full page costs the count request too
