"""The kinds of page walk, and which one a list gets: ``walk.PageWalk`` reads each its own way and
``plan.walk_cost`` prices each, both by ``walk_kind``, so the plan cannot choose a walk the export does not take."""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.core.paging.rules import CURSOR_PREFERRED, after_key, is_unpaged, keyset_for

KEYSET = "keyset"  # by id, in parallel slices after a full first page
V2_POSITION = "v2_position"  # v2 pages by number with a short read-ahead
OFFSET = "offset"  # v3 pages 2..total_pages in parallel after the first
CURSOR = "cursor"  # v3 ``after=<end_cursor>``, one page after another
AFTER_KEY = "after_key"  # ``after=<last key>``, one page after another
UNTIL_EMPTY = "until_empty"  # v3 pages without paging meta, until an empty one
UNPAGED = "unpaged"  # the whole list (or one object) in one answer


def walk_kind(path: str, params: dict[str, Any]) -> str:
    """The walk a list gets before any answer: ``KEYSET``, ``UNPAGED``, ``V2_POSITION``, ``AFTER_KEY``, else a
    v3 list by ``CURSOR`` or ``OFFSET``. A v3 pass settles those two by its first answer's paging blocks
    (``reads_by_cursor``; a list with neither is read ``UNTIL_EMPTY``); the prediction takes both blocks present."""
    if keyset_for(path, params) is not None:
        return KEYSET
    if is_unpaged(path):
        return UNPAGED
    if path.startswith("v2/"):
        return V2_POSITION
    if after_key(path) is not None:
        return AFTER_KEY
    if "after" in params:  # a cursor given by the caller: read on from it (``PageWalk._v3_pass``)
        return CURSOR
    return CURSOR if reads_by_cursor(path, offset=True, cursor=True) else OFFSET


def reads_by_cursor(path: str, *, offset: bool, cursor: bool) -> bool:
    """Whether a v3 list whose first page carries these paging blocks is read by cursor: when it offers only a
    cursor, or both and ``CURSOR_PREFERRED`` names it."""
    return cursor and (not offset or CURSOR_PREFERRED.match(path) is not None)
