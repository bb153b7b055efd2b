"""Throughput: orders per second of our reader against the official client and a plain loop, on the same store.

The lookalike runs in its own process with 50 ms of latency per request and a time-scaled rate-limit window
(150 requests per few seconds instead of per 30 s). Contenders, one after the other on the same data:

- **ours**: ``BigCommerceClient.paginate("v2/orders")`` over the whole store (several windows);
- **official iterall**: ``bigcommerce`` 0.23.4, ``api.Orders.iterall()`` with its ``rate_limiting_management``
  option (it waits for the reset when few requests are left); it raises on a 429, which is counted;
- **official raw**: the same client's connection, ``connection.get("orders", page=n, limit=250)`` in a loop:
  its HTTP path without its per-record objects;
- **plain requests**: a sequential ``requests`` loop, page by page, that waits for the reset on a 429.

Sequential contenders run at a steady pace, so they read from page 1 for a fixed time and their rate is
records / seconds; they run before and after ours (A-B-A), and their two runs are pooled.

The official client hard-codes ``https://{host}``; its ``full_path`` is pointed at the lookalike's http URL, the
rest of its request and parsing path is unchanged.

Utilization = requests per window / quota, for the windows the run spans entirely (neither the first nor the last);
for a short run, achieved / allowed requests over the whole run (allowed = quota x elapsed / window).

The lookalike builds every page on demand and serializes it in one Python process. Before the run, a calibration
reads pages with 8 threads and no quota; if the lookalike cannot serve 1.33x the quota rate on this machine, the
window is stretched (quota kept at 150) so that the limit being measured is the quota, not the test rig.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from benchmarks.lookalike import LookalikeProcess, WireLog, store_api
from benchmarks.report import BenchmarkResult, Check, ratio_text

NAME = "throughput"
PAGE = 250
TARGET_UTILIZATION = 0.90
TARGET_VS_OFFICIAL = 3.0
HEADROOM = 1.33  # the rig must serve this multiple of the quota rate, or the window is stretched


@dataclass
class Reading:
    """What one contender achieved."""

    contender: str
    records: int = 0
    seconds: float = 0.0
    requests: int = 0
    responses_429: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def _properties(store: LookalikeProcess) -> Any:
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    return ConnectionProperties.from_mapping(
        {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    )


def read_ours(store: LookalikeProcess, wire: WireLog) -> tuple[Reading, dict[str, Any]]:
    """Our client over the whole store; returns the reading and what the client itself reported."""
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient

    reading = Reading("ours (BigCommerceClient.paginate)")
    ids: set[int] = set()
    with BigCommerceClient(_properties(store), StaticTokenSource(store.access_token)) as client:
        wire.attach(client.session)
        started = time.monotonic()
        for order in client.paginate("v2/orders"):
            ids.add(order["id"])
            reading.records += 1
        reading.seconds = time.monotonic() - started
        stats = client.stats
    reading.requests = wire.requests
    reading.responses_429 = wire.count(429)
    if len(ids) != reading.records:
        reading.errors.append(f"{reading.records - len(ids)} duplicate orders")
    return reading, {"t0": started, "limiter_wait_s": stats.limiter_wait_s, "distinct": len(ids)}


def _read_pages(reading: Reading, fetch: Callable[[int], list[Any]], budget_s: float) -> Reading:
    """Pages 1, 2, ... until the data ends or ``budget_s`` has passed (the page under way is finished)."""
    started = time.monotonic()
    page = 1
    while time.monotonic() - started < budget_s:
        records = fetch(page)
        reading.records += len(records)
        if len(records) < PAGE:
            break
        page += 1
    reading.seconds = time.monotonic() - started
    return reading


def read_plain(store: LookalikeProcess, budget_s: float) -> Reading:
    wire = WireLog()
    session = wire.attach(requests.Session())
    session.headers.update({"X-Auth-Token": store.access_token, "Accept": "application/json"})
    url = store_api(store.base_url, store.store_id, "v2/orders")

    def fetch(page: int) -> list[Any]:
        while True:
            response = session.get(url, params={"page": page, "limit": PAGE}, timeout=30)
            if response.status_code == 429:  # wait for the announced reset, then try again
                time.sleep(int(response.headers.get("X-Rate-Limit-Time-Reset-Ms", "1000")) / 1000)
                continue
            response.raise_for_status()
            return response.json() if response.status_code == 200 else []

    try:
        reading = _read_pages(Reading("plain requests loop"), fetch, budget_s)
    finally:
        session.close()
    reading.requests, reading.responses_429 = wire.requests, wire.count(429)
    return reading


def _official_api(store: LookalikeProcess, wire: WireLog) -> Any:
    import bigcommerce.api

    api = bigcommerce.api.BigcommerceApi(
        client_id="benchmark",
        store_hash=store.store_id,
        access_token=store.access_token,
        rate_limiting_management={"min_requests_remaining": 2, "wait": True},
    )
    connection = api.connection
    root = store_api(store.base_url, store.store_id, "v2")
    connection.full_path = lambda url: f"{root}/{url}"  # it would build https://{host}/...
    wire.attach(connection._session)
    return api


def read_official_iterall(store: LookalikeProcess, budget_s: float) -> Reading:
    from bigcommerce.exception import RateLimitingException

    wire = WireLog()
    api = _official_api(store, wire)
    reading = Reading("official bigcommerce: Orders.iterall()")
    started = time.monotonic()
    try:
        for _order in api.Orders.iterall():
            reading.records += 1
            if reading.records % PAGE == 0 and time.monotonic() - started >= budget_s:
                break
    except RateLimitingException as error:  # its iterator dies with the 429: nothing to resume
        reading.errors.append(f"raised on 429 after {reading.records} orders: {str(error)[:80]}")
    reading.seconds = time.monotonic() - started
    reading.requests, reading.responses_429 = wire.requests, wire.count(429)
    return reading


def read_official_raw(store: LookalikeProcess, budget_s: float) -> Reading:
    from bigcommerce.exception import RateLimitingException

    wire = WireLog()
    connection = _official_api(store, wire).connection
    reading = Reading("official bigcommerce: connection.get loop")
    try:
        _read_pages(reading, lambda page: connection.get("orders", page=page, limit=PAGE) or [], budget_s)
    except RateLimitingException as error:
        reading.errors.append(f"raised on 429 after {reading.records} orders: {str(error)[:80]}")
    reading.requests, reading.responses_429 = wire.requests, wire.count(429)
    return reading


def official_object_cost(store: LookalikeProcess) -> tuple[float, float]:
    """CPU seconds per page of 250 orders: ``json.loads`` of it, and the official client's ``Orders(...)`` objects.

    Where iterall() loses time: each ``Mapping.__init__`` calls ``dir(self)`` once per key of the record.
    """
    import bigcommerce.resources

    response = requests.get(
        store_api(store.base_url, store.store_id, "v2/orders"),
        params={"page": 1, "limit": PAGE},
        headers={"X-Auth-Token": store.access_token, "Accept": "application/json"},
        timeout=30,
    )
    started = time.process_time()
    records = response.json()
    parsed = time.process_time()
    for record in records:
        bigcommerce.resources.Orders(record)
    return parsed - started, time.process_time() - parsed


def wait_for_fresh_window(store: LookalikeProcess) -> None:
    """Sleep until the store's current window ends, as one request's ``X-Rate-Limit-Time-Reset-Ms`` announces."""
    response = requests.get(
        store_api(store.base_url, store.store_id, "v2/time"),
        headers={"X-Auth-Token": store.access_token, "Accept": "application/json"},
        timeout=30,
    )
    time.sleep(int(response.headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000 + 0.05)


def calibrate(store: LookalikeProcess, pages: int, threads: int = 8) -> float:
    """Pages per second the lookalike serves (and a client parses) with ``threads`` readers and no quota."""
    url = store_api(store.base_url, store.store_id, "v2/orders")
    local = threading.local()

    def fetch(page: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update({"X-Auth-Token": store.access_token, "Accept": "application/json"})
        local.session.get(url, params={"page": page, "limit": PAGE}, timeout=30).json()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fetch, range(1, threads + 1)))  # connections up, code warm
        started = time.monotonic()
        list(pool.map(fetch, range(1, pages + 1)))
        return pages / (time.monotonic() - started)


def utilization(wire: WireLog, t0: float, quota: int, window_s: float) -> tuple[float, str, int]:
    """(utilization, how it was measured, 429s after the first window) from what the client saw on the wire."""
    exchanges = wire.exchanges
    late_429s = sum(1 for e in exchanges if e.status == 429 and e.at > t0 + window_s)
    # Group answers by the window they belong to: the moment that window resets, as the server announced it.
    window_ends: list[float] = []
    counts: list[int] = []
    for exchange in exchanges:
        if exchange.reset_ms is None:
            continue
        end = exchange.at + exchange.reset_ms / 1000
        if window_ends and abs(end - window_ends[-1]) < window_s / 2:
            counts[-1] += 1
        else:
            window_ends.append(end)
            counts.append(1)
    full = counts[1:-1]
    if full:
        return statistics.mean(full) / quota, f"mean of {len(full)} full windows", late_429s
    elapsed = exchanges[-1].at - t0 if exchanges else 0.0
    allowed = quota * elapsed / window_s
    return (len(exchanges) / allowed if allowed else 0.0), "whole run (too short for full windows)", late_429s


def run(
    *,
    orders: int = 125_000,
    quota: int = 150,
    window_ms: int | None = None,
    latency_ms: int = 50,
    baseline_seconds: float = 4.0,
    calibration_pages: int = 80,
) -> BenchmarkResult:
    """``window_ms=None``: 3000, stretched if the calibration says the lookalike cannot keep up."""
    started = time.perf_counter()
    result = BenchmarkResult(NAME, f"records/s reading {orders:,} orders (v2, 250 per page, {latency_ms} ms latency)")
    store_options = {"orders": orders, "latency_ms": latency_ms}

    capacity = None
    if window_ms is None:
        with LookalikeProcess(**store_options, quota=10**9, window_ms=30_000) as store:
            capacity = calibrate(store, calibration_pages)
        needed_ms = quota * HEADROOM / capacity * 1000
        window_ms = max(3000, int(math.ceil(needed_ms / 500) * 500))
    window_s = window_ms / 1000

    with LookalikeProcess(**store_options, quota=quota, window_ms=window_ms) as store:
        baselines: dict[str, list[Reading]] = {}
        readers = (read_plain, read_official_raw, read_official_iterall)

        def run_baselines(order: tuple[Callable[..., Reading], ...]) -> None:
            for reader in order:
                reading = reader(store, baseline_seconds)
                baselines.setdefault(reading.contender, []).append(reading)

        run_baselines(readers)
        wait_for_fresh_window(store)  # ours starts with a whole quota
        wire = WireLog()
        store.reset_stats()
        ours, details = read_ours(store, wire)
        served = store.stats()
        wait_for_fresh_window(store)
        run_baselines(tuple(reversed(readers)))
        parse_s, objects_s = official_object_cost(store)

    used, how, late_429s = utilization(wire, details["t0"], quota, window_s)
    quota_rate = quota / window_s
    result.columns = ["contender", "orders read", "seconds", "orders/s", "requests", "429s", "ours is"]
    result.rows.append(
        [ours.contender, f"{ours.records:,}", f"{ours.seconds:.2f}", f"{ours.rate:,.0f}", str(ours.requests),
         str(ours.responses_429), "-"]
    )  # fmt: skip
    rates: dict[str, float] = {}
    for contender, runs in baselines.items():
        records, seconds = sum(r.records for r in runs), sum(r.seconds for r in runs)
        rates[contender] = records / seconds if seconds else 0.0
        result.rows.append(
            [f"{contender} (x{len(runs)})", f"{records:,}", f"{seconds:.2f}", f"{rates[contender]:,.0f}",
             str(sum(r.requests for r in runs)), str(sum(r.responses_429 for r in runs)),
             ratio_text(ours.rate, rates[contender])]
        )  # fmt: skip
        for run_ in runs:
            result.notes += [f"{contender}: {error}" for error in run_.errors]
    result.notes += [f"ours: {error}" for error in ours.errors]

    iterall = rates["official bigcommerce: Orders.iterall()"]
    raw = rates["official bigcommerce: connection.get loop"]
    plain = rates["plain requests loop"]
    ceiling = quota_rate * PAGE
    result.checks = [
        Check(
            "orders/s, ours vs official iterall()",
            f"{ours.rate:,.0f}/s",
            f">= {TARGET_VS_OFFICIAL:.0f}x",
            ours.rate >= TARGET_VS_OFFICIAL * iterall,
            baseline=f"{iterall:,.0f}/s",
            ratio=ratio_text(ours.rate, iterall),
        ),
        Check(
            "orders/s, ours vs official connection.get loop (no objects)",
            f"{ours.rate:,.0f}/s",
            "info",
            None,
            baseline=f"{raw:,.0f}/s",
            ratio=ratio_text(ours.rate, raw),
        ),
        Check(
            "orders/s, ours vs plain sequential requests",
            f"{ours.rate:,.0f}/s",
            "info",
            None,
            baseline=f"{plain:,.0f}/s",
            ratio=ratio_text(ours.rate, plain),
        ),
        Check(
            f"quota utilization ({how})",
            f"{used:.2f}",
            f">= {TARGET_UTILIZATION:.2f}",
            used >= TARGET_UTILIZATION,
            baseline=f"{quota} per {window_s:g} s",
        ),
        Check(
            "429s after the first window", str(late_429s), "0", late_429s == 0, baseline=f"{ours.responses_429} total"
        ),
    ]
    result.figures = {
        "ours_records_per_s": ours.rate,
        "official_iterall_records_per_s": iterall,
        "official_raw_records_per_s": raw,
        "plain_records_per_s": plain,
        "utilization": used,
        "late_429s": float(late_429s),
        "responses_429": float(ours.responses_429),
        "window_ms": float(window_ms),
        "orders_read": float(ours.records),
    }
    result.notes.append(
        f"lookalike: {orders:,} orders, quota {quota} per {window_s:g} s (= {quota_rate:.0f} requests/s, "
        f"at most {ceiling:,.0f} orders/s), {latency_ms} ms latency, in its own process"
    )
    if capacity is not None:
        result.figures["rig_pages_per_s"] = capacity
        result.notes.append(
            f"calibration: the lookalike served {capacity:.1f} pages/s to 8 threads without a quota "
            f"({capacity / quota_rate:.2f}x the quota rate used)"
            + ("; the window was stretched from 3 s to keep the rig above the quota" if window_ms > 3000 else "")
        )
    result.notes.append(
        f"the lookalike counted {served.get('requests')} requests and {served.get('responses_429')} 429s during ours"
    )
    result.notes.append(
        f"ours: {ours.requests} requests for {math.ceil(ours.records / PAGE)} pages of data; limiter waited "
        f"{details['limiter_wait_s']:.1f} thread-seconds; {details['distinct']:,} distinct orders"
    )
    result.notes.append(
        f"per page of 250 orders, CPU: json.loads {parse_s * 1000:.0f} ms; the official client's Orders objects "
        f"{objects_s * 1000:.0f} ms more (Mapping.__init__ calls dir(self) once per key): why iterall() trails "
        "its own connection.get loop"
    )
    result.seconds = time.perf_counter() - started
    return result


FULL = {"orders": 125_000, "baseline_seconds": 3.0}
QUICK = {"orders": 40_000, "baseline_seconds": 2.5, "calibration_pages": 40}
