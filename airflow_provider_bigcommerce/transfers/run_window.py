"""The window a BigCommerce task reads, under any schedule (``RunWindowMixin``), and its wait while the window settles.

Shared by the export to storage and the load into a database: both read "the run's window" the same way, and both
find where the previous successful run of the task ended in its XCom (the manifest, or the load's summary: the same
``window`` key). The rules are in ``BigCommerceToStorageOperator``'s docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context
    from airflow.sdk.api.datamodels._generated import PreviousTIResponse
    from airflow.sdk.types import RuntimeTaskInstanceProtocol

    from airflow_provider_bigcommerce.core.export.windows import Window

INITIAL_LOADS = ("start_date", "full")
# How many later successful runs a rerun or backfill looks through to find the one right after it.
LATER_RUNS_LIMIT = 2000
_END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)  # "before this" excludes only runs without a logical date


class RunWindowMixin:
    """For an operator with ``resource``, ``since``, ``until`` and ``initial_load``, whose ``execute(context,
    event=None)`` reads the window ``_window(context)`` works out and calls ``_defer_until_settled`` on
    ``WindowNotSettled``."""

    resource: str
    since: str | datetime | None
    until: str | datetime | None
    initial_load: str
    log: Any
    task_id: str
    start_date: datetime | None

    def _defer_until_settled(self, wait: Any) -> NoReturn:
        """Wait in the triggerer, not in a worker slot, until the window may be read; then ``execute`` runs again
        and works the window out afresh (the same one: its inputs have not changed)."""
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        from airflow_provider_bigcommerce.messages.run_window import settling

        self.log.info("%s", settling(wait.window.start, wait.window.end, wait.ready_at, wait.settle_s))
        self.defer(trigger=DateTimeTrigger(moment=wait.ready_at), method_name="execute")

    def _window(self, context: Context) -> Window | None:
        """The run's window (see the class docstring); ``None`` for an initial full load."""
        from airflow_provider_bigcommerce.core.export.windows import Window, moment_of

        since, until = moment_of(self.since, "since"), moment_of(self.until, "until")
        start, end = context.get("data_interval_start"), context.get("data_interval_end")
        if since is not None and until is not None:
            return Window(since, until)
        if start is not None and end is not None and start != end:
            return Window(since or start, until or end)  # a data-interval timetable
        return self._point_in_time_window(context, since, until)

    def _point_in_time_window(self, context: Context, since: datetime | None, until: datetime | None) -> Window | None:
        from airflow.providers.common.compat.sdk import AirflowSkipException

        from airflow_provider_bigcommerce.compat import require_previous_runs
        from airflow_provider_bigcommerce.core.errors import ExportError
        from airflow_provider_bigcommerce.core.export.windows import Window
        from airflow_provider_bigcommerce.messages import run_window as words

        ti = context["ti"]
        require_previous_runs(ti)  # a run without a data interval finds its window from the task's earlier runs
        moment = context.get("logical_date") or context["dag_run"].run_after
        end = until or moment
        previous = _previous_success(ti, moment)
        later, later_start = None, None
        # Given ends are the user's choice; only a window worked out from the runs must keep out of later ones.
        if since is None and until is None:
            later = _next_success(ti, moment)
            _refuse_while_a_neighbour_runs(ti, moment, previous, later)
            later_start = _recorded_window(ti, later)[0] if later is not None else None
        if later is not None and later_start is None:
            raise AirflowSkipException(words.later_run_took_a_snapshot(later.run_id, self.resource))
        if later_start is not None and later_start < end:
            end = later_start
        if since is not None:
            start = since
        elif previous is not None:
            start = _recorded_window(ti, previous)[1]
        elif self.initial_load == "full":
            self.log.info("%s", words.first_run_reads_in_full(self.task_id))
            return None
        else:
            start = self.start_date or context["dag"].start_date
            if start is None:
                raise ExportError("no_start_date", task_id=self.task_id)
        if start >= end:
            later_run_id = later.run_id if later is not None else None
            raise AirflowSkipException(words.nothing_to_read(start, end, later_run_id, later_start))
        self.log.info("%s", words.point_in_time(start, end))
        return Window(start, end)


def _previous_success(ti: RuntimeTaskInstanceProtocol, moment: datetime) -> PreviousTIResponse | None:
    """The latest successful instance of this task (same map index) whose logical date is before ``moment``."""
    from airflow.providers.common.compat.sdk import TaskInstanceState

    return ti.get_previous_ti(state=TaskInstanceState.SUCCESS, logical_date=moment, map_index=ti.map_index)


def _next_success(ti: RuntimeTaskInstanceProtocol, moment: datetime) -> PreviousTIResponse | None:
    """The earliest successful instance of this task whose logical date is after ``moment``, if any.

    Airflow only answers "the latest success before X", so this walks back from the latest success; a run of
    today finds none in one call, a rerun or backfill steps over the later runs (at most ``LATER_RUNS_LIMIT``).
    """
    from airflow_provider_bigcommerce.core.errors import ExportError

    nearest = None
    candidate = _previous_success(ti, _END_OF_TIME)
    for _ in range(LATER_RUNS_LIMIT + 1):
        if candidate is None or candidate.logical_date is None or candidate.logical_date <= moment:
            return nearest
        nearest = candidate
        candidate = _previous_success(ti, candidate.logical_date)
    raise ExportError("later_runs_past_limit", limit=LATER_RUNS_LIMIT, moment=moment.isoformat())


def _refuse_while_a_neighbour_runs(
    ti: RuntimeTaskInstanceProtocol,
    moment: datetime,
    previous: PreviousTIResponse | None,
    later: PreviousTIResponse | None,
) -> None:
    """Fail this try (Airflow retries it) while another run between the previous and next success is running, or
    deferred until its window settles (it resumes and exports that window).

    Such a run works out its window from the same successes, so both would read the span between them. Each
    instance is marked running before it looks, so of two that start together at least one sees the other.
    Runs waiting in other states need no wait: when they run they find this one's success and keep out of it.
    """
    from airflow.providers.common.compat.sdk import AirflowException, TaskInstanceState

    from airflow_provider_bigcommerce.messages.run_window import neighbour_runs

    floor = previous.logical_date if previous is not None else None
    ceiling = later.logical_date if later is not None and later.logical_date else _END_OF_TIME
    for state in (TaskInstanceState.RUNNING, TaskInstanceState.DEFERRED):
        earlier = ti.get_previous_ti(state=state, logical_date=moment, map_index=ti.map_index)
        following = ti.get_previous_ti(state=state, logical_date=ceiling, map_index=ti.map_index)
        for neighbour in (earlier, following):
            if neighbour is None or neighbour.logical_date is None or neighbour.logical_date == moment:
                continue
            if neighbour is earlier and floor is not None and neighbour.logical_date <= floor:
                continue
            if neighbour is following and neighbour.logical_date < moment:
                continue
            deferred = state != TaskInstanceState.RUNNING
            raise AirflowException(neighbour_runs(neighbour.run_id, ti.task_id, deferred=deferred))


def _recorded_window(ti: RuntimeTaskInstanceProtocol, run: PreviousTIResponse) -> tuple[datetime | None, datetime]:
    """The (start, end) of the window another run of this task exported, from its manifest in XCom.

    A full snapshot has no start (``None``). When the manifest is gone (``airflow db clean``), the run's
    logical date stands for both ends: where a point-in-time run ended, and the most it could have covered.
    """
    manifest = ti.xcom_pull(task_ids=ti.task_id, run_id=run.run_id, map_indexes=ti.map_index)
    fallback = run.logical_date or _END_OF_TIME  # both lookups only return runs with a logical date
    if not isinstance(manifest, Mapping):
        return fallback, fallback
    window = manifest.get("window")
    if not window:
        return None, fallback
    return datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
