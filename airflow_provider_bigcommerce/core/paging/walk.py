"""Walking BigCommerce list endpoints so that every record that matches throughout is yielded exactly once.

- keyset (v2 orders, v3 products, brands, categories): by id, each request asking for the ids above the last one read,
  so changes elsewhere cannot shift a page; after a full first page the ids left are split into slices read in
  parallel. Never ends on a full page; a slice that ends on an empty page is asked once more.
- v3 cursor (customers, metafields): ``after=<end_cursor>``; a cursor seen before is a cycle, an error.
- after a key (channel listings): ``after=<the last listing id read>``, keys ascending, as exact as a keyset.
- by position (other v3 offset lists, v2 lists): de-duplicated by id; a page repeating the one before is an
  error, a total that moves during the pass means the list is read again.
Each pass counts the records it met against the API's count before and after it (``page_rules.judge``); fewer
than both is read again, at most ``MAX_PASSES`` times, then ``PagingError``. Pages come in order and only a few
are buffered, so memory does not grow with the list. The decisions themselves live in ``page_rules``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.core.paging.count_dates import CountDates
from airflow_provider_bigcommerce.core.paging.kinds import (
    AFTER_KEY,
    KEYSET,
    UNPAGED,
    V2_POSITION,
    reads_by_cursor,
    walk_kind,
)
from airflow_provider_bigcommerce.core.paging.rules import (
    MAX_PAGE_SIZE,
    MAX_PASSES,
    V2_READ_AHEAD,
    Keyset,
    SeenKeys,
    SetApart,
    Slice,
    WalkOutcome,
    count_figures,
    count_request,
    first_new,
    identity,
    is_unpaged,
    judge,
    key_field,
    keyset_for,
    meta_of,
    offset_totals,
    page_size,
    plan_slices,
    record_id,
    served_page_size,
    serves_fewer,
    set_apart_for,
    v2_in_flight,
    v2_read_ahead,
    v2_records,
    v3_records,
    whole_number,
    with_paging,
)

__all__ = ["MAX_PAGE_SIZE", "V2_READ_AHEAD", "Page", "PageWalk", "WalkOutcome", "page_size"]

EMPTY_PAGE_RETRIES = 1  # a cursor page with no records but a next link is asked for again this often
MAX_WALK_RECORDS = 50_000_000  # a list without a count that answers more than this is not a store's list
# Pages a pass may answer per page's worth of records it may meet: keyset slices end on an empty page that is asked
# twice, so a healthy pass answers up to 3 per full page; more than 4 is a list that never ends.
PAGES_PER_FULL_PAGE = 4

Fetch = Callable[[str, dict[str, Any], threading.Event], Any]
"""GET this path with these params; raises ``RequestCancelled`` once the event is set."""


@dataclass(frozen=True)
class Page:
    """Records of one page, in order, none yielded before in this walk; ``number`` counts pages from 1."""

    records: list[Any]
    number: int


@dataclass
class _Chain:
    """One keyset slice being read: the next lowest id to ask for, and what came back but is not yielded yet."""

    part: Slice
    low: int
    done: bool = False
    ended_empty: bool = False
    future: Future[Any] | None = None
    ready: deque[list[Any]] = field(default_factory=deque)


class PageWalk:
    """One walk over one list endpoint; iterate it once, then read ``outcome``.

    ``concurrency()`` is how many requests may be in flight now (the limiter's view, capped by the client's
    pool); ``wake()`` makes waiting requests notice a cancel.
    """

    def __init__(
        self,
        path: str,
        params: dict[str, Any],
        *,
        fetch: Fetch,
        executor: Executor,
        concurrency: Callable[[], int],
        wake: Callable[[], None],
        on_page: Callable[[Page], None] | None = None,
        read_set_apart: bool = True,
        count_dates: CountDates | None = None,
    ) -> None:
        self._path = path
        self._limit = served_page_size(path, params)
        self._params = with_paging(path, params, limit=self._limit)
        self._fetch = fetch
        self._executor = executor
        self._concurrency = concurrency
        self._wake = wake
        self._on_page = on_page
        self._cancelled = threading.Event()
        self._in_flight: list[Future[Any]] = []
        self._pages = 0
        self._read = 0
        self._pass_count: int | None = None  # the API's count as the current pass found it
        self._pass_all = 0  # distinct records the current pass met, yielded before or not
        self._pass_apart = 0  # ... of which the walk sets apart (page_rules.SetApart)
        self._pass_pages = 0  # pages the current pass answered, records or not
        self._pass_shifted = False  # a list read by position changed its total during the pass
        self._seen = SeenKeys()
        self._countless = False  # the list has no count to check a pass against
        self._key = key_field(path)  # the field telling records apart
        self._id_floor: int | None = None  # a keyset walk's own id bounds (the caller's min/max), inclusive
        self._id_ceiling: int | None = None
        self._widened = False  # keyset pages ask one id beyond each bound (after a short pass)
        self._set_apart = set_apart_for(path, self._params)  # records compared apart from the count's total
        self._read_set_apart = read_set_apart  # False: such records are left out
        self._breakdown = False  # the count told the set-apart records' own number
        self._apart_count: int | None = None  # ... which is this
        self._count_dates = count_dates or CountDates()  # whether the store's counts apply date filters
        self._dates_blind = False  # they do not: the list is walked as one without a count
        self.outcome: WalkOutcome | None = None

    def _counted(self, compared: int | None) -> int | None:
        """The whole count behind a compared figure: with the set-apart records the count told apart."""
        if compared is None:
            return None
        return compared + (self._apart_count or 0 if self._breakdown else 0)

    @property
    def _pass_seen(self) -> int:
        """Distinct records the current pass met that its count compares with."""
        return self._pass_all - (self._pass_apart if self._breakdown else 0)

    def __iter__(self) -> Iterator[Page]:
        try:
            kind = walk_kind(self._path, self._params)
            keyset = keyset_for(self._path, self._params)
            if kind == KEYSET and keyset is not None:
                yield from self._passes(
                    lambda number: self._keyset_pass(keyset, number),
                    lambda passes: self._settle(lambda: self._keyset_recount(keyset), passes),
                )
            elif kind == V2_POSITION or kind == UNPAGED and self._path.startswith("v2/"):  # one answer ends the latter
                yield from self._passes(
                    self._v2_pass, lambda passes: self._settle(lambda: self._v2_recount(self._params), passes)
                )
            elif kind == AFTER_KEY:
                yield from self._passes(
                    self._after_key_pass, lambda passes: self._settle(lambda: self._v3_recount(self._params), passes)
                )
            else:
                yield from self._passes(
                    self._v3_pass, lambda passes: self._settle(lambda: self._v3_recount(self._params), passes)
                )
            if self._set_apart is not None and self._read_set_apart and (self._breakdown or self._dates_blind):
                yield from self._set_apart_walk(self._set_apart)
        finally:
            self._cancelled.set()
            for future in self._in_flight:
                future.cancel()
            self._in_flight.clear()
            self._wake()

    def _set_apart_walk(self, set_apart: SetApart) -> Iterator[Page]:
        """When the list gave fewer of the set-apart records than the count says it holds (it leaves them out), read
        them by their own filter, which the count takes too; then both outcomes as one. Without a count that applies
        the list's dates (``count_dates``) nothing tells whether the list left them out: they are read anyway."""
        main = self.outcome
        short = self._apart_count is not None and self._pass_apart < self._apart_count
        if main is None or not (short or self._dates_blind):
            if main is not None and main.expected is not None:
                self.outcome = WalkOutcome(main.expected + self._pass_apart, self._read, main.verified, main.passes)
            return
        params = {name: value for name, value in self._params.items() if name != "limit"}
        params[set_apart.name] = str(set_apart.value)
        apart = PageWalk(
            self._path,
            params,
            fetch=self._fetch,
            executor=self._executor,
            concurrency=self._concurrency,
            wake=self._wake,
            count_dates=self._count_dates,
        )
        for page in apart:
            fresh = first_new(page.records, self._seen, self._key)
            if fresh:
                yield self._page(fresh)
        extra = apart.outcome
        if main is None or extra is None:
            return
        expected = None if main.expected is None or extra.expected is None else main.expected + extra.expected
        self.outcome = WalkOutcome(
            expected, self._read, main.verified and extra.verified, max(main.passes, extra.passes)
        )

    def _sorted_out(self, records: list[Any]) -> tuple[list[Any], int]:
        """The records of a page the walk yields, and how many of the page's records it sets apart."""
        set_apart = self._set_apart
        if set_apart is None:
            return records, 0
        kept = [record for record in records if not set_apart.holds(record)]
        return (records if self._read_set_apart else kept), len(records) - len(kept)

    # -- passes and the verdict --------------------------------------------------------------------------------

    def _passes(
        self, one_pass: Callable[[int], Iterator[Page]], settle: Callable[[int], tuple[str, int | None]]
    ) -> Iterator[Page]:
        passes = 0
        while True:
            passes += 1
            self._pass_count, self._pass_pages, self._pass_shifted = None, 0, False
            self._pass_all, self._pass_apart = 0, 0
            yield from one_pass(passes)
            if self._pass_shifted:  # positions moved: this pass proves nothing, whatever the counts say
                if passes < MAX_PASSES:
                    continue
                raise PagingError("list_unstable", self._path, "moved_under_position_reads", passes=passes)
            verdict, expected = settle(passes)
            if verdict == "fail":
                raise PagingError(
                    "count_mismatch",
                    self._path,
                    "short_after_passes",
                    expected=self._counted(expected),
                    read=self._pass_all,
                    passes=passes,
                )
            if verdict == "done":
                self.outcome = WalkOutcome(expected, self._read, expected is not None, passes)
                return
            self._widened = True

    def _settle(self, recount: Callable[[], int | None], passes: int) -> tuple[str, int | None]:
        """The verdict on a pass: its count at the start when that matches what it met, else a fresh count too."""
        start = self._pass_count
        if self._countless:
            return "done", None
        if start is not None and start == self._pass_seen:
            return "done", start
        end = recount()
        verdict = judge(start, end, self._pass_seen, passes)
        counts = [count for count in (start, end) if count is not None]
        return verdict, (end if verdict == "done" or not counts else min(counts))

    def _met(self, records: int, apart: int = 0) -> None:
        """Count one answered page and the new records the pass met on it. A list that keeps growing far past
        its count (or, with none, past ``MAX_WALK_RECORDS``) is an error, and so is one that keeps answering pages
        past what that many records fill (``PAGES_PER_FULL_PAGE`` each): empty pages, or pages of records met
        already, behind cursors or positions that are always new. So no server can keep a walk going for ever."""
        self._pass_all += records
        self._pass_apart += apart
        self._pass_pages += 1
        counted = self._counted(self._pass_count)
        ceiling = MAX_WALK_RECORDS if counted is None else 2 * counted + 10 * self._limit
        if self._pass_all > ceiling:
            raise PagingError(
                "list_unstable",
                self._path,
                "grew_past_ceiling",
                expected=counted,
                read=self._pass_all,
                ceiling=ceiling,
            )
        pages = PAGES_PER_FULL_PAGE * (ceiling // self._limit + 1)
        if self._pass_pages > pages:
            raise PagingError(
                "list_unstable",
                self._path,
                "pages_past_ceiling",
                expected=counted,
                read=self._pass_all,
                pages=pages,
            )

    def _learn_page_size(self, pagination: dict[str, Any]) -> None:
        """A store may serve fewer records a page than ``limit`` asked (docs/open-questions.md "Page size"); its
        ``per_page`` says how many, and that is what a page that is not the last holds."""
        served = whole_number(self._path, "per_page", pagination.get("per_page"))
        if served and served < self._limit:
            self._limit = served

    def _keyset_page(self, records: list[Any]) -> Page:
        for record in records:  # ids come in ascending order here, which SeenKeys stores as ranges
            self._seen.add(record["id"])
        return self._page(records)

    def _page(self, records: list[Any]) -> Page:
        self._pages += 1
        self._read += len(records)
        page = Page(records, self._pages)
        if self._on_page is not None:
            self._on_page(page)
        return page

    def _get(self, params: dict[str, Any], path: str | None = None) -> Any:
        return self._fetch(path or self._path, params, self._cancelled)

    def _submit(self, params: dict[str, Any]) -> Future[Any]:
        future = self._executor.submit(self._fetch, self._path, params, self._cancelled)
        self._in_flight.append(future)
        return future

    def _result(self, future: Future[Any]) -> Any:
        try:
            return future.result()
        finally:
            self._in_flight.remove(future)

    # -- keyset ------------------------------------------------------------------------------------------------

    def _keyset_params(
        self, keyset: Keyset, low: int | None, high: int | None, *, widened: bool = False
    ) -> dict[str, Any]:
        """The query for ids ``[low, high]`` (with the caller's own bounds), taking the bounds as inclusive.

        Whether ``min_id``/``max_id`` include their value is not stated (docs/open-questions.md "Id bounds"). Under
        the other reading a walk by exact bounds skips one id a page, which its count shows; the passes after such
        a short one ask pages (``widened``) one id beyond each bound, a superset under either reading, and
        ``_accept`` keeps what is inside. So the inclusive reading costs nothing and the other one pass more.
        """
        params = keyset.ordered(self._params)
        lows = [x for x in (low, _int_param(self._path, params, keyset.min_param)) if x is not None]
        highs = [x for x in (high, _int_param(self._path, params, keyset.max_param)) if x is not None]
        shift = 1 if widened and self._widened else 0
        if lows:
            params[keyset.min_param] = max(lows) - shift
        if highs:
            params[keyset.max_param] = min(highs) + shift
        return params

    def _keyset_records(self, body: Any) -> list[Any]:
        records = v2_records(self._path, body) if self._path.startswith("v2/") else v3_records(self._path, body)
        if records is None:
            raise PagingError("bad_meta", self._path, "object_for_list")
        return records

    def _keyset_pass(self, keyset: Keyset, number: int) -> Iterator[Page]:
        repeat = number > 1
        chain = self._chain(Slice(0, None))
        self._id_floor = _int_param(self._path, self._params, keyset.min_param)
        self._id_ceiling = _int_param(self._path, self._params, keyset.max_param)
        first_body = self._get(self._keyset_params(keyset, None, None, widened=True))
        records = self._keyset_records(first_body)
        if keyset.count is None:
            pagination = meta_of(first_body).get("pagination") or {}
            self._learn_page_size(pagination)
            self._pass_count = offset_totals(self._path, pagination, self._limit)[0]
        elif records and len(records) < self._limit:
            # No meta says how many a page holds: a short first page ends the list only if the count agrees. A count
            # blind to the list's dates tells nothing: the next page is asked, as a list without a count is.
            self._pass_count = self._keyset_recount(keyset)
            if (self._counted(self._pass_count) or 0) > len(records) or self._dates_blind:
                self._limit = len(records)
        fresh = self._accept(chain, records, repeat)
        if fresh:
            yield self._keyset_page(fresh)
        if chain.done:
            yield from self._recheck_empty(keyset, [chain] if chain.ended_empty else [], repeat)
            return
        if keyset.count is not None and self._pass_count is None:
            self._pass_count = self._keyset_recount(keyset)
        remaining = self._limit if self._pass_count is None else self._pass_count - len(records)
        first_id = record_id(self._path, records[0])
        # A widened slice asks one id beyond each end (``_keyset_params``): two places of its page are kept for them.
        per_slice = max(1, self._limit - 2) if self._widened else self._limit
        plan = plan_slices(first_id, chain.low - 1, len(records), remaining, per_slice)
        high = _int_param(self._path, self._params, keyset.max_param)
        if high is not None:
            plan = [_clamped(part, high) for part in plan if part.low <= high]
        ended_empty: list[_Chain] = []
        yield from self._slices(keyset, plan, repeat, ended_empty)
        yield from self._recheck_empty(keyset, ended_empty, repeat)

    def _recheck_empty(self, keyset: Keyset, chains: list[_Chain], repeat: bool) -> Iterator[Page]:
        """Slices that ended on an empty page are asked once more: a 204 or an empty page from a proxy or a lagging
        replica can come back while records remain. A first page that came back empty is checked with the count the
        pass needs anyway. Whatever still disagrees with the counts is left to the pass's verdict."""
        retry = []
        for chain in chains:
            if chain.part == Slice(0, None):
                left = self._keyset_recount(keyset)
                self._pass_count = left if self._pass_count is None else self._pass_count
                if not left:
                    continue
            retry.append(Slice(chain.low, chain.part.high))
        yield from self._slices(keyset, retry, repeat, [])

    def _chain(self, part: Slice) -> _Chain:
        return _Chain(part, part.low)

    def _slices(self, keyset: Keyset, parts: list[Slice], repeat: bool, ended_empty: list[_Chain]) -> Iterator[Page]:
        """Read the slices in order, as many ahead of the current one as the budget allows, each ahead holding at
        most one page until its turn: yielded in id order, buffering no more pages than requests in flight. Only
        the slices within the budget exist as chains, so a long list costs no memory per slice."""
        upcoming = iter(parts)
        chains: deque[_Chain] = deque()
        while True:
            budget = max(1, self._concurrency())
            while len(chains) < budget and (part := next(upcoming, None)) is not None:
                chains.append(self._chain(part))
            if not chains:
                return
            chain = chains[0]
            if chain.ready:
                yield self._keyset_page(chain.ready.popleft())
                continue
            if chain.done:
                chains.popleft()
                if chain.ended_empty:
                    ended_empty.append(chain)
                continue
            ahead = list(islice(chains, budget))
            for waiting in ahead:
                if waiting is not chain and len(self._in_flight) >= len(ahead):
                    break
                if not waiting.done and waiting.future is None and not waiting.ready:
                    params = self._keyset_params(keyset, waiting.low, waiting.part.high, widened=True)
                    waiting.future = self._submit(params)
            for finished in [c for c in ahead if c.future is not None and (c is chain or c.future.done())]:
                future, finished.future = finished.future, None
                fresh = self._accept(finished, self._keyset_records(self._result(future)), repeat)
                if fresh:
                    finished.ready.append(fresh)

    def _accept(self, chain: _Chain, records: list[Any], repeat: bool) -> list[Any]:
        """Check a keyset page (ids ascending, above the cursor, inside the slice), move the chain on, and return
        the records an earlier pass did not yield."""
        ids = [record_id(self._path, record) for record in records]
        floor = max(chain.low, self._id_floor or 0)
        high = chain.part.high
        ceiling = (
            min(bound for bound in (high, self._id_ceiling) if bound is not None)
            if (high is not None or self._id_ceiling is not None)
            else None
        )
        # The page asked one id beyond each bound: that one may come back (an inclusive reading), no other outside.
        if any(later <= earlier for earlier, later in zip(ids, ids[1:], strict=False)) or (ids and ids[0] < floor - 1):
            raise PagingError("page_repeated", self._path, "ids_out_of_order")
        if ceiling is not None and ids and ids[-1] > ceiling + 1:
            raise PagingError("page_repeated", self._path, "ids_above_max")
        inside = [
            r for r, key in zip(records, ids, strict=True) if key >= floor and (ceiling is None or key <= ceiling)
        ]
        yielded, apart = self._sorted_out(inside)
        self._met(len(inside), apart)
        if ids:
            chain.low = max(chain.low, ids[-1] + 1)
        chain.done = len(records) < self._limit or (high is not None and chain.low > high)
        chain.ended_empty = not inside
        if not repeat:
            return yielded
        return [record for record in yielded if record["id"] not in self._seen]

    def _keyset_recount(self, keyset: Keyset) -> int | None:
        params = self._keyset_params(keyset, None, None)
        if self._path.startswith("v2/"):
            return self._v2_recount(params)
        return self._v3_recount(params)

    # -- v2 by position ----------------------------------------------------------------------------------------

    def _v2_pass(self, number: int) -> Iterator[Page]:
        # A delete before the current position makes the next page skip a record, which the end count alone
        # cannot tell from the delete itself: as with a v3 total, a count that moved means this pass proves nothing.
        self._pass_count = self._v2_recount(self._params)
        pass_seen = SeenKeys()
        start = int(self._params.get("page", 1))
        next_number, window = start, 1
        ahead: deque[Future[Any]] = deque()
        previous: list[Any] | None = None
        first = True
        while True:
            while len(ahead) < v2_in_flight(window, self._concurrency()):
                ahead.append(self._submit(with_paging(self._path, self._params, page=next_number)))
                next_number += 1
            body = self._result(ahead.popleft())
            records = v2_records(self._path, body)
            if records is None:  # not a list endpoint: one record, and no paging to follow
                self._countless = True
                if number == 1:
                    yield self._page([body])
                return
            keys = [identity(record, self._key) for record in records]
            if records and keys == previous:
                raise PagingError("page_repeated", self._path, "same_page_twice")
            previous = keys
            yielded, _ = self._sorted_out(records)
            new = [record for record in records if pass_seen.add(identity(record, self._key))]
            self._met(len(new), self._sorted_out(new)[1])
            fresh = first_new(yielded, self._seen, self._key)
            if fresh:
                yield self._page(fresh)
            if is_unpaged(self._path):  # the whole list came in one answer; asking again would repeat it
                return
            served = len(records)
            learnt = first and 0 < served < self._limit and serves_fewer(served, self._counted(self._pass_count))
            if learnt:
                self._limit = len(records)  # docs/open-questions.md "Page size": the store's own page size
            first = False
            if len(records) < self._limit:
                for future in ahead:
                    future.cancel()
                if self._pass_count is not None:
                    self._pass_shifted |= self._v2_recount(self._params) != self._pass_count
                return
            window = v2_read_ahead(window, learnt=learnt, counted=self._pass_count is not None)

    def _v2_recount(self, params: dict[str, Any]) -> int | None:
        request = count_request(self._path, {k: v for k, v in params.items() if k != "page"})
        if request is None:
            return None
        companion, count_params = request
        if not self._count_dates.believed(companion, count_params, lambda path, query: self._get(query, path)):
            self._dates_blind = True  # docs/open-questions.md "Count date filters": it would count the whole list
            return None
        kept, apart = count_figures(companion, params, self._get(count_params, companion.path))
        if self._set_apart is not None and apart is not None:
            self._breakdown, self._apart_count = True, apart
            return kept
        return kept + (apart or 0)

    # -- v3 by position and by cursor ----------------------------------------------------------------------------

    def _v3_pass(self, number: int) -> Iterator[Page]:
        params = dict(self._params)
        if "after" in params:
            params.pop("page", None)  # docs/bigcommerce.md "Listing and paging": page is ignored with a cursor
            yield from self._cursor_pages(params, self._get(params))
            return
        first = self._get(params)
        meta = meta_of(first)
        offset, cursor = meta.get("pagination"), meta.get("cursor_pagination")
        if reads_by_cursor(self._path, offset=bool(offset), cursor=bool(cursor)):
            if offset:
                self._pass_count = offset_totals(self._path, offset, self._limit)[0]
            yield from self._cursor_pages(params, first)
        elif offset:
            yield from self._offset_pages(params, first, offset)
        else:  # one object, a 204 or a list without paging meta: nothing to count it against
            self._countless = True
            data = first.get("data") if isinstance(first, dict) else None
            if isinstance(data, list) and data and not is_unpaged(self._path):
                yield from self._pages_until_empty(params, first)
                return
            fresh = first_new(v3_records(self._path, first), self._seen, self._key)
            if fresh:
                yield self._page(fresh)

    def _after_key_pass(self, number: int) -> Iterator[Page]:
        """A list paged by the last key read (``rules.AFTER_KEY``): each request asks for the records after the
        last key the pass read, so records deleted, inserted or edited elsewhere cannot shift a page. Keys must come
        ascending and above the one asked after. The first page's ``meta.pagination.total`` is the pass's count; a
        short page ends the pass once it has met that many (the store may serve fewer than ``limit`` a page and this
        meta has no ``per_page`` to say so), an empty page always does."""
        pass_seen = SeenKeys()
        after: int | None = None
        while True:
            params = self._params if after is None else {**self._params, "after": str(after)}
            body = self._get(params)
            records = v3_records(self._path, body)
            if after is None:
                pagination = meta_of(body).get("pagination") or {}
                self._pass_count = whole_number(self._path, "total", pagination.get("total"))
            keys = [record_id(self._path, record, self._key) for record in records]
            floor = -1 if after is None else after
            if any(later <= earlier for earlier, later in zip([floor, *keys], keys, strict=False)):
                raise PagingError("page_repeated", self._path, "ids_out_of_order", after=after)
            self._met(sum(pass_seen.add(key) for key in keys))
            fresh = first_new(records, self._seen, self._key)
            if fresh:
                yield self._page(fresh)
            if not records:
                return
            counted = self._pass_count is not None and self._pass_all >= self._pass_count
            if len(records) < self._limit and counted:
                return
            after = keys[-1]

    def _pages_until_empty(self, params: dict[str, Any], first: Any) -> Iterator[Page]:
        """A list that takes ``page`` but answers no paging meta (refunds: orders.v3.yml's meta holds none, docs/
        open-questions.md "Refunds"): pages one after another until one comes back empty; a page repeating the one
        before is an error, and ``_met``'s ceilings bound the rest."""
        number = int(params.get("page", 1))
        body, previous = first, None
        pass_seen = SeenKeys()
        while True:
            records = v3_records(self._path, body)
            keys = [identity(record, self._key) for record in records]
            if records and keys == previous:
                raise PagingError("page_repeated", self._path, "page_repeats_previous", page=number)
            previous = keys
            self._met(sum(pass_seen.add(key) for key in keys))
            fresh = first_new(records, self._seen, self._key)
            if fresh:
                yield self._page(fresh)
            if not records:
                return
            number += 1
            body = self._get(with_paging(self._path, params, page=number))

    def _offset_pages(self, params: dict[str, Any], first: Any, offset: dict[str, Any]) -> Iterator[Page]:
        """Pages 1..total_pages by position, as many in flight as the budget allows, yielded in order."""
        self._learn_page_size(offset)
        total, last = offset_totals(self._path, offset, self._limit)
        self._pass_count = total
        start = int(params.get("page", 1))
        previous = [identity(record, self._key) for record in v3_records(self._path, first)]
        pass_seen = SeenKeys()
        self._met(sum(pass_seen.add(key) for key in previous))
        fresh = first_new(v3_records(self._path, first), self._seen, self._key)
        if fresh:
            yield self._page(fresh)
        ahead: deque[tuple[int, Future[Any]]] = deque()
        next_number = start + 1
        while next_number <= last or ahead:
            while next_number <= last and len(ahead) < max(1, self._concurrency()):
                ahead.append((next_number, self._submit(with_paging(self._path, params, page=next_number))))
                next_number += 1
            page_number, future = ahead.popleft()
            body = self._result(future)
            records = v3_records(self._path, body)
            keys = [identity(record, self._key) for record in records]
            if records and keys == previous:
                raise PagingError("page_repeated", self._path, "page_repeats_previous", page=page_number)
            previous = keys
            self._met(sum(pass_seen.add(key) for key in keys))
            # Deletes before the current position skip as many records as they remove, which no count can
            # tell apart: a total that moved means the positions moved, so this pass proves nothing.
            page_total = offset_totals(self._path, meta_of(body).get("pagination") or {}, self._limit)[0]
            self._pass_shifted |= page_total != total or (len(records) < self._limit and page_number < last)
            fresh = first_new(records, self._seen, self._key)
            if fresh:
                yield self._page(fresh)

    def _cursor_pages(self, params: dict[str, Any], body: Any) -> Iterator[Page]:
        params.pop("page", None)
        cursors = {params["after"]} if "after" in params else set()
        pass_seen = SeenKeys()
        empty_pages = 0
        while True:
            records = v3_records(self._path, body)
            cursor = meta_of(body).get("cursor_pagination") or {}
            end_cursor = cursor.get("end_cursor")
            has_next = bool((cursor.get("links") or {}).get("next"))
            if not records and has_next and empty_pages < EMPTY_PAGE_RETRIES:
                empty_pages += 1  # a page with nothing on it but a way on: ask once more before moving past it
                body = self._result(self._submit(params))
                continue
            empty_pages = 0
            self._met(sum(pass_seen.add(identity(record, self._key)) for record in records))
            fresh = first_new(records, self._seen, self._key)
            if fresh:
                yield self._page(fresh)
            if not has_next or not end_cursor:
                return
            if end_cursor in cursors:
                raise PagingError("cursor_cycle", self._path, "cursor_seen_before")
            cursors.add(end_cursor)
            params = {**params, "after": end_cursor}
            body = self._result(self._submit(params))

    def _v3_recount(self, params: dict[str, Any]) -> int | None:
        if "after" in params:
            return None
        params = {name: value for name, value in params.items() if name not in ("page", "sort", "direction")}
        pagination = meta_of(self._get(with_paging(self._path, params, limit=1))).get("pagination")
        if not pagination:
            return None
        return offset_totals(self._path, pagination, 1)[0]


def _int_param(path: str, params: dict[str, Any], name: str) -> int | None:
    """The caller's id bound ``name``; one that is not a whole number is named with the list it was meant for."""
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PagingError("bad_meta", path, "bound_not_whole", name=name, value=str(value)[:20]) from None


def _clamped(part: Slice, high: int) -> Slice:
    return Slice(part.low, high if part.high is None else min(part.high, high))
