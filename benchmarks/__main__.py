"""Run the benchmarks: ``python -m benchmarks [--quick] [name ...]`` (``make bench`` runs them all).

Prints each benchmark's table as it finishes, then a summary. A full run (every benchmark, full sizes) also writes
the summary with the machine and the command as Markdown to ``benchmarks/RESULTS.md`` (the source of
docs/performance.md); a partial or ``--quick`` run writes only where ``--results`` says, so it never replaces
the recorded figures.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
import traceback
from pathlib import Path

from benchmarks import BENCHMARKS
from benchmarks.report import (
    SUMMARY_COLUMNS,
    BenchmarkResult,
    Check,
    format_result,
    machine_info,
    markdown_report,
    summary_rows,
    text_table,
)

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name", help="run only these: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a quick look, not the recorded figures")
    parser.add_argument(
        "--results", type=Path, help=f"write the Markdown here (default: {RESULTS_PATH.name}, for full runs only)"
    )
    args = parser.parse_args(argv)

    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    command = shlex.join(["python", "-m", "benchmarks", *(argv if argv is not None else sys.argv[1:])])
    machine = machine_info()
    print(f"{command}  |  " + ", ".join(f"{key}: {value}" for key, value in machine.items()), flush=True)

    results: list[BenchmarkResult] = []
    crashed = False
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        sizes = module.QUICK if args.quick else module.FULL
        started = time.perf_counter()
        try:
            result = module.run(**sizes)
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            crashed = True
            result = BenchmarkResult(name, "failed to run")
            message = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            result.checks = [Check("ran to completion", message, "runs", False)]
            result.seconds = time.perf_counter() - started
        results.append(result)
        print(format_result(result), "\n", flush=True)

    print("== summary")
    print(text_table(SUMMARY_COLUMNS, summary_rows(results)))
    missed = [result.name for result in results if not result.passed]
    print(f"{len(results) - len(missed)} of {len(results)} benchmarks meet every target" + (
        f"; missed: {', '.join(missed)}" if missed else ""))  # fmt: skip
    results_path = args.results or (RESULTS_PATH if not args.names and not args.quick else None)
    if results_path is not None:
        results_path.write_text(markdown_report(results, machine, command) + "\n", encoding="utf-8")
        print(f"wrote {results_path}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
