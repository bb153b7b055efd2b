"""``plan_export``: before a backfill, what exporting resources over a window will cost: the records each holds
in it, the requests its export will send (pages, counts, slices, read-ahead, a fan-out's child lists, the
tombstone read) and the minutes at the store's quota, for one task and for several sharing it. Counting costs a
few requests a resource (``counting``), a fan-out a few more for a sample of its parents; nothing is exported.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from airflow_provider_bigcommerce.core.errors import BigCommerceApiError, ExportError
from airflow_provider_bigcommerce.core.export.resources import Confirm, PagedClient, Resource, expanded_params
from airflow_provider_bigcommerce.core.export.tombstones import MAX_CONFIRMS
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.http.rate_limit import MAX_WAIT_S
from airflow_provider_bigcommerce.core.paging.count_dates import CountDates
from airflow_provider_bigcommerce.core.paging.kinds import V2_POSITION
from airflow_provider_bigcommerce.core.paging.rules import (
    MAX_PAGE_SIZE,
    V2_READ_AHEAD,
    page_size,
    served_page_size,
    v2_in_flight,
)
from airflow_provider_bigcommerce.core.plan.counting import ListCount, count_list
from airflow_provider_bigcommerce.core.plan.pace import Pace
from airflow_provider_bigcommerce.core.plan.walk_cost import (
    SEQUENTIAL,
    keyset_requests,
    walk_requests,
)

SAMPLE_PARENTS = 20  # a fan-out's child lists counted to estimate the rest
MAX_TASKS = 1000


class PlanningClient(PagedClient, Protocol):
    """What a plan needs of the REST client (``core.http.client.BigCommerceClient``)."""

    max_concurrency: int
    count_dates: CountDates  # what the client learnt of its store's counts, shared with its walks

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, json: Any = None) -> Any: ...


@dataclass(frozen=True)
class ResourcePlan:
    """One resource's export of the window, before it runs.

    ``records``: what the list holds under the export's filters (a fan-out: its child records, from a sample of
    ``parents``; a derived resource such as line items: the records it is derived from); ``records_exact`` is False
    when estimated or only a floor. ``requests``: what the export's read sends, ``deletion_requests`` its tombstone
    read (``deletions=True``; confirming candidates comes on top: one request per ``confirm_batch`` of them, at most
    ``confirm_requests_max``). ``in_flight``: the read's requests in flight at most; ``seconds_waiting``: its round
    trips alone, at the store's measured latency.
    """

    resource: str
    path: str
    mode: str
    walk: str
    records: int
    records_exact: bool
    derived: bool
    parents: int | None
    page_size: int
    pages: int
    requests: int
    deletion_requests: int | None
    confirm_batch: int | None
    confirm_requests_max: int | None
    in_flight: int
    seconds_waiting: float


@dataclass(frozen=True)
class ExportPlan:
    """The resources' plans and their time at the store's pace. ``records`` and ``requests`` sum the resources'
    (``requests`` with their tombstone reads); ``minutes_one_task`` runs them one after another,
    ``minutes_parallel`` spreads them over ``parallel_tasks`` tasks sharing the quota (None: the store sent no
    rate-limit headers). ``latency_s`` is the counting requests' mean round trip, limiter waits included;
    ``plan_requests`` is what this estimate itself sent."""

    resources: tuple[ResourcePlan, ...]
    window_start: str | None
    window_end: str | None
    records: int
    requests: int
    plan_requests: int
    quota: int | None
    window_s: float
    reserve: float
    reserve_per_window: int | None
    requests_per_window: int | None
    latency_s: float
    parallel_tasks: int
    minutes_one_task: float | None
    minutes_parallel: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types, for XCom (the resources as a list)."""
        return {**asdict(self), "resources": [asdict(resource) for resource in self.resources]}


def plan_export(
    client: PlanningClient,
    resources: Iterable[Resource],
    window: Window | None,
    *,
    incremental: bool = True,
    deletions: bool = False,
    parallel_tasks: int = 1,
) -> ExportPlan:
    """What exporting ``resources`` over ``window`` will cost, from a few counting requests (see the module).

    Raises ``ExportError`` as the export would, before any request: ``no_interval`` for an incremental resource
    without a window, ``no_deletions`` for ``deletions`` on a resource that finds none, ``empty_window``;
    ``parallel_tasks`` outside 1 to ``MAX_TASKS`` is ``parallel_tasks_out_of_range``.
    """
    resources = list(resources)
    if not 1 <= parallel_tasks <= MAX_TASKS:
        raise ExportError("parallel_tasks_out_of_range", value=parallel_tasks, low=1, high=MAX_TASKS)
    for resource in resources:
        if window is None and incremental and resource.incremental:
            raise ExportError("no_interval", resource=resource.name)
        if deletions and resource.deletions is None:
            raise ExportError("no_deletions", resource=resource.name)
        applied = window if incremental and resource.incremental else None
        resource.query(applied)  # an empty window is refused here, as the export refuses it
    timed = _TimedGet(client)
    before = client.stats.requests
    counted = [_resource_cost(client, timed, resource, window, incremental, deletions) for resource in resources]
    stats = client.stats
    pace = Pace(
        stats.quota,
        (stats.window_ms or MAX_WAIT_S * 1000) / 1000,
        client.properties.reserve,
        timed.latency_s,
    )
    plans = tuple(_timed(cost, pace) for cost in counted)
    work = [(plan.requests + (plan.deletion_requests or 0), plan.in_flight) for plan in plans]
    one, many = pace.seconds(work, 1), pace.seconds(work, parallel_tasks)
    return ExportPlan(
        resources=plans,
        window_start=None if window is None else window.start.isoformat(),
        window_end=None if window is None else window.end.isoformat(),
        records=sum(plan.records for plan in plans),
        requests=sum(requests for requests, _ in work),
        plan_requests=client.stats.requests - before,
        quota=pace.quota,
        window_s=pace.window_s,
        reserve=pace.reserve,
        reserve_per_window=pace.reserve_per_window,
        requests_per_window=pace.ours_per_window,
        latency_s=round(pace.latency_s, 4),
        parallel_tasks=parallel_tasks,
        minutes_one_task=None if one is None else round(one / 60, 2),
        minutes_parallel=None if many is None else round(many / 60, 2),
    )


class _TimedGet:
    """GETs through the client, timing each round trip (the pace of a walk that waits for its answers)."""

    def __init__(self, client: PlanningClient) -> None:
        self._client = client
        self._seconds = 0.0
        self._calls = 0

    def __call__(self, path: str, params: dict[str, Any]) -> Any:
        started = time.monotonic()
        try:
            return self._client.request("GET", path, params)
        finally:
            self._seconds += time.monotonic() - started
            self._calls += 1

    @property
    def latency_s(self) -> float:
        return self._seconds / self._calls if self._calls else 0.0


@dataclass(frozen=True)
class _Cost:
    plan: dict[str, Any]
    requests: float
    deletion_requests: float | None


def _resource_cost(
    client: PlanningClient,
    get: _TimedGet,
    resource: Resource,
    window: Window | None,
    incremental: bool,
    deletions: bool,
) -> _Cost:
    applied = window if incremental and resource.incremental else None
    scope = expanded_params(client, resource)  # one short read, shared with the tombstone read's estimate
    params = {**resource.query(applied), **scope}
    extra = 1 if resource.expand is not None else 0  # the export reads the expansion too
    limit = served_page_size(resource.path, params)
    fan_out = resource.fan_out
    if fan_out is None:
        count = count_list(get, resource.path, params, limit, client.count_dates)
        requests = extra + _walk(count, limit)
        records, exact, parents, pages = count.records, count.exact, None, math.ceil(count.records / limit)
        in_flight = _in_flight(count.kind, client.max_concurrency)
        kind = count.kind
    else:
        on_child = fan_out.filter_on == "child"
        dated = {name: params[name] for name in resource.date_modified_params or () if name in params}
        fixed = {name: value for name, value in params.items() if name not in dated}
        parent_params, child_params = (fixed, dated) if on_child else (params, {})
        parents = count_list(get, resource.path, parent_params, limit, client.count_dates, sample=SAMPLE_PARENTS)
        child_limit = page_size(child_params)
        children = [
            _child(get, fan_out.child.format(id=key), child_params, child_limit, client.count_dates)
            for key in parents.sample
        ]
        share = parents.records / len(children) if children else 0.0
        records = round(sum(count.records for count in children) * share)
        child_requests = sum(_walk(count, child_limit) for count in children)
        requests = extra + _walk(parents, limit) + child_requests * share
        exact = parents.exact and len(children) == parents.records and all(count.exact for count in children)
        pages = round(sum(math.ceil(count.records / child_limit) for count in children) * share)
        in_flight, kind, parents = client.max_concurrency, parents.kind, parents.records
    deletion_requests = _deletion_requests(get, resource, scope, limit, client.count_dates) if deletions else None
    how = resource.deletions if deletions else None
    batch = _confirm_batch(how.confirm) if how is not None and how.kind == "ids" else None
    plan = {
        "resource": resource.name,
        "path": resource.path,
        "mode": "incremental" if applied is not None else "full",
        "walk": kind,
        "records": records,
        "records_exact": exact,
        "derived": resource.derive is not None,
        "parents": parents,
        "page_size": limit,
        "pages": pages,
        "confirm_batch": batch,
        "confirm_requests_max": None if batch is None else math.ceil(MAX_CONFIRMS / batch),
        "in_flight": in_flight,
    }
    return _Cost(plan, requests, deletion_requests)


def _timed(cost: _Cost, pace: Pace) -> ResourcePlan:
    requests = math.ceil(cost.requests)
    deletion = None if cost.deletion_requests is None else math.ceil(cost.deletion_requests)
    waiting = pace.wait_seconds(requests + (deletion or 0), cost.plan["in_flight"])
    return ResourcePlan(**cost.plan, requests=requests, deletion_requests=deletion, seconds_waiting=round(waiting, 3))


def _walk(count: ListCount, limit: int) -> float:
    """The walk's requests; with ``apart_walk`` the one a walk of the set-apart records sends at least."""
    requests = walk_requests(
        count.kind,
        count.records,
        limit,
        counted=count.counted,
        density=count.density,
        first_span=count.first_span,
        dates_blind=count.dates_blind,
    )
    return requests + (1 if count.apart_walk else 0)


def _in_flight(kind: str, max_concurrency: int) -> int:
    if kind in SEQUENTIAL:
        return 1
    if kind == V2_POSITION:
        return v2_in_flight(V2_READ_AHEAD, max_concurrency)
    return max_concurrency


def _child(get: _TimedGet, path: str, params: dict[str, Any], limit: int, count_dates: CountDates) -> ListCount:
    """One parent's child list counted; a parent deleted since its page was read has none (the walk's 404)."""
    try:
        return count_list(get, path, params, limit, count_dates)
    except BigCommerceApiError as error:
        if error.status != 404:
            raise
        return ListCount(path, "gone", 0)


def _deletion_requests(
    get: _TimedGet, resource: Resource, scope: dict[str, str], limit: int, count_dates: CountDates
) -> float:
    """The tombstone read (``core.export.tombstones``): the archived records' walk, or every id of the list (with
    the expansion ``scope`` its reads need, read again by the export); confirming candidates is counted apart
    (``confirm_batch``)."""
    how = resource.deletions
    assert how is not None  # checked by plan_export
    if how.kind == "archived":
        # No count takes is_deleted (orders.v2.oas2.yml ``getOrdersCount``): one page shows how many.
        archived = count_list(get, resource.path, dict(how.params), limit, count_dates)
        if archived.records == 0:
            return 1
        return keyset_requests(archived.records, limit, counted=False)
    ids = count_list(get, resource.path, {**how.params, **scope}, page_size(dict(how.params)), count_dates)
    return (1 if scope else 0) + _walk(ids, page_size(dict(how.params)))


def _confirm_batch(confirm: Confirm) -> int:
    """Candidates one confirming request reads (``Confirm.batches``): a span reads up to a page less its ends."""
    if confirm.path is not None:
        return 1
    if confirm.span is not None:
        return MAX_PAGE_SIZE - 2
    return max(1, confirm.batch)
