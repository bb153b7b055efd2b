"""Many stores at once: one process exporting 1, 10 and 50 lookalike stores, each with its own quota.

An agency's worker reads dozens of stores. Each store has its own limiter (and its own ledger file), so a store
that waits for its reset must not hold up the others, and the total rate should be the sum of the stores'
quotas, up to what the machine's CPU can do.

- The stores: ``HOSTS`` server processes, each running a share of the stores as in-process lookalikes
  (``Sandbox``); every store has its own quota and window, ``brands`` records (small pages, so the rig's CPU goes
  to the client under test more than to the stores).
- The client: a fresh process with one thread per store, each paginating ``v3/catalog/brands`` over and over for
  ``windows`` windows through its own ``BigCommerceClient``; it reports requests per store, 429s, CPU seconds and
  its peak RSS (VmHWM).
- The ceiling: the same 50 stores without a practical quota: the most requests per second this machine serves
  and reads, a CPU limit.

Ratio = requests sent / min(sum of the quotas over the run, the ceiling's requests over the run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.lookalike import READY_TIMEOUT_S
from benchmarks.report import BenchmarkResult, Check, ratio_text

NAME = "many_stores"
TARGET_RATIO = 0.90
TARGET_RSS_GROWTH = 0.1  # RSS at the end of the run within +10 % of RSS halfway: flat while records stream
HOSTS = 5

_HOST = """
import json, sys
from bigcommerce_lookalike import Sandbox, SandboxConfig
options = json.loads(sys.argv[1])
stores = [Sandbox(SandboxConfig(seed=n, **options)).start() for n in range(int(sys.argv[2]))]
print(json.dumps([
    {"base_url": s.base_url, "store_id": s.store_id, "token": s.access_token} for s in stores
]), flush=True)
sys.stdin.read()  # serve until the benchmark closes our stdin
"""

_CLIENT = """
import json, os, sys, threading, time
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource

stores, duration_s = json.loads(sys.argv[1]), float(sys.argv[2])
counts = [[0, 0, 0] for _ in stores]  # requests, 429s, records
start = threading.Barrier(len(stores) + 1)

def read(number, store):
    properties = ConnectionProperties.from_mapping(
        {"StoreId": store["store_id"], "OAuthAccessToken": store["token"], "URL": store["base_url"]}
    )
    def count(response, *args, **kwargs):
        counts[number][0] += 1
        counts[number][1] += response.status_code == 429
    with BigCommerceClient(properties, StaticTokenSource(store["token"])) as client:
        client.session.hooks["response"].append(count)
        start.wait()
        deadline = time.monotonic() + duration_s
        while time.monotonic() < deadline:
            for _ in client.paginate("v3/catalog/brands"):
                counts[number][2] += 1
                if time.monotonic() >= deadline:
                    break

def memory_mb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024

threads = [threading.Thread(target=read, args=(n, s)) for n, s in enumerate(stores)]
for thread in threads:
    thread.start()
start.wait()
cpu0, t0 = time.process_time(), time.monotonic()
threads[0].join(duration_s / 2)
rss_mid = memory_mb("VmRSS")
for thread in threads:
    thread.join()
seconds, cpu = time.monotonic() - t0, time.process_time() - cpu0
print(json.dumps({"counts": counts, "seconds": seconds, "cpu_s": cpu, "peak_mb": memory_mb("VmHWM"),
                  "rss_mid_mb": rss_mid, "rss_end_mb": memory_mb("VmRSS")}))
"""


class StoreHosts:
    """``with StoreHosts(50, quota=10, window_ms=5000) as stores:`` ``stores`` spread over ``HOSTS`` processes."""

    def __init__(self, count: int, **options: Any) -> None:
        self._count = count
        self._options = options
        self._processes: list[subprocess.Popen[str]] = []
        self.stores: list[dict[str, str]] = []

    def __enter__(self) -> list[dict[str, str]]:
        try:
            shares = [self._count // HOSTS + (n < self._count % HOSTS) for n in range(HOSTS)]
            for share in filter(None, shares):
                process = subprocess.Popen(
                    [sys.executable, "-c", _HOST, json.dumps(self._options), str(share)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                self._processes.append(process)
            for process in self._processes:
                self.stores += json.loads(_first_line(process, READY_TIMEOUT_S))
        except BaseException:
            self.__exit__()
            raise
        return self.stores

    def __exit__(self, *exc_info: object) -> None:
        for process in self._processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _first_line(process: subprocess.Popen[str], timeout_s: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not box or not box[0].strip():
        raise RuntimeError("a lookalike host did not start")
    return box[0]


@dataclass
class Reading:
    stores: int
    requests: int
    responses_429: int
    records: int
    seconds: float
    cpu_s: float
    peak_mb: float
    rss_mid_mb: float
    rss_end_mb: float
    slowest_store_share: float  # the store that sent least, as a share of the mean

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def read_stores(stores: list[dict[str, str]], duration_s: float, folder: str) -> Reading:
    env = {**os.environ, "BIGCOMMERCE_QUOTA_FOLDER": folder}
    done = subprocess.run(
        [sys.executable, "-c", _CLIENT, json.dumps(stores), str(duration_s)],
        capture_output=True,
        text=True,
        env=env,
        timeout=duration_s + 300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    per_store = [requests for requests, _, _ in report["counts"]]
    mean = sum(per_store) / len(per_store)
    return Reading(
        stores=len(stores),
        requests=sum(per_store),
        responses_429=sum(n429 for _, n429, _ in report["counts"]),
        records=sum(records for _, _, records in report["counts"]),
        seconds=report["seconds"],
        cpu_s=report["cpu_s"],
        peak_mb=report["peak_mb"],
        rss_mid_mb=report["rss_mid_mb"],
        rss_end_mb=report["rss_end_mb"],
        slowest_store_share=min(per_store) / mean if mean else 0.0,
    )


def run(
    *,
    counts: tuple[int, ...] = (1, 10, 50),
    quota: int = 10,
    window_ms: int = 5000,
    latency_ms: int = 50,
    brands: int = 2500,
    windows: float = 3.0,
) -> BenchmarkResult:
    started = time.perf_counter()
    window_s = window_ms / 1000
    duration_s = windows * window_s
    most = max(counts)
    result = BenchmarkResult(NAME, f"one process exporting {', '.join(map(str, counts))} stores at once")
    store_options = {"orders": 0, "products": 0, "customers": 0, "brands": brands, "latency_ms": latency_ms}
    readings: list[Reading] = []
    with tempfile.TemporaryDirectory(prefix="bc-many-stores-") as folder:
        with StoreHosts(most, **store_options, quota=quota, window_ms=window_ms) as stores:
            for count in counts:
                readings.append(read_stores(stores[:count], duration_s, folder))
        with StoreHosts(most, **store_options, quota=10**9, window_ms=30_000) as stores:
            ceiling = read_stores(stores, duration_s, folder)

    quota_rate = quota / window_s
    result.columns = [
        "stores",
        "requests/s",
        "sum of quotas",
        "ratio",
        "429s",
        "slowest store",
        "client CPU",
        "peak RSS",
    ]
    checks_by_count: dict[int, float] = {}
    for reading in readings:
        allowed = min(reading.stores * quota_rate, ceiling.rate)
        checks_by_count[reading.stores] = reading.rate / allowed if allowed else 0.0
        result.rows.append(
            [str(reading.stores), f"{reading.rate:.1f}", f"{reading.stores * quota_rate:.1f}/s",
             f"{checks_by_count[reading.stores]:.2f}", str(reading.responses_429),
             f"{reading.slowest_store_share:.2f} of mean", f"{reading.cpu_s / reading.seconds:.0%} of a core",
             f"{reading.peak_mb:.0f} MB"]
        )  # fmt: skip
    result.rows.append(
        [f"{ceiling.stores}, no quota (ceiling)", f"{ceiling.rate:.1f}", "-", "-", str(ceiling.responses_429),
         f"{ceiling.slowest_store_share:.2f} of mean", f"{ceiling.cpu_s / ceiling.seconds:.0%} of a core",
         f"{ceiling.peak_mb:.0f} MB"]
    )  # fmt: skip
    one, many = readings[0], readings[-1]
    growth = many.rss_end_mb / many.rss_mid_mb - 1 if many.rss_mid_mb else 0.0
    per_store_mb = (many.peak_mb - one.peak_mb) / max(many.stores - 1, 1)
    result.checks = [
        Check(
            f"{many.stores} stores: requests/s vs min(sum of quotas, CPU ceiling)",
            f"{many.rate:.1f}/s",
            f">= {TARGET_RATIO:.2f}",
            checks_by_count[many.stores] >= TARGET_RATIO,
            baseline=f"{many.stores * quota_rate:.0f}/s quotas, {ceiling.rate:.0f}/s ceiling",
            ratio=f"{checks_by_count[many.stores]:.2f}",
        ),
        Check(
            "one store alone: requests/s vs its quota",
            f"{one.rate:.2f}/s",
            "info",
            None,
            baseline=f"{quota_rate:.2f}/s",
            ratio=ratio_text(one.rate, quota_rate),
        ),
        Check(
            f"{many.stores} stores: the store that sent least, vs the mean",
            f"{many.slowest_store_share:.2f}",
            ">= 0.80",
            many.slowest_store_share >= 0.8,
        ),
        Check(
            f"{many.stores} stores: RSS at the end of the run vs halfway",
            f"{many.rss_end_mb:.0f} MB",
            f"within +{TARGET_RSS_GROWTH:.0%}",
            growth <= TARGET_RSS_GROWTH,
            baseline=f"{many.rss_mid_mb:.0f} MB",
            ratio=f"{growth:+.0%}",
        ),
        Check(
            "peak RSS per store beyond the first (a client, its session and read-ahead threads)",
            f"{per_store_mb:.1f} MB",
            "info",
            None,
            baseline=f"{one.peak_mb:.0f} MB with 1 store, {many.peak_mb:.0f} MB with {many.stores}",
        ),
        Check(f"{many.stores} stores: 429s", str(many.responses_429), "0", many.responses_429 == 0),
    ]
    result.figures = {
        "ceiling_requests_per_s": ceiling.rate,
        "most_stores_ratio": checks_by_count[many.stores],
        "most_stores_peak_mb": many.peak_mb,
        "rss_growth_second_half": growth,
        "one_store_peak_mb": one.peak_mb,
        "slowest_store_share": many.slowest_store_share,
    }
    result.notes.append(
        f"each store: quota {quota} per {window_s:g} s ({quota_rate:g} requests/s), {latency_ms} ms latency, "
        f"{brands:,} brands; {HOSTS} lookalike processes host the stores; the client is one fresh process with one "
        f"thread (and one client, with its own read-ahead pool) per store, reading for {windows:g} windows"
    )
    result.notes.append(
        f"ceiling: the same {ceiling.stores} stores without a practical quota: {ceiling.rate:.0f} requests/s "
        f"({ceiling.records / ceiling.seconds:,.0f} brands/s), "
        f"client at {ceiling.cpu_s / ceiling.seconds:.0%} of a core; "
        "the machine's CPU, shared by client and stores, is the limit there"
    )
    result.seconds = time.perf_counter() - started
    return result


FULL: dict[str, Any] = {}
QUICK = {"counts": (1, 10), "windows": 2.0}
