"""The store's request quota: fixed windows, shared by every app and account on the store.

A window opens with the first request after the previous one ended and lasts ``window_ms``; within it the
store accepts ``quota`` requests, then answers 429 until it ends (docs/bigcommerce.md "Rate limits"). The decision is
taken when a request arrives, before any added latency, so the ``X-Rate-Limit-Time-Reset-Ms`` a client reads
is never shorter than the truth.

A misbehaving store can announce a window it does not keep (``announced_window_ms``, e.g. 1 ms): its
``X-Rate-Limit-Time-Window-Ms`` says that figure while the quota is still counted over ``window_ms``.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The outcome for one request and the values of its ``X-Rate-Limit-*`` headers."""

    allowed: bool
    quota: int
    left: int
    window_ms: int
    reset_ms: int

    def headers(self) -> list[tuple[str, str]]:
        headers = [
            ("X-Rate-Limit-Time-Window-Ms", str(self.window_ms)),
            ("X-Rate-Limit-Time-Reset-Ms", str(self.reset_ms)),
            ("X-Rate-Limit-Requests-Quota", str(self.quota)),
            ("X-Rate-Limit-Requests-Left", str(self.left)),
        ]
        if not self.allowed:
            headers.append(("X-Retry-After", str(max(1, math.ceil(self.reset_ms / 1000)))))
        return headers


class FixedWindowRateLimiter:
    """Thread-safe quota accounting for one store."""

    def __init__(self, quota: int, window_ms: int, clock=time.monotonic, *, announced_window_ms: int | None = None):
        self.quota = quota
        self.window_ms = window_ms
        self.announced_window_ms = window_ms if announced_window_ms is None else announced_window_ms
        self._clock = clock
        self._lock = threading.Lock()
        self._window_end = 0.0
        self._used = 0

    def _roll(self, now: float) -> None:
        if now >= self._window_end:
            self._window_end = now + self.window_ms / 1000
            self._used = 0

    def _decision(self, allowed: bool, now: float) -> Decision:
        reset_ms = max(1, math.ceil((self._window_end - now) * 1000))
        left = max(0, self.quota - self._used)
        return Decision(allowed, self.quota, left, self.announced_window_ms, reset_ms)

    def acquire(self) -> Decision:
        """Count one request if the window has room; a refused request does not count."""
        with self._lock:
            now = self._clock()
            self._roll(now)
            if self._used >= self.quota:
                return self._decision(False, now)
            self._used += 1
            return self._decision(True, now)

    def consume(self, requests: int) -> Decision:
        """Another app on the store spends ``requests`` of the current window (every app shares the quota)."""
        with self._lock:
            now = self._clock()
            self._roll(now)
            self._used = min(self.quota, self._used + requests)
            return self._decision(True, now)
