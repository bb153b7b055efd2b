"""Paging of all three kinds against the lookalike: every record exactly once, pages in order, the right stop."""

from __future__ import annotations

import threading

import pytest
import requests

from airflow_provider_bigcommerce.core.paging.walk import MAX_PAGE_SIZE, V2_READ_AHEAD


def _ids(records: list[dict]) -> list[int]:
    return [record["id"] for record in records]


def test_v2_orders_past_a_full_first_page_are_counted_and_never_end_on_a_full_page(make_sandbox, make_client):
    sandbox = make_sandbox(orders=500)  # two full pages: only a third request proves nothing follows them
    client = make_client(sandbox)

    pages = list(client.pages("v2/orders"))
    ids = _ids([order for page in pages for order in page.records])

    assert [len(page.records) for page in pages] == [250, 250]
    assert [page.number for page in pages] == [1, 2]
    assert ids == list(range(100, 600))
    # the 204 after the second full page proves the end, and is asked once more: a 204 can lie
    assert sandbox.stats.requests_by_path == {"v2/orders/count": 1, "v2/orders": 4}
    assert sandbox.stats.responses_by_status[204] == 2


def test_v2_sweep_of_1000_orders_with_line_items_costs_at_most_7_requests(make_sandbox, make_client):
    sandbox = make_sandbox(orders=1000, latency_ms=20)  # latency keeps several pages in flight at once
    client = make_client(sandbox)
    params = {"include": "consignments.line_items", "consignment_structure": "object"}

    orders = list(client.paginate("v2/orders", params))

    assert len(orders) == 1000 and len(set(_ids(orders))) == 1000
    assert all(order["consignments"]["shipping"][0]["line_items"] for order in orders)
    # page 1, the count, three slices of ids, and the request past the last full page that proves the end,
    # asked twice since an empty answer can lie; 1,001 orders would end on a short page and cost 6
    assert sandbox.stats.requests <= 7


def test_v2_count_gets_the_lists_filters_so_no_page_is_wasted(make_sandbox, make_client):
    sandbox = make_sandbox(orders=600)
    client = make_client(sandbox)

    ids = _ids(list(client.paginate("v2/orders", {"min_id": 150, "max_id": 449, "limit": 100})))

    assert ids == list(range(150, 450))
    assert sandbox.stats.requests_by_path == {"v2/orders/count": 1, "v2/orders": 3}


def test_v2_orders_window_that_fits_one_page_costs_the_page_and_its_verifying_count(make_sandbox, make_client):
    sandbox = make_sandbox(orders=50)
    client = make_client(sandbox)

    walk = client.walk("v2/orders", {"min_id": 120, "max_id": 139})
    assert _ids([order for page in walk for order in page.records]) == list(range(120, 140))
    assert (walk.outcome.expected, walk.outcome.verified) == (20, True)
    assert list(client.paginate("v2/orders", {"min_id": 10_000})) == []  # a 204, and a count of 0 to trust it
    assert sandbox.stats.requests_by_path == {"v2/orders": 2, "v2/orders/count": 2}


def test_v2_paging_without_a_count_companion_stops_on_204_with_little_read_ahead(make_sandbox, make_client):
    sandbox = make_sandbox(orders=40, latency_ms=10)
    client = make_client(sandbox)
    order_ids = _ids(client.request("GET", "v2/orders"))
    path, expected = next(
        (path, lines)
        for path in (f"v2/orders/{order_id}/products" for order_id in order_ids)
        if len(lines := _ids(client.request("GET", path))) == 4
    )
    sandbox.reset_stats()

    pages = list(client.pages(path, {"limit": 1}))
    client.close()

    assert [_ids(page.records) for page in pages] == [[line_id] for line_id in expected]
    assert sandbox.stats.responses_by_status.get(204, 0) >= 1
    assert sandbox.stats.requests <= 4 + V2_READ_AHEAD
    assert "v2/orders/count" not in sandbox.stats.requests_by_path


def test_v2_paging_without_a_count_companion_asks_once_past_a_short_first_page(make_sandbox, make_client):
    sandbox = make_sandbox(orders=5)
    client = make_client(sandbox)
    sandbox.reset_stats()

    addresses = list(client.paginate("v2/orders/101/shipping_addresses"))

    # The store may serve fewer than asked (docs/open-questions.md "Page size"): without a count, only the next
    # page (here a 204) tells a short first page from the end.
    assert [address["order_id"] for address in addresses] == [101]
    assert sandbox.stats.requests == 2 and sandbox.stats.responses_by_status == {200: 1, 204: 1}


def test_v2_paging_stops_on_a_short_page(make_sandbox, make_client):
    sandbox = make_sandbox(orders=300)
    client = make_client(sandbox)

    pages = list(client.pages("v2/orders", {"limit": 100}))
    ids = _ids([order for page in pages for order in page.records])

    assert [len(page.records) for page in pages] == [100, 100, 100]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 300


def test_v2_paging_never_asks_for_more_than_250_so_413_is_never_triggered(make_sandbox, make_client):
    sandbox = make_sandbox(orders=600)
    client = make_client(sandbox)

    pages = list(client.pages("v2/orders", {"limit": 1000}))

    assert sum(len(page.records) for page in pages) == 600
    assert max(len(page.records) for page in pages) == MAX_PAGE_SIZE
    assert 413 not in sandbox.stats.responses_by_status


def test_v2_paging_honours_a_smaller_limit(make_sandbox, make_client):
    sandbox = make_sandbox(orders=130)
    client = make_client(sandbox)

    sizes = [len(page.records) for page in client.pages("v2/orders", {"limit": 40})]

    assert sizes == [40, 40, 40, 10]


class _InFlightSession(requests.Session):
    """A real session that remembers how many of its requests were on the wire at once."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0

    def send(self, request, **kwargs):
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return super().send(request, **kwargs)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.mark.parametrize("path", ["v3/catalog/products", "v3/catalog/variants"])
def test_v3_paging_reads_ahead_in_parallel_and_yields_each_record_once_in_order(make_sandbox, make_client, path):
    # 100 ms per answer: while one page travels, the requests for later pages (or id slices) are already out.
    sandbox = make_sandbox(products=120, latency_ms=100)
    session = _InFlightSession()
    client = make_client(sandbox, session=session)
    expected = _ids(client.request("GET", path, {"limit": 250})["data"])

    pages = list(client.pages(path, {"limit": 10}))
    ids = _ids([record for page in pages for record in page.records])

    assert ids == expected and len(set(ids)) == len(expected)
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    assert session.most_in_flight > 1, "later pages were requested ahead of time"


def test_v3_cursor_paging_on_customers_returns_each_customer_once(make_sandbox, make_client):
    sandbox = make_sandbox(customers=600)
    client = make_client(sandbox)

    pages = list(client.pages("v3/customers", {"limit": 50}))
    ids = _ids([customer for page in pages for customer in page.records])

    assert len(ids) == 600 and len(set(ids)) == 600
    assert [page.number for page in pages] == list(range(1, 13))
    # Cursor paging is sequential: exactly one request per page, none past the end.
    assert sandbox.stats.requests_by_path["v3/customers"] == 12


def test_v3_cursor_paging_resumes_after_the_callers_cursor(make_sandbox, make_client):
    sandbox = make_sandbox(customers=260)
    client = make_client(sandbox)
    first = client.request("GET", "v3/customers", {"limit": 100})
    cursor = first["meta"]["cursor_pagination"]["end_cursor"]

    rest = _ids(list(client.paginate("v3/customers", {"limit": 100, "after": cursor})))

    assert len(rest) == 160 and not set(rest) & set(_ids(first["data"]))


def test_v3_list_answered_with_204_yields_nothing(make_sandbox, make_client):
    sandbox = make_sandbox(orders=20)
    client = make_client(sandbox)
    paths = [f"v3/orders/{order['id']}/transactions" for order in client.request("GET", "v2/orders")]
    without = next(path for path in paths if client.request("GET", path) is None)  # request() gives None for 204
    sandbox.reset_stats()

    assert list(client.paginate(without)) == []
    assert sandbox.stats.requests == 1


def test_stopping_early_cancels_read_ahead(make_sandbox, make_client):
    sandbox = make_sandbox(products=200, latency_ms=50)
    client = make_client(sandbox, max_concurrency=4)

    first_ten = []
    for product in client.paginate("v3/catalog/products", {"limit": 10}):
        first_ten.append(product)
        if len(first_ten) == 10:
            break
    client.close()

    assert len(first_ten) == 10
    assert sandbox.stats.requests <= 1 + 4  # the first page and at most one read-ahead window


def test_stats_count_pages_records_and_the_quota_seen(make_sandbox, make_client):
    sandbox = make_sandbox(orders=260, quota=150, window_ms=30000)
    client = make_client(sandbox)

    records = list(client.paginate("v2/orders"))
    client.close()  # waits for a read-ahead request past the end that may still be on the wire
    stats = client.stats

    assert stats.records == len(records) == 260
    assert stats.pages == 2
    assert stats.requests == sandbox.stats.requests
    assert (stats.quota, stats.window_ms) == (150, 30000)
    assert stats.requests_left is not None and stats.requests_left < 150
