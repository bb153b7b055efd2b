"""Lists that exist only per parent record (an order's transactions, a price list's records): walk the parents,
then each parent's list, several at a time.

The children of one page of parents are walked concurrently on a pool of the client's ``max_concurrency``
threads; every request still waits its turn at the store's rate limiter, so the fan-out spends the store's
budget as fast as it allows and no faster, and never one request after another per parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_bigcommerce.core.errors import BigCommerceApiError, PagingError
from airflow_provider_bigcommerce.core.paging.rules import whole_id
from airflow_provider_bigcommerce.core.paging.walk import Page

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.paging.walk import PageWalk, WalkOutcome


class WalkingClient(Protocol):
    def walk(self, path: str, params: Mapping[str, Any] | None = None, *, read_set_apart: bool = True) -> PageWalk: ...


@dataclass(frozen=True)
class FanOut:
    """``child`` is the per-parent list, ``{id}`` standing for the parent's id (``v3/orders/{id}/transactions``).

    The resource's own path is the parent list. The date filter goes to the parents (``filter_on="parent"``: the
    orders modified in the window) or to each child list (``"child"``: a price list's records modified in it).
    ``parent_field`` names the field each child record gets its parent's id in, for a child list whose records do
    not name their parent (a product's reviews: ``product_id``); a record that names it keeps its own value.
    """

    child: str
    filter_on: str = "parent"
    parent_field: str | None = None


@dataclass(frozen=True)
class FanOutOutcome:
    """What a fan-out proved: the parents' walk outcome, and the children's counts summed. A child list that
    answered 204 (nothing) counts as an exact zero, and so does one whose parent was deleted after the parents'
    page was read (404); ``parents_gone`` counts those."""

    parents: WalkOutcome | None
    expected: int | None
    read: int
    verified: bool
    parents_gone: int = 0

    def as_manifest(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "read": self.read,
            "verified": self.verified,
            "passes": self.parents.passes if self.parents else None,
            "parents": self.parents.as_manifest() if self.parents else None,
            "parents_gone": self.parents_gone,
        }


class FanOutWalk:
    """Pages of child records, one page per page of parents; iterate once, then read ``outcome``."""

    def __init__(
        self,
        client: WalkingClient,
        parent_path: str,
        fan_out: FanOut,
        parent_params: Mapping[str, Any],
        child_params: Mapping[str, Any],
        *,
        workers: int,
        parents_kept: Callable[[Any], bool] | None = None,
        read_set_apart: bool = True,
    ) -> None:
        self._client = client
        self._parent_path = parent_path
        self._fan_out = fan_out
        self._parent_params = dict(parent_params)
        self._child_params = dict(child_params)
        self._workers = max(1, workers)
        self._parents_kept = parents_kept
        self._read_set_apart = read_set_apart
        self.outcome: FanOutOutcome | None = None

    def __iter__(self) -> Iterator[Page]:
        parents = self._client.walk(self._parent_path, self._parent_params, read_set_apart=self._read_set_apart)
        expected: int | None = 0
        read, verified, number, gone = 0, True, 0, 0
        pages = iter(parents)
        with closing(pages), ThreadPoolExecutor(self._workers, thread_name_prefix="bigcommerce-fan-out") as pool:
            for page in pages:
                kept = page.records if self._parents_kept is None else filter(self._parents_kept, page.records)
                children = [self._parent_id(parent) for parent in kept]
                records: list[Any] = []
                for child_records, child in pool.map(self._drain, children):
                    records += child_records
                    if child is None:  # the parent is gone: it has nothing left to export
                        gone += 1
                        continue
                    known = child.expected
                    exact_zero = known is None and child.read == 0
                    verified &= child.verified or exact_zero
                    expected = (
                        None if expected is None or (known is None and not exact_zero) else expected + (known or 0)
                    )
                read += len(records)
                number += 1
                yield Page(records, number)
        parent_outcome = parents.outcome
        verified &= parent_outcome is not None and parent_outcome.verified
        self.outcome = FanOutOutcome(parent_outcome, expected, read, verified, gone)

    def _parent_id(self, parent: Any) -> int:
        value = parent.get("id") if isinstance(parent, dict) else None
        found = whole_id(value)
        if found is None:
            raise PagingError("bad_record", self._parent_path, "parent_id_not_whole", value=str(value)[:40])
        return found

    def _drain(self, parent_id: int) -> tuple[list[Any], WalkOutcome | None]:
        """The child list's records and outcome; no records and no outcome when its parent no longer exists."""
        walk = self._client.walk(self._fan_out.child.format(id=parent_id), self._child_params)
        try:
            records = [record for page in walk for record in page.records]
        except BigCommerceApiError as error:
            if error.status != 404:
                raise
            return [], None
        named = self._fan_out.parent_field
        if named is not None:
            records = [
                {**record, named: record.get(named, parent_id)} if isinstance(record, dict) else record
                for record in records
            ]
        return records, walk.outcome
