"""Connection properties: both spellings, connection strings, and one clear error per mistake."""

from __future__ import annotations

import pytest

from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import (
    DEFAULT_API_URL,
    DEFAULT_CALLBACK_URL,
    DEFAULT_LOGIN_URL,
    DEFAULT_SCOPE,
    AuthScheme,
    ConnectionProperties,
    InitiateOAuth,
    parse_connection_string,
)
from airflow_provider_bigcommerce.messages.properties import property_problem

pytestmark = pytest.mark.unit

PAT = {"StoreId": "abc123", "OAuthAccessToken": "tok-secret-1"}
OAUTH_REFRESH = {
    "AuthScheme": "OAuth",
    "StoreId": "abc123",
    "InitiateOAuth": "REFRESH",
    "OAuthSettingsLocation": "/shared/bc/OAuthSettings.txt",
}


def _error(values: dict) -> PropertyError:
    with pytest.raises(PropertyError) as caught:
        ConnectionProperties.from_mapping(values)
    return caught.value


def test_driver_names_and_snake_case_build_the_same_properties():
    driver = ConnectionProperties.from_mapping(
        {
            "AuthScheme": "OAuth",
            "StoreId": "abc123",
            "OAuthClientId": "cid",
            "OAuthClientSecret": "cs",
            "InitiateOAuth": "GETANDREFRESH",
            "OAuthSettingsLocation": "/tmp/s.txt",
            "CallbackURL": "http://localhost:5000",
        }
    )
    snake = ConnectionProperties.from_mapping(
        {
            "auth_scheme": "OAuth",
            "store_id": "abc123",
            "oauth_client_id": "cid",
            "oauth_client_secret": "cs",
            "initiate_oauth": "GETANDREFRESH",
            "oauth_settings_location": "/tmp/s.txt",
            "callback_url": "http://localhost:5000",
        }
    )
    assert driver == snake
    assert driver.auth_scheme is AuthScheme.OAUTH
    assert driver.initiate_oauth is InitiateOAuth.GETANDREFRESH


def test_property_names_and_enum_values_are_case_insensitive():
    props = ConnectionProperties.from_mapping(
        {"authscheme": "oauth", "STOREID": "abc123", "initiateoauth": "refresh", "oauthsettingslocation": "memory://x"}
    )
    assert props.auth_scheme is AuthScheme.OAUTH
    assert props.initiate_oauth is InitiateOAuth.REFRESH
    assert props.settings_location == "memory://x"


def test_defaults_follow_the_driver():
    props = ConnectionProperties.from_mapping(PAT)
    assert props.auth_scheme is AuthScheme.PERSONAL_ACCESS_TOKEN
    assert props.initiate_oauth is InitiateOAuth.OFF
    assert props.callback_url == DEFAULT_CALLBACK_URL
    assert props.scope == DEFAULT_SCOPE
    assert props.login_url == DEFAULT_LOGIN_URL
    assert props.api_url == DEFAULT_API_URL
    assert props.store_api_url == "https://api.bigcommerce.com/stores/abc123"
    assert props.context == "stores/abc123"


def test_connection_string_is_parsed_with_quoted_values():
    text = (
        "AuthScheme=OAuth; StoreId=abc123;OAuthClientId=cid;OAuthClientSecret='a;b=c';InitiateOAuth=REFRESH;"
        'OAuthSettingsLocation="/shared/my dir/";Scope=store_v2_orders_read_only'
    )
    props = ConnectionProperties.from_connection_string(text)
    assert props.oauth_client_secret == "a;b=c"
    assert props.settings_location == "/shared/my dir/OAuthSettings.txt"
    assert props.scopes == ("store_v2_orders_read_only",)


def test_connection_string_rejects_a_fragment_without_equals_sign(assert_no_secret):
    with pytest.raises(PropertyError) as caught:
        parse_connection_string("StoreId=abc;garbage")
    assert (caught.value.code, caught.value.field_name) == ("not_key_value", "connection_string")
    with pytest.raises(PropertyError) as caught:  # an unbalanced quote splits a secret
        parse_connection_string('StoreId=abc;OAuthClientSecret="half;secret-tail')
    assert caught.value.code == "not_key_value"
    assert_no_secret(str(caught.value), "secret-tail")
    assert_no_secret(property_problem(caught.value), "secret-tail")


def test_empty_values_count_as_unset():
    props = ConnectionProperties.from_mapping({**PAT, "OAuthVerifier": "", "oauth_client_id": "  ", "Scope": None})
    assert props.oauth_verifier is None
    assert props.oauth_client_id is None
    assert props.scope == DEFAULT_SCOPE


def test_host_field_is_the_api_base_url_without_trailing_slash():
    props = ConnectionProperties.from_mapping({**PAT, "host": "http://127.0.0.1:8080/"})
    assert props.api_url == "http://127.0.0.1:8080"


def test_secrets_do_not_appear_in_repr(assert_no_secret):
    props = ConnectionProperties.from_mapping(
        {
            **OAUTH_REFRESH,
            "OAuthClientId": "cid",
            "OAuthClientSecret": "cs-secret-9",
            "OAuthVerifier": "code-secret-7",
            "OAuthSettingsPassphrase": "pass-secret-5",
            "OAuthAccessToken": "tok-secret-1",
        }
    )
    assert_no_secret(repr(props), "cs-secret-9", "code-secret-7", "pass-secret-5", "tok-secret-1")


def _refusal(values: dict) -> tuple:
    error = _error(values)
    return error.code, error.property_name, error.field_name, error.facts


def test_missing_store_id_names_both_spellings_and_where_to_find_it():
    assert _refusal({"OAuthAccessToken": "t"}) == ("missing", "StoreId", "store_id", {})
    assert "stores/" in property_problem(_error({"OAuthAccessToken": "t"}))


def test_store_id_given_as_a_whole_api_path_is_rejected():
    path = "https://api.bigcommerce.com/stores/abc/v3"
    assert _refusal({"StoreId": path, "OAuthAccessToken": "t"}) == (
        "not_store_hash",
        "StoreId",
        "store_id",
        {"value": path},
    )


def test_unknown_auth_scheme_lists_the_choices():
    assert _refusal({**PAT, "AuthScheme": "Basic"}) == (
        "unknown_value",
        "AuthScheme",
        "auth_scheme",
        {"value": "Basic", "choices": ("PersonalAccessToken", "OAuth")},
    )


def test_unknown_initiate_oauth_lists_the_choices():
    assert _refusal({**OAUTH_REFRESH, "InitiateOAuth": "SOMETIMES"}) == (
        "unknown_value",
        "InitiateOAuth",
        "initiate_oauth",
        {"value": "SOMETIMES", "choices": ("OFF", "GETANDREFRESH", "REFRESH")},
    )


def test_personal_access_token_without_token_says_where_to_get_one():
    assert _refusal({"StoreId": "abc123"}) == (
        "missing",
        "OAuthAccessToken",
        "oauth_access_token",
        {"needed_for": "personal_access_token"},
    )


def test_oauth_off_without_token_suggests_initiate_oauth():
    error = _error({"AuthScheme": "OAuth", "StoreId": "abc123"})
    assert (error.code, error.field_name, error.facts) == (
        "missing",
        "oauth_access_token",
        {"needed_for": "oauth_without_initiate"},
    )
    assert "GETANDREFRESH or REFRESH" in property_problem(error)


def test_oauth_desktop_flow_without_client_id_is_rejected():
    assert _refusal({**OAUTH_REFRESH, "InitiateOAuth": "GETANDREFRESH"}) == (
        "missing",
        "OAuthClientId",
        "oauth_client_id",
        {"needed_for": "initiate_oauth", "initiate_oauth": "GETANDREFRESH"},
    )


def test_oauth_verifier_without_client_secret_is_rejected(assert_no_secret):
    error = _error({**OAUTH_REFRESH, "OAuthVerifier": "code-1", "OAuthClientId": "cid"})
    assert (error.code, error.property_name) == ("missing", "OAuthClientSecret")
    assert_no_secret(str(error) + property_problem(error), "code-1")


def test_refresh_with_settings_location_alone_is_valid_for_headless_option_2():
    props = ConnectionProperties.from_mapping(OAUTH_REFRESH)
    assert props.oauth_client_id is None
    assert props.settings_location == "/shared/bc/OAuthSettings.txt"


def test_refresh_without_settings_location_is_rejected():
    values = {k: v for k, v in OAUTH_REFRESH.items() if k != "OAuthSettingsLocation"}
    assert _refusal(values)[:3] == ("missing", "OAuthSettingsLocation", "oauth_settings_location")


@pytest.mark.parametrize(
    ("name", "value"),
    [("URL", "ftp://x"), ("LoginURL", "not a url"), ("CallbackURL", "http://localhost:99999"), ("host", "//nohost")],
)
def test_malformed_urls_name_the_property(name, value):
    error = _error({**PAT, name: value})
    assert error.property_name in ("URL", "LoginURL", "CallbackURL")
    assert error.code in ("url_malformed", "url_not_http")


@pytest.mark.parametrize("value", ["0", "-5", "abc", "9999"])
def test_bad_timeouts_are_rejected(value):
    assert _refusal({**PAT, "Timeout": value}) == (
        "out_of_range",
        "Timeout",
        "timeout",
        {"value": value, "low": 1.0, "high": 600.0},
    )


def test_unknown_property_is_named_with_the_known_ones():
    assert _refusal({**PAT, "StoreHash": "x"}) == ("unknown_property", "StoreHash", "StoreHash", {})
    assert "StoreId" in property_problem(_error({**PAT, "StoreHash": "x"}))


def test_same_property_twice_with_different_values_is_rejected():
    assert _refusal({**PAT, "store_id": "other"}) == ("given_twice", "StoreId", "store_id", {})


def test_replace_validates_again():
    props = ConnectionProperties.from_mapping(PAT)
    assert props.replace(timeout=5).timeout == 5.0
    with pytest.raises(PropertyError):
        props.replace(auth_scheme="Nope")


def test_oauth_off_with_only_app_credentials_is_valid_for_the_web_procedures():
    props = ConnectionProperties.from_mapping(
        {"AuthScheme": "OAuth", "StoreId": "abc123", "OAuthClientId": "cid", "OAuthClientSecret": "cs"}
    )
    with pytest.raises(PropertyError) as caught:
        props.require_access_token()
    assert (caught.value.code, caught.value.facts) == ("missing", {"needed_for": "oauth_without_initiate"})
