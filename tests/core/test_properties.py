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
    with pytest.raises(PropertyError, match="Key=Value"):
        parse_connection_string("StoreId=abc;garbage")
    with pytest.raises(PropertyError, match="Key=Value") as caught:  # an unbalanced quote splits a secret
        parse_connection_string('StoreId=abc;OAuthClientSecret="half;secret-tail')
    assert_no_secret(str(caught.value), "secret-tail")


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


def test_missing_store_id_names_both_spellings_and_where_to_find_it():
    message = str(_error({"OAuthAccessToken": "t"}))
    assert "StoreId (store_id) is missing" in message
    assert "stores/" in message


def test_store_id_given_as_a_whole_api_path_is_rejected():
    error = _error({"StoreId": "https://api.bigcommerce.com/stores/abc/v3", "OAuthAccessToken": "t"})
    assert error.property_name == "StoreId"
    assert "only the hash" in str(error)


def test_unknown_auth_scheme_lists_the_choices():
    message = str(_error({**PAT, "AuthScheme": "Basic"}))
    assert "AuthScheme (auth_scheme) 'Basic' is not a known value" in message
    assert "PersonalAccessToken, OAuth" in message


def test_unknown_initiate_oauth_lists_the_choices():
    message = str(_error({**OAUTH_REFRESH, "InitiateOAuth": "SOMETIMES"}))
    assert "InitiateOAuth (initiate_oauth) 'SOMETIMES'" in message
    assert "OFF, GETANDREFRESH, REFRESH" in message


def test_personal_access_token_without_token_says_where_to_get_one():
    message = str(_error({"StoreId": "abc123"}))
    assert "OAuthAccessToken (oauth_access_token) is missing for AuthScheme=PersonalAccessToken" in message


def test_oauth_off_without_token_suggests_initiate_oauth():
    message = str(_error({"AuthScheme": "OAuth", "StoreId": "abc123"}))
    assert "InitiateOAuth=OFF" in message
    assert "GETANDREFRESH or REFRESH" in message


def test_oauth_desktop_flow_without_client_id_is_rejected():
    message = str(_error({**OAUTH_REFRESH, "InitiateOAuth": "GETANDREFRESH"}))
    assert "OAuthClientId (oauth_client_id) is missing" in message


def test_oauth_verifier_without_client_secret_is_rejected():
    message = str(_error({**OAUTH_REFRESH, "OAuthVerifier": "code-1", "OAuthClientId": "cid"}))
    assert "OAuthClientSecret (oauth_client_secret) is missing" in message
    assert "code-1" not in message


def test_refresh_with_settings_location_alone_is_valid_for_headless_option_2():
    props = ConnectionProperties.from_mapping(OAUTH_REFRESH)
    assert props.oauth_client_id is None
    assert props.settings_location == "/shared/bc/OAuthSettings.txt"


def test_refresh_without_settings_location_is_rejected():
    values = {k: v for k, v in OAUTH_REFRESH.items() if k != "OAuthSettingsLocation"}
    assert "OAuthSettingsLocation (oauth_settings_location) is missing" in str(_error(values))


@pytest.mark.parametrize(
    ("name", "value"),
    [("URL", "ftp://x"), ("LoginURL", "not a url"), ("CallbackURL", "http://localhost:99999"), ("host", "//nohost")],
)
def test_malformed_urls_name_the_property(name, value):
    error = _error({**PAT, name: value})
    assert error.property_name in ("URL", "LoginURL", "CallbackURL")
    assert "http" in str(error)


@pytest.mark.parametrize("value", ["0", "-5", "abc", "9999"])
def test_bad_timeouts_are_rejected(value):
    assert "Timeout (timeout)" in str(_error({**PAT, "Timeout": value}))


def test_unknown_property_is_named_with_the_known_ones():
    message = str(_error({**PAT, "StoreHash": "x"}))
    assert "StoreHash" in message
    assert "StoreId" in message


def test_same_property_twice_with_different_values_is_rejected():
    assert "given twice" in str(_error({**PAT, "store_id": "other"}))


def test_replace_validates_again():
    props = ConnectionProperties.from_mapping(PAT)
    assert props.replace(timeout=5).timeout == 5.0
    with pytest.raises(PropertyError):
        props.replace(auth_scheme="Nope")


def test_oauth_off_with_only_app_credentials_is_valid_for_the_web_procedures():
    props = ConnectionProperties.from_mapping(
        {"AuthScheme": "OAuth", "StoreId": "abc123", "OAuthClientId": "cid", "OAuthClientSecret": "cs"}
    )
    with pytest.raises(PropertyError, match="what GetOAuthAccessToken returned"):
        props.require_access_token()
