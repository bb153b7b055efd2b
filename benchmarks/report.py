"""What a benchmark hands back, and how it is printed: a detail table, checks against targets, Markdown.

Every benchmark returns a :class:`BenchmarkResult`. Its ``figures`` are the raw numbers (the smoke test and
``RESULTS.md`` read them); its ``checks`` compare one figure with its baseline and its target from the issue.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    """One figure against its target: ``measured`` and ``baseline`` are already formatted for humans."""

    figure: str
    measured: str
    target: str
    passed: bool | None  # None: informative only, no target
    baseline: str = ""
    ratio: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "info"
        return "PASS" if self.passed else "MISS"


@dataclass
class BenchmarkResult:
    name: str
    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(check.passed is not False for check in self.checks)


def ratio_text(value: float, baseline: float) -> str:
    """``value / baseline`` as ``12.3x``; a zero baseline gives ``inf``."""
    if baseline == 0:
        return "inf" if value else "-"
    return f"{value / baseline:.2f}x"


def text_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=False)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)) for row in [columns]]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(lines)


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(columns), line(["---"] * len(columns)), *(line(row) for row in rows)])


CHECK_COLUMNS = ["figure", "measured", "baseline", "ratio", "target", "result"]


def _check_row(check: Check) -> list[str]:
    return [check.figure, check.measured, check.baseline, check.ratio, check.target, check.verdict]


SUMMARY_COLUMNS = ["benchmark", *CHECK_COLUMNS]


def summary_rows(results: Sequence[BenchmarkResult]) -> list[list[str]]:
    """One row per check of every benchmark."""
    return [[result.name, *_check_row(check)] for result in results for check in result.checks]


def format_result(result: BenchmarkResult) -> str:
    """The console view of one benchmark: details, checks, notes."""
    parts = [f"== {result.name}: {result.title} ({result.seconds:.1f} s)"]
    if result.rows:
        parts.append(text_table(result.columns, result.rows))
    if result.checks:
        parts.append(text_table(CHECK_COLUMNS, [_check_row(check) for check in result.checks]))
    parts += [f"  note: {note}" for note in result.notes]
    return "\n".join(parts)


def machine_info() -> dict[str, str]:
    """What docs/performance.md needs to say where the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load average at start (1/5/15 min)": load,
    }


def markdown_report(results: Sequence[BenchmarkResult], machine: dict[str, str], command: str) -> str:
    """``RESULTS.md``: machine, command, one summary table of every check, then each benchmark's details."""
    lines = ["# Benchmark results", ""]
    lines += [f"- **command**: `{command}`"]
    lines += [f"- **{key}**: {value}" for key, value in machine.items()]
    lines += [
        "",
        "Every ratio compares contenders measured side by side in the same run (the machine is shared and noisy).",
        "",
        "## Summary",
        "",
    ]
    lines += [markdown_table(SUMMARY_COLUMNS, summary_rows(results)), ""]
    for result in results:
        lines += [f"## {result.name}: {result.title}", "", f"Took {result.seconds:.1f} s.", ""]
        if result.rows:
            lines += [markdown_table(result.columns, result.rows), ""]
        lines += [f"- {note}" for note in result.notes]
        if result.notes:
            lines.append("")
    return "\n".join(lines)
