"""``airflow-bigcommerce oauth``: exit codes and messages a shell script can rely on, never a secret on stdout."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from airflow_provider_bigcommerce.cli.main import attach_opaque_values, build_parser
from airflow_provider_bigcommerce.core.auth.settings.crypto import KEY_ENV_VAR, settings_cipher
from airflow_provider_bigcommerce.core.errors import AuthorizationRequiredError, NextStep, SettingsStoreError
from airflow_provider_bigcommerce.messages.commands import (
    CLIENT_SECRET_ENV,
    PASSPHRASE_ENV,
    command_arguments,
    how_to_proceed,
)


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


def test_a_token_endpoint_refusal_exits_4_without_echoing_the_secret(
    oauth, tmp_path: Path, run_cli, assert_no_secret
) -> None:
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
    assert_no_secret(done.stderr + done.stdout, "wrong-secret-4711", code)
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
def test_every_suggested_command_parses_with_the_cli_itself(
    oauth, tmp_path: Path, next_step, conn_id, assert_no_secret
) -> None:
    """The messages spell commands and flags; the parser is the judge, so a renamed flag fails here."""
    error = AuthorizationRequiredError(
        "nothing_saved", next_step=next_step, settings_location=str(tmp_path / "OAuthSettings.txt")
    )
    properties = oauth.properties(tmp_path / "OAuthSettings.txt")

    text = how_to_proceed(error, command_arguments(properties, conn_id))
    commands = [line.strip() for line in text.splitlines() if line.startswith("    airflow-bigcommerce oauth ")]

    assert commands, text
    for line in commands:
        build_parser().parse_args(shlex.split(line)[1:])  # argparse exits on an unknown command or flag
    assert_no_secret(text, oauth.client_secret)


# ------------------------------------------------------------------------- a newcomer's first hour (issue 9)


def _suggested_commands(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("    airflow-bigcommerce oauth ")]


def _authorized(oauth, location: Path, run_cli) -> tuple[str, ...]:
    """Exchange an approved code into ``location``; returns the CLI arguments that name the app and location."""
    arguments = ("--connection-string", oauth.connection_string(location))
    code = oauth.approved_code(oauth.properties(location))
    assert run_cli("exchange", "--verifier", code, *arguments, env=oauth.cli_env()).returncode == 0
    return arguments


def test_a_connection_added_with_airflow_connections_add_is_read_by_conn_id(
    airflow_db, oauth, tmp_path: Path, run_cli
) -> None:
    """``airflow connections add`` writes the metadata database, which the SDK's lookup outside a task skips."""
    conn_id = f"bc_db_{tmp_path.name[-12:].lower()}".replace("-", "_")
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
        "oauth_verifier": oauth.approved_code(oauth.properties(location)),
    }
    connection = json.dumps({"conn_type": "bigcommerce", "host": oauth.sandbox.base_url, "extra": extras})
    added = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "connections", "add", conn_id, "--conn-json", connection],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert f"AIRFLOW_CONN_{conn_id.upper()}" not in os.environ

    refreshed = run_cli("refresh", "--conn-id", conn_id)
    status = run_cli("status", "--conn-id", conn_id)

    assert refreshed.returncode == 0, refreshed.stderr
    assert json.loads(refreshed.stdout)["action"] == "exchanged"
    assert status.returncode == 0 and json.loads(status.stdout)["store"] == oauth.sandbox.store_id


def test_status_with_nothing_saved_prints_the_authorizing_command_on_stderr(oauth, tmp_path: Path, run_cli) -> None:
    done = run_cli("status", "--connection-string", oauth.connection_string(tmp_path / "OAuthSettings.txt"))

    assert done.returncode == 3 and json.loads(done.stdout)["authorized"] is False
    commands = _suggested_commands(done.stderr)
    assert any(line.startswith("airflow-bigcommerce oauth login ") for line in commands), done.stderr
    assert any(line.startswith("airflow-bigcommerce oauth authorize-url ") for line in commands), done.stderr


@pytest.mark.parametrize("scheme", ["Oauth2", "PersonalAccessToken"])
def test_auth_scheme_in_a_connection_string_is_validated_like_the_connection(
    oauth, tmp_path: Path, run_cli, scheme
) -> None:
    text = oauth.connection_string(tmp_path / "OAuthSettings.txt", AuthScheme=scheme)

    done = run_cli("status", "--connection-string", text)

    assert done.returncode == 2 and "AuthScheme (auth_scheme)" in done.stderr, done.stderr
    assert not (tmp_path / "OAuthSettings.txt").exists()


def test_status_without_a_settings_location_names_it_and_not_a_mode_the_user_never_chose(oauth, run_cli) -> None:
    done = run_cli("status", "--connection-string", f"StoreId={oauth.sandbox.store_id}")

    assert done.returncode == 2
    assert "OAuthSettingsLocation (oauth_settings_location) is missing" in done.stderr
    assert "--settings-location" in done.stderr and "REFRESH" not in done.stderr


def test_read_only_status_without_any_key_says_none_is_configured(
    oauth, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV_VAR)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(SettingsStoreError) as caught:
        settings_cipher(environ={})

    done = run_cli("status", "--connection-string", oauth.connection_string(tmp_path / "OAuthSettings.txt"))

    assert caught.value.code == "no_key"
    assert done.returncode == 5 and "No key is configured" in done.stderr
    assert "to encrypt" not in done.stderr and PASSPHRASE_ENV in done.stderr


def test_exchange_of_a_mistyped_code_says_so_and_its_commands_keep_the_settings_location(
    oauth, tmp_path: Path, run_cli
) -> None:
    """The connection has no location of its own: the one passed with --settings-location must survive."""
    location = tmp_path / "OAuthSettings.txt"
    extras = {
        "auth_scheme": "OAuth",
        "store_id": oauth.sandbox.store_id,
        "oauth_client_id": oauth.client_id,
        "oauth_client_secret": oauth.client_secret,
        "callback_url": oauth.callback_url,
        "login_url": oauth.sandbox.login_url,
    }
    connection = json.dumps({"conn_type": "bigcommerce", "host": oauth.sandbox.base_url, "extra": extras})

    done = run_cli(
        "exchange",
        "--verifier",
        "not-a-code-4711",
        "--conn-id",
        "bc_typo",
        "--settings-location",
        str(location),
        env={"AIRFLOW_CONN_BC_TYPO": connection},
    )

    assert done.returncode == 3, done.stderr
    assert "already used, expired or mistyped" in done.stderr
    commands = _suggested_commands(done.stderr)
    assert commands, done.stderr
    for line in commands:
        assert f"--conn-id bc_typo --settings-location {location}" in line, line
        build_parser().parse_args(shlex.split(line)[1:])


def test_a_code_that_begins_with_a_dash_is_read_as_the_verifier_not_as_an_option(
    oauth, tmp_path: Path, run_cli
) -> None:
    """URL-safe codes may begin with "-": ``--verifier -x...`` must reach the token endpoint, not stop at argparse."""
    location = tmp_path / "OAuthSettings.txt"
    arguments = ("--connection-string", oauth.connection_string(location))

    done = run_cli("exchange", "--verifier", "-not-a-code-4711", *arguments, env=oauth.cli_env())

    assert done.returncode == 3, done.stderr
    assert "already used, expired or mistyped" in done.stderr


def test_only_an_unknown_dash_word_after_verifier_is_attached_to_it() -> None:
    parser = build_parser()

    assert attach_opaque_values(["oauth", "exchange", "--verifier", "-abc", "--conn-id", "x"], parser) == [
        "oauth",
        "exchange",
        "--verifier=-abc",
        "--conn-id",
        "x",
    ]
    assert attach_opaque_values(["oauth", "exchange", "--verifier", "--conn-id", "x"], parser)[2] == "--verifier"
    assert attach_opaque_values(["oauth", "exchange", "--verifier", "-"], parser)[2:] == ["--verifier", "-"]


def test_import_with_the_wrong_key_points_to_its_own_from_passphrase_env(oauth, tmp_path: Path, run_cli) -> None:
    (tmp_path / "here").mkdir()
    arguments = _authorized(oauth, tmp_path / "here" / "OAuthSettings.txt", run_cli)
    copy = tmp_path / "copy.txt"
    exported = run_cli(
        "export", *arguments, "--output", str(copy), "--to-passphrase-env", "MOVE_PW", env={"MOVE_PW": "pw-1"}
    )
    there = ("--connection-string", oauth.connection_string(tmp_path / "there.txt"))

    wrong = run_cli("import", *there, "--input", str(copy))
    right = run_cli("import", *there, "--input", str(copy), "--from-passphrase-env", "MOVE_PW", env={"MOVE_PW": "pw-1"})

    assert exported.returncode == 0, exported.stderr
    assert wrong.returncode == 5 and "--from-passphrase-env" in wrong.stderr, wrong.stderr
    assert right.returncode == 0, right.stderr
    assert json.loads(right.stdout)["authorized"] is True


def test_import_replaces_saved_settings_only_with_force_as_export_does(oauth, tmp_path: Path, run_cli) -> None:
    (tmp_path / "a").mkdir()
    source = _authorized(oauth, tmp_path / "a" / "OAuthSettings.txt", run_cli)
    copy = tmp_path / "copy.txt"
    assert run_cli("export", *source, "--output", str(copy)).returncode == 0
    (tmp_path / "b").mkdir()
    target = _authorized(oauth, tmp_path / "b" / "OAuthSettings.txt", run_cli)
    before = (tmp_path / "b" / "OAuthSettings.txt").read_bytes()

    refused = run_cli("import", *target, "--input", str(copy))
    unchanged = (tmp_path / "b" / "OAuthSettings.txt").read_bytes()
    forced = run_cli("import", *target, "--input", str(copy), "--force")
    export_again = run_cli("export", *source, "--output", str(copy))

    assert refused.returncode == 2 and "--force" in refused.stderr
    assert unchanged == before
    assert forced.returncode == 0, forced.stderr
    assert export_again.returncode == 2 and "--force" in export_again.stderr


def test_authorize_url_explains_the_unreachable_page_and_where_the_code_goes(oauth, tmp_path: Path, run_cli) -> None:
    location = tmp_path / "OAuthSettings.txt"

    done = run_cli("authorize-url", "--connection-string", oauth.connection_string(location))

    assert done.returncode == 0
    assert done.stdout.strip().startswith(oauth.sandbox.login_url) and len(done.stdout.strip().splitlines()) == 1
    assert "code=" in done.stderr and "address bar" in done.stderr
    (exchange,) = _suggested_commands(done.stderr)
    assert exchange.startswith("airflow-bigcommerce oauth exchange --verifier -") and str(location) in exchange
    build_parser().parse_args(shlex.split(exchange)[1:])


def test_login_without_a_browser_says_where_it_listens_for_how_long_and_how_to_forward(
    oauth, tmp_path: Path, run_cli
) -> None:
    port = urlsplit(oauth.callback_url).port
    arguments = ("--connection-string", oauth.connection_string(tmp_path / "OAuthSettings.txt", InitiateOAuth=None))

    done = run_cli("login", "--no-browser", "--timeout", "1", *arguments, env=oauth.cli_env())

    assert done.returncode == 4  # nobody approved within the second
    assert oauth.callback_url in done.stderr and "for 1 s" in done.stderr
    assert f"ssh -N -L {port}:localhost:{port} " in done.stderr
    assert any(line.startswith(oauth.sandbox.login_url) for line in done.stderr.splitlines()), done.stderr


def test_a_dead_api_host_is_one_short_sentence_naming_the_url(oauth, tmp_path: Path, run_cli, unused_port) -> None:
    location = tmp_path / "OAuthSettings.txt"
    _authorized(oauth, location, run_cli)
    dead = f"http://127.0.0.1:{unused_port}"

    done = run_cli("refresh", "--connection-string", oauth.connection_string(location, URL=dead))

    assert done.returncode == 1
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("error:")]  # the retries log above it
    assert error.startswith(f"error: Cannot reach BigCommerce at {dead}:") and len(error) < 300, done.stderr
    assert "urllib3" not in done.stderr and "HTTPConnectionPool" not in done.stderr


def test_a_store_that_does_not_exist_at_the_api_url_is_named_by_store_id(
    oauth, expiring_sandbox, tmp_path: Path, run_cli
) -> None:
    """Another lookalike stands in for an API host that has no store with this hash: it answers 404."""
    location = tmp_path / "OAuthSettings.txt"
    _authorized(oauth, location, run_cli)

    done = run_cli("refresh", "--connection-string", oauth.connection_string(location, URL=expiring_sandbox.base_url))

    assert done.returncode == 1
    assert "404" in done.stderr and f"StoreId (store_id) '{oauth.sandbox.store_id}'" in done.stderr, done.stderr


def test_the_export_command_reads_the_settings_passphrase_from_env_as_the_oauth_commands_do(
    oauth, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch, assert_no_secret
) -> None:
    monkeypatch.delenv(KEY_ENV_VAR)  # the passphrase is the only key
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    location = tmp_path / "OAuthSettings.txt"
    connection = oauth.connection_string(location)
    code = oauth.approved_code(oauth.properties(location))
    exchanged = run_cli("exchange", "--verifier", code, "--connection-string", connection, env=oauth.cli_env())

    done = subprocess.run(
        [sys.executable, "-m", "airflow_provider_bigcommerce.cli.main", "export", "brands", "--full"]
        + ["--destination", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "BIGCOMMERCE_CONNECTION_STRING": connection},
    )

    assert exchanged.returncode == 0, exchanged.stderr
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resource"] == "brands"
    assert_no_secret(done.stdout + done.stderr, "correct horse battery staple")
