"""Change polls: what watching a store's lists costs it, with one poll loop per store against one loop a watcher.

Watchers of one store, connection and interval (``BigCommerceChangeTrigger``) run either as the triggerer runs
them, subscribed to Airflow's ``SharedStreamManager`` (one shared stream, one loop; each event confirmed stored at
once), or each in a loop of its own (``run()``: what every watcher cost before its triggers shared a stream). Both
contenders run side by side in one event loop, each against its own lookalike store (same seed and sizes), for
``rounds`` polls at a compressed ``interval``; every request either store served is counted in its own log.

Sizes: 1 watched list (orders), 3 (orders, products, customers), 10 (those three lists watched by 10 assets:
orders 4, products 3, customers 3; the change trigger watches these three lists). The store holds 300 orders, so
an orders read costs its worst case, 2 requests (the page and ``v2/orders/count``).

Figures: requests a poll, and the requests an hour they make at the default 300 s interval (and at the 30 s
minimum); TCP connections a poll (the lookalike counts those it accepts: one a hook, whose session reads one or more
lists). Ratio = shared / unshared requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterator
from typing import Any

from benchmarks.report import BenchmarkResult, Check, ratio_text

NAME = "change_polls"
LISTS = ("orders", "products", "customers")
DEFAULT_INTERVAL_S = 300.0
MIN_INTERVAL_S = 30.0
UNLIMITED_QUOTA = 1_000_000
_CONNS = {"shared": "bc_bench_polls_shared", "unshared": "bc_bench_polls_unshared"}


def watched(count: int) -> list[str]:
    """The lists ``count`` watchers watch: round-robin over the three, orders first."""
    return [LISTS[number % len(LISTS)] for number in range(count)]


class _Memory:
    async def aget(self, key: str) -> Any:
        return None

    async def aset(self, key: str, value: Any) -> None:
        return None


def _trigger_class() -> type:
    from airflow_provider_bigcommerce.triggers.changes import BigCommerceChangeTrigger

    class BenchChangeTrigger(BigCommerceChangeTrigger):
        min_poll_interval = 0.01  # the benchmark compresses time; it owns the cost

        @classmethod
        def marker_store(cls, asset_uri: str) -> Any:
            return _Memory()

    return BenchChangeTrigger


def _triggers(trigger_class: type, store_id: str, conn_id: str, lists: list[str], interval: float) -> list[Any]:
    from airflow_provider_bigcommerce.triggers.changes import WATCHES

    return [
        trigger_class(
            bigcommerce_conn_id=conn_id,
            resource=resource,
            poll_interval=interval,
            asset_uri=f"bigcommerce://{store_id}/{WATCHES[resource].path}"
            if number < len(LISTS)
            else f"bigcommerce://{store_id}/watcher-{number}/{WATCHES[resource].path}",
        )
        for number, resource in enumerate(lists)
    ]


async def _shared(triggers: list[Any], seconds: float) -> None:
    from airflow.triggers.shared_stream import SharedStreamManager

    manager = SharedStreamManager(ack_timeout=120)

    async def consume(trigger_id: int, trigger: Any) -> None:
        key = trigger.shared_stream_key()
        stream = trigger.filter_shared_stream(manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key))
        try:
            async for _ in stream:
                if (seq := manager.bind_pending_event(trigger_id=trigger_id, key=key)) is not None:
                    manager.confirm_persisted([seq])
        finally:
            await manager.unsubscribe(trigger_id, key)

    await _for(seconds, [consume(number, trigger) for number, trigger in enumerate(triggers)])
    await manager.stop_all()


async def _unshared(triggers: list[Any], seconds: float) -> None:
    async def consume(trigger: Any) -> None:
        async for _ in trigger.run():
            pass

    await _for(seconds, [consume(trigger) for trigger in triggers])


async def _for(seconds: float, coroutines: list[Any]) -> None:
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, timeout=seconds)
        for task in done:  # a loop that ended early failed: its error is the benchmark's
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.contextmanager
def _stores(orders: int) -> Iterator[dict[str, Any]]:
    from bigcommerce_lookalike import Sandbox, SandboxConfig

    with contextlib.ExitStack() as stack:
        stores = {
            # A quota out of reach: compressed time would meet the real one (150 a 30 s window), real intervals not.
            name: stack.enter_context(
                Sandbox(SandboxConfig(seed=7, orders=orders, products=50, customers=50, quota=UNLIMITED_QUOTA))
            )
            for name in _CONNS
        }
        saved = {conn_id: os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}") for conn_id in _CONNS.values()}
        for name, conn_id in _CONNS.items():
            store = stores[name]
            extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id}
            extra["oauth_access_token"] = store.access_token
            os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
                {"conn_type": "bigcommerce", "host": store.base_url, "extra": extra}
            )
        try:
            yield stores
        finally:
            for conn_id, value in saved.items():
                if value is None:
                    os.environ.pop(f"AIRFLOW_CONN_{conn_id.upper()}", None)
                else:
                    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = value


def _measure(stores: dict[str, Any], lists: list[str], interval: float, rounds: int) -> dict[str, float]:
    """Requests (``shared``, ``unshared``) and TCP connections (``shared_connections``, ...) a poll of each
    contender, both run at once for ``rounds`` polls (the first at once); ``lists`` starts with orders."""
    trigger_class = _trigger_class()
    for store in stores.values():
        store.stats.reset()
    seconds = (rounds - 0.5) * interval

    async def both() -> None:
        await asyncio.gather(
            _shared(_triggers(trigger_class, stores["shared"].store_id, _CONNS["shared"], lists, interval), seconds),
            _unshared(
                _triggers(trigger_class, stores["unshared"].store_id, _CONNS["unshared"], lists, interval), seconds
            ),
        )

    asyncio.run(both())
    counted = {name: store.stats.snapshot() for name, store in stores.items()}
    # The polls made, as the store saw them (a loaded machine may fit one fewer in the time): the orders list is
    # read once a poll by the shared loop, and once a poll by each orders watcher's own.
    polls = {
        "shared": counted["shared"]["requests_by_path"].get("v2/orders", 0),
        "unshared": counted["unshared"]["requests_by_path"].get("v2/orders", 0) / lists.count("orders"),
    }
    return {
        **{name: figures["requests"] / max(polls[name], 1) for name, figures in counted.items()},
        **{f"{name}_connections": figures["connections"] / max(polls[name], 1) for name, figures in counted.items()},
        **{f"{name}_polls": polls[name] for name in counted},
    }


def run(
    *, counts: tuple[int, ...] = (1, 3, 10), orders: int = 300, interval: float = 0.5, rounds: int = 20
) -> BenchmarkResult:
    from airflow_provider_bigcommerce.triggers.list_markers import REQUESTS_PER_POLL

    began = time.monotonic()
    result = BenchmarkResult(
        NAME, f"requests to one store for 1 to {max(counts)} watched lists: one poll loop vs one loop a watcher"
    )
    result.columns = [
        "watched lists",
        "lists read",
        "shared req/poll",
        "unshared req/poll",
        "shared req/h @300 s",
        "unshared req/h @300 s",
        "shared req/h @30 s",
        "unshared req/h @30 s",
        "ratio",
        "shared conn/poll",
        "unshared conn/poll",
        "polls (shared, unshared)",
    ]
    with _stores(orders) as stores:
        for count in counts:
            lists = watched(count)
            measured = _measure(stores, lists, interval, rounds)
            shared, unshared = measured["shared"], measured["unshared"]
            expected_shared = sum(REQUESTS_PER_POLL[resource] for resource in set(lists))
            expected_unshared = sum(REQUESTS_PER_POLL[resource] for resource in lists)
            per_hour = {
                (name, every): value * 3600 / every
                for name, value in measured.items()
                if name in _CONNS
                for every in (DEFAULT_INTERVAL_S, MIN_INTERVAL_S)
            }
            result.rows.append(
                [
                    str(count),
                    ", ".join(dict.fromkeys(lists)),
                    f"{shared:.2f}",
                    f"{unshared:.2f}",
                    f"{per_hour['shared', DEFAULT_INTERVAL_S]:.0f}",
                    f"{per_hour['unshared', DEFAULT_INTERVAL_S]:.0f}",
                    f"{per_hour['shared', MIN_INTERVAL_S]:.0f}",
                    f"{per_hour['unshared', MIN_INTERVAL_S]:.0f}",
                    ratio_text(shared, unshared),
                    f"{measured['shared_connections']:.2f}",
                    f"{measured['unshared_connections']:.2f}",
                    f"{measured['shared_polls']:.0f}, {measured['unshared_polls']:.1f}",
                ]
            )
            result.figures[f"shared_{count}_requests_per_poll"] = shared
            result.figures[f"unshared_{count}_requests_per_poll"] = unshared
            result.figures[f"shared_{count}_requests_per_hour"] = per_hour["shared", DEFAULT_INTERVAL_S]
            result.figures[f"unshared_{count}_requests_per_hour"] = per_hour["unshared", DEFAULT_INTERVAL_S]
            result.figures[f"shared_{count}_connections_per_poll"] = measured["shared_connections"]
            result.figures[f"unshared_{count}_connections_per_poll"] = measured["unshared_connections"]
            result.checks.append(
                Check(
                    f"{count} watched lists: requests an hour at 300 s",
                    f"{per_hour['shared', DEFAULT_INTERVAL_S]:.0f}",
                    f"each list read once a poll ({expected_shared * 3600 / DEFAULT_INTERVAL_S:.0f})",
                    abs(shared - expected_shared) <= 0.1 * expected_shared,
                    baseline=f"{per_hour['unshared', DEFAULT_INTERVAL_S]:.0f} "
                    f"(one loop a watcher, {expected_unshared * 3600 / DEFAULT_INTERVAL_S:.0f} expected)",
                    ratio=ratio_text(shared, unshared),
                )
            )
            result.checks.append(
                Check(
                    f"{count} watched lists: TCP connections a poll",
                    f"{measured['shared_connections']:.2f}",
                    "one a poll",
                    measured["shared_connections"] <= 1.1,
                    baseline=f"{measured['unshared_connections']:.2f} (one loop a watcher)",
                    ratio=ratio_text(measured["shared_connections"], measured["unshared_connections"]),
                )
            )
    result.notes = [
        f"Time compressed: {rounds} polls {interval:g} s apart per size, both contenders at once; requests an hour "
        "= requests a poll x 3600 / interval, a poll counted as the store saw it (one orders read by each loop). "
        f"Counted by the lookalike stores ({orders} orders each, so an orders read is its 2 requests).",
        "BigCommerce answers for one list a request (no change feed across resources), so distinct lists cost the "
        "same shared or not: what one loop saves there is loops, connection reads, token reads and HTTP sessions "
        "(one each a poll instead of one a watcher: the conn/poll columns). Requests drop where several assets "
        "watch one list: it is read once a poll for all of them.",
    ]
    result.seconds = time.monotonic() - began
    return result


FULL = {"counts": (1, 3, 10), "orders": 300, "interval": 0.5, "rounds": 20}
QUICK = {"counts": (1, 3, 10), "orders": 300, "interval": 0.25, "rounds": 8}
