"""One poll loop for every watched list of a store: the change trigger's shared stream.

A ``Roster`` holds the lists the loop's watchers watch right now (a ``WatchedList`` is a list and the asset whose
state store keeps its marker); watchers join and leave it. Every ``poll_interval`` seconds ``StorePoll`` reads each
list on the roster once (``list_markers.read_markers``: one thread hop, one hook, one request a list, two for a
long orders list) and compares each watcher's marker with the new one (``ListWatch``); a list that joins between
two rounds is read at once, then with the others. Its changes come out as ``ListEvent`` with a ``Receipt``, the
receipt goes back to ``ListWatch.handed_over`` once the event is safe, and only then is that list's marker saved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_bigcommerce.compat import SharedStreamProducer
from airflow_provider_bigcommerce.core import change_marker
from airflow_provider_bigcommerce.messages.watch import watching
from airflow_provider_bigcommerce.triggers import list_markers

if TYPE_CHECKING:
    from airflow.triggers.shared_stream import AdvanceItem

MARKER_KEY = "bigcommerce_change_marker"


class MarkerStore(Protocol):
    """Where the last marker is kept: Airflow's asset state store accessors have this shape."""

    async def aget(self, key: str) -> Any: ...

    async def aset(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class WatchedList:
    """A list of the store (``resource``) as one watched asset sees it: its marker lives in that asset's state."""

    resource: str
    asset_uri: str | None


@dataclass(frozen=True)
class ListEvent:
    """What the loop broadcasts: a change of ``watched`` (``payload``), or the error that ends its watch."""

    watched: WatchedList
    payload: dict[str, Any] | None = None
    error: BaseException | None = None


class Roster:
    """The lists a loop's watchers watch now; ``wait_for_join`` wakes the loop early when one joins.

    A roster of the registry (``roster_of``) leaves it once nobody is on it and no poll loop holds it (``hold``,
    ``release``), so a triggerer that watched many stores over its life keeps only the rosters in use."""

    def __init__(self, key: Hashable | None = None) -> None:
        self._key = key
        self._members: Counter[WatchedList] = Counter()
        self._holders = 0
        self._joined: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def lists(self) -> list[WatchedList]:
        """In the order they joined."""
        return list(self._members)

    def __contains__(self, watched: object) -> bool:
        return watched in self._members

    @contextlib.contextmanager
    def member(self, watched: WatchedList) -> Iterator[None]:
        """``watched`` is on the roster while the block runs."""
        self._members[watched] += 1
        if self._joined is not None:
            self._joined.set()
        try:
            yield
        finally:
            self._members[watched] -= 1
            if self._members[watched] <= 0:
                del self._members[watched]
            self._leave_registry_if_idle()

    def hold(self) -> None:
        """A poll loop reads this roster: it stays in the registry, so later watchers join the roster it reads."""
        self._holders += 1

    def release(self) -> None:
        self._holders -= 1
        self._leave_registry_if_idle()

    def _leave_registry_if_idle(self) -> None:
        if not self._members and self._holders <= 0 and _ROSTERS.get(self._key) is self:
            del _ROSTERS[self._key]

    async def wait_for_join(self, timeout: float) -> None:
        """Sleep ``timeout`` seconds, or less when a list joins meanwhile."""
        loop = asyncio.get_running_loop()
        if self._joined is None or self._loop is not loop:  # an asyncio.Event belongs to one event loop
            self._joined, self._loop = asyncio.Event(), loop
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._joined.wait(), timeout)
        self._joined.clear()


_ROSTERS: dict[Hashable, Roster] = {}


def roster_of(key: Hashable) -> Roster:
    """The roster of the shared stream ``key`` in this triggerer (one process, one event loop): its watchers join
    it in ``filter_shared_stream``, and its producer polls what is on it (holding it while it may). Kept while
    either is there."""
    roster = _ROSTERS.get(key)
    if roster is None:
        roster = _ROSTERS[key] = Roster(key)
    return roster


@dataclass(frozen=True)
class Receipt:
    """Hands a change's marker back to its list's watch once the event is safe."""

    watch: ListWatch
    generation: int
    marker: dict[str, Any]


class ListWatch:
    """One watched list's markers: the saved one, and the one the last event (or first look) was made from.

    ``look`` compares a new marker with the last; ``handed_over`` saves the marker of a change whose event is
    safe; ``not_handed_over`` makes the next look fire the change again.
    """

    def __init__(self, watched: WatchedList, store: MarkerStore | None, log: Any) -> None:
        self.watched = watched
        self.store = store
        self.log = log
        self._saved: dict[str, Any] | None = None  # the marker in the state store
        self._previous: dict[str, Any] | None = None  # the marker the last event (or first look) was made from
        self._generation = 0  # receipts of an older generation were overtaken by a change fired again

    async def load(self) -> None:
        self._saved = self._previous = await self._load()

    async def look(self, marker: dict[str, Any]) -> tuple[dict[str, Any], Receipt] | None:
        """The event payload and receipt when ``marker`` differs from the last one; None otherwise."""
        resource = self.watched.resource
        previous = self._previous
        if previous is None or previous.get("store") != marker["store"]:
            # A first look, or the connection was repointed: a new baseline, not a change of this store.
            kept = "the asset's state store" if await self._save(marker) else "memory"
            self.log.info("First look at %s of %s: %s (kept in %s)", resource, marker["store"], _brief(marker), kept)
            self._previous = marker
            return None
        change = change_marker.difference(previous, marker)
        if change is None:
            return None
        self.log.info(
            "%s changed: %s -> %s; %d changed, %d gone%s",
            resource,
            _brief(previous),
            _brief(marker),
            len(change["changed"]),
            len(change["gone"]),
            f", unnamed up to {change['unnamed_until']}" if change["unnamed_until"] else "",
        )
        self._previous = marker
        payload = {**change_marker.brief(marker), **change, "previous": change_marker.brief(previous)}
        return payload, Receipt(self, self._generation, marker)

    async def handed_over(self, receipt: Receipt) -> None:
        """The receipt's event is safe: its marker becomes the saved one."""
        if receipt.generation == self._generation:
            await self._save(receipt.marker)

    def not_handed_over(self, *, watcher_left: bool = False) -> None:
        """An event was lost (or, ``watcher_left``, never sent: nobody was listening): compare the next poll with
        the saved marker, so the change fires again."""
        self._generation += 1
        self._previous = self._saved
        if watcher_left:
            self.log.info(
                "%s changed while no watcher listened; the next watcher's poll fires it", self.watched.resource
            )
        else:
            self.log.warning("A change event of %s was not stored; the next poll fires it again", self.watched.resource)

    async def _load(self) -> dict[str, Any] | None:
        if self.store is None:
            return None
        try:
            saved = await self.store.aget(MARKER_KEY)
        except Exception as error:  # several watched assets, or no state store backend: keep it in memory
            self.log.info("No saved marker (%s): the first poll sets it", type(error).__name__)
            return None
        if change_marker.is_marker(saved) and saved.get("resource") == self.watched.resource:
            return dict(saved)
        return None

    async def _save(self, marker: dict[str, Any]) -> bool:
        """Whether the marker went to the state store (else it lives only as long as this watch)."""
        self._saved = marker
        if self.store is None:
            return False
        try:
            await self.store.aset(MARKER_KEY, marker)
        except Exception as error:
            self.log.info("Marker not saved (%s); it stays in memory", type(error).__name__)
            return False
        return True


class StorePoll:
    """The poll loop of one store, connection and interval over the lists on ``roster``.

    ``changes`` yields ``(ListEvent, Receipt | None)`` for ever: a change with its receipt, or (receipt None) the
    permanent error of one list (401, 403, 404), which ends that list's watchers (they raise it, and leave). A
    timeout, a 429 after the client's retries, a 5xx or a malformed page skips that list for one round; a
    connection that cannot be read ends the loop.
    """

    def __init__(
        self,
        bigcommerce_conn_id: str,
        poll_interval: float,
        roster: Roster,
        marker_store: Callable[[WatchedList], MarkerStore | None],
        log: Any,
    ) -> None:
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.poll_interval = poll_interval
        self.roster = roster
        self.marker_store = marker_store
        self.log = log
        self._watches: dict[WatchedList, ListWatch] = {}
        # Lists refused for good (401, 403, 404) this round: a watcher that the triggerer restarts at once waits for
        # the next round instead of having the refusal asked for again.
        self._refused: set[WatchedList] = set()

    async def changes(self) -> AsyncIterator[tuple[ListEvent, Receipt | None]]:
        loop = asyncio.get_running_loop()
        next_round = loop.time()
        announced: list[WatchedList] = []
        while True:
            watched = self.roster.lists()
            for left in self._watches.keys() - set(watched):
                del self._watches[left]
            if loop.time() >= next_round:
                next_round = loop.time() + self.poll_interval
                due = watched
                self._refused.clear()
            else:  # woken by a join: read only the lists that joined, and not one just refused
                due = [entry for entry in watched if entry not in self._watches and entry not in self._refused]
            if watched != announced:
                announced = watched
                self._announce(watched)
            if due:
                async for item in self._look(due):
                    yield item
            await self.roster.wait_for_join(max(0.0, next_round - loop.time()))

    async def _look(self, due: Sequence[WatchedList]) -> AsyncIterator[tuple[ListEvent, Receipt | None]]:
        for entry in due:
            if entry not in self._watches:
                watch = ListWatch(entry, self.marker_store(entry), self.log)
                await watch.load()
                self._watches[entry] = watch
        resources = [entry.resource for entry in due]
        markers = await asyncio.to_thread(list_markers.read_markers, self.bigcommerce_conn_id, resources)
        for entry in due:
            watch = self._watches[entry]
            marker = markers[entry.resource]
            if isinstance(marker, BaseException):
                if list_markers.is_permanent(marker):
                    del self._watches[entry]
                    self._refused.add(entry)
                    if entry in self.roster:
                        yield ListEvent(entry, error=marker), None
                else:
                    self.log.warning(
                        "No marker of %s this time (%s); next look in %g s",
                        entry.resource,
                        type(marker).__name__,
                        self.poll_interval,
                    )
                continue
            found = await watch.look(marker)
            if found is None:
                continue
            # No await between this check and the yield: the event is broadcast to the watchers on the roster now.
            if entry not in self.roster:
                watch.not_handed_over(watcher_left=True)  # its watcher left while the list was read
                continue
            payload, receipt = found
            yield ListEvent(entry, payload=payload), receipt

    def _announce(self, watched: Sequence[WatchedList]) -> None:
        resources = [entry.resource for entry in watched]
        requests = list_markers.requests_per_poll(resources)
        per_hour = list_markers.requests_per_hour(resources, self.poll_interval)
        self.log.info("%s", watching(resources, self.bigcommerce_conn_id, self.poll_interval, requests, per_hour))


class ChangeProducer(SharedStreamProducer):
    """The store's poll loop as the producer of an acknowledged shared stream: Airflow calls ``advance`` for a
    change once every event made from it is stored in the metadata database (or failed to be). Each list is a
    lane of its own, so a list whose event waits does not hold up the saving of another's marker."""

    def __init__(self, poll: StorePoll) -> None:
        self.poll = poll

    def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:
        return self.poll.changes()

    async def aclose(self) -> None:
        """The poll is over: its roster may leave the registry once its watchers have left too."""
        self.poll.roster.release()

    def get_advance_lane(self, broker_payload: Any) -> Hashable:
        return broker_payload.watch.watched if isinstance(broker_payload, Receipt) else None

    async def advance(self, batch: Sequence[AdvanceItem]) -> None:
        for item in batch:
            receipt = item.broker_payload
            if not isinstance(receipt, Receipt):  # an error ending a watch: nothing to save
                continue
            if item.outcome.is_clean:
                await receipt.watch.handed_over(receipt)
            else:  # the batch is one list's (its lane): its later receipts are of the generation this ends
                receipt.watch.not_handed_over()


def _brief(marker: Mapping[str, Any]) -> str:
    newest = marker.get("newest") or {}
    return f"count={marker.get('count')} newest={newest.get('id')}@{newest.get('date_modified')}"
