"""When an API call is tried again, how long the client waits first, and when it gives up.

A configured object in the manner of urllib3's ``Retry``: the client has one retry loop and every limit lives
here, so every call ends within ``RetryPolicy.longest_call_s``. Waiting for the store's rate limit is the
limiter's job (``rate_limit.py``); this module counts those waits and owns the back-off for header-less 429s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceRateLimitError,
    BigCommerceTransportError,
)
from airflow_provider_bigcommerce.core.http.rate_limit import MAX_WAIT_MARGIN_S, MAX_WAIT_S
from airflow_provider_bigcommerce.core.http.wire import ANSWER_DEADLINE_TIMEOUTS

# docs/bigcommerce.md "Rate limits": 500/503 are worth a few retries with growing delays; 502/504 come from proxies.
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# Safe to send twice. A POST that timed out may have been applied, so it is only retried when it never left.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one API call tries before it raises.

    ``max_attempts`` bounds tries against 5xx answers and dropped or timed-out connections together;
    ``max_429_waits`` bounds how often one call waits out the rate limit. Delays grow as
    ``base * 2 ** (n - 1)``, are multiplied by a random factor in ``1 ± jitter`` (so parallel workers do not retry
    in step) and are capped.
    """

    max_attempts: int = 5
    max_429_waits: int = 10
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    bare_429_base_s: float = 1.0
    bare_429_cap_s: float = 60.0
    jitter: float = 0.25
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    retry_methods: frozenset[str] = IDEMPOTENT_METHODS

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_429_waits < 0:
            raise ValueError("RetryPolicy needs max_attempts >= 1 and max_429_waits >= 0")
        if not 0 <= self.jitter < 1:
            raise ValueError("RetryPolicy.jitter must be in [0, 1)")

    def backoff_s(self, retry_number: int) -> float:
        """Delay before retry ``retry_number`` (1 for the first retry) after a 5xx or a failed connection."""
        return self._grow(self.backoff_base_s, self.backoff_cap_s, retry_number)

    def bare_429_backoff_s(self, consecutive: int) -> float:
        """Pause after the ``consecutive``-th 429 in a row without rate-limit headers (docs/bigcommerce.md)."""
        return self._grow(self.bare_429_base_s, self.bare_429_cap_s, consecutive)

    def longest_call_s(self, timeout_s: float) -> float:
        """The most one call can take with this policy and ``Timeout`` = ``timeout_s``, when no other thread of
        the process holds the store's turn.

        Every attempt (tries, 429 waits, one retry with a renewed token) may first wait for the store's turn
        (at most a capped 429 pause) and then wait ``timeout_s`` to connect plus a whole answer's deadline,
        whose last read may itself wait ``timeout_s``; between tries come the capped back-offs.
        """
        attempts = self.max_attempts + self.max_429_waits + 1
        turn_s = max(MAX_WAIT_S + MAX_WAIT_MARGIN_S, self.bare_429_cap_s)
        attempt_s = timeout_s * (ANSWER_DEADLINE_TIMEOUTS + 2)
        backoffs_s = sum(
            min(self.backoff_cap_s, self.backoff_base_s * 2 ** (n - 1) * (1 + self.jitter))
            for n in range(1, self.max_attempts)
        )
        return attempts * (turn_s + attempt_s) + backoffs_s

    def budget(self, method: str, path: str) -> RetryBudget:
        """A fresh budget for one call."""
        return RetryBudget(self, method, path)

    def _grow(self, base: float, cap: float, n: int) -> float:
        delay = base * 2 ** max(n - 1, 0)
        return min(cap, delay * random.uniform(1 - self.jitter, 1 + self.jitter))


class RetryBudget:
    """What one call has used of its policy. Each ``after_*`` method returns the delay or raises the final error."""

    def __init__(self, policy: RetryPolicy, method: str, path: str) -> None:
        self._policy = policy
        self._method = method
        self._path = path
        self._failures = 0
        self._waits_429 = 0

    def after_status(self, status: int, reason: str, message: str) -> float:
        """A 5xx came back. Returns seconds to wait before the next attempt, or raises ``BigCommerceApiError``."""
        if self._method not in self._policy.retry_methods:
            raise BigCommerceApiError("error_status", status, self._method, self._path, message)
        self._failures += 1
        if self._failures >= self._policy.max_attempts:
            raise BigCommerceApiError(
                "retries_exhausted", status, self._method, self._path, message, attempts=self._failures, reason=reason
            )
        return self._policy.backoff_s(self._failures)

    def after_transport_error(self, error: Exception, *, request_sent: bool) -> float:
        """The connection failed or timed out. Returns the delay, or raises ``BigCommerceTransportError``.

        ``request_sent`` is False when the request provably never reached the server (a connect timeout):
        then even a POST may be sent again.
        """
        facts = {"method": self._method, "path": self._path, "cause": type(error).__name__, "detail": str(error)[:160]}
        if request_sent and self._method not in self._policy.retry_methods:
            raise BigCommerceTransportError("not_retried", attempts=self._failures + 1, **facts)
        self._failures += 1
        if self._failures >= self._policy.max_attempts:
            raise BigCommerceTransportError("attempts_exhausted", attempts=self._failures, **facts)
        return self._policy.backoff_s(self._failures)

    def after_429(self, message: str) -> None:
        """A 429 came back (the limiter already paused the store). Raises once the waits are used up."""
        self._waits_429 += 1
        if self._waits_429 > self._policy.max_429_waits:
            raise BigCommerceRateLimitError(
                "rate_limited", 429, self._method, self._path, message, waits=self._policy.max_429_waits
            )
