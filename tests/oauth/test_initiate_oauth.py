"""InitiateOAuth=REFRESH and GETANDREFRESH against the lookalike: exchange once, refresh, revocation, 401 re-reads."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.auth.token_check import check_token
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_access_token
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    NextStep,
    OAuthError,
    SettingsStoreError,
)
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def test_refresh_exchanges_a_verifier_once_and_later_runs_reuse_it(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location, OAuthVerifier=oauth.approved_code(oauth.properties(location)))
    before = oauth.token_requests()

    token = token_source_for(properties).access_token()
    again = token_source_for(properties).access_token()  # the next task run, same connection, same verifier

    assert again == token
    assert oauth.token_requests() - before == 1
    assert oauth.api_status(token) == 200


def test_refresh_with_nothing_saved_asks_to_authorize_naming_the_location(
    oauth, tmp_path: Path, assert_no_secret
) -> None:
    location = tmp_path / "OAuthSettings.txt"

    with pytest.raises(AuthorizationRequiredError) as caught:
        token_source_for(oauth.properties(location)).access_token()

    error = caught.value
    assert (error.code, error.next_step, error.property_name) == (
        "nothing_saved",
        NextStep.AUTHORIZE,
        "OAuthSettingsLocation",
    )
    assert error.settings_location == str(location) and error.store_id == oauth.sandbox.store_id
    assert_no_secret(str(error), oauth.client_secret)
    assert not location.exists()


def test_getandrefresh_where_no_one_can_answer_a_browser_fails_at_once_asking_for_settings_from_elsewhere(
    oauth, tmp_path: Path
) -> None:
    properties = oauth.properties(tmp_path / "OAuthSettings.txt", InitiateOAuth="GETANDREFRESH")
    started = time.monotonic()

    with pytest.raises(AuthorizationRequiredError) as caught:
        token_source_for(properties).access_token()

    # At once: no callback listener is opened and waited on (that wait lasts minutes).
    assert time.monotonic() - started < 30
    assert (caught.value.code, caught.value.next_step) == ("nothing_saved", NextStep.IMPORT_SETTINGS)


def test_getandrefresh_uses_the_saved_token_without_any_browser(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    saved = get_oauth_access_token(oauth.properties(location), oauth.approved_code(oauth.properties(location)))

    token = token_source_for(oauth.properties(location, InitiateOAuth="GETANDREFRESH")).access_token()

    assert token == saved["OAuthAccessToken"]


def test_a_rejected_verifier_is_remembered_so_other_workers_spend_no_request(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    code = oauth.approved_code(oauth.properties(location))
    get_oauth_access_token(oauth.properties(None, InitiateOAuth="OFF", OAuthAccessToken="x"), code)  # spent elsewhere
    properties = oauth.properties(location, OAuthVerifier=code)

    with pytest.raises(AuthorizationRequiredError) as first:
        token_source_for(properties).access_token()
    before = oauth.token_requests()
    with pytest.raises(AuthorizationRequiredError) as second:
        token_source_for(properties).access_token()

    assert oauth.token_requests() == before
    assert (first.value.code, first.value.error_code, first.value.property_name) == (
        "verifier_rejected",
        "invalid_grant",
        "OAuthVerifier",
    )
    assert (second.value.code, second.value.next_step) == ("verifier_used", NextStep.AUTHORIZE)


def test_a_wrong_callback_url_is_named_and_does_not_burn_the_verifier(oauth, tmp_path: Path, unused_port) -> None:
    location = tmp_path / "OAuthSettings.txt"
    code = oauth.approved_code(oauth.properties(location))
    wrong = f"http://localhost:{unused_port}/not-registered"

    with pytest.raises(OAuthError) as caught:
        token_source_for(oauth.properties(location, OAuthVerifier=code, CallbackURL=wrong)).access_token()
    assert (caught.value.code, caught.value.facts["callback_url"]) == ("redirect_uri_mismatch", wrong)
    token = token_source_for(oauth.properties(location, OAuthVerifier=code)).access_token()

    assert oauth.api_status(token) == 200


def test_an_unwritable_location_fails_before_the_code_is_spent(oauth, tmp_path: Path, read_only_folder) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    properties = oauth.properties(folder / "OAuthSettings.txt")
    properties = properties.replace(oauth_verifier=oauth.approved_code(properties))
    before = oauth.token_requests()

    with read_only_folder(folder), pytest.raises(SettingsStoreError) as caught:
        token_source_for(properties).access_token()
    assert caught.value.code == "os_error"

    assert oauth.token_requests() == before
    assert oauth.api_status(token_source_for(properties).access_token()) == 200  # the code was still good


def test_the_connection_test_never_exchanges_or_writes(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location, OAuthVerifier=oauth.approved_code(oauth.properties(location)))
    before = oauth.token_requests()

    with pytest.raises(AuthorizationRequiredError) as caught:
        token_source_for(properties, read_only=True).access_token()

    assert (caught.value.code, caught.value.next_step) == ("verifier_pending", NextStep.EXCHANGE_VERIFIER)
    assert oauth.token_requests() == before
    assert list(tmp_path.iterdir()) == []


def test_a_check_of_a_token_that_never_expires_is_recorded_without_secrets(
    oauth, tmp_path: Path, assert_no_secret
) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location, OAuthVerifier=oauth.approved_code(oauth.properties(location)))
    source = OAuthTokenSource(properties)

    with BigCommerceClient(properties, source) as client:
        status = source.ensure_valid(lambda: check_token(client))

    assert status["action"] == "exchanged"
    assert status["expires"] == "never" and status["last_check_result"] == "ok" and status["last_checked"]
    assert status["store"] == oauth.sandbox.store_id and "store_v2_orders" in status["scope"]
    saved = source.store.load()
    assert saved.last_check_result == "ok"
    assert_no_secret(json.dumps(status), saved.access_token)


def test_a_revoked_token_is_recorded_and_the_error_asks_to_authorize_again(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location, OAuthVerifier=oauth.approved_code(oauth.properties(location)))
    source = OAuthTokenSource(properties)
    source.access_token()
    oauth.sandbox.uninstall(oauth.client_id)

    with BigCommerceClient(properties, source) as client, pytest.raises(AuthorizationRequiredError) as caught:
        source.ensure_valid(lambda: check_token(client))

    error = caught.value
    assert (error.code, error.status, error.next_step) == ("token_revoked", 401, NextStep.AUTHORIZE)
    assert source.status()["last_check_result"] == "rejected (HTTP 401)"


def test_a_401_picks_up_the_token_another_worker_saved_since(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location, OAuthVerifier=oauth.approved_code(oauth.properties(location)))
    worker = token_source_for(properties)
    old = worker.access_token()
    oauth.sandbox.uninstall(oauth.client_id)
    # The merchant installs the app again; another worker exchanges the new code into the shared location.
    newer = get_oauth_access_token(properties, oauth.approved_code(properties))["OAuthAccessToken"]

    with BigCommerceClient(properties, worker) as client:
        answer = client.request("GET", "v2/time")

    assert "time" in answer
    assert worker.access_token() == newer != old


def test_a_settings_location_alone_is_enough_once_authorized(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    token = token_source_for(
        oauth.properties(location, OAuthVerifier=oauth.approved_code(oauth.properties(location)))
    ).access_token()
    alone = ConnectionProperties.from_mapping(
        {
            "AuthScheme": "OAuth",
            "StoreId": oauth.sandbox.store_id,
            "InitiateOAuth": "REFRESH",
            "OAuthSettingsLocation": str(location),
        }
    )

    assert token_source_for(alone).access_token() == token


def test_an_expiring_token_is_refreshed_within_the_margin_and_the_rotation_saved(expiring_oauth, tmp_path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = expiring_oauth.properties(
        location, OAuthVerifier=expiring_oauth.approved_code(expiring_oauth.properties(location))
    )
    source = token_source_for(properties)
    first, first_refresh = source.access_token(), source.store.load().refresh_token
    assert source.access_token() == first  # fresh: no request
    before = expiring_oauth.token_requests("refresh_token")

    time.sleep(source.store.load().expires_in / 2 + 0.2)  # into the refresh margin, before expiry
    second = source.access_token()

    assert second != first and expiring_oauth.api_status(second) == 200
    assert source.store.load().refresh_token != first_refresh
    assert expiring_oauth.token_requests("refresh_token") - before == 1
