"""The page walk's pure decisions, table-tested without HTTP: body figures, slices, loops and the verdict."""

from __future__ import annotations

import math

import pytest

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.paging.rules import (
    MAX_PASSES,
    SeenKeys,
    Slice,
    count_of,
    first_new,
    judge,
    keyset_for,
    offset_totals,
    plan_slices,
    record_id,
    whole_number,
    with_paging,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (0, 0), (250, 250), (250.0, 250)],
)
def test_whole_numbers_from_a_body_are_accepted(value, expected):
    assert whole_number("v3/x", "total", value) == expected


@pytest.mark.parametrize("value", ["many", math.nan, math.inf, -1, True, 2.5, [], {}])
def test_a_total_or_count_that_is_not_a_whole_number_is_a_bad_meta_paging_error(value):
    with pytest.raises(PagingError) as caught:
        whole_number("v3/catalog/products", "total_pages", value)
    assert caught.value.code == "bad_meta"
    assert caught.value.path == "v3/catalog/products"


def test_count_of_a_body_without_count_is_bad_meta():
    with pytest.raises(PagingError) as caught:
        count_of("v2/orders/count", {"statuses": []})
    assert caught.value.code == "bad_meta"
    assert count_of("v2/orders/count", {"count": 7}) == 7


def test_offset_totals_derive_pages_from_the_total_when_total_pages_is_missing():
    assert offset_totals("v3/x", {"total": 501, "per_page": 250}, 250) == (501, 3)
    assert offset_totals("v3/x", {"total": 10, "total_pages": 1}, 250) == (10, 1)
    with pytest.raises(PagingError):
        offset_totals("v3/x", {"total": 10, "total_pages": "many"}, 250)


def test_records_of_a_keyset_list_need_a_whole_number_id():
    assert record_id("v2/orders", {"id": 101}) == 101
    for record in ({"id": "101"}, {"id": True}, {}, [101]):
        with pytest.raises(PagingError) as caught:
            record_id("v2/orders", record)
        assert caught.value.code == "bad_record"


@pytest.mark.parametrize(
    ("path", "params", "keyset"),
    [
        ("v2/orders", {}, "min_id"),
        ("v2/orders", {"sort": "id:asc", "min_date_modified": "x"}, "min_id"),
        ("v2/orders", {"sort": "date_modified:asc"}, None),  # the caller's own order is kept
        ("v2/orders", {"page": 3}, None),  # so is the caller's own page
        ("v3/catalog/products", {"date_modified:min": "x"}, "id:min"),
        ("v3/catalog/products", {"sort": "name"}, None),
        ("v3/catalog/brands", {}, None),  # brands_catalog.v3.yml declares only sort=name: no id order to rely on
        ("v3/catalog/brands", {"sort": "name"}, None),
        ("v3/catalog/variants", {}, None),
        ("v3/customers", {}, None),
    ],
)
def test_keyset_walks_apply_where_the_api_filters_and_sorts_by_id(path, params, keyset):
    found = keyset_for(path, params)
    assert (found.min_param if found else None) == keyset


def test_one_page_or_less_left_is_one_open_ended_slice():
    assert plan_slices(100, 349, 250, 200, 250) == [Slice(350, None)]
    assert plan_slices(100, 349, 250, 0, 250) == [Slice(350, None)]


def test_dense_ids_split_into_one_page_per_slice_and_an_open_tail():
    plan = plan_slices(100, 349, 250, 750, 250)
    assert plan == [Slice(350, 599), Slice(600, 849), Slice(850, None)]


def test_sparse_ids_widen_each_one_page_slice():
    plan = plan_slices(1, 1000, 250, 250 * 20, 250)  # 4 ids per record, 20 pages left
    assert len(plan) == 20
    assert plan[0] == Slice(1001, 1001 + 250 * 4 - 1)
    assert plan[-1].high is None
    assert all(a.high + 1 == b.low for a, b in zip(plan, plan[1:], strict=False))


def test_seen_keys_remember_ascending_ids_as_ranges_and_the_rest_in_a_set():
    seen = SeenKeys()
    assert [seen.add(n) for n in (1, 2, 3, 7, 8, 20)] == [True] * 6
    assert [seen.add(n) for n in (2, 7, 20)] == [False] * 3  # ascending and seen: found in the ranges
    assert seen.add(5) and not seen.add(5)  # out of order: kept aside, still found
    assert seen.add("sku-1") and not seen.add("sku-1")
    assert [n in seen for n in (1, 3, 5, 8, 20)] == [True] * 5
    assert [n in seen for n in (0, 4, 6, 9, 21)] == [False] * 5
    assert len(seen._starts) == 3  # 1-3, 7-8, 20


def test_a_million_dense_ids_are_one_range():
    seen = SeenKeys()
    for n in range(1, 1_000_001):
        seen.add(n)
    assert len(seen._starts) == 1 and not seen._others and 999_999 in seen


@pytest.mark.parametrize(
    ("start", "end", "seen", "passes", "verdict"),
    [
        (None, None, 10, 1, "done"),  # no count: nothing to compare with
        (10, 10, 10, 1, "done"),
        (10, 12, 10, 1, "done"),  # two entered meanwhile and were not met: they may appear or not
        (12, 10, 10, 1, "done"),  # two left meanwhile
        (12, 12, 10, 1, "again"),  # two that were there throughout were not met: a page came back short
        (12, 12, 11, 2, "again"),
        (12, 12, 11, MAX_PASSES, "fail"),  # the count promises records no re-read can find
        (None, 12, 12, 1, "done"),
    ],
)
def test_the_verdict_after_a_pass(start, end, seen, passes, verdict):
    assert judge(start, end, seen, passes) == verdict


def test_first_new_drops_records_seen_before_by_id_or_whole_value():
    seen = SeenKeys()
    assert first_new([{"id": 1}, {"id": 2}], seen) == [{"id": 1}, {"id": 2}]
    assert first_new([{"id": 2}, {"id": 3}, {"x": 1}], seen) == [{"id": 3}, {"x": 1}]
    assert first_new([{"x": 1}], seen) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("v3/orders/101/transactions", {"x": 1}),
        ("v2/store", {"x": 1}),
        ("v2/orders", {"x": 1, "limit": 250, "page": 2}),
        ("v3/orders/payment_actions/refunds", {"x": 1, "limit": 250, "page": 2}),
    ],
)
def test_paging_parameters_go_only_to_endpoints_that_declare_them(path, expected):
    assert with_paging(path, {"x": 1}, limit=250, page=2) == expected
