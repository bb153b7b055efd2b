"""``airflow-bigcommerce``: the provider's command line. ``oauth``, ``export`` and ``plan`` always; ``sandbox`` runs
the local lookalike, a distribution of its own (``bigcommerce-lookalike``, in ``lookalike/`` of a checkout), and says
how to install it where it is not."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

from airflow_provider_bigcommerce.cli import export, oauth, plan
from airflow_provider_bigcommerce.messages.commands import PROGRAM

SANDBOX_CLI = "bigcommerce_lookalike.cli"
LOOKALIKE_INSTALL = "pip install -c constraints.txt ./lookalike   # from a checkout of airflow-provider-bigcommerce"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "takes_any_options", False):
        parser.parse_args(argv)  # the usual error, naming what was not understood
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Apache Airflow provider for BigCommerce.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    oauth.add_parser(commands)
    export.add_parser(commands)
    plan.add_parser(commands)
    if importlib.util.find_spec(SANDBOX_CLI.partition(".")[0]) is not None:
        _add_sandbox(commands, importlib.import_module(SANDBOX_CLI))
    else:
        _add_missing_sandbox(commands)
    return parser


def _add_missing_sandbox(commands: argparse._SubParsersAction) -> None:
    """Where the lookalike is not installed (a worker needs none), ``sandbox`` says how to get it."""
    parser = commands.add_parser("sandbox", help="run the local BigCommerce lookalike (a separate distribution)")

    def run(args: argparse.Namespace) -> int:
        print(
            f"{PROGRAM} sandbox: the local BigCommerce lookalike is not installed here. It is a distribution "
            f"of its own, so Airflow's workers never carry it; install it where you want to run it:\n    "
            f"{LOOKALIKE_INSTALL}",
            file=sys.stderr,
        )
        return oauth.EXIT_USAGE

    parser.set_defaults(handler=run, takes_any_options=True)


def _add_sandbox(commands: argparse._SubParsersAction, sandbox_cli: ModuleType) -> None:
    """The lookalike's own options and serve loop (``bigcommerce_lookalike.cli``), under ``airflow-bigcommerce
    sandbox``."""
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
