"""Order lines: requests needed to read orders with their line items.

- **ours**: ``BigCommerceClient.paginate("v2/orders")`` with the export's order parameters
  (``include=consignments.line_items&consignment_structure=object``): line items arrive inline, one request per
  250 orders, plus whatever the read-ahead sends past the end.
- **one request per order** (how Airbyte's source reads order lines): page through ``v2/orders``, then
  ``GET v2/orders/{id}/products`` for every order.

Requests are counted on the wire. Both must find the same line items, order by order. The lookalike has no
latency and no practical quota here; the time each would take on a Standard plan (150 requests per 30 s) follows
from the request count.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

import requests

from benchmarks.lookalike import LookalikeProcess, WireLog, store_api
from benchmarks.report import BenchmarkResult, Check, ratio_text

NAME = "order_lines"
# 5 before the walk became exactly-once: a store of exactly 1,000 orders ends on a full page, and the empty page
# past it that proves the end is asked twice (an empty answer can lie); 1,001 orders would cost 6.
TARGET_PER_1000 = 7.0
STANDARD_QUOTA, STANDARD_WINDOW_S = 150, 30.0


def _lines_of(order: dict[str, Any]) -> Counter[int]:
    """Line item id -> quantity, from the inline consignments (shipping, pickup, email, digital)."""
    lines: Counter[int] = Counter()
    consignments = order.get("consignments") or {}
    groups = consignments.values() if isinstance(consignments, dict) else consignments
    for group in groups:
        for consignment in group if isinstance(group, list) else ():
            for line in consignment.get("line_items") or () if isinstance(consignment, dict) else ():
                lines[line["id"]] += int(line.get("quantity", 1))
    return lines


def read_ours(store: LookalikeProcess) -> tuple[int, dict[int, Counter[int]], float]:
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.export.resources import RESOURCES
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    properties = ConnectionProperties.from_mapping(
        {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    )
    wire = WireLog()
    started = time.monotonic()
    with BigCommerceClient(properties, StaticTokenSource(store.access_token)) as client:
        wire.attach(client.session)
        orders = {order["id"]: _lines_of(order) for order in client.paginate("v2/orders", RESOURCES["orders"].params)}
    return wire.requests, orders, time.monotonic() - started


def read_one_request_per_order(store: LookalikeProcess) -> tuple[int, dict[int, Counter[int]], float]:
    wire = WireLog()
    session = wire.attach(requests.Session())
    session.headers.update({"X-Auth-Token": store.access_token, "Accept": "application/json"})
    started = time.monotonic()
    try:
        ids: list[int] = []
        page = 1
        while True:
            response = session.get(store_api(store.base_url, store.store_id, "v2/orders"),
                                   params={"page": page, "limit": 250}, timeout=30)  # fmt: skip
            response.raise_for_status()
            batch = response.json() if response.status_code == 200 else []
            ids += [order["id"] for order in batch]
            if len(batch) < 250:
                break
            page += 1
        orders: dict[int, Counter[int]] = {}
        for order_id in ids:
            response = session.get(store_api(store.base_url, store.store_id, f"v2/orders/{order_id}/products"),
                                   params={"limit": 250}, timeout=30)  # fmt: skip
            response.raise_for_status()
            products = response.json() if response.status_code == 200 else []
            orders[order_id] = Counter()
            for line in products:
                orders[order_id][line["id"]] += int(line.get("quantity", 1))
    finally:
        session.close()
    return wire.requests, orders, time.monotonic() - started


def _standard_plan_s(requests_: int) -> float:
    """Seconds ``requests_`` take at 150 per 30 s, the first window free."""
    return max(0, math.ceil(requests_ / STANDARD_QUOTA) - 1) * STANDARD_WINDOW_S


def run(*, orders: int = 1000, large: int = 10_000) -> BenchmarkResult:
    started = time.perf_counter()
    result = BenchmarkResult(NAME, f"requests to read {orders:,} orders with their line items")
    options = {"latency_ms": 0, "quota": 10**9, "window_ms": 30_000, "products": 500, "customers": 1000}
    with LookalikeProcess(orders=orders, **options) as store:
        ours_requests, ours_orders, ours_s = read_ours(store)
        theirs_requests, their_orders, their_s = read_one_request_per_order(store)
    large_requests = None
    if large:
        with LookalikeProcess(orders=large, **options) as store:
            large_requests, large_orders, _ = read_ours(store)

    per_1000 = ours_requests / orders * 1000
    theirs_per_1000 = theirs_requests / orders * 1000
    same = ours_orders == their_orders and len(ours_orders) == orders
    line_items = sum(sum(lines.values()) for lines in ours_orders.values())
    result.columns = ["reader", "orders", "line items (qty)", "requests", "per 1,000 orders", "seconds here",
                      "at 150 req / 30 s"]  # fmt: skip
    result.rows = [
        ["ours: include=consignments.line_items", f"{len(ours_orders):,}", f"{line_items:,}", str(ours_requests),
         f"{per_1000:.1f}", f"{ours_s:.2f}", f"{_standard_plan_s(ours_requests):.0f} s"],
        ["one request per order (Airbyte)", f"{len(their_orders):,}",
         f"{sum(sum(lines.values()) for lines in their_orders.values()):,}", str(theirs_requests),
         f"{theirs_per_1000:.1f}", f"{their_s:.2f}", f"{_standard_plan_s(theirs_requests):.0f} s"],
    ]  # fmt: skip
    if large_requests is not None:
        result.rows.append(
            [f"ours, {large:,} orders", f"{len(large_orders):,}", "", str(large_requests),
             f"{large_requests / large * 1000:.1f}", "", f"{_standard_plan_s(large_requests):.0f} s"]
        )  # fmt: skip
    result.checks = [
        Check(
            f"requests per 1,000 orders with line items ({orders:,} order store)",
            f"{per_1000:.1f}",
            f"<= {TARGET_PER_1000:.0f}",
            per_1000 <= TARGET_PER_1000,
            baseline=f"{theirs_per_1000:.0f}",
            ratio=ratio_text(theirs_per_1000, per_1000) + " fewer",
        ),
        Check("same line items, order by order", "yes" if same else "NO", "identical", same),
    ]
    if large_requests is not None:
        result.checks.append(
            Check(
                f"requests per 1,000 orders ({large:,} order store)",
                f"{large_requests / large * 1000:.1f}",
                "info",
                None,
                baseline=f"{math.ceil(large / 250)} pages of data",
            )
        )
    extra = ours_requests - math.ceil(orders / 250)
    result.notes.append(
        f"ours sent {extra} request(s) beyond the {math.ceil(orders / 250)} pages holding the data "
        "(when page 1 is full, one GET v2/orders/count sizes the id slices; after a full last page, an empty page "
        "asked twice proves the end)"
    )
    result.figures = {
        "ours_requests": float(ours_requests),
        "ours_per_1000": per_1000,
        "one_per_order_requests": float(theirs_requests),
        "same_line_items": float(same),
    }
    if large_requests is not None:
        result.figures["ours_large_per_1000"] = large_requests / large * 1000
    result.seconds = time.perf_counter() - started
    return result


FULL = {"orders": 1000, "large": 10_000}
QUICK = {"orders": 1000, "large": 0}
