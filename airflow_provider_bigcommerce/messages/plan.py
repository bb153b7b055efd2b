"""A backfill's plan in words: one row per resource (records, pages, requests, the tombstone read), then the
store's pace and the minutes, for ``airflow-bigcommerce plan``. Written from ``core.plan.estimate.ExportPlan``."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.plan.estimate import ExportPlan, ResourcePlan

_COLUMNS = ("resource", "mode", "walk", "records", "pages", "requests", "tombstone reads")


def plan_table(plan: ExportPlan) -> str:
    """The plan as a table and a few lines of totals, for a terminal."""
    rows = [_COLUMNS, *(_row(resource) for resource in plan.resources)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_COLUMNS))]
    lines = ["  ".join(_cell(text, width, column) for column, (text, width) in _columns(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([*lines, "", *_summary(plan)])


def _columns(row: tuple[str, ...], widths: list[int]) -> list[tuple[int, tuple[str, int]]]:
    return list(enumerate(zip(row, widths, strict=True)))


def _row(resource: ResourcePlan) -> tuple[str, ...]:
    records = f"{resource.records:,}" + ("" if resource.records_exact else " ~")
    if resource.parents is not None:
        records += f" (from {resource.parents:,} parents)"
    elif resource.derived:
        records += " (parent records)"
    deletions = "" if resource.deletion_requests is None else f"{resource.deletion_requests:,}"
    if resource.confirm_batch is not None:
        deletions += f" + 1 per {resource.confirm_batch} deleted"
    return (
        resource.resource,
        resource.mode,
        resource.walk,
        records,
        f"{resource.pages:,} x {resource.page_size}",
        f"{resource.requests:,}",
        deletions,
    )


def _cell(text: str, width: int, column: int) -> str:
    return text.ljust(width) if column < 3 else text.rjust(width)


def _summary(plan: ExportPlan) -> list[str]:
    window = "no window (full reads)"
    if plan.window_start is not None:
        window = f"window [{plan.window_start}, {plan.window_end})"
    lines = [f"{window}: {plan.records:,} records, {plan.requests:,} requests."]
    if plan.quota is None:
        lines.append("The store sent no rate-limit headers, so no time can be estimated.")
    else:
        lines.append(
            f"Store quota: {plan.quota} requests per {plan.window_s:g} s window; Reserve {plan.reserve:g} holds "
            f"{plan.reserve_per_window} back from bursts; alone on the store an export sends "
            f"{plan.requests_per_window} a window. Round trip: {plan.latency_s * 1000:.0f} ms."
        )
        lines.append(f"One task, one resource after another: {_minutes(plan.minutes_one_task)}.")
        if plan.parallel_tasks > 1:
            lines.append(
                f"{plan.parallel_tasks} tasks at once, sharing the store's quota: {_minutes(plan.minutes_parallel)}."
            )
    lines.append(f"This estimate sent {plan.plan_requests} requests.")
    return lines


def _minutes(minutes: float | None) -> str:
    if minutes is None:
        return "unknown"
    if minutes < 1:
        return f"about {minutes * 60:.0f} s"
    return f"about {minutes:,.1f} min"
