"""``core.plan``: before a backfill, the records, requests and minutes of exporting a window, checked against the
requests an actual export of the same window then sends to the lookalike (its request log), and the estimate's own
cost counted the same way."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bigcommerce_lookalike.changes import Misbehaviour

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.plan.estimate import SAMPLE_PARENTS, plan_export

TOLERANCE = 0.10


@pytest.fixture(scope="module")
def store(make_shared_sandbox):
    return make_shared_sandbox(seed=7, orders=1500, products=1300, customers=900, quota=100_000)


@pytest.fixture(scope="module")
def window(store) -> Window:
    """The middle half of the data's time range."""
    first, last = store.data_time_range
    quarter = (last - first) / 4
    return Window(first + quarter, last - quarter)


@pytest.fixture
def client(store, make_client):
    return make_client(store, settle_seconds=0)


def _plan_and_export(store, client, name: str, window: Window | None, tmp_path: Path, **options: Any):
    """The plan, the requests it sent, the export's manifest and the requests the export sent (the store's log)."""
    resource = resource_for(name, params=options.pop("params", None))
    logged = len(store.stats.request_log())
    plan = plan_export(client, [resource], window, **options)
    planned = len(store.stats.request_log()) - logged
    logged = len(store.stats.request_log())
    manifest = export_resource(client, resource, tmp_path, window=window, deletions=options.get("deletions", False))
    return plan, planned, manifest, len(store.stats.request_log()) - logged


def _within(estimate: float, actual: int) -> bool:
    return abs(estimate - actual) <= TOLERANCE * actual


@pytest.mark.parametrize(
    "name",
    [
        "orders",
        "products",
        "customers",
        "order_transactions",  # a fan-out: one list per order modified in the window
        "order_shipments",  # a fan-out whose per-order lists are counted on a sample of the orders
        "price_list_records",  # a fan-out dated on the child lists
        "brands",  # a full snapshot (no date filter)
        "coupons",  # a full snapshot of a v2 list with a count of its own
    ],
)
def test_the_plan_is_within_ten_percent_of_the_requests_the_export_then_sends(store, client, window, tmp_path, name):
    plan, _, manifest, sent = _plan_and_export(store, client, name, window, tmp_path)

    estimate = plan.resources[0]
    assert sent > 0 and _within(estimate.requests, sent), (estimate.requests, sent)
    assert plan.requests == estimate.requests
    if estimate.parents is None:  # a list counted, not sampled: its records exactly
        assert estimate.records_exact and estimate.records == manifest["records"]


def test_the_plain_lists_of_the_catalogue_are_planned_to_the_request(store, client, window, tmp_path):
    """Every resource read as one list, windowed or full: the walk's own decisions, request for request."""
    plain = [name for name, resource in RESOURCES.items() if resource.fan_out is None]
    missed = {}
    for name in plain:
        plan, _, manifest, sent = _plan_and_export(store, client, name, window, tmp_path / name)
        if plan.resources[0].requests != sent:
            missed[name] = (plan.resources[0].requests, sent)
    assert not missed


def test_sparse_ids_make_orders_slices_spill_and_the_plan_counts_it(store, client, tmp_path):
    """Orders of one status are spread over the ids: slices sized from the first page hold more or fewer."""
    first, last = store.data_time_range
    whole = Window(first, last + timedelta(seconds=1))

    plan, _, manifest, sent = _plan_and_export(store, client, "orders", whole, tmp_path, params={"status_id": "10"})

    estimate = plan.resources[0]
    assert 0 < estimate.records == manifest["records"] < 1500
    assert estimate.requests > 4 and _within(estimate.requests, sent), (estimate.requests, sent)


@pytest.mark.parametrize("name", ["orders", "products", "customers", "order_transactions", "channel_listings"])
def test_a_window_without_records_plans_none_and_the_few_requests_that_prove_it(store, client, tmp_path, name):
    first, _ = store.data_time_range
    empty = Window(first - timedelta(days=30), first - timedelta(days=29))

    plan, _, manifest, sent = _plan_and_export(store, client, name, empty, tmp_path)

    estimate = plan.resources[0]
    assert manifest["records"] == 0 and estimate.records == 0 and estimate.pages == 0
    assert estimate.requests == sent and 1 <= sent <= 3 + (1 if estimate.parents is not None else 0)


def test_the_tombstone_read_is_planned_to_the_request(store, client, window, tmp_path):
    for name in ("orders", "products", "customers", "coupons", "channels", "categories"):
        plan, _, manifest, _ = _plan_and_export(store, client, name, window, tmp_path / name, deletions=True)

        assert plan.resources[0].deletion_requests == manifest["deletions"]["requests"], name


def test_planning_the_tombstone_read_too_reads_the_expansion_once(store, client):
    """Categories are listed per category tree (``expand``): the plan reads the trees once for the list and its
    tombstone read alike, as both need the same ``tree_id:in``."""
    logged = len(store.stats.request_log())

    plan_export(client, [resource_for("categories")], None, incremental=False, deletions=True)

    trees = [
        request for request in store.stats.request_log()[logged:] if request.path.rstrip("/") == "v3/catalog/trees"
    ]
    assert len(trees) == 1


def test_the_estimate_costs_a_few_requests_a_resource_and_counts_them(store, client, window, tmp_path):
    names = ["orders", "products", "customers", "brands", "coupons", "categories", "order_transactions"]
    logged = len(store.stats.request_log())

    plan = plan_export(client, [resource_for(name) for name in names], window)

    sent = store.stats.request_log()[logged:]
    assert plan.plan_requests == len(sent)
    plain = [request for request in sent if not request.path.startswith("v3/orders/")]
    assert len(plain) <= 3 * (len(names) - 1) + 1 + 2  # categories also read their trees; the fan-out its parents
    assert len(sent) - len(plain) <= SAMPLE_PARENTS
    assert plan.plan_requests * 20 < plan.requests  # the estimate is a small share of what it estimates


def test_the_plan_is_plain_numbers_for_xcom(store, client, window):
    plan = plan_export(client, [resource_for("orders"), resource_for("brands")], window, parallel_tasks=3)

    data = plan.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert [row["resource"] for row in data["resources"]] == ["orders", "brands"]
    assert data["requests"] == sum(row["requests"] for row in data["resources"])
    assert data["quota"] == 100_000 and data["window_s"] == 30 and data["parallel_tasks"] == 3


def test_an_unknown_resource_or_a_missing_window_is_the_exports_own_error_before_any_request(store, client):
    logged = len(store.stats.request_log())

    with pytest.raises(ExportError) as unknown:
        plan_export(client, [resource_for("nope")], None)
    with pytest.raises(ExportError) as no_window:
        plan_export(client, [resource_for("orders")], None)
    with pytest.raises(ExportError) as tasks:
        plan_export(client, [resource_for("brands")], None, parallel_tasks=0)

    assert (unknown.value.code, no_window.value.code) == ("unknown_resource", "no_interval")
    assert tasks.value.code == "parallel_tasks_out_of_range"
    assert len(store.stats.request_log()) == logged


def test_the_minutes_are_the_time_an_export_takes_at_a_tight_quota(make_sandbox, make_client, tmp_path):
    """Quota-bound: 30 requests a 1 s window, an export of about 300 requests: about ten windows."""
    store = make_sandbox(seed=7, orders=300, products=20, customers=10, quota=30, window_ms=1000)
    client = make_client(store, settle_seconds=0)
    first, last = store.data_time_range
    window = Window(first, last + timedelta(seconds=1))
    resource = resource_for("order_transactions")
    plan = plan_export(client, [resource], window, parallel_tasks=4)
    time.sleep(1.1)  # a fresh window for the export, as a backfill starting on its own would find

    started = time.monotonic()
    export_resource(client, resource, tmp_path, window=window)
    took_s = time.monotonic() - started

    assert plan.quota == 30 and plan.requests_per_window == 29
    assert 0.75 * took_s <= plan.minutes_one_task * 60 <= 1.25 * took_s, (plan.minutes_one_task * 60, took_s)
    assert plan.minutes_parallel == plan.minutes_one_task  # the quota is the store's: more tasks share it


@pytest.mark.timeout(120)  # the walk model once looped a page at a time over the store's count: hours for this one
@pytest.mark.parametrize("params", [None, {"sort": "date_modified:asc"}], ids=["keyset", "v2_position"])
def test_a_count_of_a_trillion_orders_is_planned_from_a_few_requests_without_walking_it(
    make_sandbox, make_client, params
):
    """A count the store inflates (``stale_count`` below zero) sizes the estimate, never the work of making it."""
    store = make_sandbox(seed=11, orders=600, products=10, customers=10)
    store.changes.misbehave("v2/orders", Misbehaviour(stale_count=-(10**12)))
    first, last = store.data_time_range
    client = make_client(store, settle_seconds=0)
    logged = len(store.stats.request_log())

    plan = plan_export(client, [resource_for("orders", params=params)], Window(first, last + timedelta(seconds=1)))

    estimate = plan.resources[0]
    assert estimate.records > 10**12 and estimate.requests > 10**12 // 250
    assert plan.plan_requests == len(store.stats.request_log()) - logged <= 4
