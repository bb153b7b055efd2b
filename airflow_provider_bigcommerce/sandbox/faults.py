"""Seeded fault injection: latency, 5xx, bare 429 and dropped connections (docs/bigcommerce.md "Rate limits").

Under platform load the real service answers 429 without rate headers and often with an empty body, fails
with 500/503, or drops connections. Draws come from a seeded generator, so a run with the same seed and the
same sequence of requests meets the same faults.
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass

from airflow_provider_bigcommerce.sandbox.config import check_fault_rates


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"
    ERROR_500 = "500"
    ERROR_503 = "503"
    BARE_429 = "bare_429"


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0
    error_5xx_rate: float = 0.0
    bare_429_rate: float = 0.0
    drop_rate: float = 0.0


class FaultInjector:
    """Decides, per API request, which fault (if any) it meets; settings can change at run time."""

    def __init__(self, seed: int, settings: FaultSettings) -> None:
        self._random = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
        self.settings = settings

    def update(
        self,
        *,
        latency_ms: float | None = None,
        error_5xx_rate: float | None = None,
        bare_429_rate: float | None = None,
        drop_rate: float | None = None,
    ) -> FaultSettings:
        """Change some knobs, keep the others; returns the new settings."""
        current = self.settings
        settings = FaultSettings(
            latency_ms=current.latency_ms if latency_ms is None else latency_ms,
            error_5xx_rate=current.error_5xx_rate if error_5xx_rate is None else error_5xx_rate,
            bare_429_rate=current.bare_429_rate if bare_429_rate is None else bare_429_rate,
            drop_rate=current.drop_rate if drop_rate is None else drop_rate,
        )
        if settings.latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {settings.latency_ms}")
        check_fault_rates(settings.error_5xx_rate, settings.bare_429_rate, settings.drop_rate)
        self.settings = settings
        return settings

    def draw(self) -> Fault:
        settings = self.settings
        if not (settings.drop_rate or settings.error_5xx_rate or settings.bare_429_rate):
            return Fault.NONE
        with self._lock:
            roll = self._random.random()
            flavour = self._random.random()
        if roll < settings.drop_rate:
            return Fault.DROP
        roll -= settings.drop_rate
        if roll < settings.error_5xx_rate:
            return Fault.ERROR_500 if flavour < 0.5 else Fault.ERROR_503
        roll -= settings.error_5xx_rate
        if roll < settings.bare_429_rate:
            return Fault.BARE_429
        return Fault.NONE
