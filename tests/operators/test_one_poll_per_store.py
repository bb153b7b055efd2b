"""One poll loop per store: change triggers of one store, connection and interval share one stream in the
triggerer. Driven through Airflow's own ``SharedStreamManager`` as the triggerer's ``run_trigger`` drives it
(subscribe, filter, bind each event, confirm it stored), against lookalike stores whose request log shows what
was polled."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from airflow.triggers.shared_stream import SharedStreamManager

from airflow_provider_bigcommerce.core.errors import BigCommerceAuthError
from airflow_provider_bigcommerce.triggers.change_poll import _ROSTERS, WatchedList, roster_of
from airflow_provider_bigcommerce.triggers.changes import MARKER_KEY, WATCHES, BigCommerceChangeTrigger
from tests.waiting import until

CONN_ID = "bc_watch"
OTHER_CONN_ID = "bc_watch_other"
INTERVAL = 0.3
ROUNDS = 6
LISTS = ("orders", "products", "customers")
PATHS = {WATCHES[resource].path: resource for resource in LISTS}


class _StateStores:
    """Each watched asset's state store (``aget``/``aset`` by key), as the triggerer gives one per asset URI."""

    def __init__(self) -> None:
        self.saved: dict[str, dict[str, Any]] = {}

    def of(self, asset_uri: str) -> Any:
        saved = self.saved.setdefault(asset_uri, {})

        class Store:
            async def aget(self, key: str) -> Any:
                return saved.get(key)

            async def aset(self, key: str, value: Any) -> None:
                saved[key] = value

        return Store()


STATES = _StateStores()


class QuickChangeTrigger(BigCommerceChangeTrigger):
    """The trigger polling every ``INTERVAL`` s, its markers in this module's state stores."""

    min_poll_interval = 0.1

    @classmethod
    def marker_store(cls, asset_uri: str) -> Any:
        return STATES.of(asset_uri)


def _connect(monkeypatch: pytest.MonkeyPatch, conn_id: str, sandbox: Any) -> None:
    token = sandbox.access_token
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": sandbox.store_id, "oauth_access_token": token}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": sandbox.base_url, "extra": extra}),
    )


@pytest.fixture(autouse=True)
def fresh_state_stores() -> None:
    STATES.saved.clear()  # a store of the same seed has the same hash: no marker of an earlier test may remain


@pytest.fixture
def store(make_sandbox: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    sandbox = make_sandbox(seed=31, orders=40, products=20, customers=20)
    _connect(monkeypatch, CONN_ID, sandbox)
    return sandbox


def _trigger(store: Any, resource: str, *, conn_id: str = CONN_ID, asset_uri: str | None = None) -> Any:
    uri = asset_uri or f"bigcommerce://{store.store_id}/{WATCHES[resource].path}"
    return QuickChangeTrigger(bigcommerce_conn_id=conn_id, resource=resource, poll_interval=INTERVAL, asset_uri=uri)


@dataclass
class Triggerer:
    """The triggerer's side of shared streams: each trigger's filter runs in a task of its own, every event it
    fires is bound and at once confirmed stored, as the supervisor would."""

    manager: SharedStreamManager = field(default_factory=lambda: SharedStreamManager(ack_timeout=120))
    fired: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    ended: dict[int, BaseException] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, trigger_id: int, trigger: Any) -> None:
        key = trigger.shared_stream_key()
        events = trigger.filter_shared_stream(self.manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key))
        self.fired[trigger_id] = []

        async def consume() -> None:
            try:
                async for event in events:
                    self.fired[trigger_id].append(event.payload)
                    seq = self.manager.bind_pending_event(trigger_id=trigger_id, key=key)
                    if seq is not None:
                        self.manager.confirm_persisted([seq])
            except Exception as error:  # the trigger failed, as the triggerer would record it
                self.ended[trigger_id] = error
            finally:
                await self.manager.unsubscribe(trigger_id, key)

        self._tasks.append(asyncio.ensure_future(consume()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.manager.stop_all()


def _reads(sandbox: Any, paths: Iterable[str] = PATHS) -> list[str]:
    """The list reads the store served, in order."""
    wanted = set(paths)
    return [entry.path for entry in sandbox.stats.request_log() if entry.path in wanted]


async def _until(check: Callable[[], bool], timeout: float = 30) -> None:
    await until(check, timeout)


async def _more_rounds(sandbox: Any, rounds: int, lists: int) -> None:
    """Until the loop has read its ``lists`` lists ``rounds`` more times: an event made from a read is handed to its
    watchers before the loop reads again, so what a past read would fire has fired by then."""
    before = len(_reads(sandbox))
    await _until(lambda: len(_reads(sandbox)) >= before + rounds * lists)


def test_three_watchers_of_one_store_make_one_poll_loop_and_each_fires_only_for_its_own_list(store: Any):
    """Orders, products and customers of one store: one stream key, and the store sees one loop's requests, each
    list once a round, the three back to back, one round an interval. A new product fires the products watcher
    only; a deleted order the orders watcher only."""
    triggers = {number: _trigger(store, resource) for number, resource in enumerate(LISTS, start=1)}
    assert len({trigger.shared_stream_key() for trigger in triggers.values()}) == 1
    assert store.access_token not in repr(triggers[1].shared_stream_key())
    store.changes.plan("v3/catalog/products", after=10**9, insert=[20])  # not created yet

    async def scenario() -> tuple[list[str], Triggerer]:
        triggerer = Triggerer()
        try:
            for number, trigger in triggers.items():
                triggerer.start(number, trigger)
            await _until(lambda: set(_reads(store)) == set(PATHS))  # every watcher's first look
            first_looks, started = len(_reads(store)), asyncio.get_running_loop().time()
            await _until(lambda: len(_reads(store)) >= first_looks + 3 * ROUNDS)
            elapsed = asyncio.get_running_loop().time() - started
            rounds = _reads(store)[first_looks : first_looks + 3 * ROUNDS]
            store.changes.plan("v3/catalog/products", after=0, insert=[20])
            await _until(lambda: triggerer.fired[2] != [])
            store.changes.plan("v2/orders", after=0, delete=[120])
            await _until(lambda: triggerer.fired[1] != [])
            await _more_rounds(store, 2, lists=3)  # an event fired for a list that did not change would be in by now
            return rounds, elapsed, triggerer
        finally:
            await triggerer.stop()

    rounds, elapsed, triggerer = asyncio.run(scenario())

    # One loop: whole rounds of one read a list, back to back and always in the order the watchers joined (three
    # loops would race), never more than one round an interval (the loop's own clock spaces them).
    assert rounds == list(PATHS) * ROUNDS, rounds
    assert elapsed >= (ROUNDS - 1) * INTERVAL * 0.99, elapsed
    products, orders, customers = triggerer.fired[2], triggerer.fired[1], triggerer.fired[3]
    assert [(event["resource"], event["newest"]["id"], event["count"]) for event in products] == [("products", 20, 20)]
    assert [(event["resource"], [gone["id"] for gone in event["gone"]]) for event in orders] == [("orders", [120])]
    assert customers == []
    assert {uri: saved[MARKER_KEY]["resource"] for uri, saved in STATES.saved.items() if store.store_id in uri} == {
        trigger.asset_uri: trigger.resource for trigger in triggers.values()
    }


def test_two_assets_watching_one_list_cost_one_read_a_round_and_both_fire(store: Any):
    """A list several assets watch (each with its own marker in its own state store) is read once a poll."""
    mine = _trigger(store, "orders")
    theirs = _trigger(store, "orders", asset_uri=f"bigcommerce://{store.store_id}/team-b-orders")
    assert mine.shared_stream_key() == theirs.shared_stream_key()

    async def scenario() -> tuple[list[str], float, Triggerer]:
        triggerer = Triggerer()
        try:
            triggerer.start(1, mine)
            triggerer.start(2, theirs)
            await _until(lambda: all(STATES.saved.get(t.asset_uri, {}).get(MARKER_KEY) for t in (mine, theirs)))
            before, started = len(_reads(store)), asyncio.get_running_loop().time()
            await _until(lambda: len(_reads(store)) >= before + 5)
            elapsed = asyncio.get_running_loop().time() - started
            reads = _reads(store)[before : before + 5]
            store.changes.plan("v2/orders", after=0, delete=[120])
            await _until(lambda: triggerer.fired[1] != [] and triggerer.fired[2] != [])
            return reads, elapsed, triggerer
        finally:
            await triggerer.stop()

    reads, elapsed, triggerer = asyncio.run(scenario())
    assert len(reads) <= elapsed / INTERVAL + 1 and set(reads) == {"v2/orders"}  # two loops would read twice as often
    for number in (1, 2):
        (event,) = triggerer.fired[number]
        assert [gone["id"] for gone in event["gone"]] == [120]
    assert STATES.saved[mine.asset_uri][MARKER_KEY]["count"] == STATES.saved[theirs.asset_uri][MARKER_KEY]["count"]


def test_watchers_of_another_store_or_connection_or_interval_do_not_share(
    store: Any, make_sandbox: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
):
    """Each store (through its own connection) gets a loop of its own: a change of one fires its watcher only,
    and each store sees only its own list read. Another connection to the same store, or another interval, is
    another key too."""
    other = make_sandbox(seed=32, orders=30)
    _connect(monkeypatch, OTHER_CONN_ID, other)
    here = _trigger(store, "orders")
    there = _trigger(other, "orders", conn_id=OTHER_CONN_ID)
    same_store_other_conn = _trigger(store, "orders", conn_id=OTHER_CONN_ID)
    slower = QuickChangeTrigger(
        bigcommerce_conn_id=CONN_ID, resource="orders", poll_interval=2 * INTERVAL, asset_uri=here.asset_uri
    )
    keys = [trigger.shared_stream_key() for trigger in (here, there, same_store_other_conn, slower)]
    assert len(set(keys)) == 4
    for key in keys:
        assert store.access_token not in repr(key) and other.access_token not in repr(key)

    async def scenario() -> Triggerer:
        triggerer = Triggerer()
        try:
            triggerer.start(1, here)
            triggerer.start(2, there)
            await _until(lambda: len(_reads(store)) >= 2 and len(_reads(other)) >= 2)  # both markers are set
            other.changes.plan("v2/orders", after=0, delete=[110])
            await _until(lambda: triggerer.fired[2] != [])
            await _more_rounds(store, 2, lists=1)  # a change fired for the wrong store would be in
            return triggerer
        finally:
            await triggerer.stop()

    triggerer = asyncio.run(scenario())
    assert triggerer.fired[1] == []
    (event,) = triggerer.fired[2]
    assert event["store"] == other.store_id and [gone["id"] for gone in event["gone"]] == [110]
    assert set(_reads(store)) == set(_reads(other)) == {"v2/orders"}  # each store reads by its own loop


def test_a_list_whose_event_is_not_yet_stored_does_not_hold_up_another_lists_marker(store: Any):
    """Each list is a lane of its own: the products marker is saved once its event is stored, while the orders
    event still waits for its confirmation (and the orders marker with it)."""
    orders, products = _trigger(store, "orders"), _trigger(store, "products")
    key = orders.shared_stream_key()

    async def scenario() -> None:
        manager = SharedStreamManager(ack_timeout=120)
        streams = {
            number: trigger.filter_shared_stream(manager.subscribe(trigger_id=number, trigger=trigger, key=key))
            for number, trigger in ((1, orders), (2, products))
        }
        waiting = {number: asyncio.ensure_future(stream.__anext__()) for number, stream in streams.items()}
        following: list[asyncio.Future[Any]] = []
        try:
            await _until(lambda: all(STATES.saved.get(t.asset_uri, {}).get(MARKER_KEY) for t in (orders, products)))
            baseline = STATES.saved[orders.asset_uri][MARKER_KEY]
            store.changes.plan("v2/orders", after=0, delete=[120])
            store.changes.plan("v3/catalog/products", after=0, delete=[5])
            await asyncio.wait_for(asyncio.gather(*waiting.values()), 30)
            seqs = {number: manager.bind_pending_event(trigger_id=number, key=key) for number in streams}
            following = [asyncio.ensure_future(stream.__anext__()) for stream in streams.values()]
            manager.confirm_persisted([seqs[2]])  # the products event is stored; the orders one not yet
            await _until(lambda: STATES.saved[products.asset_uri][MARKER_KEY]["count"] == 19)
            await _more_rounds(store, 2, lists=2)  # orders and products
            assert STATES.saved[orders.asset_uri][MARKER_KEY] == baseline
        finally:
            for future in [*waiting.values(), *following]:
                future.cancel()
            await asyncio.gather(*waiting.values(), *following, return_exceptions=True)
            for number, stream in streams.items():
                await stream.aclose()
                await manager.unsubscribe(number, key)

    asyncio.run(scenario())


def test_a_list_the_token_may_not_read_ends_its_watcher_only(store: Any, monkeypatch: pytest.MonkeyPatch):
    """A token with the orders scope only: the products watcher ends with the 403, and the loop goes on reading
    orders (and only orders), whose watcher still fires."""
    token = store.add_api_account(scopes=["store_v2_orders_read_only"])
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": token}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}),
    )
    orders, products = _trigger(store, "orders"), _trigger(store, "products")

    async def scenario() -> tuple[list[str], Triggerer]:
        triggerer = Triggerer()
        try:
            triggerer.start(1, orders)
            triggerer.start(2, products)
            await _until(lambda: 2 in triggerer.ended)
            before = len(_reads(store))
            await _until(lambda: len(_reads(store)) >= before + 3)
            reads = _reads(store)[before:]
            store.changes.plan("v2/orders", after=0, delete=[120])
            await _until(lambda: triggerer.fired[1] != [])
            return reads, triggerer
        finally:
            await triggerer.stop()

    reads, triggerer = asyncio.run(scenario())
    ended = triggerer.ended[2]
    assert isinstance(ended, BigCommerceAuthError) and ended.status == 403
    assert 1 not in triggerer.ended and triggerer.fired[2] == []
    assert reads and set(reads) == {"v2/orders"}
    (event,) = triggerer.fired[1]
    assert [gone["id"] for gone in event["gone"]] == [120]


def test_a_watcher_restarted_after_a_refusal_waits_for_the_next_round_instead_of_asking_again_at_once(
    store: Any, monkeypatch: pytest.MonkeyPatch
):
    """The triggerer may start a refused watcher again at once: its list joins the roster, but the loop asks the
    store again only with its next round, so every products read follows an orders read of the same round."""
    token = store.add_api_account(scopes=["store_v2_orders_read_only"])
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": token}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{CONN_ID.upper()}",
        json.dumps({"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}),
    )

    async def scenario() -> Triggerer:
        triggerer = Triggerer()
        try:
            triggerer.start(1, _trigger(store, "orders"))
            await _until(lambda: _reads(store) != [])
            triggerer.start(2, _trigger(store, "products"))
            await _until(lambda: 2 in triggerer.ended)
            triggerer.start(3, _trigger(store, "products"))  # restarted as soon as it ended
            await _until(lambda: 3 in triggerer.ended)
            return triggerer
        finally:
            await triggerer.stop()

    triggerer = asyncio.run(scenario())

    reads = _reads(store)
    products = [number for number, path in enumerate(reads) if path == "v3/catalog/products"]
    assert isinstance(triggerer.ended[3], BigCommerceAuthError) and len(products) == 2
    assert reads[products[1] - 1] == "v2/orders", reads  # read in a round, not alone on the restart


def test_a_roster_leaves_the_registry_once_no_watcher_and_no_poll_holds_it():
    key, watched = ("test", "roster"), WatchedList("orders", None)
    roster = roster_of(key)
    roster.hold()  # a poll loop reads it

    with roster.member(watched):
        pass
    kept_for_the_poll = roster_of(key) is roster
    with roster_of(key).member(watched):
        roster.release()  # the poll ended while a watcher is still on it
        kept_for_the_watcher = roster_of(key) is roster

    assert kept_for_the_poll and kept_for_the_watcher
    assert key not in _ROSTERS


def test_a_shared_poll_that_ended_leaves_no_roster_behind(store: Any):
    trigger = _trigger(store, "orders")

    async def scenario() -> bool:
        triggerer = Triggerer()
        try:
            triggerer.start(1, trigger)
            await _until(lambda: _reads(store) != [])
            return trigger.shared_stream_key() in _ROSTERS
        finally:
            await triggerer.stop()

    assert asyncio.run(scenario()) is True
    assert trigger.shared_stream_key() not in _ROSTERS
