"""``airflow-bigcommerce oauth ...``: authorize a custom app, exchange a code, refresh, inspect and move settings.

Results go to stdout (a URL, or JSON without secrets); messages go to stderr; the exit code says what happened.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Collection
from typing import Any

from airflow_provider_bigcommerce.core.auth.desktop_flow import callback_address
from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource
from airflow_provider_bigcommerce.core.auth.settings.crypto import PASSPHRASE, SettingsCipher, SettingsKey, parse_keys
from airflow_provider_bigcommerce.core.auth.settings.file_store import (
    FileSettingsStore,
    read_settings_file,
    write_settings_file,
)
from airflow_provider_bigcommerce.core.auth.token_check import check_token
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_authorization_url
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    BigCommerceError,
    OAuthError,
    PropertyError,
    SettingsStoreError,
)
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import (
    FIELD_TO_DRIVER,
    AuthScheme,
    ConnectionProperties,
    InitiateOAuth,
    canonical_name,
    parse_connection_string,
)
from airflow_provider_bigcommerce.messages.commands import (
    CLIENT_SECRET_ENV,
    PASSPHRASE_ENV,
    command,
    command_arguments,
    how_to_proceed,
)
from airflow_provider_bigcommerce.messages.problems import api_problem
from airflow_provider_bigcommerce.messages.settings import import_key_problem, settings_problem

"""Where the CLI takes secrets from when the connection does not hold them: never from the command line."""
SECRET_ENVS = (("oauth_client_secret", CLIENT_SECRET_ENV), ("oauth_settings_passphrase", PASSPHRASE_ENV))

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTHORIZATION_REQUIRED = 3
EXIT_OAUTH = 4
EXIT_SETTINGS = 5

EPILOG = f"""\
properties:
  from --conn-id (an Airflow connection), or --connection-string 'StoreId=abc;OAuthClientId=...;...',
  or the flags below; flags override. Secrets stay off the command line: when the connection does not
  hold them, the client secret is read from env {CLIENT_SECRET_ENV} and the settings
  passphrase from env {PASSPHRASE_ENV}. The settings file's key may also come from
  env BIGCOMMERCE_OAUTH_SETTINGS_KEY or AIRFLOW__CORE__FERNET_KEY.

exit codes:
  0  done
  1  another BigCommerce error (API, network)
  2  usage or property error (the message names the property)
  3  authorization required: nothing usable is saved, the code was already used, or the token was revoked;
     the message gives the command that authorizes
  4  OAuth error: the token endpoint or the browser flow failed (denied, state mismatch, timeout, bad client)
  5  settings store error: the settings file is unreadable, damaged, encrypted with another key, saved for
     another store, or not writable; it was left unchanged
  130 interrupted
"""


class UsageError(Exception):
    """A command line that cannot work; exit code 2."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``oauth`` on a parent parser's subparsers; dispatch with ``args.handler(args)``."""
    parser = subparsers.add_parser(
        "oauth",
        help="authorize a BigCommerce custom app and manage its saved OAuth settings",
        description="Authorize a BigCommerce custom app (AuthScheme=OAuth) and manage OAuthSettingsLocation.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="oauth_command", required=True, metavar="COMMAND")
    common = _property_options()

    def add_command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    authorize_url = add_command("authorize-url", "print the URL that asks the merchant to approve the app")
    authorize_url.add_argument("--install", action="store_true", help="the app's install page instead")
    authorize_url.add_argument("--state", help="a state value to carry through the redirect")

    login = add_command("login", "desktop flow: approve in a browser, catch the code on CallbackURL, save the token")
    login.add_argument("--no-browser", action="store_true", help="only print the URL (open it anywhere)")
    login.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the browser (300)")

    exchange = add_command("exchange", "headless option 1: exchange a code from a browser elsewhere, once, and save")
    exchange.add_argument("--verifier", required=True, metavar="CODE", help="the redirect's code ('-': stdin)")

    refresh = add_command("refresh", "make the saved token good now: exchange, refresh, or check it with one API call")
    refresh.add_argument("--no-check", action="store_true", help="skip the API call")
    refresh.add_argument("--min-validity", type=float, metavar="S", help="refresh if it expires within S seconds")

    add_command("status", "show what is saved (never a secret); exit 3 when nothing usable is")

    export = add_command("export", "headless option 2: copy the saved settings to a file for another machine")
    export.add_argument("--output", required=True, metavar="PATH")
    export.add_argument("--force", action="store_true", help="replace PATH if it exists")
    _key_options(export, "to", "encrypt the copy with")

    import_ = add_command("import", "save settings exported on another machine into OAuthSettingsLocation")
    import_.add_argument("--input", required=True, metavar="PATH")
    import_.add_argument("--force", action="store_true", help="replace settings already saved at the location")
    _key_options(import_, "from", "the file is encrypted with")

    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the parsed ``oauth`` command; print what went wrong to stderr and return the exit code."""
    try:
        return _COMMANDS[args.oauth_command](args)
    except UsageError as exc:
        return _fail(EXIT_USAGE, exc)
    except PropertyError as exc:
        return _fail(EXIT_USAGE, api_problem(exc, None))
    except AuthorizationRequiredError as exc:
        return _fail(EXIT_AUTHORIZATION_REQUIRED, f"{api_problem(exc, None)} {how_to_proceed(exc, _arguments(args))}")
    except OAuthError as exc:
        return _fail(EXIT_OAUTH, api_problem(exc, None))
    except SettingsStoreError as exc:
        return _fail(EXIT_SETTINGS, settings_problem(exc, command_line=True))
    except BigCommerceError as exc:
        return _fail(EXIT_FAILED, api_problem(exc, getattr(args, "resolved_properties", None)))
    except KeyboardInterrupt:
        return _fail(130, "interrupted; nothing more was saved")


# -------------------------------------------------------------------------------------------------- commands


def _authorize_url(args: argparse.Namespace) -> int:
    # A URL needs only the app's client id: no settings location, no secret (InitiateOAuth=OFF, the web app's mode).
    properties, _, _ = _properties(args, InitiateOAuth.OFF)
    print(get_oauth_authorization_url(properties, state=args.state, install=args.install), flush=True)
    _say(
        f"Open the URL in any browser and approve the app. The browser then goes to CallbackURL "
        f"({properties.callback_url}); when nothing listens there it shows an error page such as 'This site can't "
        "be reached'. That is expected: copy the value after 'code=' in its address bar (up to the next '&') and "
        f"pass it, within a few minutes and once, to{_command_line('exchange', _arguments(args), '--verifier', '-')}"
        "and paste the code on its input (or use --verifier CODE)."
    )
    return EXIT_OK


def _login(args: argparse.Namespace) -> int:
    source = _token_source(args, InitiateOAuth.GETANDREFRESH, interactive=True)
    callback_url = source.properties.callback_url
    port = callback_address(callback_url).port

    def show_url(url: str) -> None:
        _say(
            f"Open this URL in a browser and approve the app:\n{url}\n"
            f"Listening on CallbackURL {callback_url} (this machine's loopback, port {port}) for "
            f"{args.timeout:.0f} s. If the browser runs on another machine, forward the port first, from that "
            f"machine:\n    ssh -N -L {port}:localhost:{port} USER@THIS_HOST\nthen open the URL there. Without a "
            "way to forward it, use 'oauth authorize-url' and 'oauth exchange' instead."
        )

    settings = source.authorize_interactively(
        open_browser=not args.no_browser, show_url=show_url if args.no_browser else None, timeout_s=args.timeout
    )
    _say(f"Authorized store {settings.store_id}; saved to {source.store.location}.")
    return _print(source.status(settings))


def _exchange(args: argparse.Namespace) -> int:
    verifier = sys.stdin.readline().strip() if args.verifier == "-" else args.verifier.strip()
    if not verifier:
        raise UsageError("--verifier is empty: pass the code from the redirect URL (or '-' and the code on stdin).")
    source = _token_source(args, InitiateOAuth.REFRESH, verifier=verifier)
    return _print(source.ensure_valid())


def _refresh(args: argparse.Namespace) -> int:
    source = _token_source(args, InitiateOAuth.REFRESH)
    if args.no_check:
        return _print(source.ensure_valid(min_validity_s=args.min_validity))
    with BigCommerceClient(source.properties, source) as client:
        return _print(source.ensure_valid(lambda: check_token(client), min_validity_s=args.min_validity))


def _status(args: argparse.Namespace) -> int:
    source = _token_source(args, InitiateOAuth.REFRESH, read_only=True)
    status = source.status()
    _print(status)
    if status["authorized"] and not status.get("expired"):
        return EXIT_OK
    try:
        source.access_token()  # read-only: raises what a person must do, judged by the token source
    except AuthorizationRequiredError as exc:
        return _fail(EXIT_AUTHORIZATION_REQUIRED, f"{api_problem(exc, None)} {how_to_proceed(exc, _arguments(args))}")
    return EXIT_OK  # saved by another process since status() read it


def _export(args: argparse.Namespace) -> int:
    store, source = _file_store(args)
    settings = store.load()
    if settings is None:
        raise AuthorizationRequiredError(
            "nothing_saved",
            property_name="OAuthSettingsLocation",
            store_id=source.properties.store_id,
            settings_location=store.location,
        )
    if os.path.exists(args.output) and not args.force:
        raise UsageError(f"{args.output} exists; pass --force to replace it.")
    cipher = _cipher_from_env(args.to_key_env, args.to_passphrase_env) or store.cipher
    write_settings_file(os.path.abspath(args.output), settings, cipher, salt=os.urandom(16))
    _say(f"Exported the settings of store {settings.store_id} to {args.output}, encrypted with {cipher.description}.")
    return _print({"exported": args.output, "store": settings.store_id, "encrypted_with": cipher.description})


def _import(args: argparse.Namespace) -> int:
    store, source = _file_store(args)
    cipher = _cipher_from_env(args.from_key_env, args.from_passphrase_env) or store.cipher
    try:
        settings = read_settings_file(os.path.abspath(args.input), cipher)
    except SettingsStoreError as exc:
        if exc.code not in ("wrong_key", "key_missing"):
            raise
        return _fail(EXIT_SETTINGS, import_key_problem(args.input, cipher.description))
    if settings is None:
        raise UsageError(f"{args.input} does not exist or is empty.")
    if not args.force and store.load() is not None:
        raise UsageError(f"{store.location} already holds saved settings; pass --force to replace them.")
    store.adopt(settings)
    _say(f"Imported the settings of store {settings.store_id} into {store.location}.")
    return _print(source.status())


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "authorize-url": _authorize_url,
    "login": _login,
    "exchange": _exchange,
    "refresh": _refresh,
    "status": _status,
    "export": _export,
    "import": _import,
}


# ------------------------------------------------------------------------------------------------ properties


PROPERTY_FLAGS = (
    ("--store-id", "store_id", "StoreId: the store hash"),
    ("--client-id", "oauth_client_id", "OAuthClientId"),
    ("--callback-url", "callback_url", "CallbackURL (default http://localhost:33333)"),
    ("--scope", "scope", "Scope, space separated"),
    ("--settings-location", "oauth_settings_location", "OAuthSettingsLocation: the settings file"),
    ("--login-url", "login_url", "LoginURL: the OAuth host (default https://login.bigcommerce.com)"),
    ("--api-url", "api_url", "URL: the API host (default https://api.bigcommerce.com)"),
)
"""(flag, property field, help): the properties a flag may set, each stored as ``args.property_<field>``."""


def _property_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    source = common.add_argument_group("connection")
    source.add_argument("--conn-id", help="read the properties from this Airflow connection")
    source.add_argument("--connection-string", metavar="'Key=Value;...'", help="the driver's connection string")
    flags = common.add_argument_group("properties (override the connection)")
    for flag, field, help_text in PROPERTY_FLAGS:
        flags.add_argument(flag, dest=f"property_{field}", metavar=FIELD_TO_DRIVER[field], help=help_text)
    return common


def _key_options(parser: argparse.ArgumentParser, direction: str, verb: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        f"--{direction}-key-env", metavar="NAME", help=f"{verb} the key(s) in env NAME (default: this machine's key)"
    )
    group.add_argument(f"--{direction}-passphrase-env", metavar="NAME", help=f"{verb} the passphrase in env NAME")


def _properties(
    args: argparse.Namespace, mode: InitiateOAuth, **extra: str
) -> tuple[ConnectionProperties, str | None, str | None]:
    """``(properties, conn_id, Airflow fernet key)`` with AuthScheme=OAuth; ``mode`` unless the connection has one."""
    if args.conn_id and args.connection_string:
        raise UsageError("Give either --conn-id or --connection-string, not both.")
    fernet_key = None
    base: dict[str, Any] = {}
    if args.conn_id:
        base, fernet_key = airflow_connection(args.conn_id)
    elif args.connection_string:
        base = parse_connection_string(args.connection_string)
    overrides: dict[str, Any] = {
        name.removeprefix("property_"): value
        for name, value in vars(args).items()
        if name.startswith("property_") and value is not None
    }
    overrides.update(extra)
    given = {canonical_name(key): value for key, value in base.items() if value not in (None, "")}
    scheme = str(given.get("auth_scheme", AuthScheme.OAUTH.value)).strip()
    if scheme.lower() == AuthScheme.PERSONAL_ACCESS_TOKEN.value.lower():
        raise PropertyError(
            "not_oauth",
            "AuthScheme",
            "auth_scheme",
            needed_for="oauth_commands",
            auth_scheme=AuthScheme.PERSONAL_ACCESS_TOKEN.value,
        )
    overrides.setdefault("auth_scheme", scheme)  # an unknown scheme fails below, as on the connection
    given_mode = given.get("initiate_oauth")
    if given_mode is None or str(given_mode).strip().upper() == InitiateOAuth.OFF:
        overrides["initiate_oauth"] = mode.value  # a connection's own GETANDREFRESH/REFRESH is kept
        if mode is not InitiateOAuth.OFF and not overrides.get(
            "oauth_settings_location", given.get("oauth_settings_location")
        ):
            # The user chose no InitiateOAuth: say what this command needs, not what the mode it got needs.
            raise PropertyError(
                "missing", "OAuthSettingsLocation", "oauth_settings_location", needed_for="oauth_commands"
            )
    overrides.update(secrets_from_env(given))
    properties = ConnectionProperties.from_mapping(_merged(base, overrides))
    args.resolved_properties = properties  # what an "authorization required" message may repeat, minus secrets
    return properties, args.conn_id, fernet_key


def secrets_from_env(given: Collection[str]) -> dict[str, str]:
    """The secrets the connection lacks (``given``: the field names it sets), from their env variables."""
    return {field: os.environ[env] for field, env in SECRET_ENVS if os.environ.get(env) and field not in given}


def _token_source(
    args: argparse.Namespace,
    mode: InitiateOAuth,
    *,
    read_only: bool = False,
    interactive: bool = False,
    verifier: str | None = None,
) -> OAuthTokenSource:
    extra = {"oauth_verifier": verifier} if verifier else {}
    properties, _, fernet_key = _properties(args, mode, **extra)
    return OAuthTokenSource(properties, read_only=read_only, interactive=interactive, fernet_key=fernet_key)


def _file_store(args: argparse.Namespace) -> tuple[FileSettingsStore, OAuthTokenSource]:
    """The settings file, and a read-only token source on it (for its status)."""
    source = _token_source(args, InitiateOAuth.REFRESH, read_only=True)
    if not isinstance(source.store, FileSettingsStore):
        raise UsageError("export and import need OAuthSettingsLocation to be a file, not memory://.")
    return source.store, source


def _cipher_from_env(key_env: str | None, passphrase_env: str | None) -> SettingsCipher | None:
    name = key_env or passphrase_env
    if not name:
        return None
    value = os.environ.get(name, "").strip()
    if not value:
        raise UsageError(f"env {name} is empty or not set.")
    if key_env:
        return SettingsCipher(parse_keys(value, f"env {name}"))
    return SettingsCipher([SettingsKey(PASSPHRASE, value.encode(), f"the passphrase in env {name}")])


def airflow_connection(conn_id: str) -> tuple[dict[str, Any], str | None]:
    """The raw property values of an Airflow connection, and Airflow's fernet key (a settings-file key source).

    Shared by every command that takes ``--conn-id``; a connection Airflow cannot find is a ``UsageError``.
    """
    try:
        from airflow_provider_bigcommerce.hooks.connection_properties import airflow_fernet_key, connection_values
    except ImportError:
        raise UsageError("--conn-id needs Apache Airflow in this environment; use --connection-string.") from None
    try:
        connection = _read_connection(conn_id)
    except Exception as exc:  # Airflow raises several types for a missing or unreadable connection
        raise UsageError(
            f"Cannot read the Airflow connection '{conn_id}' ({type(exc).__name__}): it is not in a secrets "
            f"backend, env AIRFLOW_CONN_{conn_id.upper()} or the metadata database this environment's Airflow "
            "configuration points at (check AIRFLOW_HOME and `airflow connections get ID`)."
        ) from None
    return connection_values(connection), airflow_fernet_key()


def _read_connection(conn_id: str) -> Any:
    """The connection as ``airflow connections get`` finds it: secrets backends, env, then the metadata database.

    Outside a task the SDK's ``BaseHook.get_connection`` skips the metadata database, where ``airflow connections
    add`` and the UI store connections. A worker-only install (the Task SDK without airflow-core) has only the SDK.
    """
    try:
        from airflow.models.connection import Connection
    except ImportError:
        from airflow.providers.common.compat.sdk import BaseHook

        return BaseHook.get_connection(conn_id)
    # The Airflow CLI marks itself a server process so that its secrets lookup includes the metadata database.
    os.environ.setdefault("_AIRFLOW_PROCESS_CONTEXT", "server")
    # Airflow logs to stdout, which carries only our result: quiet it for the lookup, as `airflow connections get`
    # does (a missing fernet key, for one, is logged as a warning on every read).
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Connection.get_connection_from_secrets(conn_id)
    finally:
        logging.disable(logging.NOTSET)


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` in any spelling, with the properties named in ``overrides`` (field names) replaced."""
    return {**{key: value for key, value in base.items() if canonical_name(key) not in overrides}, **overrides}


# ------------------------------------------------------------------------ what to run when authorization is due


def _arguments(args: argparse.Namespace) -> str:
    """The connection part of commands suggested to the user of ``args``: what they passed, minus secrets."""
    flags: list[str] = []
    for flag, field, _ in PROPERTY_FLAGS:
        if (value := getattr(args, f"property_{field}", None)) is not None:
            flags += [flag, value]
    return command_arguments(getattr(args, "resolved_properties", None), args.conn_id, tuple(flags))


def _command_line(name: str, arguments: str, *options: str) -> str:
    return f"\n    {command(name, arguments, *options)}\n"


# -------------------------------------------------------------------------------------------------- output


def _print(result: dict[str, Any]) -> int:
    print(json.dumps(result, indent=2))
    return EXIT_OK


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fail(code: int, error: object) -> int:
    print(f"error: {error}", file=sys.stderr, flush=True)
    return code
