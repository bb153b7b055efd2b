"""``airflow-bigcommerce plan RESOURCE...``: before a backfill, what exporting those resources over a window will
cost (records, requests, minutes at the store's quota), from a few counting requests; nothing is exported.

The table goes to stdout, or with ``--json`` the plan's numbers (the hook's ``plan_export`` returns the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from airflow_provider_bigcommerce.cli.export import CONNECTION_ENV, connect, log_progress_to_stderr, window_from
from airflow_provider_bigcommerce.cli.oauth import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from airflow_provider_bigcommerce.core.errors import BigCommerceError, ExportError, PropertyError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES
from airflow_provider_bigcommerce.core.export.resources import resource_for as catalogue_resource
from airflow_provider_bigcommerce.core.plan.estimate import MAX_TASKS, ExportPlan, plan_export
from airflow_provider_bigcommerce.messages.export import export_problem
from airflow_provider_bigcommerce.messages.plan import plan_table
from airflow_provider_bigcommerce.messages.problems import api_problem

EPILOG = f"""\
resources: {", ".join(RESOURCES)}.

The connection: as for the export command (--conn-id ID, --connection-string, or env {CONNECTION_ENV}).
--since/--until are ISO 8601 (UTC without a timezone), the window an export of each resource would read; a
resource without a date filter, or every one with --full, is planned as a full read.

The estimate sends a few requests a resource (a count, or one record of a v3 list with the export's filters); a
resource read per parent record (order_transactions, ...) also counts the lists of 20 of its parents. Minutes
assume the quota the store's answers state, the connection's Reserve, and the round trip of those requests.

exit codes: 0 done, 1 a BigCommerce error, 2 usage, property or resource error.
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "plan",
        help="estimate a backfill's records, requests and minutes before exporting anything",
        description="Estimate what exporting RESOURCEs over a window will cost, from a few counting requests.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resources", nargs="+", metavar="RESOURCE", help="catalogue resources to plan")
    parser.add_argument("--conn-id", help="read the properties from this Airflow connection")
    parser.add_argument("--connection-string", metavar="'Key=Value;...'", help=f"default: env {CONNECTION_ENV}")
    parser.add_argument("--since", metavar="ISO8601", help="window start (inclusive)")
    parser.add_argument("--until", metavar="ISO8601", help="window end (exclusive)")
    parser.add_argument("--full", action="store_true", help="plan full reads even where a date filter exists")
    parser.add_argument("--deletions", action="store_true", help="also plan each resource's tombstone read")
    parser.add_argument(
        "--parallel-tasks",
        type=int,
        default=1,
        metavar="N",
        help=f"also estimate N tasks at once sharing the store's quota (1 to {MAX_TASKS})",
    )
    parser.add_argument("--json", action="store_true", help="print the plan's numbers as JSON instead of a table")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        plan = _plan(args)
    except UsageError as error:
        return _fail(EXIT_USAGE, error)
    except PropertyError as error:
        return _fail(EXIT_USAGE, api_problem(error, None))
    except ExportError as error:
        return _fail(EXIT_USAGE, export_problem(error, command_line=True))
    except BigCommerceError as error:
        return _fail(EXIT_FAILED, api_problem(error, getattr(args, "resolved_properties", None)))
    except KeyboardInterrupt:
        return _fail(130, "interrupted")
    print(json.dumps(plan.as_dict(), indent=2) if args.json else plan_table(plan))
    return EXIT_OK


def _plan(args: argparse.Namespace) -> ExportPlan:
    resources = [catalogue_resource(name) for name in args.resources]
    window = window_from(args.since, args.until)
    if window is None and not args.full and any(resource.incremental for resource in resources):
        incremental = ", ".join(resource.name for resource in resources if resource.incremental)
        raise UsageError(f"{incremental}: read incrementally; give --since and --until, or --full for full reads.")
    client_for_args = connect(args)
    log_progress_to_stderr()  # after the connection is read: that may configure Airflow's logging, onto stdout
    with client_for_args() as client:
        return plan_export(
            client,
            resources,
            window,
            incremental=not args.full,
            deletions=args.deletions,
            parallel_tasks=args.parallel_tasks,
        )


def _fail(code: int, message: object) -> int:
    print(f"airflow-bigcommerce plan: {message}", file=sys.stderr)
    return code
