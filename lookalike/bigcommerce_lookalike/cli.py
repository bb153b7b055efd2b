"""Command line of the lookalike: print one JSON line of connection details, serve until SIGTERM/SIGINT.

``airflow-bigcommerce sandbox`` reuses ``add_arguments`` and ``run`` so both commands take the same options.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from bigcommerce_lookalike.config import DEFAULT_CALLBACK_URL, LINE_ITEMS_READINGS, SandboxConfig
from bigcommerce_lookalike.harness import Sandbox

# The command line dates the data up to now, so that a newcomer's daily export of yesterday finds records of
# every kind whatever the hour. A timeline puts record i within [start + i*step, start + (i+1)*step)
# (timeline.py), so every whole day holds one when the step is half a day or less: 180 records over the 90 days.
# Orders (300) and customers (200) have that by default; products (120) are raised to it here.
COMMAND_LINE_SIZES = {"products": 180}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The lookalike's options, for this module's parser and for ``airflow-bigcommerce sandbox``."""
    defaults = SandboxConfig()
    parser.add_argument("--host", default=defaults.host, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port; 0 picks a free one (default)")
    data = parser.add_argument_group("store data")
    data.add_argument("--seed", type=int, default=defaults.seed, help="same seed, same store (default %(default)s)")
    for name in ("orders", "products", "customers", "brands", "categories"):
        default = COMMAND_LINE_SIZES.get(name, getattr(defaults, name))
        data.add_argument(f"--{name}", type=int, default=default, help="default %(default)s")
    data.add_argument(
        "--reference-time",
        type=datetime.fromisoformat,
        default=None,
        help="latest date_modified of the data, ISO 8601 (default: now, so that today's scheduled exports find "
        "records; give a moment to get the same dates on every start)",
    )
    data.add_argument(
        "--consignment-kinds",
        action="store_true",
        help="orders also carry pickup, download and gift-certificate consignments (default: shipping only)",
    )
    data.add_argument(
        "--digital-line-items",
        choices=LINE_ITEMS_READINGS,
        default=defaults.digital_line_items,
        help="download and gift-certificate line_items as a list or as one object (default %(default)s)",
    )
    limits = parser.add_argument_group("rate limit and faults")
    limits.add_argument("--quota", type=int, default=defaults.quota, help="requests per window (default %(default)s)")
    limits.add_argument("--window-ms", type=int, default=defaults.window_ms, help="window length (default %(default)s)")
    limits.add_argument(
        "--announced-window-ms",
        type=int,
        default=None,
        help="window the X-Rate-Limit-Time-Window-Ms header claims (default: the true one)",
    )
    limits.add_argument("--latency-ms", type=float, default=defaults.latency_ms, help="added to every API request")
    limits.add_argument("--error-5xx-rate", type=float, default=0.0, help="probability of a 500/503 per request")
    limits.add_argument("--bare-429-rate", type=float, default=0.0, help="probability of a 429 without headers")
    limits.add_argument("--drop-rate", type=float, default=0.0, help="probability of a dropped connection")
    oauth = parser.add_argument_group("OAuth")
    oauth.add_argument(
        "--expiring-tokens", action="store_true", help="issue expiring app tokens with rotating refresh tokens"
    )
    oauth.add_argument("--token-lifetime-s", type=int, default=defaults.token_lifetime_s, help="with --expiring-tokens")
    oauth.add_argument("--callback-url", default=DEFAULT_CALLBACK_URL, help="the registered app's callback URL")


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        seed=args.seed,
        orders=args.orders,
        products=args.products,
        customers=args.customers,
        brands=args.brands,
        categories=args.categories,
        quota=args.quota,
        window_ms=args.window_ms,
        announced_window_ms=args.announced_window_ms,
        latency_ms=args.latency_ms,
        error_5xx_rate=args.error_5xx_rate,
        bare_429_rate=args.bare_429_rate,
        drop_rate=args.drop_rate,
        expiring_tokens=args.expiring_tokens,
        token_lifetime_s=args.token_lifetime_s,
        host=args.host,
        port=args.port,
        callback_url=args.callback_url,
        reference_time=args.reference_time or datetime.now(UTC),
        consignment_kinds=args.consignment_kinds,
        digital_line_items=args.digital_line_items,
    )


def run(config: SandboxConfig) -> int:
    """Start, print the connection line (flushed), serve until SIGTERM or SIGINT, stop cleanly."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with Sandbox(config) as sandbox:
        sys.stdout.write(json.dumps(sandbox.connection_info) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bigcommerce_lookalike",
        description="Run a local BigCommerce lookalike (store API, OAuth, rate limits, faults).",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    return run(config)
