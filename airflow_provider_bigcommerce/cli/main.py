"""``airflow-bigcommerce``: the provider's command line. ``oauth`` and ``export`` always; ``sandbox`` when the
lookalike ships."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

from airflow_provider_bigcommerce.cli import export, oauth

SANDBOX_CLI = "airflow_provider_bigcommerce.sandbox.cli"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=oauth.PROGRAM, description="Apache Airflow provider for BigCommerce.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    oauth.add_parser(commands)
    export.add_parser(commands)
    if importlib.util.find_spec(SANDBOX_CLI) is not None:
        _add_sandbox(commands, importlib.import_module(SANDBOX_CLI))
    return parser


def _add_sandbox(commands: argparse._SubParsersAction, sandbox_cli: ModuleType) -> None:
    """The lookalike's own options and serve loop (``sandbox.cli``), under ``airflow-bigcommerce sandbox``."""
    parser = commands.add_parser(
        "sandbox",
        help="run the local BigCommerce lookalike",
        description="Run a local BigCommerce lookalike (store API, OAuth, rate limits, faults).",
    )
    sandbox_cli.add_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        try:
            config = sandbox_cli.config_from_args(args)
        except ValueError as error:
            parser.error(str(error))
        return sandbox_cli.run(config)

    parser.set_defaults(handler=run)


if __name__ == "__main__":
    sys.exit(main())
