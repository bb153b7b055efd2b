"""Paging of all three kinds against the lookalike: every record exactly once, pages in order, the right stop."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.paging import MAX_PAGE_SIZE


def _ids(records: list[dict]) -> list[int]:
    return [record["id"] for record in records]


def test_v2_paging_returns_every_order_once_and_stops_on_204(make_sandbox, make_client):
    sandbox = make_sandbox(orders=500)  # two full pages: the third answer is a 204
    client = make_client(sandbox)

    pages = list(client.pages("v2/orders"))
    ids = _ids([order for page in pages for order in page.records])

    assert [len(page.records) for page in pages] == [250, 250]
    assert [page.number for page in pages] == [1, 2]
    assert len(ids) == 500 and len(set(ids)) == 500
    assert sandbox.stats.responses_by_status.get(204, 0) >= 1


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


def test_v3_offset_paging_reads_ahead_in_parallel_and_yields_each_product_once_in_order(make_sandbox, make_client):
    # 100 ms per answer: while page 2 travels, the read-ahead requests for later pages are already out.
    sandbox = make_sandbox(products=120, latency_ms=100)
    client = make_client(sandbox)
    expected = _ids(client.request("GET", "v3/catalog/products", {"limit": 250})["data"])

    pages = list(client.pages("v3/catalog/products", {"limit": 10}))
    ids = _ids([product for page in pages for product in page.records])

    assert ids == expected and len(set(ids)) == 120
    assert [page.number for page in pages] == list(range(1, 13))
    assert {page.total_pages for page in pages} == {12}
    assert any(page.requests > page.number for page in pages), "later pages were requested ahead of time"


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
