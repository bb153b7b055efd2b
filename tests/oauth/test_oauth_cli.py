"""``airflow-bigcommerce oauth``: exit codes and messages a shell script can rely on, never a secret on stdout."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.cli.main import build_parser
from airflow_provider_bigcommerce.cli.oauth import CLIENT_SECRET_ENV, command_arguments, how_to_proceed
from airflow_provider_bigcommerce.core.errors import AuthorizationRequiredError, NextStep


def test_help_documents_the_exit_codes(run_cli) -> None:
    done = run_cli("status", "--help")

    assert done.returncode == 0
    for line in ("0  done", "2  usage or property error", "3  authorization required", "4  OAuth error", "5  settings"):
        assert line in done.stdout


def test_usage_and_property_errors_exit_2_naming_the_property(oauth, tmp_path: Path, run_cli) -> None:
    both = run_cli("status", "--conn-id", "x", "--connection-string", "StoreId=abc")
    no_store = run_cli("status", "--settings-location", str(tmp_path / "s.txt"))
    unknown_mode = run_cli(
        "authorize-url", "--connection-string", oauth.connection_string(None, InitiateOAuth="SOMETIMES")
    )

    assert both.returncode == 2 and "either --conn-id or --connection-string" in both.stderr
    assert no_store.returncode == 2 and "StoreId (store_id) is missing" in no_store.stderr
    assert unknown_mode.returncode == 2 and "InitiateOAuth (initiate_oauth) 'SOMETIMES'" in unknown_mode.stderr


def test_nothing_authorized_exits_3_with_the_next_command(oauth, tmp_path: Path, run_cli) -> None:
    arguments = ("--connection-string", oauth.connection_string(tmp_path / "OAuthSettings.txt"))

    status = run_cli("status", *arguments)
    refresh = run_cli("refresh", *arguments, env=oauth.cli_env())

    assert status.returncode == 3 and json.loads(status.stdout)["authorized"] is False
    assert refresh.returncode == 3 and "airflow-bigcommerce oauth authorize-url --connection-string" in refresh.stderr


def test_a_token_endpoint_refusal_exits_4_without_echoing_the_secret(oauth, tmp_path: Path, run_cli) -> None:
    location = tmp_path / "OAuthSettings.txt"
    code = oauth.approved_code(oauth.properties(location))

    done = run_cli(
        "exchange",
        "--verifier",
        code,
        "--connection-string",
        oauth.connection_string(location),
        env={CLIENT_SECRET_ENV: "wrong-secret-4711"},
    )

    assert done.returncode == 4 and "check OAuthClientId and OAuthClientSecret" in done.stderr
    assert "wrong-secret-4711" not in done.stderr + done.stdout and code not in done.stderr + done.stdout
    assert not location.exists()


def test_a_damaged_settings_file_exits_5_and_is_left_alone(oauth, tmp_path: Path, run_cli) -> None:
    location = tmp_path / "OAuthSettings.txt"
    location.write_text("bc-oauth-settings.v1.garbage")

    done = run_cli("refresh", "--connection-string", oauth.connection_string(location), env=oauth.cli_env())

    assert done.returncode == 5 and "cannot be decrypted" in done.stderr
    assert location.read_text() == "bc-oauth-settings.v1.garbage"


def test_refresh_checks_the_token_and_a_revoked_one_exits_3(oauth, tmp_path: Path, run_cli, assert_no_secret) -> None:
    location = tmp_path / "OAuthSettings.txt"
    arguments = ("--connection-string", oauth.connection_string(location))
    code = oauth.approved_code(oauth.properties(location))
    assert run_cli("exchange", "--verifier", code, *arguments, env=oauth.cli_env()).returncode == 0

    healthy = run_cli("refresh", *arguments)
    oauth.sandbox.uninstall(oauth.client_id)
    revoked = run_cli("refresh", *arguments)
    status = run_cli("status", *arguments)

    assert healthy.returncode == 0 and json.loads(healthy.stdout)["last_check_result"] == "ok"
    assert revoked.returncode == 3 and "rejected (HTTP 401)" in revoked.stderr
    assert "airflow-bigcommerce oauth login" in revoked.stderr
    assert json.loads(status.stdout)["last_check_result"] == "rejected (HTTP 401)"
    for done in (healthy, revoked, status):
        assert_no_secret(done.stdout + done.stderr, oauth.client_secret, code)


def test_an_airflow_connection_is_read_with_conn_id(oauth, tmp_path: Path, run_cli) -> None:
    location = tmp_path / "OAuthSettings.txt"
    extras = {
        "auth_scheme": "OAuth",
        "store_id": oauth.sandbox.store_id,
        "oauth_client_id": oauth.client_id,
        "oauth_client_secret": oauth.client_secret,
        "callback_url": oauth.callback_url,
        "initiate_oauth": "REFRESH",
        "oauth_settings_location": str(location),
        "login_url": oauth.sandbox.login_url,
        "oauth_access_token": "",  # a blank form field counts as not given
    }
    extras["oauth_verifier"] = oauth.approved_code(oauth.properties(location))  # headless option 1, on the connection
    connection = json.dumps({"conn_type": "bigcommerce", "host": oauth.sandbox.base_url, "extra": extras})

    refreshed = run_cli("refresh", "--conn-id", "bc_shop", env={"AIRFLOW_CONN_BC_SHOP": connection})
    unknown = run_cli("status", "--conn-id", "no_such_connection")

    assert refreshed.returncode == 0, refreshed.stderr
    assert json.loads(refreshed.stdout)["action"] == "exchanged"
    assert json.loads(refreshed.stdout)["last_check_result"] == "ok"
    assert unknown.returncode == 2 and "Cannot read the Airflow connection 'no_such_connection'" in unknown.stderr


@pytest.mark.parametrize("next_step", list(NextStep))
@pytest.mark.parametrize("conn_id", ["bc_shop", None])
def test_every_suggested_command_parses_with_the_cli_itself(oauth, tmp_path: Path, next_step, conn_id) -> None:
    """The messages spell commands and flags; the parser is the judge, so a renamed flag fails here."""
    error = AuthorizationRequiredError(
        "x", code="nothing_saved", next_step=next_step, settings_location=str(tmp_path / "OAuthSettings.txt")
    )
    properties = oauth.properties(tmp_path / "OAuthSettings.txt")

    text = how_to_proceed(error, command_arguments(properties, conn_id))
    commands = [line.strip() for line in text.splitlines() if line.startswith("    airflow-bigcommerce oauth ")]

    assert commands, text
    for line in commands:
        build_parser().parse_args(shlex.split(line)[1:])  # argparse exits on an unknown command or flag
    assert oauth.client_secret not in text
