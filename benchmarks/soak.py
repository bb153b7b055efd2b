"""Soak: exports against a store that changes and misbehaves during every walk, counted record by record.

Each export reads one list (orders by id slices, products, customers by cursor, brands by position) from a
lookalike that, meanwhile, edits, deletes and inserts records after a random number of that list's requests,
answers stale counts, blanks a page, fails 5 % of requests with 500/503, drops 2 % of connections and, every few
seconds, answers a storm of 429s without rate headers. Expected = the records that matched the filter for the
whole export; the file is then checked for records lost (expected, not written), doubled and stray (neither
expected nor inserted, deleted or edited meanwhile). An export still running after its bound is a hang. Each export
also writes its tombstones, against an id snapshot taken before the changes: a tombstone for a record that was
not deleted is a false one (it would delete a live row downstream).
The baseline is the same exports against a quiet store, side by side in this run: its requests give the cost of
the defences as a ratio.
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.report import BenchmarkResult, Check, ratio_text

NAME = "soak"
HANG_BOUND_S = 300.0  # far above any export here; docs/exporting.md "Bounds: nothing waits forever"
# (list key, export resource, store size option, first id)
LISTS = (
    ("v2/orders", "orders", "orders", 100),
    ("v3/catalog/products", "products", "products", 1),
    ("v3/customers", "customers", "customers", 1),
    ("v3/catalog/brands", "brands", "brands", 1),
)


def _plan_changes(rng: random.Random, sandbox: Any, key: str, first_id: int, size: int) -> dict[str, set[int]]:
    from bigcommerce_lookalike.changes import Misbehaviour

    ids = list(range(first_id, first_id + size))
    picked = rng.sample(ids, 30)
    touched = {"delete": set(picked[:10]), "insert": set(picked[10:20]), "edit": set(picked[20:])}
    if key in ("v3/catalog/brands",):  # brands have no date filter: an edit changes nothing a walk sees
        touched["edit"] = set()
    for what, chosen in touched.items():
        for record_id in chosen:
            sandbox.changes.plan(key, after=rng.randint(1, 6), **{what: [record_id]})
    sandbox.changes.misbehave(
        key,
        Misbehaviour(stale_count=rng.choice((0, 3, 40)), blank_requests=frozenset({rng.randint(2, 8)})),
    )
    return touched


def _storms(sandbox: Any, stop: threading.Event) -> None:
    """Every 2 s, 0.3 s of 429s without headers for half the requests (docs/bigcommerce.md "Rate limits")."""
    while not stop.wait(2.0):
        sandbox.set_faults(bare_429_rate=0.5)
        stop.wait(0.3)
        sandbox.set_faults(bare_429_rate=0.0)


def _one_export(
    sandbox: Any, resource_name: str, window: Any, destination: Path, retry: Any, deletions: bool = False
) -> dict[str, Any]:
    """One export; with ``deletions`` its tombstones too (against the snapshot ``_snapshot`` took)."""
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.export.resources import resource_for
    from airflow_provider_bigcommerce.core.export.run import export_resource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    properties = ConnectionProperties.from_mapping(
        {"StoreId": sandbox.store_id, "OAuthAccessToken": sandbox.access_token, "URL": sandbox.base_url}
    )
    with BigCommerceClient(properties, StaticTokenSource(sandbox.access_token), retry=retry) as client:
        resource = resource_for(resource_name, params={"limit": 100})
        return export_resource(client, resource, destination, window=window, deletions=deletions)


def _tombstone_ids(manifest: dict[str, Any]) -> set[int]:
    lines = Path(manifest["deletions"]["path"]).read_text().splitlines()
    return {json.loads(line)["id"] for line in lines}


def _bounded(function: Any, *args: Any) -> tuple[str, Any]:
    """Run ``function`` in a thread: ("ok", result), ("error", exception) or ("hang", None) past the bound."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["ok"] = function(*args)
        except Exception as error:  # counted as a loud failure
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_BOUND_S)
    if thread.is_alive():
        return "hang", None
    return ("ok", outcome["ok"]) if "ok" in outcome else ("error", outcome["error"])


def _written_ids(manifest: dict[str, Any]) -> Counter[int]:
    lines = Path(manifest["files"][0]["path"]).read_text().splitlines()
    return Counter(json.loads(line)["id"] for line in lines)


def run(*, exports: int = 24, size: int = 800, seed: int = 7) -> BenchmarkResult:
    from bigcommerce_lookalike import Sandbox, SandboxConfig

    from airflow_provider_bigcommerce.core.export.windows import Window
    from airflow_provider_bigcommerce.core.http.retry import RetryPolicy

    started = time.perf_counter()
    result = BenchmarkResult(NAME, f"{exports} exports from a store that changes and misbehaves during each walk")
    # The production back-off schedule scaled down 10x, so the soak takes minutes, not hours; same shape.
    retry = RetryPolicy(backoff_base_s=0.05, backoff_cap_s=3.0, bare_429_base_s=0.1, bare_429_cap_s=6.0)
    rng = random.Random(seed)
    totals = Counter()
    sizes = {option: size for _, _, option, _ in LISTS}
    config = {"quota": 10**6, "window_ms": 30_000, "latency_ms": 2, "seed": seed, **sizes}
    with tempfile.TemporaryDirectory(prefix="bc-soak-") as folder:
        for number in range(exports):
            key, resource_name, _, first_id = LISTS[number % len(LISTS)]
            with Sandbox(SandboxConfig(**config)) as quiet, Sandbox(SandboxConfig(**config)) as hostile:
                start, end = hostile.data_time_range
                window = Window(start, end + timedelta(seconds=1))
                status, quiet_manifest = _bounded(
                    _one_export, quiet, resource_name, window, Path(folder) / f"quiet{number}", retry
                )
                totals["baseline requests"] += quiet_manifest["requests"] if status == "ok" else 0
                # the id snapshot the hostile export's tombstones are computed against, taken before any change
                _bounded(_one_export, hostile, resource_name, window, Path(folder) / f"hostile{number}", retry, True)
                hostile.reset_stats()
                touched = _plan_changes(rng, hostile, key, first_id, size)
                hostile.set_faults(error_5xx_rate=0.05, drop_rate=0.02)
                stop = threading.Event()
                storms = threading.Thread(target=_storms, args=(hostile, stop), daemon=True)
                storms.start()
                try:
                    status, manifest = _bounded(
                        _one_export, hostile, resource_name, window, Path(folder) / f"hostile{number}", retry, True
                    )
                finally:
                    stop.set()
                    storms.join()
                changed = touched["delete"] | touched["insert"] | touched["edit"]
                expected = set(range(first_id, first_id + size)) - changed
                totals["exports"] += 1
                totals["expected"] += len(expected)
                if status == "hang":
                    totals["hangs"] += 1
                    continue
                if status == "error":
                    totals["failed loudly"] += 1
                    result.notes.append(f"export {number} ({resource_name}) failed loudly: {manifest}"[:200])
                    continue
                written = _written_ids(manifest)
                totals["read"] += sum(written.values())
                totals["lost"] += len(expected - set(written))
                totals["doubled"] += sum(1 for count in written.values() if count > 1)
                totals["stray"] += len(set(written) - expected - changed)
                totals["requests"] += manifest["requests"]
                tombstones = _tombstone_ids(manifest)
                totals["false tombstones"] += len(tombstones - touched["delete"])
                totals["tombstones"] += len(tombstones & touched["delete"])
                totals["deletion requests"] += manifest["deletions"]["requests"]
                totals["verified"] += int(bool(manifest["verification"] and manifest["verification"]["verified"]))
    result.columns = ["exports", "expected", "read", "lost", "doubled", "stray", "hangs", "failed loudly",
                      "verified", "requests", "quiet requests"]  # fmt: skip
    result.rows = [
        [str(totals[name]) for name in ("exports", "expected", "read", "lost", "doubled", "stray", "hangs")]
        + [str(totals["failed loudly"]), str(totals["verified"]), str(totals["requests"]),
           str(totals["baseline requests"])]
    ]  # fmt: skip
    clean = totals["lost"] == 0 and totals["doubled"] == 0 and totals["hangs"] == 0 and totals["stray"] == 0
    false_tombstones = totals["false tombstones"]
    result.checks = [
        Check(
            "records lost, doubled or stray; exports hung",
            f"{totals['lost']}, {totals['doubled']}, {totals['stray']}; {totals['hangs']}",
            "0, 0, 0; 0",
            clean,
        ),  # fmt: skip
        Check(
            "tombstones for records that were not deleted (each would delete a live row)",
            str(false_tombstones),
            "0",
            false_tombstones == 0,
        ),
        Check(
            "deletions reported in the run they happened (the rest come with the next run)",
            f"{totals['tombstones']} of {10 * totals['exports']}",
            "info",
            None,
            baseline=f"{totals['deletion requests']} requests for the id reads and confirmations",
        ),
        Check(
            "exports that failed loudly instead of finishing",
            str(totals["failed loudly"]),
            "info",
            None,
        ),
        Check(
            "requests under faults and changes vs a quiet store",
            str(totals["requests"]),
            "info",
            None,
            baseline=str(totals["baseline requests"]),
            ratio=ratio_text(totals["requests"], totals["baseline requests"]),
        ),
    ]
    result.notes.append(
        "faults: 5 % 500/503, 2 % dropped connections, bare-429 storms (0.3 s of 50 % every 2 s); per export 10 "
        "deletes, 10 inserts, 10 edits at random points, a stale count and one blank page"
    )
    names = ("exports", "expected", "read", "lost", "doubled", "stray", "hangs", "failed loudly", "verified",
             "requests", "baseline requests", "false tombstones", "tombstones", "deletion requests")  # fmt: skip
    result.figures = {name.replace(" ", "_"): float(totals[name]) for name in names}
    result.seconds = time.perf_counter() - started
    return result


FULL = {"exports": 96, "size": 800}
QUICK = {"exports": 4, "size": 400}
