"""Exactly once from a store that changes and lies during the walk: every record that matches the filter
throughout is read once; the rest may appear or not, never twice; a walk that cannot prove it fails loudly."""

from __future__ import annotations

from collections import Counter

import pytest
from bigcommerce_lookalike.changes import Misbehaviour

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.paging.walk import PAGES_PER_FULL_PAGE

ORDER_IDS = range(100, 700)  # 600 orders


def _read(client, path, params=None):
    walk = client.walk(path, params or {})
    ids = [record["id"] for page in walk for record in page.records]
    return ids, walk.outcome


def _variants(sandbox) -> int:
    return sandbox.services.data.catalog.variant_total


def _exactly_once(ids, expected_ids):
    counts = Counter(ids)
    assert not [record_id for record_id, n in counts.items() if n > 1], "a record was read twice"
    missing = set(expected_ids) - set(counts)
    assert not missing, f"{len(missing)} records that matched throughout were never read"


@pytest.mark.parametrize("stale_by", [100, 250])
def test_a_stale_low_order_count_does_not_end_the_walk_on_a_full_page(make_sandbox, make_client, stale_by):
    sandbox = make_sandbox(orders=600)
    sandbox.changes.misbehave("v2/orders", Misbehaviour(stale_count=stale_by))
    client = make_client(sandbox)

    ids, outcome = _read(client, "v2/orders")

    _exactly_once(ids, ORDER_IDS)
    assert len(ids) == 600
    assert outcome.read == 600 and outcome.expected == 600 - stale_by


def test_a_count_above_what_the_list_holds_fails_loudly_instead_of_ending_short(make_sandbox, make_client):
    sandbox = make_sandbox(orders=600)
    sandbox.changes.misbehave("v2/orders", Misbehaviour(stale_count=-300))  # the count says 900
    client = make_client(sandbox)

    with pytest.raises(PagingError) as caught:
        _read(client, "v2/orders")

    assert caught.value.code == "count_mismatch"
    assert (caught.value.expected, caught.value.read) == (900, 600)
    assert sandbox.stats.requests < 40  # bounded: a few passes, not a loop


@pytest.mark.parametrize(
    ("path", "first_id", "size_option"),
    [("v2/orders", 100, "orders"), ("v3/catalog/products", 1, "products")],
)
def test_deletes_at_the_front_during_a_keyset_walk_lose_no_other_record(
    make_sandbox, make_client, path, first_id, size_option
):
    sandbox = make_sandbox(**{size_option: 600})
    deleted = list(range(first_id + 10, first_id + 15))
    sandbox.changes.plan(path, after=1, delete=deleted)
    client = make_client(sandbox, max_concurrency=1)

    ids, outcome = _read(client, path, {"limit": 100})

    still_there = [n for n in range(first_id, first_id + 600) if n not in deleted]
    _exactly_once(ids, still_there)
    assert outcome.verified


@pytest.mark.parametrize(
    ("path", "first_id", "size_option"),
    [("v2/orders", 100, "orders"), ("v3/catalog/products", 1, "products")],
)
def test_inserts_at_the_front_during_a_keyset_walk_double_nothing_and_lose_nothing(
    make_sandbox, make_client, path, first_id, size_option
):
    sandbox = make_sandbox(**{size_option: 600})
    inserted = list(range(first_id + 5, first_id + 10))  # "do not exist" until the first page has been read
    sandbox.changes.plan(path, after=1, insert=inserted)
    client = make_client(sandbox)

    ids, outcome = _read(client, path, {"limit": 100})

    _exactly_once(ids, [n for n in range(first_id, first_id + 600) if n not in inserted])
    assert outcome.verified


def test_deletes_at_the_front_of_a_v3_offset_list_are_read_again_not_skipped(make_sandbox, make_client):
    sandbox = make_sandbox(products=300)  # variants are listed by position only
    sandbox.changes.plan("v3/catalog/variants", after=1, delete=range(1, 6))
    client = make_client(sandbox, max_concurrency=1)

    ids, outcome = _read(client, "v3/catalog/variants", {"limit": 100})

    _exactly_once(ids, range(6, _variants(sandbox) + 1))
    assert outcome.passes == 2 and outcome.verified


def test_inserts_at_the_front_of_a_v3_offset_list_double_nothing(make_sandbox, make_client):
    sandbox = make_sandbox(products=300)
    sandbox.changes.plan("v3/catalog/variants", after=2, insert=range(20, 25))
    client = make_client(sandbox, max_concurrency=1)

    ids, outcome = _read(client, "v3/catalog/variants", {"limit": 100})

    _exactly_once(ids, [n for n in range(1, _variants(sandbox) + 1) if not 20 <= n < 25])
    assert outcome.verified


def test_orders_edited_out_of_the_window_during_the_walk_skip_none_that_stay(make_sandbox, make_client):
    sandbox = make_sandbox(orders=1000)
    start, end = sandbox.data_time_range
    window = {"min_date_modified": start.strftime("%a, %d %b %Y %H:%M:%S +0000")}
    edited = list(range(150, 160)) + list(range(500, 510))  # leave the window after the first page
    sandbox.changes.plan("v2/orders", after=1, edit=edited)
    client = make_client(sandbox, max_concurrency=1)

    ids, outcome = _read(
        client, "v2/orders", {**window, "max_date_modified": end.strftime("%a, %d %b %Y %H:%M:%S +0000")}
    )

    _exactly_once(ids, [n for n in range(100, 1100) if n not in edited])
    assert outcome.verified


@pytest.mark.parametrize(
    ("path", "size_option", "total"),
    [
        ("v2/orders", "orders", 1000),
        ("v3/catalog/products", "products", 1000),
        ("v3/catalog/brands", "brands", 1000),
        ("v3/catalog/variants", "products", 1000),
    ],
)
def test_an_empty_page_mid_walk_is_read_again_not_taken_for_the_end(
    make_sandbox, make_client, path, size_option, total
):
    sandbox = make_sandbox(**{size_option: total})
    sandbox.changes.misbehave(path, Misbehaviour(blank_requests=frozenset({2})))
    client = make_client(sandbox, max_concurrency=1)
    total = _variants(sandbox) if path.endswith("variants") else total

    ids, outcome = _read(client, path, {"limit": 100})

    assert sorted(ids) == list(range(ids[0], ids[0] + total))
    assert outcome.verified


def test_a_cursor_page_with_a_next_link_but_no_records_is_not_the_end(make_sandbox, make_client):
    sandbox = make_sandbox(customers=600)
    sandbox.changes.misbehave("v3/customers", Misbehaviour(blank_requests=frozenset({2})))
    client = make_client(sandbox)

    ids, outcome = _read(client, "v3/customers", {"limit": 100})

    assert sorted(ids) == list(range(1, 601))
    assert outcome.verified


def test_a_cursor_cycle_of_two_pages_is_an_error_not_an_endless_walk(make_sandbox, make_client):
    sandbox = make_sandbox(customers=600)
    sandbox.changes.misbehave("v3/customers", Misbehaviour(cursor_cycle=True))
    client = make_client(sandbox)

    with pytest.raises(PagingError) as caught:
        _read(client, "v3/customers", {"limit": 100})

    assert caught.value.code == "cursor_cycle"
    assert sandbox.stats.requests <= 4


def test_a_cursor_list_that_never_ends_is_an_error_after_a_bounded_number_of_pages(make_sandbox, make_client):
    """Past the last record every page is empty and carries a new cursor: no cycle, no new record, no end."""
    sandbox = make_sandbox(customers=600, quota=100_000)  # a few hundred requests, none of them waiting
    sandbox.changes.misbehave("v3/customers", Misbehaviour(endless_cursor=True))
    client = make_client(sandbox)

    with pytest.raises(PagingError) as caught:
        _read(client, "v3/customers", {"limit": 100})

    error = caught.value
    assert (error.code, error.reason, error.expected, error.read) == ("list_unstable", "pages_past_ceiling", 600, 600)
    assert error.facts["pages"] == PAGES_PER_FULL_PAGE * (2 * 600 // 100 + 10 + 1)
    assert sandbox.stats.requests <= 3 * error.facts["pages"]  # each empty page is asked twice, then the count


@pytest.mark.parametrize(
    ("path", "params", "size_option"),
    [
        ("v2/orders", {"sort": "date_modified:asc"}, "orders"),  # by position: the caller's own order
        ("v3/catalog/variants", {}, "products"),
    ],
)
def test_a_server_that_ignores_page_is_an_error_not_an_endless_file(
    make_sandbox, make_client, path, params, size_option
):
    sandbox = make_sandbox(**{size_option: 600})
    sandbox.changes.misbehave(path, Misbehaviour(ignore_page=True))
    client = make_client(sandbox, max_concurrency=1)

    with pytest.raises(PagingError) as caught:
        _read(client, path, {**params, "limit": 100})

    assert caught.value.code == "page_repeated"
    assert sandbox.stats.requests <= 6


def test_an_unchanged_store_costs_what_it_did_before_and_says_it_is_verified(make_sandbox, make_client):
    sandbox = make_sandbox(orders=1100, latency_ms=5)
    client = make_client(sandbox)

    ids, outcome = _read(client, "v2/orders")

    assert ids == list(range(100, 1200))
    assert (outcome.expected, outcome.read, outcome.verified, outcome.passes) == (1100, 1100, True, 1)
    # page 1, the count, then four slices of ids; the last one short: no request past the end
    assert sandbox.stats.requests_by_path == {"v2/orders": 5, "v2/orders/count": 1}


def test_a_list_that_keeps_answering_far_past_its_count_is_stopped_not_followed_for_ever(make_sandbox, make_client):
    sandbox = make_sandbox(orders=3000)
    sandbox.changes.misbehave("v2/orders", Misbehaviour(stale_count=2990))  # the count says 10
    client = make_client(sandbox)

    with pytest.raises(PagingError) as caught:
        _read(client, "v2/orders")

    assert caught.value.code == "list_unstable"
    assert caught.value.expected == 10 and caught.value.read > 2 * 10 + 10 * 250
    assert sandbox.stats.requests_by_path["v2/orders"] < 3000 / 250 + 10


def test_an_id_bound_that_is_not_a_whole_number_is_a_paging_error_naming_the_list(make_sandbox, make_client):
    client = make_client(make_sandbox(orders=10))

    with pytest.raises(PagingError) as caught:
        _read(client, "v2/orders", {"min_id": "ten"})

    assert (caught.value.code, caught.value.path) == ("bad_meta", "v2/orders")


def test_a_delete_before_the_position_of_a_v2_walk_by_page_loses_no_other_record(make_sandbox, make_client):
    sandbox = make_sandbox()
    sandbox.changes.plan("v2/coupons", after=1, delete=[3])  # after page 1: page 2 would start one record later
    client = make_client(sandbox, max_concurrency=1)

    ids, outcome = _read(client, "v2/coupons", {"limit": 10})

    _exactly_once(ids, [n for n in range(1, 31) if n != 3])
    assert outcome.verified and outcome.passes == 2
