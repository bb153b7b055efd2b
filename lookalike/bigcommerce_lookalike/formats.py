"""How BigCommerce writes and reads dates and money on the wire.

v2 bodies carry RFC 2822 dates (``Wed, 05 Dec 2018 20:16:55 +0000``) and money as strings with four decimals
(``"336.3200"``); v3 bodies carry ISO 8601 dates and money as numbers (docs/bigcommerce.md "Wire formats").
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = re.compile(r"^\d{9,11}$")


@lru_cache(maxsize=65536)
def money(cents: int) -> str:
    """v2 money: ``33632`` cents -> ``"336.3200"`` (cached: the same prices recur on every page)."""
    units, hundredths = divmod(cents, 100)
    return f"{units}.{hundredths:02d}00"


def amount(cents: int) -> float:
    """v3 money: ``33632`` cents -> ``336.32``."""
    return cents / 100


@lru_cache(maxsize=4096)
def _rfc2822_day(day: int) -> str:
    t = time.gmtime(day * 86400)
    return f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon]} {t.tm_year} "


_CLOCK_MINUTES = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))
_RFC2822_SECONDS = tuple(f"{second:02d} +0000" for second in range(60))


def rfc2822(epoch: int) -> str:
    """v2 date, always UTC: ``Wed, 05 Dec 2018 20:16:55 +0000`` (locale-independent on purpose).

    Three per order on every page, so the day, the minute of the day and the second come from tables.
    """
    day, seconds = divmod(epoch, 86400)
    minute, second = divmod(seconds, 60)
    return _rfc2822_day(day) + _CLOCK_MINUTES[minute] + _RFC2822_SECONDS[second]


@lru_cache(maxsize=4096)
def _iso_day(day: int) -> str:
    t = time.gmtime(day * 86400)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"


def iso8601(epoch: int) -> str:
    """v3 date: ``2018-12-05T20:16:55+00:00``."""
    day, seconds = divmod(epoch, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_iso_day(day)}{hours:02d}:{minutes:02d}:{seconds:02d}+00:00"


def _from_iso(value: str) -> float:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_v2_datetime(value: str) -> float:
    """A v2 date filter (``min_date_modified``): RFC 2822 or ISO 8601, or epoch seconds. Raises ``ValueError``."""
    value = value.strip()
    if _EPOCH.match(value):
        return float(value)
    if value[:1].isalpha():
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(value) from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return _from_iso(value)


def parse_v3_datetime(value: str, now: float) -> float:
    """A v3 date filter (``date_modified:min`` / ``:max``): ISO 8601 or epoch seconds. Raises ``ValueError``.

    The quirk, on purpose: a date without a time gets the *request's current time of day* (UTC) appended, so
    ``2024-01-05`` means 2024-01-05 at, say, 14:07:31, not at midnight (docs/bigcommerce.md "Incremental filters";
    products_catalog.v3.yml ``DateModifiedMinParam`` / ``DateModifiedMaxParam``). Clients must always send a
    full timestamp. Applied to products and customers alike.
    """
    value = value.strip()
    if _EPOCH.match(value):
        return float(value)
    if _DATE_ONLY.match(value):
        day = datetime.fromisoformat(value).replace(tzinfo=UTC)
        clock = datetime.fromtimestamp(now, UTC)
        since_midnight = timedelta(hours=clock.hour, minutes=clock.minute, seconds=clock.second)
        return (day + since_midnight).timestamp()
    return _from_iso(value)
