"""Seeded faults: 5xx with a body, 429 without headers, dropped connections, added latency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests


def test_5xx_fault_answers_500_or_503_with_a_body(make_sandbox, store_client):
    client = store_client(make_sandbox(error_5xx_rate=1.0))

    responses = [client.get("v3/catalog/brands") for _ in range(20)]

    assert {response.status_code for response in responses} == {500, 503}
    assert all(response.json()["status"] == response.status_code for response in responses)
    assert client.sb.stats.responses_5xx == 20


def test_bare_429_has_no_rate_headers_and_an_empty_body(make_sandbox, store_client):
    client = store_client(make_sandbox(bare_429_rate=1.0))

    response = client.get("v2/orders")

    assert response.status_code == 429 and response.content == b""
    assert not [name for name in response.headers if name.lower().startswith("x-rate-limit") or name == "X-Retry-After"]
    stats = client.sb.stats
    assert stats.bare_429 == 1 and stats.responses_429 == 1 and stats.rate_limited == 0


def test_dropped_connection_closes_without_a_response(make_sandbox, store_client):
    client = store_client(make_sandbox(drop_rate=1.0))

    with pytest.raises(requests.ConnectionError):
        client.get("v2/time")
    assert client.sb.stats.dropped == 1


def test_faults_can_be_switched_at_run_time(client):
    client.sb.set_faults(error_5xx_rate=1.0)
    assert client.get("v2/time").status_code in (500, 503)

    client.sb.set_faults(error_5xx_rate=0.0)
    assert client.get("v2/time").status_code == 200


def test_fault_rates_are_validated(client):
    with pytest.raises(ValueError, match="add up to more than 1"):
        client.sb.set_faults(error_5xx_rate=0.6, drop_rate=0.6)


def test_fault_sequence_is_the_same_for_the_same_seed(make_sandbox, store_client):
    def statuses(seed: int) -> list[int]:
        client = store_client(make_sandbox(seed=seed, error_5xx_rate=0.3, bare_429_rate=0.2))
        return [client.get("v2/time").status_code for _ in range(30)]

    first = statuses(11)

    assert first == statuses(11) and {200, 429} <= set(first) and {500, 503} & set(first)


def test_latency_applies_per_request_and_concurrent_requests_overlap(make_sandbox, store_client):
    sb = make_sandbox(latency_ms=200)
    clients = [store_client(sb) for _ in range(8)]

    single_started = time.perf_counter()
    clients[0].get("v2/time")
    single = time.perf_counter() - single_started
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda client: client.get("v2/time").status_code, clients))
    elapsed = time.perf_counter() - started

    assert single >= 0.2 and statuses == [200] * 8
    assert elapsed < 0.2 * 3  # eight requests of 200 ms, overlapped
