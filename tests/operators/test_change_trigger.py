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

from airflow_provider_bigcommerce.core.errors import BigCommerceAuthError
from airflow_provider_bigcommerce.triggers.changes import (
    MARKER_KEY,
    MIN_POLL_INTERVAL_S,
    REQUESTS_PER_POLL,
    BigCommerceChangeTrigger,
    ChangeTriggerError,
    watched_asset,
)

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


async def _next_event(
    trigger: BigCommerceChangeTrigger, store: Any, *, after_polls: int, change: Callable[[], None] | None
) -> Any:
    """Run the trigger; once it has polled ``after_polls`` times make ``change``; return its first event, or None
    when none came within four more polls."""
    events = trigger.run()
    waiting = asyncio.ensure_future(events.__anext__())
    per_poll = REQUESTS_PER_POLL[trigger.resource]
    start = _requests(store)
    try:
        async with asyncio.timeout(after_polls * trigger.poll_interval + 30):
            while _requests(store) - start < after_polls * per_poll:
                assert not waiting.done(), "fired before any change"
                await asyncio.sleep(0.02)
        if change is not None:
            change()
        done, _ = await asyncio.wait({waiting}, timeout=4 * trigger.poll_interval + 5)
        return waiting.result() if done else None
    finally:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await events.aclose()


def test_trigger_serializes_only_the_connection_id_resource_and_interval():
    trigger = BigCommerceChangeTrigger(bigcommerce_conn_id="bc_prod", resource="products", poll_interval=120)
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_bigcommerce.triggers.changes.BigCommerceChangeTrigger"
    assert kwargs == {"bigcommerce_conn_id": "bc_prod", "resource": "products", "poll_interval": 120.0}
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
    before, started = _requests(store), time.monotonic()
    assert asyncio.run(_next_event(trigger, store, after_polls=2, change=None)) is None
    polls, elapsed = (_requests(store) - before) / REQUESTS_PER_POLL["orders"], time.monotonic() - started
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
