"""Memory: peak RSS of a process exporting 100k and 1M records to an NDJSON file.

Each export runs in a fresh process (``core.export.export_resource`` through ``BigCommerceClient``, the path the
transfer operator takes) against the lookalike in another process, with no latency and no practical quota, so the
export is CPU bound and pages arrive as fast as they can be written. The child reports its peak RSS (``VmHWM``)
and its RSS after the imports, so growth during the export can be told from the interpreter.

The records are brands: the most compact list of the lookalike, so a million of them take seconds rather than
minutes to generate; what the export holds at a time is a few pages whatever the record. Orders with their line
items (the largest records) are exported too, at a smaller count, to show big records stay bounded as well.
A collect-then-write export (``list(client.paginate(...))``, then write) of the smaller count is the baseline
that grows with the data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.lookalike import LookalikeProcess
from benchmarks.report import BenchmarkResult, Check

NAME = "memory"
TARGET_MB = 200.0
TARGET_SPREAD = 0.20
_JOB_ENV = "BC_BENCH_MEMORY_JOB"


def _vm_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child_main() -> None:
    """One export in this fresh process; prints its figures as one JSON line."""
    job = json.loads(os.environ[_JOB_ENV])
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.export.files import NdjsonWriter
    from airflow_provider_bigcommerce.core.export.resources import resource_for
    from airflow_provider_bigcommerce.core.export.run import export_resource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    properties = ConnectionProperties.from_mapping(
        {"StoreId": job["store_id"], "OAuthAccessToken": job["token"], "URL": job["base_url"]}
    )
    target = Path(job["folder"])
    exported = resource_for(job["resource"])
    with BigCommerceClient(properties, StaticTokenSource(job["token"])) as client:
        after_imports_kb = _vm_kb("VmRSS")
        started = time.perf_counter()
        if job["collect_first"]:
            records = list(client.paginate(exported.path, exported.query(None)))
            with open(target / "collected.ndjson", "wb") as raw:
                writer = NdjsonWriter(raw)
                writer.write(records)
            written, requests = writer.records, client.stats.requests
        else:
            manifest = export_resource(client, exported, target, incremental=False)
            written, requests = manifest["records"], manifest["requests"]
        seconds = time.perf_counter() - started
    size = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
    print(
        json.dumps(
            {
                "records": written,
                "requests": requests,
                "seconds": seconds,
                "bytes": size,
                "after_imports_mb": after_imports_kb / 1024,
                "peak_mb": _vm_kb("VmHWM") / 1024,
            }
        ),
        flush=True,
    )


def export_in_child(store: LookalikeProcess, resource_name: str, *, collect_first: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bc-bench-export-") as folder:
        job = {
            "base_url": store.base_url,
            "store_id": store.store_id,
            "token": store.access_token,
            "resource": resource_name,
            "folder": folder,
            "collect_first": collect_first,
        }
        env = {**os.environ, _JOB_ENV: json.dumps(job)}
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH", "")])
        done = subprocess.run(
            [sys.executable, "-c", "from benchmarks.memory import child_main; child_main()"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the export of {resource_name} failed: {last[0]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(*, small: int = 100_000, large: int = 1_000_000, orders: int = 20_000) -> BenchmarkResult:
    started = time.perf_counter()
    result = BenchmarkResult(NAME, f"peak RSS exporting {small:,} and {large:,} records to NDJSON")
    runs: list[tuple[str, dict[str, Any]]] = []
    options = {"latency_ms": 0, "quota": 10**9, "window_ms": 30_000, "products": 200, "customers": 1000}
    # Two stores, so each size is a whole list (brands have no filter to cut one store's list short).
    with LookalikeProcess(brands=small, orders=orders, **options) as store:
        runs.append((f"brands, {small:,}", export_in_child(store, "brands")))
        runs.append((f"orders with line items, {orders:,}", export_in_child(store, "orders")))
        collected = export_in_child(store, "brands", collect_first=True)
        runs.append((f"brands, {small:,}, collect then write (baseline)", collected))
    with LookalikeProcess(brands=large, orders=0, **options) as store:
        runs.append((f"brands, {large:,}", export_in_child(store, "brands")))

    result.columns = ["export", "records", "file MB", "seconds", "records/s", "RSS after imports", "peak RSS",
                      "growth"]  # fmt: skip
    for label, figures in runs:
        result.rows.append(
            [label, f"{figures['records']:,}", f"{figures['bytes'] / 2**20:.0f}", f"{figures['seconds']:.1f}",
             f"{figures['records'] / figures['seconds']:,.0f}", f"{figures['after_imports_mb']:.0f} MB",
             f"{figures['peak_mb']:.0f} MB", f"{figures['peak_mb'] - figures['after_imports_mb']:.0f} MB"]
        )  # fmt: skip
    figures_by = dict(runs)
    small_run, large_run = figures_by[f"brands, {small:,}"], figures_by[f"brands, {large:,}"]
    orders_run = figures_by[f"orders with line items, {orders:,}"]
    spread = large_run["peak_mb"] / small_run["peak_mb"] - 1
    highest = max(small_run["peak_mb"], large_run["peak_mb"], orders_run["peak_mb"])
    complete = small_run["records"] == small and large_run["records"] == large and orders_run["records"] == orders
    result.checks = [
        Check(
            f"peak RSS, {large:,} vs {small:,} records",
            f"{large_run['peak_mb']:.0f} MB",
            f"within {TARGET_SPREAD:.0%}",
            abs(spread) <= TARGET_SPREAD and complete,
            baseline=f"{small_run['peak_mb']:.0f} MB",
            ratio=f"{spread:+.1%}",
        ),
        Check(
            "highest peak RSS of any streaming export",
            f"{highest:.0f} MB",
            f"< {TARGET_MB:.0f} MB",
            highest < TARGET_MB,
        ),
        Check(
            f"peak RSS growth, streaming vs collect-then-write ({small:,} brands)",
            f"{small_run['peak_mb'] - small_run['after_imports_mb']:.0f} MB",
            "info",
            None,
            baseline=f"{collected['peak_mb'] - collected['after_imports_mb']:.0f} MB",
        ),
    ]
    if not complete:
        result.notes.append("an export did not write every record: see the records column")
    result.notes.append(
        "each export in a fresh process; lookalike in another process with no latency and no practical quota; "
        "peak RSS is the child's VmHWM"
    )
    result.figures = {
        "small_peak_mb": small_run["peak_mb"],
        "large_peak_mb": large_run["peak_mb"],
        "orders_peak_mb": orders_run["peak_mb"],
        "collected_peak_mb": collected["peak_mb"],
        "spread": spread,
        "large_records": float(large_run["records"]),
    }
    result.seconds = time.perf_counter() - started
    return result


FULL = {"small": 100_000, "large": 1_000_000, "orders": 20_000}
QUICK = {"small": 10_000, "large": 100_000, "orders": 5_000}
