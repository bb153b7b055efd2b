"""X-Auth-Token, scopes, and the store's quota and headers (docs/bigcommerce.md "Authentication", "Rate limits")."""

from __future__ import annotations

import time

RATE_HEADERS = (
    "X-Rate-Limit-Time-Window-Ms",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Requests-Left",
)
SCOPE_BODY = {
    "status": 403,
    "title": "You don't have a required scope to access the endpoint",
    "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    "errors": {},
}


def test_missing_token_is_401_with_v2_body_on_v2(client):
    response = client.get("v2/orders", token="")

    assert response.status_code == 401
    assert response.json()[0]["status"] == 401 and response.json()[0]["message"]


def test_invalid_token_is_401_with_v3_body_on_v3(client):
    response = client.get("v3/catalog/products", token="not-a-token")

    body = response.json()
    assert response.status_code == 401 and body["status"] == 401 and body["title"] and "errors" in body


def test_missing_scope_is_403_with_the_documented_body(client):
    token = client.sb.add_api_account(scopes=["store_v2_products_read_only"])

    assert client.get("v3/catalog/products", token=token).status_code == 200
    for path in ("v2/orders", "v3/customers", "v2/store"):
        response = client.get(path, token=token)
        assert response.status_code == 403 and response.json() == SCOPE_BODY, path


def test_full_scope_implies_its_read_only_counterpart(client):
    token = client.sb.add_api_account(scopes=["store_v2_orders"])

    assert client.get("v2/orders", token=token).status_code == 200


def test_v2_time_needs_only_a_valid_token(client):
    token = client.sb.add_api_account(scopes=[])

    response = client.get("v2/time", token=token)
    assert response.status_code == 200 and abs(response.json()["time"] - time.time()) < 5


def test_unknown_path_is_404_in_the_dialect_of_its_version(client):
    v2 = client.get("v2/nothing-here")
    v3 = client.get("v3/nothing/here")

    assert v2.status_code == 404 and v2.json()[0]["status"] == 404
    assert v3.status_code == 404 and v3.json()["status"] == 404


def test_unknown_order_is_404(client):
    assert client.get("v2/orders/99/products").status_code == 404
    assert client.get("v3/orders/5000/transactions").status_code == 404


def test_every_api_response_carries_the_rate_headers(client):
    responses = [
        client.get("v2/time"),
        client.get("v2/orders", page=99),  # 204
        client.get("v2/orders", token="bad"),  # 401
        client.get("v2/orders", token=client.sb.add_api_account(scopes=[])),  # 403
        client.get("v3/nothing"),  # 404
        client.get("v2/orders", limit=999),  # 413
    ]

    assert [response.status_code for response in responses] == [200, 204, 401, 403, 404, 413]
    for response in responses:
        assert all(name in response.headers for name in RATE_HEADERS), response.status_code
    lefts = [int(response.headers["X-Rate-Limit-Requests-Left"]) for response in responses]
    assert lefts == list(range(149, 143, -1))  # each of them spent quota
    assert responses[0].headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert responses[0].headers["X-Rate-Limit-Requests-Quota"] == "150"


def test_quota_exhausted_gives_429_with_headers_until_the_window_resets(make_sandbox, store_client):
    client = store_client(make_sandbox(quota=5, window_ms=1000))

    statuses = [client.get("v2/time").status_code for _ in range(7)]
    refused = client.get("v2/time")

    assert statuses == [200] * 5 + [429] * 2
    assert refused.headers["X-Rate-Limit-Requests-Left"] == "0"
    reset_ms = int(refused.headers["X-Rate-Limit-Time-Reset-Ms"])
    assert 0 < reset_ms <= 1000 and refused.headers["X-Retry-After"] == "1"
    assert refused.json()[0]["status"] == 429
    time.sleep(reset_ms / 1000 + 0.02)
    again = client.get("v2/time")
    assert again.status_code == 200 and again.headers["X-Rate-Limit-Requests-Left"] == "4"
    stats = client.sb.stats
    assert stats.responses_429 == 3 and stats.rate_limited == 3 and stats.bare_429 == 0


def test_reset_header_counts_down_within_a_window(make_sandbox, store_client):
    client = store_client(make_sandbox(quota=100, window_ms=2000))

    first = int(client.get("v2/time").headers["X-Rate-Limit-Time-Reset-Ms"])
    time.sleep(0.3)
    second = int(client.get("v2/time").headers["X-Rate-Limit-Time-Reset-Ms"])

    assert first > 1900 and 1500 < second <= first - 250


def test_another_app_eating_the_quota_shows_in_requests_left(make_sandbox, store_client):
    client = store_client(make_sandbox(quota=10, window_ms=5000))

    client.sb.consume_quota(8)
    left = [client.get("v2/time").headers["X-Rate-Limit-Requests-Left"] for _ in range(2)]

    assert left == ["1", "0"] and client.get("v2/time").status_code == 429


def test_stats_count_requests_by_resource(client):
    client.get("v2/orders")
    client.get("v2/orders/100/products")
    client.get("v2/orders/101/products")
    client.get("v3/customers")

    assert client.sb.stats.requests_by_path == {"v2/orders": 1, "v2/orders/{order_id}/products": 2, "v3/customers": 1}
    assert client.sb.stats["requests"] == 4
    client.sb.reset_stats()
    assert client.sb.stats.requests == 0


def test_request_log_keeps_each_requests_path_and_parameter_names_in_order(client):
    client.get("v2/orders", limit=5, min_id=100)
    client.get("v3/orders/101/transactions")
    client.get("v3/catalog/products", **{"date_modified:min": "2025-01-01T00:00:00+00:00"})

    assert [tuple(request) for request in client.sb.stats.request_log()] == [
        ("GET", "v2/orders", ("limit", "min_id")),
        ("GET", "v3/orders/101/transactions", ()),
        ("GET", "v3/catalog/products", ("date_modified:min",)),
    ]
    client.sb.reset_stats()
    assert client.sb.stats.request_log() == []
