"""Pacing inside the store's quota and waiting out 429s, against the lookalike with time-scaled windows."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.http.client import BigCommerceClient


def _distinct_ids(client: BigCommerceClient, path: str, params: dict | None = None) -> tuple[int, int]:
    ids = [record["id"] for record in client.paginate(path, params)]
    return len(ids), len(set(ids))


def test_sweep_of_5000_orders_returns_each_once_with_no_429(make_sandbox, make_client):
    """The issue's acceptance test, with a window scaled down so the sweep spans several of them."""
    sandbox = make_sandbox(orders=5000, quota=10, window_ms=1000)
    client = make_client(sandbox)

    assert _distinct_ids(client, "v2/orders") == (5000, 5000)
    assert sandbox.stats.responses_429 == 0
    assert sandbox.stats.requests > 2 * 10  # more than two windows' worth: pacing was needed


def test_sweep_needing_more_requests_than_one_window_allows_gets_no_429(make_sandbox, make_client):
    sandbox = make_sandbox(orders=1500, quota=20, window_ms=1000, latency_ms=5)
    client = make_client(sandbox)

    assert _distinct_ids(client, "v2/orders", {"limit": 25}) == (1500, 1500)
    assert sandbox.stats.requests >= 60
    assert sandbox.stats.responses_429 == 0


def test_v3_parallel_paging_stays_inside_the_quota(make_sandbox, make_client):
    sandbox = make_sandbox(products=300, quota=12, window_ms=1000, latency_ms=20)
    client = make_client(sandbox)

    assert _distinct_ids(client, "v3/catalog/products", {"limit": 10}) == (300, 300)
    assert sandbox.stats.responses_429 == 0


def test_quota_spent_by_another_app_is_respected(make_sandbox, make_client):
    sandbox = make_sandbox(orders=300, quota=20, window_ms=1000)
    sandbox.consume_quota(17)  # another app on the store leaves us 3 requests in this window
    client = make_client(sandbox)

    assert _distinct_ids(client, "v2/orders", {"limit": 25}) == (300, 300)
    assert sandbox.stats.responses_429 == 0


def test_429_with_headers_waits_for_the_reset_then_succeeds(make_sandbox, make_client):
    sandbox = make_sandbox(quota=5, window_ms=800)
    sandbox.consume_quota(5)
    client = make_client(sandbox)

    answer = client.request("GET", "v2/time")

    assert "time" in answer
    assert sandbox.stats.rate_limited == 1
    assert (client.stats.responses_429, client.stats.bare_429s) == (1, 0)
    assert client.stats.limiter_wait_s > 0


def test_429_with_headers_holds_back_every_paging_thread(make_sandbox, make_client):
    sandbox = make_sandbox(products=100, quota=30, window_ms=800)
    client = make_client(sandbox, max_concurrency=4)
    pages = client.pages("v3/catalog/products", {"limit": 10})
    first = next(pages)
    sandbox.consume_quota(30)  # another app empties the window just as the read-ahead starts

    ids = [product["id"] for page in [first, *pages] for product in page.records]

    assert len(ids) == len(set(ids)) == 100
    # Only requests already on the wire meet the 429; after it, nobody sends until the reset.
    assert 1 <= sandbox.stats.rate_limited <= 4


def test_bare_429_backs_off_and_succeeds(make_sandbox, make_client):
    sandbox = make_sandbox(orders=300, bare_429_rate=0.4)
    client = make_client(sandbox)

    assert _distinct_ids(client, "v2/orders", {"limit": 25}) == (300, 300)
    assert sandbox.stats.bare_429 > 0
    assert client.stats.bare_429s == sandbox.stats.bare_429
    assert client.stats.limiter_wait_s > 0


def test_a_store_announcing_a_1_ms_window_is_paced_over_a_whole_second_and_draws_no_429(make_sandbox, make_client):
    """The store counts its quota over 1 s but says its window is 1 ms: read as 1 ms, the limiter would assume a
    fresh quota every few milliseconds and send far past it; held at ``MIN_WINDOW_S`` it stays inside."""
    sandbox = make_sandbox(orders=300, quota=5, window_ms=1000, announced_window_ms=1)
    client = make_client(sandbox)

    assert _distinct_ids(client, "v2/orders", {"limit": 25}) == (300, 300)
    assert sandbox.stats.requests > 2 * 5  # more than two windows' worth: pacing was needed
    assert sandbox.stats.rate_limited == 0
