"""Whether a v2 count applies its date filters is not stated (docs/open-questions.md "Count date filters"):
orders.v2.oas2.yml declares them on ``/orders/count``, a store may still count every order. One probe per client
finds out; incremental orders exports hold exactly the window's orders under both readings, and the plan never
takes the whole list's count for the window's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.plan.estimate import plan_export
from tests.export_files import read_records, record_moment

ORDERS = 1200
COUNT = "v2/orders/count"
READINGS = [
    pytest.param(Readings(), id="applied"),
    pytest.param(Readings(count_date_filters="ignored"), id="ignored"),
    pytest.param(Readings(count_date_filters="ignored", orders_incomplete="count_only"), id="ignored-count_only"),
    pytest.param(Readings(count_date_filters="ignored", page_cap=40), id="ignored-page_cap"),
    pytest.param(Readings(count_date_filters="ignored", date_bounds="exclusive"), id="ignored-exclusive"),
    pytest.param(Readings(inverted_dates="refused"), id="probe_refused"),  # then no dated count is believed
]


def _store(make_sandbox, readings: Readings):
    return make_sandbox(seed=5, orders=ORDERS, products=20, customers=20, quota=100_000, readings=readings)


@pytest.fixture(scope="module")
def truth(make_shared_sandbox):
    """Every order of a store that lists them all: id -> its date's whole second; and the Incomplete ones."""
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    store = make_shared_sandbox(seed=5, orders=ORDERS, products=20, customers=20)
    properties = ConnectionProperties.from_mapping(
        {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    )
    with BigCommerceClient(properties, StaticTokenSource(store.access_token)) as client:
        orders = list(client.paginate("v2/orders"))
    incomplete = {order["id"] for order in orders if order["status_id"] == 0}
    return {order["id"]: record_moment(order["date_modified"]) for order in orders}, incomplete


def _window(truth: tuple[dict[int, datetime], set[int]]) -> tuple[Window, list[int]]:
    """The middle half of the orders' seconds (several pages of orders), and the orders it claims."""
    moments = truth[0]
    seconds = sorted(set(moments.values()))
    start, end = seconds[len(seconds) // 4], seconds[3 * len(seconds) // 4]
    claimed = sorted(order_id for order_id, moment in moments.items() if start <= moment < end)
    return Window(start.astimezone(UTC), end.astimezone(UTC)), claimed


def _counts(store, since: int) -> int:
    return sum(request.path == COUNT for request in store.stats.request_log()[since:])


@pytest.mark.parametrize("params", [None, {"sort": "date_modified:asc"}], ids=["keyset", "v2_position"])
@pytest.mark.parametrize("readings", READINGS)
def test_an_incremental_orders_export_holds_exactly_the_windows_orders_whether_counts_apply_dates_or_not(
    make_sandbox, make_client, tmp_path, truth, readings, params
):
    store = _store(make_sandbox, readings)
    window, claimed = _window(truth)
    assert len(claimed) > 500, "the window spans several pages"
    assert set(claimed) & truth[1], "and holds Incomplete orders"

    client = make_client(store, settle_seconds=0)

    manifest = export_resource(client, resource_for("orders", params=params), tmp_path, window=window)

    written = [order["id"] for order in read_records(manifest["files"][0]["path"])]
    assert sorted(written) == claimed and manifest["records"] == len(claimed)
    verification = manifest["verification"]
    if readings.count_date_filters == "applied" and readings.inverted_dates == "empty":
        assert verification["verified"] and verification["expected"] >= len(claimed)
    else:  # no count describes the window: nothing claims one
        assert verification["expected"] is None and not verification["verified"]


def test_a_store_that_applies_count_dates_costs_one_probe_per_client_and_nothing_else(
    make_sandbox, make_client, tmp_path, truth
):
    store = _store(make_sandbox, Readings())
    window, claimed = _window(truth)
    client = make_client(store, settle_seconds=0)

    logged = len(store.stats.request_log())
    first = export_resource(client, resource_for("orders"), tmp_path / "first", window=window)
    between = len(store.stats.request_log())
    second = export_resource(client, resource_for("orders"), tmp_path / "second", window=window)
    after = len(store.stats.request_log())

    assert first["records"] == second["records"] == len(claimed)
    assert between - logged == after - between + 1, "the first export alone sends the probe"
    assert _counts(store, logged) - _counts(store, between) == _counts(store, between) + 1


def test_a_store_whose_counts_ignore_dates_is_probed_once_and_its_count_never_asked_again(
    make_sandbox, make_client, tmp_path, truth
):
    store = _store(make_sandbox, Readings(count_date_filters="ignored"))
    window, claimed = _window(truth)
    client = make_client(store, settle_seconds=0)

    logged = len(store.stats.request_log())
    first = export_resource(client, resource_for("order_line_items"), tmp_path / "first", window=window)
    between = len(store.stats.request_log())
    second = export_resource(client, resource_for("orders"), tmp_path / "second", window=window)

    assert first["records"] > 0 and second["records"] == len(claimed)
    assert _counts(store, logged) - _counts(store, between) == 1, "the probe"
    assert _counts(store, between) == 0


def test_the_plan_never_takes_the_whole_lists_count_for_the_windows_orders(make_sandbox, make_client, truth):
    window, claimed = _window(truth)
    applied = plan_export(
        make_client(_store(make_sandbox, Readings()), settle_seconds=0), [resource_for("orders")], window
    )
    ignoring = _store(make_sandbox, Readings(count_date_filters="ignored"))
    ignored = plan_export(make_client(ignoring, settle_seconds=0), [resource_for("orders")], window)

    low, high = window.query_bounds()  # the orders asked for: one second beyond each claimed edge
    asked = sum(low <= moment <= high for moment in truth[0].values())
    assert applied.resources[0].records == asked and applied.resources[0].records_exact
    assert ignored.resources[0].records <= asked < ORDERS and not ignored.resources[0].records_exact


def test_archived_orders_are_tombstoned_whether_counts_apply_dates_or_not(make_sandbox, make_client, tmp_path, truth):
    window, claimed = _window(truth)
    gone = claimed[:3]
    for readings in (Readings(), Readings(count_date_filters="ignored")):
        store = _store(make_sandbox, readings)
        store.changes.plan("v2/orders", after=0, delete=gone)
        folder = tmp_path / readings.count_date_filters

        manifest = export_resource(
            make_client(store, settle_seconds=0), resource_for("orders"), folder, window=window, deletions=True
        )

        written = [order["id"] for order in read_records(manifest["files"][0]["path"])]
        assert sorted(written) == [order_id for order_id in claimed if order_id not in gone]
        assert sorted(record["id"] for record in read_records(manifest["deletions"]["path"])) == gone


def test_a_window_read_without_a_count_is_planned_to_the_request(make_sandbox, make_client, tmp_path, truth):
    moments, incomplete = truth
    ordered = sorted(moments.items(), key=lambda item: item[1])
    # Twenty orders in a row and their neighbours, none Incomplete: the walk of Incomplete orders reads one empty page.
    start = next(n for n in range(len(ordered) - 22) if not {key for key, _ in ordered[n : n + 22]} & incomplete)
    window = Window(ordered[start + 1][1], ordered[start + 21][1])
    store = _store(make_sandbox, Readings(count_date_filters="ignored"))
    client = make_client(store, settle_seconds=0)

    plan = plan_export(client, [resource_for("orders")], window)
    before = len(store.stats.request_log())
    manifest = export_resource(client, resource_for("orders"), tmp_path, window=window)

    assert manifest["records"] == 20 and plan.resources[0].records == 21  # the order at the end is asked, not kept
    assert plan.resources[0].requests == len(store.stats.request_log()) - before
