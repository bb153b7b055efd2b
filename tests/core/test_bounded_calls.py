"""Every call returns or raises within ``RetryPolicy.longest_call_s``: against bodies that never end, rate headers
that lie, 429 storms and errors dressed as a 200, served by the lookalike's spoil knob."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceRateLimitError,
    BigCommerceTransportError,
)
from airflow_provider_bigcommerce.core.http import wire
from airflow_provider_bigcommerce.core.http.retry import RetryPolicy

QUICK = RetryPolicy(max_attempts=2, max_429_waits=4, backoff_base_s=0.01, backoff_cap_s=0.05, bare_429_base_s=0.01)


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """Run ``call`` on a thread; fail the test if it neither returns nor raises within ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call was still running after {seconds} s"
    outcome["elapsed"] = time.monotonic() - started
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _rate_headers(quota="150", left="0", window_ms="30000", reset_ms="200", retry_after="1") -> dict[str, str]:
    return {
        "X-Rate-Limit-Requests-Quota": quota,
        "X-Rate-Limit-Requests-Left": left,
        "X-Rate-Limit-Time-Window-Ms": window_ms,
        "X-Rate-Limit-Time-Reset-Ms": reset_ms,
        "X-Retry-After": retry_after,
    }


# -- bodies that never end ----------------------------------------------------------------------------------------


def test_an_endless_body_is_abandoned_at_its_deadline_and_the_call_raises_within_its_bound(make_sandbox, make_client):
    sandbox = make_sandbox()
    sandbox.spoil(answers=100, trickle_bytes_per_s=200, endless=True)
    client = make_client(sandbox, timeout=1, retry=QUICK)

    with pytest.raises(BigCommerceTransportError) as caught:
        _within(QUICK.longest_call_s(1), lambda: client.request("GET", "v2/time"))

    assert (caught.value.cause, caught.value.attempts, caught.value.path) == ("AnswerTooSlow", 2, "v2/time")
    assert sandbox.stats.requests == 2


def test_a_trickling_answer_is_retried_and_the_next_whole_answer_is_used(make_sandbox, make_client):
    sandbox = make_sandbox(orders=30)
    sandbox.spoil(answers=1, trickle_bytes_per_s=100, endless=True)
    client = make_client(sandbox, timeout=1, retry=QUICK)

    orders = _within(10, lambda: client.request("GET", "v2/orders", {"limit": 5}))

    assert [order["id"] for order in orders] == [100, 101, 102, 103, 104]
    assert (sandbox.stats.requests, client.stats.retries) == (2, 1)


def test_a_slow_but_finite_body_within_the_deadline_is_read_whole(make_sandbox, make_client):
    sandbox = make_sandbox()
    sandbox.spoil(answers=1, trickle_bytes_per_s=40)  # about half a second for v2/time
    client = make_client(sandbox, timeout=1, retry=QUICK)

    assert "time" in _within(5, lambda: client.request("GET", "v2/time"))
    assert sandbox.stats.requests == 1


def test_an_answer_above_the_size_cap_is_a_transport_error_not_retried(make_sandbox, make_client, monkeypatch):
    monkeypatch.setattr(wire, "MAX_ANSWER_BYTES", 1000)
    sandbox = make_sandbox(orders=30)
    client = make_client(sandbox, retry=QUICK)

    with pytest.raises(BigCommerceTransportError) as caught:
        client.request("GET", "v2/orders", {"limit": 30})

    assert (caught.value.cause, caught.value.attempts) == ("AnswerTooLarge", 1)
    assert sandbox.stats.requests == 1


# -- rate headers that lie ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "poison",
    [
        {"X-Rate-Limit-Requests-Quota": "NaN", "X-Rate-Limit-Requests-Left": "NaN", "X-Rate-Limit-Time-Reset-Ms": "x"},
        _rate_headers(quota="0", left="0", reset_ms="1000", window_ms="1000"),
        _rate_headers(quota="inf", left="-3", reset_ms="-1", window_ms="soon", retry_after="later"),
    ],
    ids=["nan", "quota-0", "inf-negative-text"],
)
def test_one_answer_with_garbage_rate_headers_never_stops_later_calls(make_sandbox, make_client, poison):
    sandbox = make_sandbox(quota=50, window_ms=1000)
    sandbox.spoil(answers=1, rate_headers=poison)
    client = make_client(sandbox, retry=QUICK)

    first = _within(5, lambda: client.request("GET", "v2/time"))
    later = _within(5, lambda: [client.request("GET", "v2/time") for _ in range(3)])

    assert "time" in first and all("time" in answer for answer in later)
    assert sandbox.stats.requests == 4


@pytest.mark.parametrize(
    "lie",
    [
        _rate_headers(left="0", reset_ms="86400000", window_ms="1000"),  # a 24 h reset
        {"X-Retry-After": "999999", "X-Rate-Limit-Time-Window-Ms": "1000"},  # 11 days, in seconds
    ],
    ids=["reset-24h", "retry-after-999999"],
)
def test_a_429_announcing_a_huge_wait_waits_at_most_the_window(make_sandbox, make_client, lie):
    sandbox = make_sandbox(quota=50, window_ms=1000)
    sandbox.spoil(answers=1, status=429, rate_headers=lie)
    client = make_client(sandbox, retry=QUICK)

    answer = _within(5, lambda: client.request("GET", "v2/time"))

    assert "time" in answer
    assert client.stats.responses_429 == 1 and client.stats.limiter_wait_s < 2


def test_left_0_with_a_huge_reset_on_a_200_holds_the_store_at_most_one_window(make_sandbox, make_client):
    sandbox = make_sandbox(quota=50, window_ms=1000)
    sandbox.spoil(answers=1, rate_headers=_rate_headers(quota="50", reset_ms="86400000", window_ms="1000"))
    client = make_client(sandbox, retry=QUICK)

    _within(5, lambda: [client.request("GET", "v2/time") for _ in range(2)])

    assert 0.9 < client.stats.limiter_wait_s < 2


def test_a_429_storm_with_short_resets_keeps_pacing_and_gives_up_after_its_waits(make_sandbox, make_client):
    """Every answer a 429 saying "reset in 200 ms" of a 30 s window: the walk keeps sending, then raises."""
    sandbox = make_sandbox(orders=600)
    sandbox.spoil(answers=10_000, status=429, rate_headers=_rate_headers())
    client = make_client(sandbox, retry=QUICK)

    with pytest.raises(BigCommerceRateLimitError) as caught:
        _within(15, lambda: list(client.paginate("v2/orders")))

    assert caught.value.status == 429
    assert sandbox.stats.rate_limited == QUICK.max_429_waits + 1  # one call: its tries, then no more
    assert client.stats.responses_429 == sandbox.stats.requests


# -- errors dressed as a 200 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["v3/catalog/products", "v2/orders"])
def test_a_200_carrying_a_503_error_is_retried_like_a_503(make_sandbox, make_client, path):
    sandbox = make_sandbox(orders=5, products=5)
    sandbox.spoil(answers=1, error_in_200=503)
    client = make_client(sandbox, retry=QUICK)

    answer = client.request("GET", path)

    records = answer["data"] if path.startswith("v3/") else answer
    assert len(records) == 5 and all("id" in record for record in records)
    assert (sandbox.stats.requests, client.stats.retries) == (2, 1)


def test_a_200_carrying_a_v2_error_array_is_never_read_as_records(make_sandbox, make_client):
    sandbox = make_sandbox(orders=300)
    sandbox.set_faults(error_in_200_rate=1.0)
    client = make_client(sandbox, retry=QUICK)

    with pytest.raises(BigCommerceApiError) as caught:
        list(client.paginate("v2/orders"))

    assert (caught.value.status, caught.value.path) == (503, "v2/orders")
    assert sandbox.stats.requests == QUICK.max_attempts


def test_a_200_carrying_a_404_error_raises_at_once(make_sandbox, make_client):
    sandbox = make_sandbox(products=5)
    sandbox.spoil(answers=1, error_in_200=404)
    client = make_client(sandbox, retry=QUICK)

    with pytest.raises(BigCommerceApiError) as caught:
        client.request("GET", "v3/catalog/products")

    assert caught.value.status == 404 and caught.value.api_message == "The lookalike was told to spoil this answer."
    assert sandbox.stats.requests == 1
