"""What the change triggers' shared poll loop says in the triggerer's log."""

from __future__ import annotations

from collections.abc import Sequence


def watching(resources: Sequence[str], conn_id: str, interval_s: float, requests: int, per_hour: float) -> str:
    """The loop's roster changed: what it reads now, and what that costs the store."""
    lists = ", ".join(dict.fromkeys(resources)) or "nothing"
    return (
        f"Watching {lists} of {conn_id} every {interval_s:g} s in one loop: {len(resources)} watched lists, "
        f"{requests} requests a poll (at most {per_hour:.0f} an hour)"
    )
