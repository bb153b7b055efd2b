"""Pacing for one store's request quota, shared by every client and thread of this process.

BigCommerce counts requests per store in windows (150 per 30 s on Standard) and shares that quota with every app
on the store; every response says the quota, what is left and when the window resets (docs/bigcommerce.md
"Rate limits").
The limiter keeps those figures and decides when the next request may leave:

- no figures yet: one request at a time, to learn them;
- plenty left: send at once, as many in parallel as the caller runs (``allowed_concurrency`` sizes read-ahead);
- little left: spread what is left evenly over the time left in the window;
- nothing left: wait for the reset.

"Left" is the server's lowest figure for the current window, minus our requests still in flight, minus what the
other apps on the store will likely spend before the reset at the pace they have spent so far. So another app
eating the quota slows us down, and a reset (or the other app going quiet) frees us again.
A 429 pauses every thread of the store: for the announced reset, or, when the headers are missing (platform
load), for a growing back-off whose schedule the caller's ``RetryPolicy`` owns.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar

_WINDOW_MS = "x-rate-limit-time-window-ms"
_RESET_MS = "x-rate-limit-time-reset-ms"
_QUOTA = "x-rate-limit-requests-quota"
_LEFT = "x-rate-limit-requests-left"
_RETRY_AFTER = "x-retry-after"

_RESERVE_FRACTION = 0.1  # below this share of the quota left, pace instead of bursting
_MAX_NAP_S = 1.0  # re-check at least this often while waiting, whatever woke us


class RequestCancelled(Exception):
    """The caller gave up on a request still waiting for its turn (e.g. a read-ahead page past the end)."""


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimitReading:
    """The rate-limit figures one response carried. Header names are case-insensitive, as in all HTTP."""

    quota: int | None
    left: int | None
    window_ms: int | None
    reset_ms: int | None
    retry_after_s: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitReading:
        lower = {str(key).lower(): value for key, value in headers.items()}

        def whole(name: str) -> int | None:
            number = _number(lower, name)
            return None if number is None else int(number)

        return cls(
            quota=whole(_QUOTA),
            left=whole(_LEFT),
            window_ms=whole(_WINDOW_MS),
            reset_ms=whole(_RESET_MS),
            retry_after_s=_number(lower, _RETRY_AFTER),
        )

    @property
    def has_quota(self) -> bool:
        return self.quota is not None and self.left is not None

    @property
    def wait_s(self) -> float | None:
        """How long a 429 asks us to wait, or None when it did not say (a bare 429)."""
        # Wait Time-Reset-Ms; X-Retry-After is whole seconds (docs/bigcommerce.md "Rate limits").
        if self.reset_ms is not None:
            return self.reset_ms / 1000
        return self.retry_after_s


class RateLimiter:
    """Decides when the next request to one store may be sent. Thread-safe; get one with :meth:`for_store`."""

    _stores: ClassVar[dict[str, RateLimiter]] = {}
    _stores_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def for_store(cls, key: str) -> RateLimiter:
        """The process-wide limiter for a store (key: its API URL), so all its clients share one budget."""
        with cls._stores_lock:
            limiter = cls._stores.get(key)
            if limiter is None:
                limiter = cls._stores[key] = cls()
            return limiter

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._quota: int | None = None
        self._left = 0  # the server's lowest figure for the current window
        self._ours = 0  # our requests the server counted in the current window
        self._window_s = 30.0
        self._reset_at = 0.0
        self._in_flight = 0
        self._last_send = -math.inf
        self._blocked_until = 0.0
        self._bare_429s = 0
        self._last_bare_429_at = -math.inf
        self._latency_s = 0.0

    def acquire(self, cancelled: threading.Event | None = None) -> float:
        """Block until a request may be sent and count it in flight. Returns the seconds waited.

        Raises ``RequestCancelled`` if ``cancelled`` is set while waiting (call :meth:`wake` after setting it).
        Every ``acquire`` must be followed by :meth:`note_response` or :meth:`note_no_response`.
        """
        started = time.monotonic()
        with self._cond:
            while True:
                if cancelled is not None and cancelled.is_set():
                    raise RequestCancelled
                now = time.monotonic()
                delay = self._delay_before_send(now)
                if delay <= 0:
                    break
                self._cond.wait(min(delay, _MAX_NAP_S))
            self._in_flight += 1
            self._last_send = now
        return now - started

    def note_response(
        self,
        status: int,
        reading: RateLimitReading,
        *,
        sent_at: float,
        bare_429_backoff: Callable[[int], float],
    ) -> float:
        """Learn from an answer to a request sent at ``sent_at`` (``time.monotonic()``).

        Returns how long the store is now paused (0 unless ``status`` is 429). ``bare_429_backoff(n)`` gives the
        pause after the n-th header-less 429 in a row; 429s to requests sent before the previous one arrived
        were one burst and do not escalate it.
        """
        with self._cond:
            now = time.monotonic()
            self._in_flight -= 1
            latency = now - sent_at
            self._latency_s = latency if self._latency_s == 0 else 0.8 * self._latency_s + 0.2 * latency
            if reading.has_quota:
                self._learn(now, reading, counted=status != 429)
            pause = 0.0
            if status == 429:
                wait_s = reading.wait_s
                if wait_s is not None:
                    pause = wait_s + self._margin_s()
                    self._left = 0
                    self._bare_429s = 0
                else:
                    if sent_at >= self._last_bare_429_at:
                        self._bare_429s += 1
                    self._last_bare_429_at = now
                    pause = bare_429_backoff(max(self._bare_429s, 1))
                self._blocked_until = max(self._blocked_until, now + pause)
            else:
                self._bare_429s = 0
            self._cond.notify_all()
            return pause

    def note_no_response(self) -> None:
        """The request failed on the wire. It may still have been counted, so assume it was."""
        with self._cond:
            self._in_flight -= 1
            self._left = max(self._left - 1, 0)
            self._cond.notify_all()

    def wake(self) -> None:
        """Make waiting threads re-check their cancel events now."""
        with self._cond:
            self._cond.notify_all()

    def allowed_concurrency(self) -> int:
        """How many requests may usefully be in flight now; paging sizes its read-ahead with it."""
        with self._cond:
            now = time.monotonic()
            if self._quota is None or now < self._blocked_until:
                return 1
            self._roll_window(now)
            headroom = math.floor(self._left - self._others_expected(now)) - self._reserve()
            if headroom > 0:
                return headroom
            if self._left <= 0:
                return 1
            interval = max(self._reset_at + self._margin_s() - now, 1e-3) / self._left
            return max(1, math.ceil(self._latency_s / interval))

    def _delay_before_send(self, now: float) -> float:
        if now < self._blocked_until:
            return self._blocked_until - now
        if self._quota is None:
            return _MAX_NAP_S if self._in_flight else 0.0  # probe alone; its answer wakes the others
        self._roll_window(now)
        reopen = self._reset_at + self._margin_s()
        available = self._left - self._in_flight - self._others_expected(now)
        if available <= 0:
            return max(reopen - now, 1e-3)
        if available > self._reserve():
            return 0.0
        return self._last_send + (reopen - now) / available - now

    def _others_expected(self, now: float) -> float:
        """Requests other apps will likely spend before the reset, at the rate they have spent so far.

        Requests of ours in flight may already be in the server's count, so they are not blamed on others.
        """
        others = (self._quota or 0) - self._left - self._ours - self._in_flight
        if others <= 0:
            return 0.0
        elapsed = now - (self._reset_at - self._window_s)
        return others * max(self._reset_at - now, 0.0) / max(elapsed, 0.25 * self._window_s)

    def _learn(self, now: float, reading: RateLimitReading, *, counted: bool) -> None:
        window_s = (reading.window_ms or self._window_s * 1000) / 1000
        reset_at = now + (reading.reset_ms / 1000 if reading.reset_ms is not None else window_s)
        tolerance = window_s / 2
        if self._quota is None or reset_at > self._reset_at + tolerance:  # a new window
            self._left = reading.left
            self._reset_at = reset_at
            self._ours = int(counted)
        elif reset_at >= self._reset_at - tolerance:  # the current window; answers arrive out of order
            self._left = min(self._left, reading.left)
            self._reset_at = max(self._reset_at, reset_at)
            self._ours += int(counted)
        # else: a late answer from a window that is already over
        self._quota = reading.quota
        self._window_s = window_s

    def _roll_window(self, now: float) -> None:
        """Past the reset, assume a fresh window until its first answer says otherwise."""
        if self._quota is not None and now >= self._reset_at + self._margin_s():
            windows = math.floor((now - self._reset_at) / self._window_s) + 1
            self._reset_at += windows * self._window_s
            self._left = self._quota
            self._ours = 0

    def _reserve(self) -> int:
        return max(1, math.ceil((self._quota or 0) * _RESERVE_FRACTION))

    def _margin_s(self) -> float:
        """Slack after the announced reset: our clock and the server's never agree exactly."""
        return 0.05 + 0.01 * self._window_s
