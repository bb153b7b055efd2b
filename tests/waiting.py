"""Waiting in a test's event loop for something a trigger or a poll loop does: bounded, never a sleep standing in
for the event itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

STEP_S = 0.02


async def until(check: Callable[[], Any], timeout: float, *, meanwhile: Callable[[], None] | None = None) -> None:
    """Return once ``check()`` is true; ``meanwhile`` runs before each look (an assertion that must hold while
    waiting). ``TimeoutError`` after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            if meanwhile is not None:
                meanwhile()
            if check():
                return
            await asyncio.sleep(STEP_S)
