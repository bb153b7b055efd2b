"""Export windows on ``date_modified``: which whole seconds a window claims, what it asks the API for, and which of
the records the API answers belong to it.

BigCommerce's documents leave two meanings open (docs/open-questions.md "Date bounds"): whether a date filter's
bounds are inclusive (the v2 orders spec says nothing; customers.v3.yml and channels.v3.yml word theirs "after" /
"before"; the common query-parameter page says ``>=`` / ``<=``), and at what resolution the store compares times.
So the API is never trusted with the edges: a window asks for one second more on each side than it claims, a
superset under every reading, and keeps exactly the records whose own date falls in the seconds it claims.

A window ``[start, end)`` claims the whole seconds ``S`` with ``floor(start) <= S < floor(end)``, where ``S`` is a
record's date truncated to the second (v2 dates have whole seconds; a finer v3 date is truncated too). Adjacent
windows share their boundary, so every second belongs to exactly one window; a window ending at ``20:11:51.83``
leaves the second ``20:11:51`` to the next one, since that second was not over when the window ended.

Nothing promises read-after-write either (docs/bigcommerce.md "Incremental filters"): a record dated in a window's
last second may be committed, and listed, some time after that second ended. So a window is read only once a
settle time (the connection's ``SettleSeconds``) has passed since the end of its last claimed second
(:func:`ready_at`); before that, :func:`check_settled` raises :class:`WindowNotSettled` and the caller waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from airflow_provider_bigcommerce.core.errors import BigCommerceError, ExportError

EDGE_MARGIN = timedelta(seconds=1)  # asked beyond each claimed edge: covers exclusive bounds and sub-second times


class WindowError(ExportError):
    """A window that cannot be read: ``code`` is ``window_naive`` (no time zone), ``window_reversed`` or
    ``out_of_range`` (``bound``, ``start`` or ``end``, whose ``value`` no date can hold in UTC to the second, with
    the second the query asks beyond it)."""

    CODES = frozenset(("window_naive", "window_reversed", "out_of_range"))

    def __init__(self, code: str, *, start: datetime, end: datetime, bound: str | None = None) -> None:
        value = (start if bound == "start" else end).isoformat() if bound else None
        super().__init__(code, start=start.isoformat(), end=end.isoformat(), bound=bound, value=value)
        self.start = start
        self.end = end
        self.bound = bound
        self.value = value


@dataclass(frozen=True)
class Window:
    """The half-open time range ``[start, end)`` a run exports, on ``date_modified``. Both ends timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise WindowError("window_naive", start=self.start, end=self.end)
        for bound, moment in (("start", self.start), ("end", self.end)):
            try:  # what query_bounds, claims and label do with it
                _floor_to_second(moment) - EDGE_MARGIN
            except OverflowError:
                raise WindowError("out_of_range", start=self.start, end=self.end, bound=bound) from None
        if self.start > self.end:
            raise WindowError("window_reversed", start=self.start, end=self.end)

    @property
    def first_second(self) -> datetime:
        """The first whole second the window claims (UTC)."""
        return _floor_to_second(self.start)

    @property
    def end_second(self) -> datetime:
        """The first whole second the window no longer claims (UTC): the next window's ``first_second``."""
        return _floor_to_second(self.end)

    def query_bounds(self) -> tuple[datetime, datetime]:
        """The (minimum, maximum) sent as the date filter: one second beyond each claimed edge.

        Under inclusive bounds the answer holds the claimed seconds plus at most the second before and the second
        at the end; under exclusive bounds, or a store that keeps sub-second times behind whole-second dates, it
        still holds every claimed second. ``claims`` then keeps exactly those.
        """
        return self.first_second - EDGE_MARGIN, self.end_second

    def claims(self, moment: datetime) -> bool:
        """Whether a record dated ``moment`` belongs to this window (its second, not its fraction, decides)."""
        second = _floor_to_second(moment)
        return self.first_second <= second < self.end_second

    def label(self) -> str:
        """``20240101T000000Z_20240102T000000Z``: names the files of this window."""
        return f"{_compact(self.start)}_{_compact(self.end)}"


class WindowNotSettled(BigCommerceError):
    """The window is right but too fresh to read: records dated in its last seconds may still be committing.

    Nothing was read or written. ``ready_at`` (UTC) is when it may be read: ``settle_s`` seconds after the end of
    its last claimed second. Not a failure: the caller waits until then (the operator defers, the CLI sleeps).
    """

    CODES = frozenset(("not_settled",))

    def __init__(self, window: Window, settle_s: float, ready_at: datetime) -> None:
        super().__init__(
            "not_settled",
            start=window.start.isoformat(),
            end=window.end.isoformat(),
            settle_s=settle_s,
            ready_at=ready_at.isoformat(),
        )
        self.window = window
        self.settle_s = settle_s
        self.ready_at = ready_at


def ready_at(window: Window, settle_s: float) -> datetime:
    """When every record ``window`` claims is taken as committed: ``settle_s`` after its last claimed second ended.

    A record dated in the window's last second was written before ``window.end_second``; allowing it ``settle_s`` to
    become visible (its commit, a replica's lag, the store's clock ahead of ours) makes the read complete.
    """
    return window.end_second + timedelta(seconds=settle_s)


def check_settled(window: Window, settle_s: float, now: datetime | None = None) -> None:
    """Raise :class:`WindowNotSettled` unless ``now`` (default: this machine's clock) is at or past ``ready_at``."""
    moment = ready_at(window, settle_s)
    if (now or datetime.now(UTC)) < moment:
        raise WindowNotSettled(window, settle_s, moment)


def _floor_to_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def api_version(api_path: str) -> str:
    return api_path.strip("/").split("/", 1)[0]


def filter_timestamp(api_path: str, moment: datetime) -> str:
    """A full timestamp in the format the API version documents for its date filters (never date-only).

    v2 takes RFC 2822 (``Thu, 20 Apr 2017 11:32:00 +0000``); v3 takes ISO 8601. A date-only v3 ``date_modified:min``
    gets the request's current time appended by the server, so the time is always sent
    (docs/bigcommerce.md "Incremental filters").
    """
    moment = moment.astimezone(UTC)
    if api_version(api_path) == "v2":
        return format_datetime(moment)
    return moment.isoformat(timespec="seconds")


def record_moment(value: Any) -> datetime | None:
    """A record's date: v2 RFC 2822 or v3 ISO 8601, as an aware datetime; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso_utc(value: Any) -> str | None:
    """A record's date as ISO 8601 UTC to the second; None when absent or unreadable."""
    moment = record_moment(value)
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


class WindowFilter:
    """Keeps the records of an answer that ``window`` claims, judged on the record's ``field``.

    A record whose date is missing or unreadable cannot be placed: it is kept (a lost record cannot be repaired
    downstream, a second copy can be deduplicated) and counted in ``undated``.
    """

    def __init__(self, window: Window, field: str) -> None:
        self.window = window
        self.field = field
        self.outside = 0
        self.undated = 0

    def __call__(self, record: Mapping[str, Any]) -> bool:
        moment = record_moment(record.get(self.field)) if isinstance(record, Mapping) else None
        if moment is None:
            self.undated += 1
            return True
        if self.window.claims(moment):
            return True
        self.outside += 1
        return False

    def as_manifest(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "claimed": [self.window.first_second.isoformat(), self.window.end_second.isoformat()],
            "outside": self.outside,
            "undated": self.undated,
        }


def moment_of(value: str | datetime | None, name: str) -> datetime | None:
    """A ``since``/``until`` argument as a datetime: an aware datetime, or its ISO 8601 text; None or "" is None.
    Anything else is ``ExportError`` ``moment_not_iso`` or ``moment_naive`` (``name`` says which argument)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ExportError("moment_not_iso", name=name, value=str(value)) from None
    if moment.tzinfo is None:
        raise ExportError("moment_naive", name=name, value=str(value))
    return moment


def window_of(since: str | datetime | None, until: str | datetime | None) -> Window | None:
    """The window ``[since, until)`` of two ``moment_of`` arguments; None when neither is given. One without the
    other is ``ExportError`` ``half_window`` (``given``, ``missing``): there is no run to take the other end from."""
    start, end = moment_of(since, "since"), moment_of(until, "until")
    if start is None and end is None:
        return None
    if start is None or end is None:
        given, missing = ("since", "until") if end is None else ("until", "since")
        raise ExportError("half_window", given=given, missing=missing)
    return Window(start, end)
