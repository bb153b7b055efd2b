"""What changed in a store's list between two looks at it: the change trigger's marker, the difference of two
markers, and the export windows that hold the changed records. JSON-safe dicts in and out, no I/O.

A *marker* is the list's count and the id and ``date_modified`` of its newest records: one page of up to
``PAGE_LIMIT``, sorted newest first. Its *edge* is the page's oldest ``date_modified``; every record of the list
modified after the edge is on the page. A page shorter than asked holds the whole list (it has no edge).

Comparing two markers names, within the pages:
- ``changed``: records on the new page that the old one did not hold with that ``date_modified``: added, restored,
  edited (an edit makes a record the newest), and on a long list also records that only slid onto the page
  because newer ones left it (exporting those again is harmless);
- ``gone``: records of the old page that are no longer listed although they would be on the new page (deleted,
  archived): only those, so a record merely pushed off a full page is never reported gone.

What the pages cannot see: on a list longer than a page, changes to records modified at or before the edge. When
such a change moves the count beyond what the named records explain, the difference says so (``unnamed_until``:
records modified up to that moment may have changed without being named). As many records deleted or archived as
added or restored down there between two looks, none of them edited, leave the count and the pages as they were:
no marker of this size sees that (docs/triggers.md "What it sees, and what it cannot").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.paging import rules as page_rules

PAGE_LIMIT = page_rules.MAX_PAGE_SIZE
# Exports read [since, until): a window ends this long after its newest record, the second both API versions date
# records to (v2 RFC 2822; v3 ISO 8601, in the OpenAPI files' examples without fractions).
DATE_RESOLUTION = timedelta(seconds=1)


def modified_at(path: str, record: Any) -> datetime:
    """A record's ``date_modified`` in UTC: RFC 2822 on v2 lists, ISO 8601 on v3 (docs/bigcommerce.md)."""
    value = record.get("date_modified") if isinstance(record, Mapping) else None
    try:
        moment = parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)
    except (TypeError, ValueError, IndexError):
        raise PagingError("bad_record", path, "date_not_readable", value=str(value)[:40]) from None
    if moment.tzinfo is None:
        raise PagingError("bad_record", path, "date_not_readable", value=str(value)[:40])
    return moment.astimezone(UTC)


def marker_of(
    store: str, resource: str, path: str, records: Sequence[Any], *, limit: int, count: int | None
) -> dict[str, Any]:
    """The marker of a list from its newest page (``records``, asked with ``limit``) and its count.

    ``count`` may be None when the page is shorter than ``limit``: the page then is the whole list. A record
    without a whole-number id or a readable ``date_modified`` cannot be placed: ``PagingError``.
    """
    page = [[page_rules.record_id(path, record), modified_at(path, record).isoformat()] for record in records]
    whole = len(page) < limit
    if count is None and not whole:
        raise PagingError("bad_meta", path, "no_count")
    newest = {"id": page[0][0], "date_modified": page[0][1]} if page else None
    return {
        "store": store,
        "resource": resource,
        "count": len(page) if count is None else count,
        "newest": newest,
        "page": page,
        "whole": whole,
    }


def is_marker(value: Any) -> bool:
    """Whether ``value`` (read back from a state store) has a marker's shape."""
    return (
        isinstance(value, Mapping)
        and {"store", "resource", "count", "newest"} <= value.keys()
        and isinstance(value.get("page"), list)
        and isinstance(value.get("whole"), bool)
        and all(isinstance(entry, list) and len(entry) == 2 for entry in value["page"])
    )


def brief(marker: Mapping[str, Any]) -> dict[str, Any]:
    """The marker without its page: what an event says of the list before and after."""
    return {
        "store": marker["store"],
        "resource": marker["resource"],
        "count": marker["count"],
        "newest": marker["newest"],
    }


def difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any] | None:
    """What changed from ``before`` to ``after`` (two markers of one list), or None when nothing did.

    ``{"changed": [{"id", "date_modified"}], "gone": [{"id", "date_modified"}], "windows": [{"since", "until"}],
    "unnamed_until": iso | None}``: ``gone`` entries carry the date the record had when last listed; ``windows``
    hold every changed record (see ``windows_of``).
    """
    old = {entry[0]: entry[1] for entry in before["page"]}
    new = {entry[0]: entry[1] for entry in after["page"]}
    old_edge, new_edge = _edge(before), _edge(after)
    # A record modified after either edge is on that page if it exists: one missing from the old page there is new
    # to it. At or below both edges (ties at a page's end among them) nothing is known.
    floor = None if old_edge is None or new_edge is None else min(old_edge, new_edge)
    changed = [
        {"id": record_id, "date_modified": date}
        for record_id, date in after["page"]
        if old.get(record_id) != date and _above(date, floor)
    ]
    gone = [
        {"id": record_id, "date_modified": date}
        for record_id, date in before["page"]
        if record_id not in new and _above(date, new_edge)
    ]
    counted = before["count"] != after["count"] and not (before["whole"] and after["whole"])
    if not changed and not gone and not counted:
        return None
    # Records surely added are those new to the old page and newer than its edge; any other count change happened
    # where neither page looks.
    added = sum(1 for entry in changed if entry["id"] not in old and _above(entry["date_modified"], old_edge))
    edges = [edge for edge in (old_edge, new_edge) if edge is not None]
    explained = after["count"] - before["count"] == added - len(gone)
    unnamed_until = max(edges).isoformat() if edges and not explained else None
    return {
        "changed": changed,
        "gone": gone,
        "windows": windows_of(after["page"], {entry["id"] for entry in changed}),
        "unnamed_until": unnamed_until,
    }


def windows_of(page: Sequence[Sequence[Any]], changed_ids: set[Any]) -> list[dict[str, str]]:
    """Export windows ``[since, until)`` holding the changed records of ``page``: one per run of changed records
    with no unchanged one between them, so an export of the windows reads the changed records and few others."""
    windows: list[dict[str, str]] = []
    run: list[datetime] = []
    for record_id, date in [*reversed(page), (None, None)]:  # oldest first; the sentinel closes the last run
        if record_id is not None and record_id in changed_ids:
            run.append(_moment(date))
            continue
        if run:
            windows.append(_window(min(run), max(run) + DATE_RESOLUTION))
            run = []
    return windows


def export_plan(payloads: Iterable[Mapping[str, Any]], *, start: datetime, limit: int) -> dict[str, Any]:
    """What a run started by change events should export: ``{"windows": [{"since", "until"}], "gone": [ids]}``.

    The windows hold every changed record of the events, merged where they overlap or touch, and, for an event
    whose change was partly out of sight (``unnamed_until``), everything from ``start`` up to that moment. At most
    ``limit`` windows: beyond that the closest ones are joined. When records went and nothing else needs reading,
    the window is where they were last listed, so a tombstone check has a window to run in.
    """
    spans: list[tuple[datetime, datetime]] = []
    gone: dict[Any, datetime] = {}
    for payload in payloads:
        spans += [(_moment(window["since"]), _moment(window["until"])) for window in payload.get("windows", ())]
        if payload.get("unnamed_until"):
            spans.append((start, _moment(payload["unnamed_until"]) + DATE_RESOLUTION))
        gone.update({entry["id"]: _moment(entry["date_modified"]) for entry in payload.get("gone", ())})
    if not spans and gone:
        spans.append((min(gone.values()), max(gone.values()) + DATE_RESOLUTION))
    merged = _merged(spans)
    while len(merged) > max(limit, 1):
        closest = min(range(len(merged) - 1), key=lambda n: merged[n + 1][0] - merged[n][1])
        merged[closest : closest + 2] = [(merged[closest][0], merged[closest + 1][1])]
    return {"windows": [_window(since, until) for since, until in merged], "gone": sorted(gone)}


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for since, until in sorted(spans):
        if merged and since <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((since, until))
    return merged


def _edge(marker: Mapping[str, Any]) -> datetime | None:
    """The oldest ``date_modified`` of a full page; None when the page holds the whole list."""
    if marker["whole"] or not marker["page"]:
        return None
    return min(_moment(date) for _, date in marker["page"])


def _above(date: str, edge: datetime | None) -> bool:
    """Whether a record dated ``date`` is modified after ``edge`` (None: a page without an edge holds everything)."""
    return edge is None or _moment(date) > edge


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _window(since: datetime, until: datetime) -> dict[str, str]:
    return {"since": since.isoformat(), "until": until.isoformat()}
