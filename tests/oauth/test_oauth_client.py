"""The OAuth client against the lookalike's login host: URLs, exchange, refresh, and the errors users see."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
from airflow_provider_bigcommerce.core.errors import OAuthError
from airflow_provider_bigcommerce.messages.oauth import oauth_problem


def test_the_authorization_url_carries_what_bigcommerce_documents(oauth) -> None:
    client = OAuthClient(oauth.client_id, login_url=oauth.sandbox.login_url)

    url = client.authorization_url(
        redirect_uri=oauth.callback_url, scope="store_v2_orders store_v2_information", context="stores/abc", state="s"
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{oauth.sandbox.login_url}/oauth2/authorize"
    assert parse_qs(parts.query) == {
        "client_id": [oauth.client_id],
        "redirect_uri": [oauth.callback_url],
        "response_type": ["code"],
        "scope": ["store_v2_orders store_v2_information"],
        "context": ["stores/abc"],
        "state": ["s"],
    }
    assert client.install_url() == f"{oauth.sandbox.login_url}/app/{oauth.client_id}/install"


def test_a_code_is_exchanged_for_a_token_that_never_expires(oauth) -> None:
    properties = oauth.properties("memory://client-exchange")
    masked: list[str] = []

    token = OAuthClient.from_properties(properties, on_secret=masked.append).exchange_code(
        oauth.approved_code(properties),
        redirect_uri=oauth.callback_url,
        scope=properties.scope,
        context=properties.context,
    )

    assert token["expires_in"] == -1 and token["refresh_token"] is None
    assert token["context"] == f"stores/{oauth.sandbox.store_id}"
    assert abs(token["obtained_at"] / 1000 - time.time()) < 60
    assert {oauth.client_secret, token["access_token"]} <= set(masked)
    assert oauth.api_status(token["access_token"]) == 200


def test_a_reused_code_says_a_new_authorization_is_needed(oauth, assert_no_secret) -> None:
    properties = oauth.properties("memory://client-reuse")
    client = OAuthClient.from_properties(properties)
    code = oauth.approved_code(properties)
    arguments = {"redirect_uri": oauth.callback_url, "scope": properties.scope, "context": properties.context}
    client.exchange_code(code, **arguments)

    with pytest.raises(OAuthError) as caught:
        client.exchange_code(code, **arguments)

    assert (caught.value.code, caught.value.error_code) == ("code_rejected", "invalid_grant")
    assert "new authorization is needed" in oauth_problem(caught.value)
    assert_no_secret(str(caught.value) + oauth_problem(caught.value), code, oauth.client_secret)


def test_a_callback_url_other_than_the_registered_one_is_named(oauth, assert_no_secret, unused_port) -> None:
    properties = oauth.properties("memory://client-redirect")
    code = oauth.approved_code(properties)
    sent = f"http://localhost:{unused_port}/elsewhere"

    with pytest.raises(OAuthError) as caught:
        OAuthClient.from_properties(properties).exchange_code(
            code, redirect_uri=sent, scope=properties.scope, context=properties.context
        )

    assert (caught.value.code, caught.value.facts["callback_url"]) == ("redirect_uri_mismatch", sent)
    assert f"The CallbackURL sent was '{sent}'" in oauth_problem(caught.value)
    assert_no_secret(str(caught.value) + oauth_problem(caught.value), code, oauth.client_secret)


def test_a_wrong_client_secret_is_refused_without_being_echoed(oauth, assert_no_secret) -> None:
    properties = oauth.properties("memory://client-secret")
    code = oauth.approved_code(properties)
    client = OAuthClient(oauth.client_id, "wrong-secret-4711", login_url=oauth.sandbox.login_url)

    with pytest.raises(OAuthError) as caught:
        client.exchange_code(code, redirect_uri=oauth.callback_url, scope=properties.scope, context=properties.context)

    assert (caught.value.code, caught.value.status) == ("client_rejected", 401)
    assert_no_secret(str(caught.value) + oauth_problem(caught.value), code, "wrong-secret-4711", oauth.client_secret)


def test_an_unreachable_login_host_is_a_clear_error(unused_port) -> None:
    client = OAuthClient("id", "secret-1", login_url=f"http://127.0.0.1:{unused_port}", timeout=5)

    with pytest.raises(OAuthError) as caught:
        client.refresh("refresh-secret-1")
    assert (caught.value.code, caught.value.facts["cause"]) == ("unreachable", "ConnectionError")
    assert "Check LoginURL" in oauth_problem(caught.value)
    assert "refresh-secret-1" not in str(caught.value) + oauth_problem(caught.value)


def test_an_expiring_token_is_refreshed_and_the_refresh_token_rotates(expiring_oauth) -> None:
    properties = expiring_oauth.properties("memory://client-refresh")
    client = OAuthClient.from_properties(properties)
    first = client.exchange_code(
        expiring_oauth.approved_code(properties),
        redirect_uri=expiring_oauth.callback_url,
        scope=properties.scope,
        context=properties.context,
    )

    second = client.refresh(first["refresh_token"])

    assert first["expires_in"] > 0 and first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert expiring_oauth.api_status(second["access_token"]) == 200
    with pytest.raises(OAuthError) as caught:
        client.refresh(first["refresh_token"])  # the rotated-away one
    assert (caught.value.code, caught.value.error_code) == ("refresh_rejected", "invalid_grant")
