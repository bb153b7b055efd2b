"""The web-app procedures and both headless options, end to end against the lookalike, as a user runs them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource
from airflow_provider_bigcommerce.core.auth.settings.crypto import KEY_ENV_VAR, generate_key, settings_cipher
from airflow_provider_bigcommerce.core.auth.settings.file_store import read_settings_file
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_access_token, get_oauth_authorization_url
from airflow_provider_bigcommerce.core.errors import PropertyError, SettingsStoreError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def _location_alone(oauth, location: Path) -> ConnectionProperties:
    """What a headless worker is configured with after authorization: no app credentials at all."""
    return ConnectionProperties.from_mapping(
        {
            "AuthScheme": "OAuth",
            "StoreId": oauth.sandbox.store_id,
            "InitiateOAuth": "REFRESH",
            "OAuthSettingsLocation": str(location),
            "URL": oauth.sandbox.base_url,
        }
    )


def test_web_procedures_return_the_drivers_names_and_save_for_the_workers(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location)
    masked: list[str] = []

    url = get_oauth_authorization_url(properties, state="csrf-42")
    redirect = parse_qs(urlsplit(oauth.sandbox.approve(url)).query)  # the web app's callback receives this
    result = get_oauth_access_token(properties, redirect["code"][0], state="csrf-42", on_secret=masked.append)

    assert redirect["state"] == ["csrf-42"] and redirect["context"] == [properties.context]
    assert result["ExpiresIn"] == -1 and result["OAuthRefreshToken"] is None
    assert result["StoreId"] == oauth.sandbox.store_id and result["User"]["email"]
    assert result["Scope"].split() == list(properties.scopes)
    assert {result["OAuthAccessToken"], redirect["code"][0], oauth.client_secret} <= set(masked)
    assert oauth.api_status(result["OAuthAccessToken"]) == 200
    assert token_source_for(_location_alone(oauth, location)).access_token() == result["OAuthAccessToken"]


def test_a_web_app_with_only_its_credentials_gets_a_token_it_keeps_itself(oauth) -> None:
    """docs/properties.md "Web app": InitiateOAuth=OFF, no token and no settings location; the app keeps the token."""
    web_app = {
        "AuthScheme": "OAuth",
        "StoreId": oauth.sandbox.store_id,
        "OAuthClientId": oauth.client_id,
        "OAuthClientSecret": oauth.client_secret,
        "CallbackURL": oauth.callback_url,
        "LoginURL": oauth.sandbox.login_url,
        "URL": oauth.sandbox.base_url,
    }
    properties = ConnectionProperties.from_mapping(web_app)

    code = parse_qs(urlsplit(oauth.sandbox.approve(get_oauth_authorization_url(properties))).query)["code"][0]
    result = get_oauth_access_token(properties, code)
    with pytest.raises(PropertyError) as caught:
        token_source_for(properties)
    assert (caught.value.code, caught.value.property_name) == ("missing", "OAuthAccessToken")
    with_token = ConnectionProperties.from_mapping({**web_app, "OAuthAccessToken": result["OAuthAccessToken"]})

    assert token_source_for(with_token).access_token() == result["OAuthAccessToken"]
    assert oauth.api_status(result["OAuthAccessToken"]) == 200


def test_the_documented_install_url_works_the_same_way(oauth) -> None:
    properties = oauth.properties("memory://web-install")

    url = get_oauth_authorization_url(properties, install=True)
    code = parse_qs(urlsplit(oauth.sandbox.approve(url)).query)["code"][0]
    result = get_oauth_access_token(properties, code)

    assert url == f"{oauth.sandbox.login_url}/app/{oauth.client_id}/install"
    assert oauth.api_status(result["OAuthAccessToken"]) == 200


def test_a_location_for_another_store_is_refused_before_the_code_is_spent(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location)
    get_oauth_access_token(properties, oauth.approved_code(properties))
    before = (location.read_bytes(), oauth.token_requests())

    with pytest.raises(SettingsStoreError) as caught:
        get_oauth_access_token(properties.replace(store_id="otherstore"), "any-code")
    assert (caught.value.code, caught.value.facts["saved"]) == ("other_store", properties.store_id)

    assert (location.read_bytes(), oauth.token_requests()) == before


def test_headless_option_1_with_the_cli(oauth, tmp_path: Path, run_cli, assert_no_secret) -> None:
    location = tmp_path / "OAuthSettings.txt"
    arguments = ("--connection-string", oauth.connection_string(location))
    before = oauth.token_requests()

    url = run_cli("authorize-url", *arguments)
    code = parse_qs(urlsplit(oauth.sandbox.approve(url.stdout.strip())).query)["code"][0]  # a browser elsewhere
    first = run_cli("exchange", "--verifier", code, *arguments, env=oauth.cli_env())
    second = run_cli("exchange", "--verifier", code, *arguments, env=oauth.cli_env())
    status = run_cli("status", *arguments)

    assert url.returncode == 0 and first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["action"] == "exchanged"
    assert second.returncode == 0 and json.loads(second.stdout)["action"] == "none"
    assert json.loads(second.stdout)["verifier"] == "exchanged"
    assert oauth.token_requests() - before == 1
    assert status.returncode == 0 and json.loads(status.stdout)["authorized"] is True
    token = token_source_for(_location_alone(oauth, location)).access_token()
    assert oauth.api_status(token) == 200
    for done in (url, first, second, status):
        assert_no_secret(done.stdout + done.stderr, token, oauth.client_secret)


def test_headless_option_1_with_oauth_verifier_on_the_connection(oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    code = oauth.approved_code(oauth.properties(location))

    token = token_source_for(oauth.properties(location, OAuthVerifier=code)).access_token()

    assert oauth.api_status(token) == 200
    assert token_source_for(_location_alone(oauth, location)).access_token() == token


def test_headless_option_2_desktop_login_then_export_and_import_with_another_key(
    oauth, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, settings_key: str
) -> None:
    desktop, headless = tmp_path / "desktop", tmp_path / "headless"
    desktop.mkdir()
    headless.mkdir()
    # On the desktop: the browser flow (the merchant's browser follows the redirect to the callback).
    source = OAuthTokenSource(oauth.properties(desktop / "OAuthSettings.txt", InitiateOAuth="GETANDREFRESH"))
    shown: list[str] = []
    browser = threading.Thread(target=lambda: _merchant_approves(oauth, shown), daemon=True)
    browser.start()
    settings = source.authorize_interactively(open_browser=False, show_url=shown.append, timeout_s=30)
    browser.join(10)
    headless_key = generate_key()

    exported = run_cli(
        "export",
        "--output",
        str(tmp_path / "transfer.txt"),
        "--to-passphrase-env",
        "TRANSFER_PASSPHRASE",
        "--connection-string",
        oauth.connection_string(desktop / "OAuthSettings.txt"),
        env={"TRANSFER_PASSPHRASE": "transfer-pass-1"},
    )
    imported = run_cli(
        "import",
        "--input",
        str(tmp_path / "transfer.txt"),
        "--from-passphrase-env",
        "TRANSFER_PASSPHRASE",
        "--connection-string",
        f"StoreId={oauth.sandbox.store_id};OAuthSettingsLocation={headless / 'OAuthSettings.txt'}",
        env={"TRANSFER_PASSPHRASE": "transfer-pass-1", KEY_ENV_VAR: headless_key},
    )

    assert exported.returncode == 0, exported.stderr
    assert imported.returncode == 0, imported.stderr
    monkeypatch.setenv(KEY_ENV_VAR, headless_key)
    token = token_source_for(_location_alone(oauth, headless / "OAuthSettings.txt")).access_token()
    assert token == settings.access_token and oauth.api_status(token) == 200
    desktop_cipher = settings_cipher(environ={KEY_ENV_VAR: settings_key})
    with pytest.raises(SettingsStoreError) as caught:
        read_settings_file(str(headless / "OAuthSettings.txt"), desktop_cipher)
    assert caught.value.code == "wrong_key"


def _merchant_approves(oauth, shown: list[str]) -> None:
    while not shown:
        threading.Event().wait(0.01)
    redirect = oauth.sandbox.approve(shown[0])
    requests.get(redirect, timeout=30)
