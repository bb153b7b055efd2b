"""On the running Airflow line, each feature that needs a newer line either works or raises
``AirflowFeatureUnavailable`` naming the line it needs, never an ImportError; and the change trigger fires on every
3.x line (before 3.3 from its own ``run()``, its marker kept in memory). docs/compatibility.md has the matrix."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from airflow import __version__ as airflow_version
from packaging.version import Version

from airflow_provider_bigcommerce.compat import NEEDS, AirflowFeatureUnavailable, require_previous_runs
from airflow_provider_bigcommerce.messages.problems import explain
from airflow_provider_bigcommerce.triggers.change_poll import ChangeProducer
from airflow_provider_bigcommerce.triggers.changes import BigCommerceChangeTrigger, watched_asset
from tests.waiting import until

pytestmark = pytest.mark.compat  # in the reduced suite of every Airflow line

URI = "bigcommerce://abc123/v2/orders"
CONN_ID = "bc_compat_watch"


def _runtime_task_instance() -> Any:
    """The class of ``context["ti"]`` in a running task."""
    try:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
    except ImportError:  # Airflow 2.11
        from airflow.models.taskinstance import TaskInstance as RuntimeTaskInstance
    return RuntimeTaskInstance


FEATURES: dict[str, Callable[[], Any]] = {
    "change_trigger": lambda: watched_asset("abc123", "orders", poll_interval=60),
    "shared_stream": lambda: BigCommerceChangeTrigger.create_shared_stream_producer(
        {"resource": "orders", "asset_uri": URI, "poll_interval": 60}
    ),
    "asset_state_store": lambda: BigCommerceChangeTrigger.marker_store(URI),
    "point_in_time_window": lambda: require_previous_runs(_runtime_task_instance()),
}


def _a_watched_asset(asset: Any) -> None:
    (watcher,) = asset.watchers
    assert asset.uri == URI and isinstance(watcher.trigger, BigCommerceChangeTrigger)


def _a_producer_of_the_stores_poll(producer: Any) -> None:
    try:
        assert isinstance(producer, ChangeProducer) and producer.poll.poll_interval == 60
    finally:
        asyncio.run(producer.aclose())  # lets go of its roster


def _a_state_store(store: Any) -> None:
    assert callable(store.aget) and callable(store.aset)


def _nothing_raised(returned: Any) -> None:
    assert returned is None  # the check passes: a task may read its earlier runs


# What each feature gives on a line that has it.
WORKS: dict[str, Callable[[Any], None]] = {
    "change_trigger": _a_watched_asset,
    "shared_stream": _a_producer_of_the_stores_poll,
    "asset_state_store": _a_state_store,
    "point_in_time_window": _nothing_raised,
}


@pytest.mark.parametrize("feature", sorted(NEEDS))
def test_a_feature_works_from_its_line_on_and_before_it_raises_a_typed_error_naming_that_line(feature: str):
    running = Version(Version(airflow_version).base_version)
    if running >= Version(NEEDS[feature]):
        WORKS[feature](FEATURES[feature]())
        return
    with pytest.raises(AirflowFeatureUnavailable) as raised:
        FEATURES[feature]()
    assert (raised.value.feature, raised.value.needs, raised.value.running) == (
        feature,
        NEEDS[feature],
        airflow_version,
    )
    words = explain(raised.value)
    assert f"Apache Airflow {NEEDS[feature]} or later" in words and airflow_version in words


class QuickChangeTrigger(BigCommerceChangeTrigger):
    """The same trigger with a minimum that lets a test poll every 0.2 s."""

    min_poll_interval = 0.1


def _not_yet(waiting: asyncio.Future[Any]) -> None:
    assert not waiting.done(), "fired before any change"


def test_the_change_trigger_fires_on_a_new_order(make_sandbox: Callable[..., Any], monkeypatch: pytest.MonkeyPatch):
    store = make_sandbox(seed=31, orders=40, products=5, customers=5)
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}),
    )
    newest = 139  # ids 100..139, the newest by date_modified last
    store.changes.plan("v2/orders", after=10**9, insert=[newest])  # not placed yet
    trigger = QuickChangeTrigger(bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=0.2)

    def polls() -> int:
        return store.stats.requests_by_path.get("v2/orders", 0)

    async def first_event_after_an_order_is_placed() -> Any:
        events = trigger.run()
        waiting = asyncio.ensure_future(events.__anext__())
        try:
            await until(lambda: polls() >= 2, 30, meanwhile=lambda: _not_yet(waiting))
            store.changes.plan("v2/orders", after=0, insert=[newest])
            done, _ = await asyncio.wait({waiting}, timeout=10)
            return waiting.result() if done else None
        finally:
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)
            await events.aclose()

    event = asyncio.run(first_event_after_an_order_is_placed())

    assert event is not None, "no event within 10 s of the new order"
    assert event.payload["newest"]["id"] == newest and event.payload["previous"]["newest"]["id"] == newest - 1
