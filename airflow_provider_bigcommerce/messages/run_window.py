"""A task's run window in words (``transfers.run_window``): the wait while it settles, how a point-in-time run
found it, and why a run skips or stops. The same for every operator that reads a window (to storage, to a
database)."""

from __future__ import annotations

from datetime import datetime

ONE_AT_A_TIME = (
    "Run point-in-time exports one at a time: max_active_runs=1 on the DAG, and airflow backfill create "
    "--max-active-runs 1."
)


def settling(start: datetime, end: datetime, ready_at: datetime, settle_s: float) -> str:
    return (
        f"The window [{start.isoformat()}, {end.isoformat()}) is read from {ready_at.isoformat()} on "
        f"(SettleSeconds={settle_s:g}: records written in its last moments may be listed late); deferring until then"
    )


def later_run_took_a_snapshot(run_id: str, resource: str) -> str:
    return (
        f"Run {run_id}, after this one, already read {resource} in full (a snapshot); this run would repeat it. "
        "Clear that run instead to read it again."
    )


def first_run_reads_in_full(task_id: str) -> str:
    return f"No previous successful run of {task_id}: reading a full snapshot (initial_load='full')"


def nothing_to_read(start: datetime, end: datetime, later_run_id: str | None, later_start: datetime | None) -> str:
    covered = f"; run {later_run_id} already read from {later_start.isoformat()}" if later_start else ""
    return f"Nothing to read: the window [{start.isoformat()}, {end.isoformat()}) is empty{covered}."


def point_in_time(start: datetime, end: datetime) -> str:
    return f"Point-in-time run: reading [{start.isoformat()}, {end.isoformat()})"


def neighbour_runs(run_id: str, task_id: str, *, deferred: bool) -> str:
    doing = "is deferred until its window settles" if deferred else "is running"
    return (
        f"Run {run_id} of {task_id} {doing}, and its window borders this one's; this try stops so that the two do "
        f"not read the same records, and its retry picks up from there. {ONE_AT_A_TIME}"
    )
