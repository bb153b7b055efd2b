"""``airflow-bigcommerce export RESOURCE``: one export without Airflow, through the same core as the operator.

The manifest goes to stdout as JSON (the operator's XCom, the same keys); progress and errors go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow_provider_bigcommerce.cli.oauth import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    airflow_connection,
    secrets_from_env,
)
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.errors import BigCommerceError, ExportError, PropertyError
from airflow_provider_bigcommerce.core.export.files import COMPRESSIONS, FILE_FORMATS
from airflow_provider_bigcommerce.core.export.resources import RESOURCES
from airflow_provider_bigcommerce.core.export.resources import resource_for as catalogue_resource
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window, WindowNotSettled
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties, canonical_name, parse_connection_string
from airflow_provider_bigcommerce.messages.commands import CLIENT_SECRET_ENV, PASSPHRASE_ENV
from airflow_provider_bigcommerce.messages.export import export_problem
from airflow_provider_bigcommerce.messages.problems import api_problem

CONNECTION_ENV = "BIGCOMMERCE_CONNECTION_STRING"
PACKAGE_LOGGER = "airflow_provider_bigcommerce"

EPILOG = f"""\
resources: {", ".join(RESOURCES)} (or any list with --path v2/... or v3/...).

The connection: --conn-id ID reads an Airflow connection (secrets backend, env AIRFLOW_CONN_ID or the metadata
database), as the oauth commands do. Without Airflow, a connection string holds the token
(AuthScheme=PersonalAccessToken;StoreId=...;OAuthAccessToken=...;URL=...), or an OAuth app's settings location;
to keep the token off the command line, put the string in env {CONNECTION_ENV}. As for the oauth commands, a
settings passphrase or client secret the connection does not hold is read from env {PASSPHRASE_ENV} or
{CLIENT_SECRET_ENV}.
--since/--until are ISO 8601; without a timezone they are read as UTC.

An incremental window is read only SettleSeconds (a connection property, default 300) after --until, so that
records written in its last moments, which BigCommerce may list a little later, are in the file: the command waits
that long at most, saying so on stderr (Ctrl-C stops it; nothing is written). An --until so far ahead that the wait
would be longer is refused. SettleSeconds=0 reads at once.

exit codes: 0 done, 1 a BigCommerce error (API, network, paging), 2 usage, property or destination error,
130 interrupted.
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export",
        help="export one resource to newline-delimited JSON or typed Parquet, without Airflow",
        description="Export one BigCommerce resource to DESTINATION/RESOURCE/..., and print the manifest as JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="RESOURCE", help="a catalogue resource, or a name for --path")
    parser.add_argument("--conn-id", help="read the properties from this Airflow connection")
    parser.add_argument("--connection-string", metavar="'Key=Value;...'", help=f"default: env {CONNECTION_ENV}")
    parser.add_argument("--destination", required=True, metavar="DIR", help="a folder, or a URL such as s3://...")
    parser.add_argument("--since", metavar="ISO8601", help="window start (inclusive)")
    parser.add_argument("--until", metavar="ISO8601", help="window end (exclusive)")
    parser.add_argument("--full", action="store_true", help="read every record even where a date filter exists")
    parser.add_argument(
        "--format",
        dest="file_format",
        choices=FILE_FORMATS,
        default="ndjson",
        help="ndjson (the API's records as written) or parquet (typed columns; needs pyarrow: the [parquet] extra)",
    )
    parser.add_argument("--compression", choices=COMPRESSIONS, help="compress an NDJSON file")
    parser.add_argument("--deletions", action="store_true", help="also write the resource's tombstones")
    parser.add_argument(
        "--no-incomplete-orders",
        dest="incomplete_orders",
        action="store_false",
        help="leave out orders in status Incomplete (0): checkouts stopped at the payment page",
    )
    parser.add_argument("--path", help="read this list instead of a catalogue resource (v2/... or v3/...)")
    parser.add_argument(
        "--date-filter",
        nargs=2,
        metavar=("MIN", "MAX"),
        help="with --path: the list's date filter parameters, e.g. date_modified:min date_modified:max",
    )
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="an extra query parameter")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        manifest = _export(args)
    except UsageError as error:
        return _fail(EXIT_USAGE, error)
    except PropertyError as error:
        return _fail(EXIT_USAGE, api_problem(error, None))
    except ExportError as error:  # a DestinationError too
        return _fail(EXIT_USAGE, export_problem(error, command_line=True))
    except BigCommerceError as error:
        return _fail(EXIT_FAILED, api_problem(error, getattr(args, "resolved_properties", None)))
    except KeyboardInterrupt:
        return _fail(130, "interrupted; the destination keeps its previous file")
    print(json.dumps(manifest, indent=2))
    return EXIT_OK


def _export(args: argparse.Namespace) -> dict[str, Any]:
    client_for_args = connect(args)
    resource = catalogue_resource(
        args.resource, path=args.path, params=_params(args.param), date_modified_params=args.date_filter
    )
    window = window_from(args.since, args.until)
    if window is None and not args.full and resource.incremental:
        raise UsageError(f"{resource.name} is read incrementally: give --since and --until, or --full for a full read.")
    log_progress_to_stderr()
    with client_for_args() as client:

        def export() -> dict[str, Any]:
            return export_resource(
                client,
                resource,
                _destination(args.destination),
                window=window,
                incremental=not args.full,
                compression=args.compression,
                deletions=args.deletions,
                incomplete_orders=args.incomplete_orders,
                file_format=args.file_format,
            )

        try:
            return export()
        except WindowNotSettled as wait:
            _wait_until_settled(wait)
        return export()


def _wait_until_settled(wait: WindowNotSettled) -> None:
    """Sleep until the window may be read, at most SettleSeconds: the caller asked for a window that just ended and
    wants its file, not an error to retry. A longer wait means --until lies ahead: refused instead."""
    seconds = (wait.ready_at - datetime.now(UTC)).total_seconds()
    if seconds > wait.settle_s:
        raise UsageError(
            f"--until {wait.window.end.isoformat()} lies ahead: its window can be read from "
            f"{wait.ready_at.isoformat()} on, {seconds:.0f} s from now (SettleSeconds={wait.settle_s:g} after it). "
            "Give an --until that has passed, or run the export then."
        )
    print(
        f"airflow-bigcommerce export: waiting {max(seconds, 0):.0f} s, until {wait.ready_at.isoformat()}, for the "
        f"window to settle (SettleSeconds={wait.settle_s:g}): records written in its last moments may be listed late",
        file=sys.stderr,
        flush=True,
    )
    time.sleep(max(seconds, 0.0))


def log_progress_to_stderr() -> None:
    """Progress goes to stderr, stdout holds only the command's answer (a manifest, a plan): also once reading an
    Airflow connection has configured Airflow's logging, which writes to stdout."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def connect(args: argparse.Namespace) -> Callable[[], BigCommerceClient]:
    """The commands' client: the connection's properties resolved now, so that a property error comes first, and
    kept in ``args.resolved_properties`` for the words of a later error; the client made when it is called."""
    values, fernet_key = connection_values(args)
    given = {canonical_name(key) for key, value in values.items() if value}
    properties = args.resolved_properties = ConnectionProperties.from_mapping({**values, **secrets_from_env(given)})
    return lambda: BigCommerceClient(properties, token_source_for(properties, fernet_key=fernet_key))


def connection_values(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    """The connection's raw properties and Airflow's fernet key (``--conn-id`` only), from one of the sources."""
    if args.conn_id and args.connection_string:
        raise UsageError("Give either --conn-id or --connection-string, not both.")
    if args.conn_id:
        return airflow_connection(args.conn_id)
    text = args.connection_string or os.environ.get(CONNECTION_ENV)
    if not text:
        raise UsageError(f"Give --conn-id (an Airflow connection), --connection-string, or set env {CONNECTION_ENV}.")
    return parse_connection_string(text), None


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param takes NAME=VALUE, not {pair!r}.")
        params[name] = value
    return params


def window_from(since: str | None, until: str | None) -> Window | None:
    if since is None and until is None:
        return None
    if since is None or until is None:
        raise UsageError("Give both --since and --until, or neither (a full read needs --full).")
    return Window(_moment("--since", since), _moment("--until", until))


def _moment(flag: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not an ISO 8601 date or time (e.g. 2024-01-01T00:00:00Z).") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _destination(value: str) -> Any:
    if "://" not in value:
        return Path(value)
    try:
        from upath import UPath
    except ImportError:
        raise UsageError(f"--destination {value!r} is a URL; install universal_pathlib to write there.") from None
    return UPath(value)


def _fail(code: int, message: object) -> int:
    print(f"airflow-bigcommerce export: {message}", file=sys.stderr)
    return code
