"""``Records``: one of the simpler lists as data, which ``list_answers`` serves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bigcommerce_lookalike.timeline import Moments, Timeline


@dataclass(frozen=True)
class Records:
    """One list's records: how many, each one by its 0-based index (its id is ``index + 1``), and, for a list
    filtered on ``date_modified``, when each was modified (non-decreasing with the index)."""

    count: int
    render: Callable[[int], dict[str, Any]]
    moments: Timeline | Moments | None = None
