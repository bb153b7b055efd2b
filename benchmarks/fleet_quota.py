"""One quota, many tasks: 3 and 6 processes reading one store at once, each on its own, then on a shared ledger.

Every process is a task of a fleet: its own ``BigCommerceClient`` paginating orders, products or customers (in
turn) from one lookalike store, for a fixed number of windows (at least 10 s), all starting together;
in the ``exporting`` settings each task exports that list one day window after another instead, as a backfill's
daily tasks do. Contenders, on the same store one after the other:

- **unshared** (today's behaviour, baseline): env ``BIGCOMMERCE_QUOTA_FOLDER=off``; each process paces the store
  from the headers alone and cannot see what the others have in flight;
- **shared ledger**: the processes keep the limiter's figures in one locked file (``core/http/quota_ledger.py``);
- **shared ledger + another app**: the same 6 tasks while another app of the store (a plain loop, not ours)
  spends half the default ``Reserve`` at an even pace and never retries: each of its 429s is a request the
  fleet took from it.

Counted on the wire of every process (merged by time): 429s after the first window, and the joint utilization:
requests per window / quota over the windows the run spans entirely (``throughput.utilization``).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from benchmarks.lookalike import Exchange, LookalikeProcess, WireLog, store_api
from benchmarks.report import BenchmarkResult, Check, ratio_text
from benchmarks.throughput import utilization, wait_for_fresh_window

NAME = "fleet_quota"
TARGET_UTILIZATION = 0.90
RESOURCES = ("v2/orders", "v3/catalog/products", "v3/customers")
START_TIMEOUT_S = 120.0


def _task(
    options: dict[str, Any], resource: str, folder: str, windows: float, barrier: Any, results: Any, number: int
) -> None:
    """One task of the fleet, in its own process: read ``resource`` over and over until the time is up."""
    os.environ["BIGCOMMERCE_QUOTA_FOLDER"] = folder
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.errors import BigCommerceError
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    properties = ConnectionProperties.from_mapping(
        {"StoreId": options["store_id"], "OAuthAccessToken": options["token"], "URL": options["base_url"]}
    )
    wire = WireLog()
    records, errors = 0, []
    with BigCommerceClient(properties, StaticTokenSource(options["token"])) as client:
        wire.attach(client.session)
        barrier.wait(START_TIMEOUT_S)
        t0 = time.monotonic()
        deadline = t0 + windows * options["window_s"]
        exporting = options["work"] == "export"
        scratch = tempfile.mkdtemp(prefix="bc-fleet-export-") if exporting else None  # only exports write files
        export = _exports(client, resource, options["data_time_range"], scratch) if scratch is not None else None
        while time.monotonic() < deadline:
            try:
                if export is not None:
                    records += export()
                    continue
                for _record in client.paginate(resource):
                    records += 1
                    if time.monotonic() >= deadline:
                        break
            except BigCommerceError as error:  # counted, and the task goes on as a retried task would
                errors.append(type(error).__name__)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    results.put(
        {
            "number": number,
            "t0": t0,
            "records": records,
            "errors": errors,
            "exchanges": [(e.at, e.status, e.reset_ms) for e in wire.exchanges],
        }
    )


EXPORTED = {"v2/orders": "orders", "v3/catalog/products": "products", "v3/customers": "customers"}


def _exports(client: Any, resource: str, data_time_range: list[str], folder: str) -> Callable[[], int]:
    """A function exporting ``resource`` one day window after another (wrapping round the store's days), as a
    backfill's daily tasks do: counts, verification and the window's pages; each call returns the records written.
    A failed export moves on to the next day, as the next task of a backfill would."""
    from airflow_provider_bigcommerce.core.export.resources import resource_for
    from airflow_provider_bigcommerce.core.export.run import export_resource
    from airflow_provider_bigcommerce.core.export.windows import Window

    first, last = (datetime.fromisoformat(moment) for moment in data_time_range)
    first_day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    days = [first_day]

    def export_next_day() -> int:
        window = Window(days[-1], days[-1] + timedelta(days=1))
        days.append(window.end if window.end + timedelta(days=1) <= last else first_day)
        return export_resource(client, resource_for(EXPORTED[resource]), Path(folder), window=window)["records"]

    return export_next_day


@dataclass
class FleetRun:
    label: str
    tasks: int
    shared: bool
    exchanges: list[Exchange] = field(default_factory=list)
    t0: float = 0.0
    records: int = 0
    errors: int = 0
    other_app_requests: int = 0
    other_app_429s: int = 0
    utilization: float = 0.0
    how: str = ""
    late_429s: int = 0

    @property
    def responses_429(self) -> int:
        return sum(1 for exchange in self.exchanges if exchange.status == 429)


class OtherApp:
    """Another app of the store: ``GET v2/time`` at an even pace, never retried; its 429s are counted."""

    def __init__(self, store: LookalikeProcess, per_second: float) -> None:
        self._url = store_api(store.base_url, store.store_id, "v2/time")
        self._headers = {"X-Auth-Token": store.access_token, "Accept": "application/json"}
        self._interval = 1 / per_second
        self._stop = threading.Event()
        self.wire = WireLog()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OtherApp:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        with self.wire.attach(requests.Session()) as session:
            next_at = time.monotonic()
            while not self._stop.wait(max(next_at - time.monotonic(), 0)):
                session.get(self._url, headers=self._headers, timeout=30)
                next_at += self._interval


def run_fleet(
    store: LookalikeProcess, run: FleetRun, *, windows: float, window_s: float, folder: str, work: str = "paginate"
) -> FleetRun:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter per task, as a worker would run it
    barrier = context.Barrier(run.tasks + 1)
    results = context.Queue()
    options = {"store_id": store.store_id, "token": store.access_token, "base_url": store.base_url}
    options |= {"window_s": window_s, "work": work, "data_time_range": store.sandbox_info()["data_time_range"]}
    processes = [
        context.Process(
            target=_task,
            args=(
                options,
                RESOURCES[n % len(RESOURCES)],
                folder if run.shared else "off",
                windows,
                barrier,
                results,
                n,
            ),
            daemon=True,
        )
        for n in range(run.tasks)
    ]
    for process in processes:
        process.start()
    try:
        barrier.wait(START_TIMEOUT_S)
        run.t0 = time.monotonic()
        reports = [results.get(timeout=windows * window_s + START_TIMEOUT_S) for _ in processes]
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
    for report in reports:
        run.records += report["records"]
        run.errors += len(report["errors"])
        run.exchanges += [Exchange(at, status, reset_ms) for at, status, reset_ms in report["exchanges"]]
    return run


def measure(run: FleetRun, *, quota: int, window_s: float) -> FleetRun:
    wire = WireLog()
    wire.exchanges = sorted(run.exchanges, key=lambda exchange: exchange.at)
    run.utilization, run.how, run.late_429s = utilization(wire, run.t0, quota, window_s)
    return run


@dataclass(frozen=True)
class Setting:
    """One store's quota and latency; ``tight`` when the fleet's read-ahead threads outnumber the quota."""

    name: str
    quota: int
    window_ms: int
    latency_ms: int
    work: str = "paginate"  # or "export": each task exports day windows (counts and verification included)

    @property
    def window_s(self) -> float:
        return self.window_ms / 1000

    def __str__(self) -> str:
        how = "exporting day windows" if self.work == "export" else "paginating"
        return f"{self.name}: quota {self.quota} per {self.window_s:g} s, {self.latency_ms} ms latency, {how}"


ROOMY = Setting("roomy", 150, 5000, 50)
TIGHT = Setting("tight", 30, 3000, 400)
# Issue 20 §4: a 1 s window, where the limiter's fixed costs (its margin after each reset, the request kept for
# other apps, the reserve's pacing) weigh most; paginating, then exporting day windows one after another (each
# export a handful of sequential requests: the count, the pages, the verification).
SHORT = Setting("short", 40, 1000, 50)
SHORT_EXPORTING = Setting("short-exporting", 40, 1000, 50, "export")


def run_setting(
    setting: Setting, *, windows: float, min_seconds: float, fleets: tuple[int, ...], other_app_share: float
) -> list[FleetRun]:
    """Each fleet unshared then shared, then the largest shared beside another app, each from a fresh window;
    each runs ``windows`` windows, or ``min_seconds`` where the windows are short."""
    windows = max(windows, min_seconds / setting.window_s)
    store_options = {"orders": 40_000, "products": 20_000, "customers": 40_000, "latency_ms": setting.latency_ms}
    measured = {"quota": setting.quota, "window_s": setting.window_s}
    runs: list[FleetRun] = []
    with (
        LookalikeProcess(**store_options, quota=setting.quota, window_ms=setting.window_ms) as store,
        tempfile.TemporaryDirectory(prefix="bc-fleet-ledger-") as folder,
    ):
        for tasks in fleets:
            for shared in (False, True):
                fleet_run = FleetRun(
                    f"{setting.name}, {tasks} tasks, {'shared ledger' if shared else 'unshared'}", tasks, shared
                )
                wait_for_fresh_window(store)
                run_fleet(
                    store, fleet_run, windows=windows, window_s=setting.window_s, folder=folder, work=setting.work
                )
                runs.append(measure(fleet_run, **measured))
        wait_for_fresh_window(store)
        with_app = FleetRun(f"{setting.name}, {max(fleets)} tasks, shared ledger + another app", max(fleets), True)
        with OtherApp(store, other_app_share * setting.quota / setting.window_s) as other:
            run_fleet(store, with_app, windows=windows, window_s=setting.window_s, folder=folder, work=setting.work)
        with_app.other_app_requests, with_app.other_app_429s = other.wire.requests, other.wire.count(429)
        with_app.exchanges += other.wire.exchanges
        runs.append(measure(with_app, **measured))
    return runs


def run(
    *,
    settings: tuple[Setting, ...] = (ROOMY, TIGHT, SHORT, SHORT_EXPORTING),
    windows: float = 4.0,
    min_seconds: float = 10.0,
    fleets: tuple[int, ...] = (3, 6),
    other_app_share: float = 0.05,
) -> BenchmarkResult:
    started = time.perf_counter()
    result = BenchmarkResult(NAME, f"{' and '.join(map(str, fleets))} processes reading one store at once")
    result.columns = ["run", "records", "requests", "429s", "429s after window 1", "joint utilization", "errors"]
    for setting in settings:
        runs = run_setting(
            setting, windows=windows, min_seconds=min_seconds, fleets=fleets, other_app_share=other_app_share
        )
        for fleet_run in runs:
            result.rows.append(
                [fleet_run.label, f"{fleet_run.records:,}", str(len(fleet_run.exchanges)), str(fleet_run.responses_429),
                 str(fleet_run.late_429s), f"{fleet_run.utilization:.2f} ({fleet_run.how})", str(fleet_run.errors)]
            )  # fmt: skip
        by_label = {fleet_run.label: fleet_run for fleet_run in runs}
        for tasks in fleets:
            shared = by_label[f"{setting.name}, {tasks} tasks, shared ledger"]
            alone = by_label[f"{setting.name}, {tasks} tasks, unshared"]
            result.checks += [
                Check(
                    f"{setting.name}, {tasks} tasks on one store: 429s after the first window",
                    str(shared.late_429s),
                    "0",
                    shared.late_429s == 0,
                    baseline=f"{alone.late_429s} unshared ({alone.responses_429} in all)",
                ),
                Check(
                    f"{setting.name}, {tasks} tasks on one store: joint utilization of the quota",
                    f"{shared.utilization:.2f}",
                    f">= {TARGET_UTILIZATION:.2f}",
                    shared.utilization >= TARGET_UTILIZATION,
                    baseline=f"{alone.utilization:.2f} unshared",
                    ratio=ratio_text(shared.utilization, alone.utilization),
                ),
            ]
            for fleet_run in (shared, alone):
                key = f"{setting.name}_{tasks}_{'shared' if fleet_run.shared else 'unshared'}"
                result.figures[f"{key}_utilization"] = fleet_run.utilization
                result.figures[f"{key}_late_429s"] = float(fleet_run.late_429s)
        with_app = runs[-1]
        result.checks.append(
            Check(
                f"{setting.name}, another app spending {other_app_share:.0%} of the quota beside {max(fleets)} "
                "tasks: its 429s",
                f"{with_app.other_app_429s} of {with_app.other_app_requests}",
                "0",
                with_app.other_app_429s == 0,
                baseline=f"joint utilization {with_app.utilization:.2f}",
            )
        )
        result.figures[f"{setting.name}_other_app_429s"] = float(with_app.other_app_429s)
        result.notes.append(f"{setting}: lookalike in its own process")
    result.notes.append(
        f"each task its own (spawned) process reading {', '.join(RESOURCES)} in turn (task n reads the n-th) with "
        f"8 read-ahead threads, for {windows:g} windows (at least {min_seconds:g} s); all start together; "
        "unshared = env BIGCOMMERCE_QUOTA_FOLDER=off (each process paces from the headers alone: the behaviour "
        "before the ledger)"
    )
    result.seconds = time.perf_counter() - started
    return result


FULL = {"windows": 4.0}
QUICK = {"windows": 3.0, "fleets": (3,), "settings": (TIGHT,)}
