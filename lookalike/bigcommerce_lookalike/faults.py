"""Seeded fault injection (latency, 5xx, bare 429, drops, errors inside a 200) and scripted spoiled answers.

Under platform load the real service answers 429 without rate headers and often with an empty body, fails
with 500/503, or drops connections (docs/bigcommerce.md "Rate limits"). Draws come from a seeded generator, so a
run with the same seed and the same sequence of requests meets the same faults. ``spoil`` scripts the next
answers instead: lying rate headers, a forced status, an error body inside a 200, a trickling or endless body.
"""

from __future__ import annotations

import enum
import random
import threading
from collections import deque
from dataclasses import dataclass

from bigcommerce_lookalike.config import check_fault_rates


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"
    ERROR_500 = "500"
    ERROR_503 = "503"
    BARE_429 = "bare_429"
    ERROR_IN_200 = "error_in_200"


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0
    error_5xx_rate: float = 0.0
    bare_429_rate: float = 0.0
    drop_rate: float = 0.0
    error_in_200_rate: float = 0.0  # a 200 whose body is a 503 error object (v3) or array (v2)


@dataclass(frozen=True)
class Spoil:
    """How to spoil one API answer; the fields combine.

    ``rate_headers`` replace the answer's ``X-Rate-Limit-*`` and ``X-Retry-After`` headers, as raw text (so NaN,
    ``soon`` or a 24 h reset can be sent; an empty dict sends none). ``status`` answers that status with the API's
    error body instead of the resource (quota is spent as usual). ``error_in_200`` answers 200 with the error body
    of that status. ``trickle_bytes_per_s`` writes the body that slowly; ``endless`` keeps writing spaces after it
    until the client hangs up.
    """

    rate_headers: dict[str, str] | None = None
    status: int | None = None
    error_in_200: int | None = None
    trickle_bytes_per_s: float = 0.0
    endless: bool = False


@dataclass
class _Scripted:
    spoil: Spoil
    left: int


class FaultInjector:
    """Decides, per API request, which fault (if any) it meets; settings can change at run time."""

    def __init__(self, seed: int, settings: FaultSettings) -> None:
        self._random = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
        self._script: deque[_Scripted] = deque()
        self.settings = settings

    def update(
        self,
        *,
        latency_ms: float | None = None,
        error_5xx_rate: float | None = None,
        bare_429_rate: float | None = None,
        drop_rate: float | None = None,
        error_in_200_rate: float | None = None,
    ) -> FaultSettings:
        """Change some knobs, keep the others; returns the new settings."""
        current = self.settings
        settings = FaultSettings(
            latency_ms=current.latency_ms if latency_ms is None else latency_ms,
            error_5xx_rate=current.error_5xx_rate if error_5xx_rate is None else error_5xx_rate,
            bare_429_rate=current.bare_429_rate if bare_429_rate is None else bare_429_rate,
            drop_rate=current.drop_rate if drop_rate is None else drop_rate,
            error_in_200_rate=current.error_in_200_rate if error_in_200_rate is None else error_in_200_rate,
        )
        if settings.latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {settings.latency_ms}")
        in_200 = settings.error_in_200_rate
        if not 0.0 <= in_200 <= 1.0:
            raise ValueError(f"error_in_200_rate must be a probability between 0 and 1, got {in_200}")
        # One draw decides between all faults, so the error-in-200 share counts with the 5xx share.
        check_fault_rates(settings.error_5xx_rate + in_200, settings.bare_429_rate, settings.drop_rate)
        self.settings = settings
        return settings

    def spoil(
        self,
        answers: int = 1,
        *,
        rate_headers: dict[str, str] | None = None,
        status: int | None = None,
        error_in_200: int | None = None,
        trickle_bytes_per_s: float = 0.0,
        endless: bool = False,
    ) -> Spoil:
        """Spoil the next ``answers`` API answers (after any earlier script) as ``Spoil`` describes."""
        spoil = Spoil(rate_headers, status, error_in_200, trickle_bytes_per_s, endless)
        if answers < 1:
            raise ValueError(f"answers must be at least 1, got {answers}")
        if spoil.trickle_bytes_per_s < 0:
            raise ValueError(f"trickle_bytes_per_s must be >= 0, got {spoil.trickle_bytes_per_s}")
        if spoil.endless and not spoil.trickle_bytes_per_s:
            raise ValueError("an endless body needs trickle_bytes_per_s")
        with self._lock:
            self._script.append(_Scripted(spoil, answers))
        return spoil

    def clear_spoils(self) -> None:
        with self._lock:
            self._script.clear()

    def next_spoil(self) -> Spoil | None:
        """The spoil for the answer being written now, if one is scripted."""
        if not self._script:
            return None
        with self._lock:
            if not self._script:
                return None
            scripted = self._script[0]
            scripted.left -= 1
            if scripted.left <= 0:
                self._script.popleft()
            return scripted.spoil

    def draw(self) -> Fault:
        settings = self.settings
        if not (settings.drop_rate or settings.error_5xx_rate or settings.bare_429_rate or settings.error_in_200_rate):
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
        roll -= settings.bare_429_rate
        if roll < settings.error_in_200_rate:
            return Fault.ERROR_IN_200
        return Fault.NONE
