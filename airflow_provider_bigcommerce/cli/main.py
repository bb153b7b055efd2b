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


# Options whose value is opaque text from elsewhere: an OAuth code may begin with "-" (URL-safe base64 uses it), which
# argparse would otherwise read as an option and refuse with "expected one argument".
OPAQUE_VALUE_OPTIONS = frozenset({"--verifier"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = attach_opaque_values(sys.argv[1:] if argv is None else argv, parser)
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "takes_any_options", False):
        parser.parse_args(argv)  # the usual error, naming what was not understood
    return args.handler(args)


def attach_opaque_values(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``--verifier -abc`` becomes ``--verifier=-abc``, so a value starting with "-" stays a value; a following
    option this program knows (``--verifier --conn-id``) is left for argparse to refuse as missing a value."""
    known = _option_strings(parser)
    attached: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        following = argv[index + 1] if index + 1 < len(argv) else None
        if word in OPAQUE_VALUE_OPTIONS and _is_opaque_value(following, known):
            attached.append(f"{word}={following}")
            index += 2
            continue
        attached.append(word)
        index += 1
    return attached


def _is_opaque_value(word: str | None, known: set[str]) -> bool:
    """A word argparse would take for an option though no option of this program has its name."""
    return word is not None and word.startswith("-") and word != "-" and word.split("=", 1)[0] not in known


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of ``parser`` and of its sub-commands."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found |= _option_strings(child)
    return found


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
