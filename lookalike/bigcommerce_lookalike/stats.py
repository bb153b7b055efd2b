"""Counters of what the lookalike served, so tests assert outcomes ("no 429", "one token request per expiry")."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any, NamedTuple

_FIELDS = (
    "requests",
    "responses_429",
    "rate_limited",
    "bare_429",
    "responses_5xx",
    "dropped",
    "token_requests",
    "connections",
)
REQUEST_LOG_SIZE = 100_000  # the latest API requests kept; the oldest go first, so memory stays bounded


class LoggedRequest(NamedTuple):
    """One API request as it arrived: ``path`` after ``/stores/{hash}/`` (``"v3/orders/101/transactions"``) and
    its query parameter names in the order sent (values are not kept)."""

    method: str
    path: str
    params: tuple[str, ...]


class SandboxStats:
    """Live, thread-safe counters. Read as attributes (``stats.responses_429``) or items (``stats["..."]``).

    - ``requests``: API requests (``/stores/...``), faulted ones included.
    - ``requests_by_path``: per resource, keyed like ``"v2/orders"`` or ``"v2/orders/{order_id}/products"``.
    - ``responses_by_status``: API responses per HTTP status (dropped connections are not responses).
    - ``responses_429``: every 429; ``rate_limited`` those for an exhausted quota (with headers);
      ``bare_429`` the injected ones without headers; ``responses_5xx`` and ``dropped`` the other faults.
    - ``connections``: TCP connections accepted (a client that keeps its connection alive opens one).
    - ``token_requests``: ``POST /oauth2/token`` calls; ``token_requests_by_grant`` per ``grant_type``.
    - ``most_in_flight``: per resource, the most requests served at once (for routes with a concurrency limit).

    ``request_log()`` lists the latest ``REQUEST_LOG_SIZE`` API requests (``LoggedRequest``), so a test can check
    what a client sent against the official files; when it holds fewer than ``requests``, the oldest are gone.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._by_grant: Counter[str] = Counter()
        self._log: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._in_flight: Counter[str] = Counter()
        self._most_in_flight: Counter[str] = Counter()

    def entered(self, path_key: str) -> int:
        """One more request of ``path_key`` is being served; returns how many are now (this one included)."""
        with self._lock:
            self._in_flight[path_key] += 1
            now = self._in_flight[path_key]
            self._most_in_flight[path_key] = max(self._most_in_flight[path_key], now)
            return now

    def left(self, path_key: str) -> None:
        with self._lock:
            self._in_flight[path_key] -= 1

    def count_request(self, path_key: str, request: LoggedRequest) -> None:
        with self._lock:
            self._counts["requests"] += 1
            self._by_path[path_key] += 1
            self._log.append(request)

    def request_log(self) -> list[LoggedRequest]:
        """The latest API requests, oldest first."""
        with self._lock:
            return list(self._log)

    def count_response(self, status: int, *, injected: bool = False) -> None:
        """``injected`` marks a fault (bare 429, 5xx) rather than the store's own answer."""
        with self._lock:
            self._by_status[status] += 1
            if status == 429:
                self._counts["responses_429"] += 1
                self._counts["bare_429" if injected else "rate_limited"] += 1
            elif status >= 500:
                self._counts["responses_5xx"] += 1

    def count_connection(self) -> None:
        with self._lock:
            self._counts["connections"] += 1

    def count_drop(self) -> None:
        with self._lock:
            self._counts["dropped"] += 1

    def count_token_request(self, grant_type: str) -> None:
        with self._lock:
            self._counts["token_requests"] += 1
            self._by_grant[grant_type] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_path.clear()
            self._by_status.clear()
            self._by_grant.clear()
            self._log.clear()
            self._most_in_flight.clear()

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of every counter, JSON-ready."""
        with self._lock:
            data: dict[str, Any] = {name: self._counts[name] for name in _FIELDS}
            data["requests_by_path"] = dict(self._by_path)
            data["responses_by_status"] = dict(sorted(self._by_status.items()))
            data["token_requests_by_grant"] = dict(self._by_grant)
            data["most_in_flight"] = dict(self._most_in_flight)
        return data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        snapshot = self.snapshot()
        if name not in snapshot:
            raise AttributeError(name)
        return snapshot[name]

    def __getitem__(self, name: str) -> Any:
        return self.snapshot()[name]

    def __repr__(self) -> str:
        return f"SandboxStats({self.snapshot()})"
