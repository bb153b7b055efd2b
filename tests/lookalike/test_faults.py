"""Seeded faults: 5xx with a body, 429 without headers, dropped connections, added latency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from bigcommerce_lookalike.server import _TRICKLE_WRITES_PER_S


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
    assert elapsed < 0.2 * 8  # eight requests of 200 ms overlapped: less than one after another


# -- scripted spoils: the next N answers lie -----------------------------------------------------------------------


def test_spoiled_rate_headers_replace_the_real_ones_for_the_next_answers_only(client):
    lies = {"X-Rate-Limit-Requests-Quota": "NaN", "X-Rate-Limit-Time-Reset-Ms": "86400000"}
    client.sb.spoil(answers=2, rate_headers=lies)

    spoiled = [client.get("v2/time") for _ in range(2)]
    honest = client.get("v2/time")

    for response in spoiled:
        assert response.status_code == 200
        assert {name: response.headers.get(name) for name in lies} == lies
        assert "X-Rate-Limit-Requests-Left" not in response.headers
    assert honest.headers["X-Rate-Limit-Requests-Quota"] == str(client.sb.config.quota)


def test_spoiled_status_answers_a_429_storm_with_the_given_headers(client):
    client.sb.spoil(answers=3, status=429, rate_headers={"X-Rate-Limit-Time-Reset-Ms": "200"})

    responses = [client.get("v2/orders") for _ in range(4)]

    assert [response.status_code for response in responses] == [429, 429, 429, 200]
    assert responses[0].headers["X-Rate-Limit-Time-Reset-Ms"] == "200"
    assert responses[0].json()[0]["status"] == 429


@pytest.mark.parametrize(("path", "dialect"), [("v2/orders", list), ("v3/catalog/products", dict)])
def test_error_in_200_answers_200_with_the_error_body_of_the_paths_dialect(client, path, dialect):
    client.sb.spoil(answers=1, error_in_200=503)

    response = client.get(path)

    assert response.status_code == 200
    body = response.json()
    error = body[0] if dialect is list else body
    assert isinstance(body, dialect) and error["status"] == 503
    assert client.get(path).status_code == 200 and "id" in str(client.get(path).json())


def test_error_in_200_rate_is_a_seeded_fault(client):
    client.sb.set_faults(error_in_200_rate=1.0)

    response = client.get("v3/catalog/brands")

    assert response.status_code == 200 and response.json()["status"] == 503 and "data" not in response.json()


def test_a_trickled_body_arrives_whole_at_the_given_pace(client):
    client.sb.spoil(answers=1, trickle_bytes_per_s=100)
    started = time.perf_counter()

    response = client.get("v2/time")

    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and "time" in response.json()
    # The first chunk leaves at once; each later one waits its share of the pace.
    first_chunk = max(1, int(100 / _TRICKLE_WRITES_PER_S))
    assert elapsed >= (len(response.content) - first_chunk) / 100


def test_an_endless_body_keeps_coming_without_a_length(client):
    client.sb.spoil(answers=1, trickle_bytes_per_s=400, endless=True)
    url = f"{client.sb.base_url}/stores/{client.sb.store_id}/v2/time"

    with requests.get(url, headers={"X-Auth-Token": client.token}, stream=True, timeout=5) as response:
        assert "Content-Length" not in response.headers
        received = 0
        for chunk in response.iter_content(20):
            received += len(chunk)
            if received > 200:  # far past the JSON document, and still coming
                break

    assert received > 200


def test_spoils_can_be_scripted_over_admin_http(client):
    admin = f"{client.sb.base_url}/_sandbox/spoil"

    accepted = requests.post(admin, json={"answers": 1, "status": 503}, timeout=5)
    rejected = requests.post(admin, json={"answers": 1, "colour": "red"}, timeout=5)

    assert accepted.status_code == 200 and accepted.json()["status"] == 503
    assert rejected.status_code == 400
    assert client.get("v2/time").status_code == 503
    assert client.get("v2/time").status_code == 200
