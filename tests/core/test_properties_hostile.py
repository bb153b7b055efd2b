"""Hostile property values: each is a PropertyError naming the property, never a crash, never the secret echoed."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.properties import property_problem

pytestmark = pytest.mark.unit

SECRET = "tok-secret-4711"
PAT = {"StoreId": "abc123", "OAuthAccessToken": SECRET}


def _refused(values: dict[str, Any]) -> PropertyError:
    with pytest.raises(PropertyError) as caught:
        ConnectionProperties.from_mapping(values)
    assert type(caught.value) is PropertyError
    return caught.value


def _said(error: PropertyError) -> str:
    """Everything a person may see of ``error``: its label and its words."""
    return f"{error} {property_problem(error)}"


@pytest.mark.parametrize(
    "url",
    ["http://api.bigcommerce.com", "http://example.com:8080/api", "http://10.0.0.5", "http://[2001:db8::1]:80"],
)
@pytest.mark.parametrize("name", ["URL", "LoginURL", "host"])
def test_plain_http_to_a_host_that_is_not_loopback_is_refused(name: str, url: str) -> None:
    error = _refused({**PAT, name: url})

    assert (error.code, error.property_name, error.field_name) == (
        ("url_plain_http", "URL", "api_url") if name != "LoginURL" else ("url_plain_http", "LoginURL", "login_url")
    )


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8080", "http://127.0.0.1:9", "http://127.5.6.7", "http://[::1]:8080/", "https://x.example"],
)
def test_plain_http_to_loopback_and_https_anywhere_stay_allowed(url: str) -> None:
    properties = ConnectionProperties.from_mapping({**PAT, "URL": url, "LoginURL": url})

    assert properties.api_url == url.rstrip("/") and properties.login_url == url.rstrip("/")


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("URL", "https://user:pass-secret-9@api.example.com"),
        ("LoginURL", "https://pass-secret-9@login.example.com"),
        ("CallbackURL", "http://user:pass-secret-9@localhost:5000/cb"),
        ("URL", "https://api.example.com/?token=pass-secret-9"),
        ("LoginURL", "https://login.example.com/#pass-secret-9"),
    ],
)
def test_urls_with_credentials_or_a_query_are_refused_without_echoing_them(
    name: str, url: str, assert_no_secret
) -> None:
    error = _refused({**PAT, name: url})

    assert error.property_name == name
    assert error.code in ("url_has_credentials", "url_has_query")
    assert_no_secret(_said(error), "pass-secret-9")


@pytest.mark.parametrize("host", ["http://[::1", "https://[not-an-ip]/", "http://[::1]:port"])
def test_a_malformed_host_is_a_property_error_not_a_raw_value_error(host: str) -> None:
    error = _refused({**PAT, "host": host})

    assert (error.code, error.field_name) == ("url_malformed", "api_url")


@pytest.mark.parametrize("token", ["tok\r\nX-Evil: 1", "tok\nsecret-4711", "tok\x00en", "tok\ten"])
def test_a_token_with_a_control_character_is_refused_without_echoing_it(token: str, assert_no_secret) -> None:
    error = _refused({"StoreId": "abc123", "OAuthAccessToken": token})

    assert (error.code, error.property_name) == ("control_character", "OAuthAccessToken")
    assert_no_secret(_said(error), token, "secret-4711")
    assert "X-Evil" not in _said(error)


@pytest.mark.parametrize("token", ["tök-secret-4711", "tok-secret-4711-€", "tok secret-4711"])
def test_a_token_that_cannot_travel_as_a_header_is_refused_without_echoing_it(token: str, assert_no_secret) -> None:
    error = _refused({"StoreId": "abc123", "OAuthAccessToken": token})

    assert (error.code, error.property_name) == ("not_header_safe", "OAuthAccessToken")
    assert_no_secret(_said(error), "secret-4711")


@pytest.mark.parametrize("value", [4711, 47.11, {"token": "tok-secret-4711"}, ["tok-secret-4711"], True])
def test_a_token_that_is_not_text_is_refused_without_echoing_it(value: object) -> None:
    error = _refused({"StoreId": "abc123", "OAuthAccessToken": value})

    assert (error.code, error.field_name) == ("not_text", "oauth_access_token")
    assert "4711" not in _said(error)


@pytest.mark.parametrize("name", ["OAuthClientSecret", "OAuthRefreshToken", "OAuthSettingsPassphrase", "OAuthVerifier"])
def test_other_secrets_with_line_breaks_are_refused_without_echoing_them(name: str) -> None:
    error = _refused({**PAT, name: "a-secret-4711\r\nrest"})

    assert (error.code, error.property_name) == ("control_character", name)
    assert "4711" not in _said(error)


def test_scope_given_as_a_list_is_refused_with_how_to_write_it() -> None:
    error = _refused({**PAT, "Scope": ["store_v2_orders", "store_v2_products"]})

    assert (error.code, error.property_name, error.facts) == ("not_text", "Scope", {"kind": "list"})
    assert "separated by spaces" in property_problem(error)


@pytest.mark.parametrize(
    "value", [True, False, 0.001, 0.5, 600.5, "nan", "inf", float("nan"), pytest.param(10**400, id="10**400"), [30]]
)
def test_timeouts_outside_1_to_600_seconds_are_refused(value: object) -> None:
    assert _refused({**PAT, "Timeout": value}).property_name == "Timeout"


@pytest.mark.parametrize("value", [1, "1", 30.5, "600"])
def test_timeouts_from_1_to_600_seconds_are_accepted(value: object) -> None:
    assert ConnectionProperties.from_mapping({**PAT, "Timeout": value}).timeout == float(value)


@pytest.mark.parametrize("value", [True, -1, "-0.5", 3600.5, "nan", float("inf"), [300], {"s": 1}])
def test_settle_seconds_outside_0_to_3600_are_refused(value: object) -> None:
    error = _refused({**PAT, "SettleSeconds": value})
    assert (error.property_name, error.field_name) == ("SettleSeconds", "settle_seconds")


@pytest.mark.parametrize("value", [0, "0", 2.5, "300", 3600])
def test_settle_seconds_from_0_to_3600_are_accepted(value: object) -> None:
    assert ConnectionProperties.from_mapping({**PAT, "settle_seconds": value}).settle_seconds == float(value)


def test_settle_seconds_default_to_five_minutes() -> None:
    assert ConnectionProperties.from_mapping(PAT).settle_seconds == 300


@pytest.mark.parametrize("value", [float("inf"), "Infinity", float("nan"), 1e300, True, "12.5", {"a": 1}])
@pytest.mark.parametrize("name", ["OAuthExpiresIn", "OAuthTokenTimestamp"])
def test_whole_number_properties_refuse_what_is_not_a_whole_number(name: str, value: object) -> None:
    assert _refused({**PAT, name: value}).property_name == name


@pytest.mark.parametrize("value", [12345, {"hash": "abc"}, ["abc"]])
def test_a_store_id_that_is_not_text_is_refused(value: object) -> None:
    assert _refused({"StoreId": value, "OAuthAccessToken": SECRET}).property_name == "StoreId"


@pytest.mark.parametrize("secret", ["OAuthSettingsPassphrase", "OAuthAccessToken", "OAuthClientSecret"])
def test_an_unquoted_semicolon_in_a_secret_is_named_by_the_secret_not_by_its_fragment(secret, assert_no_secret):
    text = (
        "AuthScheme=OAuth;StoreId=abc;InitiateOAuth=REFRESH;OAuthSettingsLocation=/tmp/x;OAuthClientId=c;"
        f"{secret}=Tr0ub4dor;xK9qZ7=horse"
    )

    with pytest.raises(PropertyError) as caught:
        ConnectionProperties.from_connection_string(text)

    assert (caught.value.code, caught.value.property_name) == ("secret_cut", secret)
    assert_no_secret(_said(caught.value), "Tr0ub4dor", "xK9qZ7", "horse")


def test_an_unknown_key_after_a_quoted_secret_is_still_named() -> None:
    text = "StoreId=abc;OAuthAccessToken='tok;en';Colour=blue"

    with pytest.raises(PropertyError) as caught:
        ConnectionProperties.from_connection_string(text)

    assert (caught.value.code, caught.value.property_name) == ("unknown_property", "Colour")
