"""Minutes a number of requests takes at one store's quota: the limiter's own arithmetic (``http.rate_limit``), as
a rate. Alone on the store, a run sends every request of a window but the one kept for other apps
(``kept_for_others``): a burst up to the ``Reserve``, the reserve paced out until the reset. The quota is the
store's, so tasks running at once share it; each also waits for its answers, so a walk that reads one page after
another (a cursor) is bound by the round trip rather than by the quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airflow_provider_bigcommerce.core.http.rate_limit import kept_for_others, margin_s, reserve_requests


@dataclass(frozen=True)
class Pace:
    """A store's figures as its answers state them: ``quota`` requests a ``window_s`` window (None: no rate-limit
    headers came back), the connection's ``reserve`` share, and the mean round trip ``latency_s``."""

    quota: int | None
    window_s: float
    reserve: float
    latency_s: float

    @property
    def ours_per_window(self) -> int | None:
        """Requests a window gives one run alone on the store."""
        if self.quota is None:
            return None
        return max(1, self.quota - kept_for_others(self.quota, self.reserve))

    @property
    def reserve_per_window(self) -> int | None:
        """Requests of a window the ``Reserve`` holds back from bursts."""
        return None if self.quota is None else reserve_requests(self.quota, self.reserve)

    def quota_seconds(self, requests: float) -> float | None:
        """Seconds the quota alone makes ``requests`` take: the first window's share goes at once, each further
        one a window later (plus the limiter's margin past each reset)."""
        ours = self.ours_per_window
        if ours is None:
            return None
        return max(0.0, requests - ours) / ours * (self.window_s + margin_s(self.window_s))

    def wait_seconds(self, requests: float, in_flight: int) -> float:
        """Seconds the round trips alone make ``requests`` take, ``in_flight`` of them at a time."""
        return requests * self.latency_s / max(1, in_flight)

    def seconds(self, work: Sequence[tuple[float, int]], tasks: int) -> float | None:
        """Seconds for ``work`` (requests, requests in flight at most), spread over ``tasks`` tasks at once: the
        longer of the shared quota's time and the round trips' time of the busiest task."""
        quota_s = self.quota_seconds(sum(requests for requests, _ in work))
        if quota_s is None:
            return None
        waits = [self.wait_seconds(requests, in_flight) for requests, in_flight in work]
        busiest = max([sum(waits) / max(1, tasks), *waits]) if tasks > 1 else sum(waits)
        return max(quota_s, busiest) if waits else quota_s
