"""``core.plan``'s arithmetic, free of I/O: the requests each page walk sends for a list of a given size (the walk's
own decisions, as docs/exporting.md "Exactly once: reading a store that changes under the walk" states them), and
the minutes at a store's quota."""

from __future__ import annotations

import pytest

from airflow_provider_bigcommerce.core.paging.kinds import (
    AFTER_KEY,
    CURSOR,
    KEYSET,
    OFFSET,
    UNPAGED,
    V2_POSITION,
    walk_kind,
)
from airflow_provider_bigcommerce.core.plan.pace import Pace
from airflow_provider_bigcommerce.core.plan.walk_cost import _slice_requests, walk_requests

pytestmark = pytest.mark.unit


def test_each_list_gets_the_walk_the_page_walk_chooses():
    assert walk_kind("v2/orders", {"include": "consignments.line_items"}) == KEYSET
    assert walk_kind("v2/orders", {"sort": "date_modified:asc"}) == V2_POSITION  # another order: by position
    assert walk_kind("v3/catalog/products", {}) == KEYSET
    assert walk_kind("v3/customers", {}) == CURSOR
    assert walk_kind("v3/catalog/brands", {}) == OFFSET
    assert walk_kind("v3/channels/1/listings", {}) == AFTER_KEY
    assert walk_kind("v3/orders/7/transactions", {}) == UNPAGED


def test_an_order_window_costs_its_first_page_the_count_and_one_request_a_slice():
    """docs/exporting.md "Exactly once: reading a store that changes under the walk": 1,100 orders cost 6 requests,
    one page 2, an exact multiple of 250 two more than a page each (the page past the last, asked twice)."""
    assert walk_requests(KEYSET, 1100, 250, counted=True) == 6
    assert walk_requests(KEYSET, 100, 250, counted=True) == 2
    assert walk_requests(KEYSET, 0, 250, counted=True) == 2
    assert walk_requests(KEYSET, 500, 250, counted=True) == 2 + 1 + 2
    assert walk_requests(KEYSET, 100, 250) == 1  # a v3 page carries its total


def test_sparse_ids_make_keyset_slices_spill_into_a_second_request():
    """5,100 orders: the first page, the count, 19 slices of a page's ids and the last, open one."""
    dense = walk_requests(KEYSET, 5100, 250, counted=True, density=1.0)
    sparse = walk_requests(KEYSET, 5100, 250, counted=True, density=0.3)
    wide_first_page = walk_requests(KEYSET, 5100, 250, counted=True, density=0.3, first_span=1500)

    assert dense == 2 + 19 + 1  # consecutive ids fill each slice exactly
    assert 3 + 19 * 1.4 < sparse < 3 + 19 * 1.6  # about half the slices hold a page or more
    assert wide_first_page > 2 + 19 * 1.99  # slices 1.8 pages' worth wide: all spill


def test_v2_lists_read_ahead_past_their_end_and_are_counted_before_and_after():
    assert walk_requests(V2_POSITION, 30, 250, counted=True) == 3  # count, page, count
    assert walk_requests(V2_POSITION, 600, 250, counted=True) == 1 + 5 + 1  # two pages read ahead past the end
    assert walk_requests(V2_POSITION, 4, 250) == 2  # no count: the next page shows a short one was the end
    assert walk_requests(V2_POSITION, 0, 250) == 1


def test_page_by_page_lists_cost_a_request_a_page():
    assert walk_requests(CURSOR, 0, 250) == walk_requests(OFFSET, 0, 250) == 1
    assert walk_requests(CURSOR, 501, 250) == walk_requests(OFFSET, 501, 250) == 3
    assert walk_requests(AFTER_KEY, 500, 250) == 3  # a full last page, then the empty one that ends it
    assert walk_requests(UNPAGED, 900, 250) == 1


def test_alone_on_the_store_a_run_sends_all_of_a_window_but_the_request_kept_for_others():
    pace = Pace(quota=150, window_s=30.0, reserve=0.1, latency_s=0.2)

    assert (pace.ours_per_window, pace.reserve_per_window) == (149, 15)
    assert pace.quota_seconds(149) == 0  # the first window's share goes at once
    assert pace.quota_seconds(2 * 149) == pytest.approx(30 + 0.35)  # one more window, and the margin past it
    assert Pace(quota=150, window_s=30.0, reserve=0.0, latency_s=0).ours_per_window == 150


def test_tasks_share_the_quota_but_not_their_round_trips():
    pace = Pace(quota=450, window_s=30.0, reserve=0.1, latency_s=0.5)
    quota_bound = [(4000.0, 8), (4000.0, 8)]
    latency_bound = [(600.0, 1), (600.0, 1), (600.0, 1)]  # cursor walks: one page after another

    assert pace.seconds(quota_bound, 1) == pace.seconds(quota_bound, 4) == pace.quota_seconds(8000)
    assert pace.seconds(latency_bound, 1) == pytest.approx(900)
    assert pace.seconds(latency_bound, 3) == pytest.approx(300)
    assert pace.seconds(latency_bound, 10) == pytest.approx(300)  # a walk is no faster split over idle tasks
    assert Pace(quota=None, window_s=30.0, reserve=0.1, latency_s=0.1).seconds(quota_bound, 1) is None


@pytest.mark.timeout(60)
def test_a_v2_walk_of_a_trillion_records_costs_one_request_a_page_once_its_read_ahead_is_full():
    """The model adds the full pages left at once, so a count the store inflates costs no work to price."""
    pages = 4 * 10**9
    at_end = walk_requests(V2_POSITION, pages * 250, 250, counted=True)
    one_page_more = walk_requests(V2_POSITION, (pages + 1) * 250, 250, counted=True)

    assert one_page_more - at_end == 1
    assert at_end == walk_requests(V2_POSITION, 2500, 250, counted=True) + (pages - 10)


@pytest.mark.timeout(60)
def test_keyset_slices_of_a_wide_spread_are_summed_in_closed_form_close_to_the_loop():
    """Past 512 pages of spread (16 sigma) a slice's pages are the normal's expectation; at the edge both agree."""
    looped = _slice_requests(5000.0, 31.0, 1)  # 496 pages of spread: summed page by page
    closed = _slice_requests(5000.0, 33.0, 1)  # 528: in closed form

    assert abs(looped - closed) < 1.0 and abs(closed - 5001) < 1.0
    assert abs(_slice_requests(1e12, 5e5, 1) - 1e12) < 1e6  # a count and ids no store has: no loop to run


def test_a_v3_list_given_a_cursor_is_read_on_from_it_one_page_after_another():
    assert walk_kind("v3/catalog/brands", {"after": "abc"}) == CURSOR
    assert walk_kind("v3/catalog/brands", {}) == OFFSET
