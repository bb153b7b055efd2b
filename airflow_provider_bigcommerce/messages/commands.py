"""The commands a person is told to run: the CLI's messages, the hook's task-log lines and the Test button all
suggest them this way."""

from __future__ import annotations

import shlex

from airflow_provider_bigcommerce.core.errors import AuthorizationRequiredError, NextStep
from airflow_provider_bigcommerce.core.properties import (
    DEFAULT_API_URL,
    DEFAULT_LOGIN_URL,
    DEFAULT_SCOPE,
    ConnectionProperties,
)

PROGRAM = "airflow-bigcommerce"
CLIENT_SECRET_ENV = "BIGCOMMERCE_OAUTH_CLIENT_SECRET"
PASSPHRASE_ENV = "BIGCOMMERCE_OAUTH_SETTINGS_PASSPHRASE"


def command(name: str, arguments: str, *options: str) -> str:
    """One ``airflow-bigcommerce oauth`` command line for a message (the hook's messages use it too)."""
    return " ".join((PROGRAM, "oauth", name, *options, arguments))


def command_arguments(properties: ConnectionProperties | None, conn_id: str | None, flags: tuple[str, ...] = ()) -> str:
    """The connection part of a suggested command: ``--conn-id`` and the property ``flags`` the user passed with
    it, or the properties without their secrets."""
    if conn_id:
        return " ".join((f"--conn-id {shlex.quote(conn_id)}", *(shlex.quote(flag) for flag in flags)))
    if properties is None:
        return "--connection-string ..."
    pairs = {
        "AuthScheme": "OAuth",
        "StoreId": properties.store_id,
        "OAuthClientId": properties.oauth_client_id,
        "CallbackURL": properties.callback_url,
        "Scope": properties.scope if properties.scope != DEFAULT_SCOPE else None,
        "OAuthSettingsLocation": properties.oauth_settings_location,
        "LoginURL": properties.login_url if properties.login_url != DEFAULT_LOGIN_URL else None,
        "URL": properties.api_url if properties.api_url != DEFAULT_API_URL else None,
    }
    text = ";".join(f"{key}={_quoted(value)}" for key, value in pairs.items() if value)
    return f"--connection-string {shlex.quote(text)}"


def how_to_proceed(error: AuthorizationRequiredError, arguments: str) -> str:
    """What to run for ``error.next_step``, one command per line; ``arguments`` from :func:`command_arguments`."""

    def run(name: str, *options: str) -> str:
        return f"\n    {command(name, arguments, *options)}\n"

    if error.next_step is NextStep.EXCHANGE_VERIFIER:
        text = f"To exchange it, run:{run('refresh')}"
    elif error.next_step is NextStep.IMPORT_SETTINGS:
        text = (
            f"Authorize once where a browser is available:{run('login')}then bring the settings to "
            f"{error.settings_location} ('oauth export' there, 'oauth import' here) unless that location is shared."
        )
    else:
        text = (
            f"To authorize, either run where a browser is available:{run('login')}(then 'oauth export'/'oauth import' "
            f"the settings file if that is another machine), or open the URL from{run('authorize-url')}in any "
            f"browser, approve, and pass the redirect's code to{run('exchange', '--verifier', 'CODE')}"
            "(or set OAuthVerifier to it)."
        )
        if error.next_step is NextStep.ADD_SCOPE:
            text = f"Add the missing scope to the app and to Scope first. {text}"
    if arguments.startswith("--connection-string"):
        text += "" if text.endswith("\n") else " "
        text += f"The client secret comes from env {CLIENT_SECRET_ENV}, a passphrase from env {PASSPHRASE_ENV}."
    return text


def airflow_next_step(error: AuthorizationRequiredError, conn_id: str | None) -> str:
    """What to do for an Airflow connection (None: the Test button's throwaway one), on one line; the CLI says it
    with :func:`how_to_proceed`."""
    arguments = command_arguments(None, conn_id or "CONN_ID")
    connection = f"connection '{conn_id}'" if conn_id else "the connection"

    def run(name: str) -> str:
        return f"`{command(name, arguments)}`"

    if error.next_step is NextStep.EXCHANGE_VERIFIER:
        return f"Run BigCommerceRefreshTokenOperator (or {run('refresh')}) to exchange it."
    if error.next_step is NextStep.IMPORT_SETTINGS:
        return (
            f"Airflow workers have no browser: run {run('login')} on a machine with one, and make the settings "
            f"reach {error.settings_location} (a shared location, or 'oauth export' there and 'oauth import' here)."
        )
    text = (
        f"Authorize the app for {connection}: run {run('login')} where a browser is available, or open the URL "
        f"from {run('authorize-url')}, approve, and set the redirect's code as OAuthVerifier on the connection; "
        "the next BigCommerceRefreshTokenOperator run exchanges it."
    )
    if error.next_step is NextStep.ADD_SCOPE:
        return f"Add the missing scope to the app and to Scope on {connection} first. {text}"
    return text


def _quoted(value: str) -> str:
    return f'"{value}"' if any(char in value for char in ";='\" ") else value
