"""Retries, error bodies and authentication failures against the lookalike; no secret in any message or log."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceRateLimitError,
    BigCommerceTransportError,
)
from airflow_provider_bigcommerce.core.http.retry import RetryPolicy
from airflow_provider_bigcommerce.messages.problems import api_problem

# Enough attempts that a seeded run of faults on one request cannot exhaust them (0.2 ** 8 per request).
PATIENT = RetryPolicy(max_attempts=8, backoff_base_s=0.01, backoff_cap_s=0.05, bare_429_base_s=0.02, bare_429_cap_s=0.2)
THREE_ATTEMPTS = RetryPolicy(
    max_attempts=3, max_429_waits=2, backoff_base_s=0.01, backoff_cap_s=0.05, bare_429_base_s=0.01
)


class RenewingTokenSource:
    """Hands out ``first``; when it is rejected, offers ``renewed`` once and remembers what was rejected."""

    def __init__(self, first: str, renewed: str | None) -> None:
        self._current = first
        self._renewed = renewed
        self.rejected: list[str] = []

    def access_token(self) -> str:
        return self._current

    def token_rejected(self, token: str) -> str | None:
        self.rejected.append(token)
        if self._renewed is not None:
            self._current = self._renewed
        return self._renewed


def _order_ids(client) -> list[int]:
    return [order["id"] for order in client.paginate("v2/orders", {"limit": 25})]


def test_5xx_answers_are_retried_then_paging_succeeds(make_sandbox, make_client):
    sandbox = make_sandbox(orders=300, error_5xx_rate=0.2)
    client = make_client(sandbox, retry=PATIENT)

    ids = _order_ids(client)

    assert len(ids) == len(set(ids)) == 300
    assert sandbox.stats.responses_5xx > 0
    assert client.stats.retries == sandbox.stats.responses_5xx


def test_dropped_connections_are_retried_then_paging_succeeds(make_sandbox, make_client):
    sandbox = make_sandbox(orders=300, drop_rate=0.2)
    client = make_client(sandbox, retry=PATIENT)

    ids = _order_ids(client)

    assert len(ids) == len(set(ids)) == 300
    assert sandbox.stats.dropped > 0


def test_exhausted_5xx_retries_raise_an_api_error_that_says_so(make_sandbox, make_client):
    sandbox = make_sandbox(error_5xx_rate=1.0)
    client = make_client(sandbox, retry=THREE_ATTEMPTS)

    with pytest.raises(BigCommerceApiError) as caught:
        client.request("GET", "v2/time")

    assert caught.value.status in (500, 503)
    assert (caught.value.code, caught.value.facts["attempts"]) == ("retries_exhausted", 3)
    assert (caught.value.method, caught.value.path) == ("GET", "v2/time")
    assert sandbox.stats.responses_5xx == 3


def test_exhausted_429_waits_raise_a_rate_limit_error(make_sandbox, make_client):
    sandbox = make_sandbox(bare_429_rate=1.0)
    client = make_client(sandbox, retry=THREE_ATTEMPTS)

    with pytest.raises(BigCommerceRateLimitError) as caught:
        client.request("GET", "v2/time")

    assert caught.value.status == 429
    assert (caught.value.code, caught.value.facts["waits"]) == ("rate_limited", 2)
    assert sandbox.stats.bare_429 == 3


def test_exhausted_connection_retries_raise_a_transport_error(make_sandbox, make_client):
    sandbox = make_sandbox(drop_rate=1.0)
    client = make_client(sandbox, retry=THREE_ATTEMPTS)

    with pytest.raises(BigCommerceTransportError) as caught:
        client.request("GET", "v2/time")
    assert (caught.value.code, caught.value.attempts) == ("attempts_exhausted", 3)
    assert sandbox.stats.dropped == 3


def test_every_call_has_the_connections_timeout(make_sandbox, make_client):
    sandbox = make_sandbox(latency_ms=1500)
    client = make_client(sandbox, timeout=1, retry=RetryPolicy(max_attempts=1))

    with pytest.raises(BigCommerceTransportError) as caught:
        client.request("GET", "v2/time")

    assert (caught.value.cause, caught.value.attempts, caught.value.path) == ("ReadTimeout", 1, "v2/time")
    assert "Timeout (1 s)" in api_problem(caught.value, client.properties)


def test_401_raises_an_auth_error_without_the_token(make_sandbox, make_client, caplog, assert_no_secret):
    sandbox = make_sandbox()
    wrong = "x" * 31
    client = make_client(sandbox, token=wrong)

    with (
        caplog.at_level(logging.DEBUG, logger="airflow_provider_bigcommerce"),
        pytest.raises(BigCommerceAuthError) as e,
    ):
        client.request("GET", "v2/orders")

    assert (e.value.status, e.value.code) == (401, "token_rejected")
    assert e.value.facts["auth_scheme"] == "PersonalAccessToken"
    words = api_problem(e.value, None)
    assert "missing, wrong or revoked" in words and "store-level API account" in words
    assert_no_secret(str(e.value) + repr(e.value.args) + words, wrong)
    assert_no_secret(caplog.text, wrong, sandbox.access_token)


def test_token_rejected_is_consulted_once_and_its_new_token_used(make_sandbox, make_client):
    sandbox = make_sandbox()
    source = RenewingTokenSource("y" * 31, renewed=sandbox.access_token)
    client = make_client(sandbox, token_source=source)

    assert "time" in client.request("GET", "v2/time")
    assert source.rejected == ["y" * 31]


def test_token_rejected_is_consulted_once_even_if_the_new_token_fails_too(make_sandbox, make_client, assert_no_secret):
    sandbox = make_sandbox()
    source = RenewingTokenSource("y" * 31, renewed="z" * 31)
    client = make_client(sandbox, token_source=source)

    with pytest.raises(BigCommerceAuthError) as caught:
        client.request("GET", "v2/time")

    assert source.rejected == ["y" * 31]
    assert_no_secret(str(caught.value), "z" * 31)


def test_403_names_the_missing_scope(make_sandbox, make_client, assert_no_secret):
    sandbox = make_sandbox()
    token = sandbox.add_api_account(scopes=["store_v2_information_read_only"])
    client = make_client(sandbox, token=token)

    with pytest.raises(BigCommerceAuthError) as caught:
        client.request("GET", "v2/orders")

    assert (caught.value.status, caught.value.code) == (403, "scope_missing")
    assert caught.value.api_message == "You don't have a required scope to access the endpoint"
    assert caught.value.required_scope == "store_v2_orders"
    assert "Add the scope" in api_problem(caught.value, None)
    assert_no_secret(str(caught.value) + api_problem(caught.value, None), token)


def test_v2_error_array_is_parsed_into_the_message(make_sandbox, make_client):
    sandbox = make_sandbox(orders=10)
    client = make_client(sandbox)

    with pytest.raises(BigCommerceApiError) as caught:
        client.request("GET", "v2/orders", {"limit": 1000})

    assert caught.value.status == 413
    assert caught.value.api_message == "The specified limit exceeds the maximum allowed. (max_limit: 250)"
    assert (caught.value.method, caught.value.path) == ("GET", "v2/orders")


def test_v3_error_object_is_parsed_into_the_message(make_sandbox, make_client):
    sandbox = make_sandbox(products=10)
    client = make_client(sandbox)

    with pytest.raises(BigCommerceApiError) as caught:
        client.request("GET", "v3/catalog/products", {"page": 0})

    assert caught.value.status == 422
    assert caught.value.api_message == "The field 'page' is invalid. (page: must be a positive integer)"


def test_not_found_is_an_api_error_not_retried(make_sandbox, make_client):
    sandbox = make_sandbox(orders=5)
    client = make_client(sandbox)

    with pytest.raises(BigCommerceApiError) as caught:
        client.request("GET", "v2/orders/999999")

    assert (caught.value.status, caught.value.code) == (404, "error_status")
    assert caught.value.api_message == "The requested resource was not found."
    assert sandbox.stats.requests == 1


def test_logs_warn_about_retries_without_any_header_or_token(make_sandbox, make_client, caplog, assert_no_secret):
    sandbox = make_sandbox(orders=100, error_5xx_rate=0.2, bare_429_rate=0.2)
    client = make_client(sandbox, retry=PATIENT)

    with caplog.at_level(logging.DEBUG, logger="airflow_provider_bigcommerce"):
        _order_ids(client)

    assert any(record.levelno == logging.WARNING for record in caplog.records)
    assert_no_secret(caplog.text, sandbox.access_token)
    assert "X-Auth-Token" not in caplog.text


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("v3/channels", "store_channel_settings"),
        ("v3/content/pages", "store_v2_content"),
        ("v3/inventory/items", "store_inventory"),
        ("v3/orders/payment_actions/refunds", "store_v2_transactions"),
        ("v3/pricelists", "store_v2_products"),
        ("v2/coupons", "store_v2_marketing"),
    ],
)
def test_403_on_the_newer_lists_names_the_scope_they_need(make_sandbox, make_client, path, scope):
    sandbox = make_sandbox()
    client = make_client(sandbox, token=sandbox.add_api_account(scopes=["store_v2_information_read_only"]))

    with pytest.raises(BigCommerceAuthError) as caught:
        client.request("GET", path)

    assert (caught.value.status, caught.value.required_scope) == (403, scope)
