"""Pacing for one store's request quota, shared by every client and thread of this process.

Every answer says the quota, what is left and when the window resets (docs/bigcommerce.md "Rate limits"). From
those figures: no figures yet -> one request at a time to learn them; plenty left -> send at once; little left ->
spread it over the rest of the window; nothing left -> wait for the reset. "Little" is the connection's ``Reserve``
(a fraction of the quota): it is never burst into but handed out at an even pace until the reset, all but its last
request, so the store's other apps always find one left, and what they spend comes out of it. "Left" also discounts
our requests in flight and what the other apps will likely spend before the reset. A 429 pauses every thread of
the store.
No header can make one wait longer than the window (at most ``MAX_WAIT_S``) nor a window shorter than
``MIN_WINDOW_S``; garbage figures are ignored.

This limiter's figures live in the process. ``quota_ledger.LedgerRateLimiter`` keeps the same figures in a file
that every process of a fleet locks in turn, so tasks reading one store at once share one budget
(docs/deployment.md "Fleet").
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

_WINDOW_MS = "x-rate-limit-time-window-ms"
_RESET_MS = "x-rate-limit-time-reset-ms"
_QUOTA = "x-rate-limit-requests-quota"
_LEFT = "x-rate-limit-requests-left"
_RETRY_AFTER = "x-retry-after"

MAX_WAIT_S = 30.0  # a window on every plan is 30 s: a longer announced wait or window is capped at this
# BigCommerce's windows last seconds (30 000 ms on every plan: docs/bigcommerce.md "Rate limits"). A shorter
# announced window would have the limiter assume a fresh quota every few milliseconds and send far past it.
MIN_WINDOW_S = 1.0
MAX_WAIT_MARGIN_S = 0.05 + 0.01 * MAX_WAIT_S  # the most slack added after an announced reset (``_margin_s``)
DEFAULT_RESERVE = 0.1  # share of the quota not burst into (the ``Reserve`` property)
_MAX_NAP_S = 1.0  # re-check at least this often while waiting, whatever woke us


class RequestCancelled(Exception):
    """The caller gave up on a request still waiting for its turn (e.g. a read-ahead page past the end)."""


class Clock(Protocol):
    """Time as the limiter sees it; tests pass a fake one and check the pacing in simulated milliseconds."""

    def monotonic(self) -> float: ...

    def wait(self, condition: threading.Condition, timeout: float) -> None:
        """Wait on ``condition`` (held by the caller) until notified or ``timeout`` seconds have passed."""


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, condition: threading.Condition, timeout: float) -> None:
        condition.wait(timeout)


def _number(headers: Mapping[str, str], name: str) -> float | None:
    """A header's value if it is a finite number >= 0; anything else (NaN, inf, -1, text) counts as absent."""
    try:
        number = float(headers[name])
    except (KeyError, TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


@dataclass(frozen=True)
class RateLimitReading:
    """The usable rate-limit figures of one response; header names are case-insensitive.

    Garbage is dropped, not trusted: a quota below 1, or a quota without its "left" figure, leaves both None;
    "left" is at most the quota; a window is held within ``bounded_window_s``, waits are capped at the window.
    """

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

        quota, left, window_ms = whole(_QUOTA), whole(_LEFT), whole(_WINDOW_MS)
        if quota is None or quota < 1 or left is None:
            quota = left = None
        # A window of 0 says nothing, like an absent header; any other is held within the bounds.
        window_ms = round(bounded_window_s(window_ms / 1000) * 1000) if window_ms else None
        longest_ms = window_ms or int(MAX_WAIT_S * 1000)
        reset_ms, retry_after_s = whole(_RESET_MS), _number(lower, _RETRY_AFTER)
        return cls(
            quota=quota,
            left=None if left is None or quota is None else min(left, quota),
            window_ms=window_ms,
            reset_ms=None if reset_ms is None else min(reset_ms, longest_ms),
            retry_after_s=None if retry_after_s is None else min(retry_after_s, longest_ms / 1000),
        )

    @property
    def has_quota(self) -> bool:
        return self.quota is not None and self.left is not None

    @property
    def wait_s(self) -> float | None:
        """How long a 429 asks us to wait, or None when it did not say (a bare 429)."""
        if self.reset_ms is not None:  # the finer figure; X-Retry-After is whole seconds
            return self.reset_ms / 1000
        return self.retry_after_s


@dataclass(frozen=True)
class Permit:
    """One request's turn: when it was sent (on the limiter's clock) and how long it waited for it."""

    sent_at: float
    waited_s: float


class RateLimiter:
    """Decides when the next request to one store may be sent. Thread-safe; clients get theirs from
    ``quota_ledger.store_limiter``, one per store and process."""

    _probe_nap_s = _MAX_NAP_S  # how often a waiter re-checks while the first request learns the figures

    def __init__(self, clock: Clock | None = None, *, reserve: float = DEFAULT_RESERVE) -> None:
        self._clock = clock or SystemClock()
        self.reserve = reserve
        self._cond = threading.Condition()
        self._quota: int | None = None
        self._left = 0  # the server's lowest figure for the current window
        self._ours = 0  # our requests the server counted in the current window
        self._window_s = MAX_WAIT_S
        self._reset_at = 0.0
        self._assumed_since: float | None = None  # set while the window's figures are our guess, not the server's
        self._in_flight = 0
        self._last_send = -math.inf
        self._blocked_until = 0.0
        self._bare_429s = 0
        self._last_bare_429_at = -math.inf
        self._latency_s = 0.0

    def acquire(self, cancelled: threading.Event | None = None) -> Permit:
        """Block until a request may be sent and count it in flight.

        Raises ``RequestCancelled`` if ``cancelled`` is set while waiting (call :meth:`wake` after setting it).
        Every permit must be handed back to :meth:`note_response` or :meth:`note_no_response`.
        """
        with self._cond:
            started = now = self._clock.monotonic()
            while True:
                if cancelled is not None and cancelled.is_set():
                    raise RequestCancelled
                with self._shared_figures():
                    delay = self._delay_before_send(now)
                    if delay <= 0:
                        self._sent(now)
                        break
                self._clock.wait(self._cond, min(delay, _MAX_NAP_S))
                now = self._clock.monotonic()
        return Permit(sent_at=now, waited_s=now - started)

    def send_delay(self) -> float:
        """Seconds a request would wait if it asked now (0: it may go at once)."""
        with self._cond, self._shared_figures():
            return max(self._delay_before_send(self._clock.monotonic()), 0.0)

    def note_response(
        self,
        permit: Permit,
        status: int,
        reading: RateLimitReading,
        *,
        bare_429_backoff: Callable[[int], float],
    ) -> float:
        """Learn from the answer to ``permit``'s request. Returns how long the store is now paused.

        ``bare_429_backoff(n)`` gives the pause after the n-th header-less 429 in a row; 429s to requests sent
        before the previous one arrived were one burst and do not escalate it.
        """
        with self._cond, self._shared_figures():
            now = self._clock.monotonic()
            self._answered(permit)
            latency = now - permit.sent_at
            self._latency_s = latency if self._latency_s == 0 else 0.8 * self._latency_s + 0.2 * latency
            if reading.has_quota:
                self._learn(now, permit.sent_at, reading, counted=status != 429)
            pause = 0.0
            if status == 429:
                wait_s = reading.wait_s
                if wait_s is not None:
                    wait_s = min(wait_s, self._window_s)
                    pause = wait_s + self._margin_s()
                    self._bare_429s = 0
                    if self._quota is not None:  # nothing left until the announced reset
                        self._left, self._reset_at, self._assumed_since = 0, now + wait_s, None
                else:
                    if permit.sent_at >= self._last_bare_429_at:
                        self._bare_429s += 1
                    self._last_bare_429_at = now
                    pause = bare_429_backoff(max(self._bare_429s, 1))
                self._blocked_until = max(self._blocked_until, now + pause)
            else:
                self._bare_429s = 0
            self._cond.notify_all()
            return pause

    def note_no_response(self, permit: Permit) -> None:
        """The request got no answer. It may still have been counted, so assume it was."""
        with self._cond, self._shared_figures():
            self._answered(permit)
            self._left = max(self._left - 1, 0)
            self._cond.notify_all()

    def wake(self) -> None:
        """Make waiting threads re-check their cancel events now."""
        with self._cond:
            self._cond.notify_all()

    def allowed_concurrency(self) -> int:
        """How many requests may usefully be in flight now; paging sizes its read-ahead with it."""
        with self._cond, self._shared_figures():
            now = self._clock.monotonic()
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

    @contextlib.contextmanager
    def _shared_figures(self) -> Iterator[None]:
        """Held around every decision; the ledger subclass loads the fleet's figures here and saves them after."""
        yield

    def _sent(self, now: float) -> None:
        self._in_flight += 1
        self._last_send = now

    def _answered(self, permit: Permit) -> None:
        self._in_flight -= 1

    def _delay_before_send(self, now: float) -> float:
        if now < self._blocked_until:
            return self._blocked_until - now
        if self._quota is None:
            return self._probe_nap_s if self._in_flight else 0.0  # probe alone; its answer wakes the others
        self._roll_window(now)
        reopen = self._reset_at + self._margin_s()
        available = self._left - self._in_flight - self._others_expected(now)
        if available > self._reserve():
            return 0.0
        paced = available - self._kept_for_others()
        if paced <= 0:
            return max(reopen - now, 1e-3)
        return self._last_send + (reopen - now) / paced - now

    def _others_expected(self, now: float) -> float:
        """Requests other apps will likely spend before the reset, at the rate they have spent so far.

        Requests of ours in flight may already be in the server's count, so they are not blamed on others.
        """
        others = (self._quota or 0) - self._left - self._ours - self._in_flight
        if others <= 0:
            return 0.0
        elapsed = now - (self._reset_at - self._window_s)
        return others * max(self._reset_at - now, 0.0) / max(elapsed, 0.25 * self._window_s)

    def _learn(self, now: float, sent_at: float, reading: RateLimitReading, *, counted: bool) -> None:
        window_s = bounded_window_s((reading.window_ms or self._window_s * 1000) / 1000)
        reset_at = now + min(reading.reset_ms / 1000 if reading.reset_ms is not None else window_s, window_s)
        tolerance = window_s / 2
        guessed = self._assumed_since is not None and sent_at >= self._assumed_since
        if self._quota is None or guessed or reset_at > self._reset_at + tolerance:  # the server's word on a new window
            self._left = reading.left
            self._reset_at = reset_at
            self._ours = int(counted)
            self._assumed_since = None
        elif reset_at >= self._reset_at - tolerance:  # the current window; answers arrive out of order
            self._left = min(self._left, reading.left)
            self._reset_at = max(self._reset_at, reset_at)
            self._ours += int(counted)
        # else: a late answer from a window that is already over
        self._quota = reading.quota
        self._window_s = window_s

    def _roll_window(self, now: float) -> None:
        """Past the reset, assume a fresh window until an answer to a request sent since then says otherwise."""
        if self._quota is not None and now >= self._reset_at + self._margin_s():
            windows = math.floor((now - self._reset_at) / self._window_s) + 1
            self._reset_at += windows * self._window_s
            self._left = self._quota
            self._ours = 0
            self._assumed_since = now

    def _reserve(self) -> int:
        return reserve_requests(self._quota or 0, self.reserve)

    def _kept_for_others(self) -> int:
        return kept_for_others(self._quota or 0, self.reserve)

    def _margin_s(self) -> float:
        return margin_s(self._window_s)


def bounded_window_s(window_s: float) -> float:
    """A window as the limiter believes it: at least ``MIN_WINDOW_S``, at most ``MAX_WAIT_S``, whoever said it."""
    return min(max(window_s, MIN_WINDOW_S), MAX_WAIT_S)


def reserve_requests(quota: int, reserve: float) -> int:
    """The requests of a window the ``Reserve`` holds back from bursts (at least one)."""
    return max(1, math.ceil(quota * reserve - 1e-9))  # 30 * 0.1 is 3, not 3.0000000000000004


def kept_for_others(quota: int, reserve: float) -> int:
    """The last request of a window is never ours: paced down to zero, the reserve would leave another app that
    asks just before the reset nothing (a ``Reserve`` of one request or less keeps none)."""
    return 1 if reserve_requests(quota, reserve) >= 2 else 0


def margin_s(window_s: float) -> float:
    """Slack after the announced reset: our clock and the server's never agree exactly."""
    return 0.05 + 0.01 * window_s
