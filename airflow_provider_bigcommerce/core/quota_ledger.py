"""One store's quota shared by every process of a fleet: the limiter's figures kept in a small locked file.

Each process reads the store's rate-limit headers, but headers cannot tell it what the other processes of the
fleet have in flight: N processes each bursting into "what is left" draw 429s. So the figures the limiter
decides on (quota, left, the window's reset, the fleet's sends in flight and the last send) live in one JSON file
per store, ``<folder>/<sha256 of the store's API URL>.json``, and every decision holds ``flock`` on it for the
few microseconds it takes to read, decide and write back. The decisions are those of ``rate_limit.RateLimiter``.

* Times in the file are wall-clock seconds (monotonic clocks of two machines do not share an origin); any time
  further ahead than the longest wait (``MAX_WAIT_S``) is garbage, like a stepped clock, and is pulled back.
* A send counts as in flight until it is answered, or ``STALE_SEND_S`` has passed (its process died).
* A damaged file is taken for empty and overwritten: it holds figures only, nothing secret, nothing lasting.
* The lock is waited for at most ``LOCK_TIMEOUT_S``; past that the process decides on its own figures.
* The first ledger a process opens in a folder prunes the folder: ledgers unused for ``UNUSED_LEDGER_S`` go.

The folder: env ``BIGCOMMERCE_QUOTA_FOLDER``; unset, a per-user folder under the temp dir (one machine's fleet);
``off`` keeps every process on its own. Processes on several machines share a folder on storage that honours
``flock`` across them (README "Fleet").
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import math
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from airflow_provider_bigcommerce.core.rate_limit import DEFAULT_RESERVE, MAX_WAIT_S, Permit, RateLimiter

log = logging.getLogger(__name__)

FOLDER_ENV = "BIGCOMMERCE_QUOTA_FOLDER"
LOCK_TIMEOUT_S = 2.0
STALE_SEND_S = 4 * MAX_WAIT_S  # longer than any call is allowed to take
_MAX_BYTES = 1 << 16
UNUSED_LEDGER_S = 7 * 24 * 3600.0  # a ledger no process has used for a week is deleted (``prune_ledgers``)
_POLL_NAP_S = 0.02  # waiters in other processes are not woken by our answers, so they look this often

_NUMBERS = ("left", "ours", "window_s", "reset_at", "last_send", "blocked_until", "bare_429s", "last_bare_429_at")


class WallClock:
    """Time every process (and, with synchronized clocks, every machine) of the fleet agrees on."""

    def monotonic(self) -> float:
        return time.time()

    def wait(self, condition: threading.Condition, timeout: float) -> None:
        condition.wait(timeout)


def ledger_folder() -> str | None:
    """Where the fleet's ledgers live, or None when processes keep their figures to themselves."""
    folder = os.environ.get(FOLDER_ENV, "").strip()
    if folder.lower() == "off":
        return None
    return folder or os.path.join(tempfile.gettempdir(), f"bigcommerce-quota-{os.getuid()}")


_STORES: dict[str, RateLimiter] = {}
_STORES_LOCK = threading.Lock()


def store_limiter(key: str, *, reserve: float = DEFAULT_RESERVE) -> RateLimiter:
    """The process-wide limiter for a store (key: its API URL), so all its clients share one budget.

    On the fleet's ledger when there is a folder (:func:`ledger_folder`). Connections to one store with
    different reserves get the largest, so each one's reserve is honoured.
    """
    with _STORES_LOCK:
        limiter = _STORES.get(key)
        if limiter is None:
            folder = ledger_folder()
            if folder is None:
                limiter = RateLimiter()
            else:
                name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"
                limiter = LedgerRateLimiter(os.path.join(folder, name))
            _STORES[key] = limiter
        limiter.reserve = max(limiter.reserve, reserve)
        return limiter


def _forget_after_fork() -> None:
    # A child must not share the parent's ledger file description (flock would not exclude the two) nor a
    # condition some other thread held at fork() time.
    global _STORES_LOCK
    _STORES_LOCK = threading.Lock()
    _STORES.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


class LedgerRateLimiter(RateLimiter):
    """A ``RateLimiter`` whose figures are the fleet's: loaded from ``path`` before each decision, saved after."""

    _probe_nap_s = _POLL_NAP_S

    def __init__(self, path: str, *, lock_timeout_s: float = LOCK_TIMEOUT_S, **kwargs: Any) -> None:
        super().__init__(WallClock(), **kwargs)
        self.path = path
        self.lock_timeout_s = lock_timeout_s
        self._fd: int | None = None
        self._sends: list[float] = []  # the fleet's requests in flight, by the time they were sent
        self._warned = False

    def _sent(self, now: float) -> None:
        super()._sent(now)
        self._sends.append(now)

    def _answered(self, permit: Permit) -> None:
        with contextlib.suppress(ValueError):  # already dropped as stale
            self._sends.remove(permit.sent_at)
        self._in_flight = len(self._sends)

    @contextlib.contextmanager
    def _shared_figures(self) -> Iterator[None]:
        fd = self._locked_file()
        if fd is None:  # no ledger now: decide on this process's figures
            yield
            return
        try:
            self._load(fd)
            yield
            try:
                self._save(fd)
            except OSError as exc:  # a full disk, a quota: the decision stands, the fleet just does not hear of it
                self._warn_unusable(exc)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _locked_file(self) -> int | None:
        try:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                if self._fd is None:
                    self._fd = _open_ledger(self.path)
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    time.sleep(0.001)
                else:
                    if _same_file(self._fd, self.path):
                        return self._fd
                    # Pruned (``prune_ledgers``) while this process held it open: the fleet is on a new file.
                    os.close(self._fd)
                    self._fd = None
                if time.monotonic() > deadline:  # held by others, or replaced under us, for too long
                    raise TimeoutError(errno.ETIMEDOUT, "lock held too long")
        except OSError as exc:
            self._warn_unusable(exc)
            return None

    def _warn_unusable(self, exc: OSError) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "The quota ledger %s cannot be used (%s); this process paces the store on its own figures. "
                "Check the folder (env %s), or set it to off.",
                self.path,
                exc.strerror or exc,
                FOLDER_ENV,
            )

    def _load(self, fd: int) -> None:
        now = self._clock.monotonic()
        try:
            document = json.loads(os.pread(fd, _MAX_BYTES, 0) or b"{}")
        except (OSError, ValueError):
            document = {}
        if not isinstance(document, dict):
            document = {}
        quota, numbers, sends = _checked(document, now)
        self._sends = sends
        self._in_flight = len(sends)
        if quota is None:  # nothing learnt yet, or damaged: the process's own figures stand
            return
        self._quota = quota
        self._assumed_since = None
        for name, value in numbers.items():
            setattr(self, f"_{name}", value)

    def _save(self, fd: int) -> None:
        document = {name: getattr(self, f"_{name}") for name in _NUMBERS}
        document.update(quota=self._quota, assumed_since=self._assumed_since, sends=self._sends)
        data = json.dumps(
            {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in document.items()}
        )
        encoded = data.encode()
        os.ftruncate(fd, 0)
        if os.pwrite(fd, encoded, 0) < len(encoded):  # a full disk or a file-size limit cut it short
            raise OSError(errno.EFBIG, "the ledger was only partly written")


def _checked(document: dict[str, Any], now: float) -> tuple[int | None, dict[str, Any], list[float]]:
    """The ledger's figures if they make sense; times pulled back to at most the longest wait ahead of ``now``."""
    latest = now + MAX_WAIT_S

    def number(name: str, default: float) -> float:
        value = document.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            return default
        return value

    raw_sends = document.get("sends")
    sends = [
        float(sent)
        for sent in (raw_sends if isinstance(raw_sends, list) else [])
        if isinstance(sent, int | float) and not isinstance(sent, bool) and now - STALE_SEND_S < sent <= now + 1
    ]
    quota = document.get("quota")
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 1:
        return None, {}, sends
    numbers: dict[str, Any] = {
        "left": min(int(number("left", 0)), quota),
        "ours": min(int(number("ours", 0)), quota),
        "window_s": min(number("window_s", MAX_WAIT_S), MAX_WAIT_S) or MAX_WAIT_S,
        "reset_at": min(number("reset_at", 0.0), latest),
        "last_send": min(number("last_send", -math.inf), now),
        "blocked_until": min(number("blocked_until", 0.0), latest),
        "bare_429s": int(min(number("bare_429s", 0), 64)),
        "last_bare_429_at": min(number("last_bare_429_at", -math.inf), now),
    }
    assumed = document.get("assumed_since")
    if isinstance(assumed, int | float) and not isinstance(assumed, bool) and math.isfinite(assumed):
        numbers["assumed_since"] = min(float(assumed), now)
    return quota, numbers, sends


def _open_ledger(path: str) -> int:
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if folder not in _PRUNED:
        _PRUNED.add(folder)
        prune_ledgers(folder)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "the ledger is not a regular file")
    return fd


def _same_file(fd: int, path: str) -> bool:
    try:
        opened, named = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


_PRUNED: set[str] = set()  # folders this process has pruned once


def prune_ledgers(folder: str, *, unused_for_s: float = UNUSED_LEDGER_S) -> int:
    """Delete the ledgers in ``folder`` no process has decided on for ``unused_for_s``; how many went.

    A ledger is rewritten on every decision, so its mtime is its last use. Each is deleted under its own lock,
    and a process still holding a deleted one open notices (``_same_file``) and moves to the new file.
    """
    removed = 0
    try:
        names = [name for name in os.listdir(folder) if name.endswith(".json")]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > unused_for_s and _same_file(fd, path):
                os.unlink(path)
                removed += 1
        except OSError:  # in use right now, or gone already
            pass
        finally:
            os.close(fd)
    return removed
