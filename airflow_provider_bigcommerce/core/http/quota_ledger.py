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
  Every figure read is a finite number within its bounds (a quota of at most ``MAX_QUOTA``, a window of the
  limiter's ``bounded_window_s``, the newest ``MAX_SENDS`` sends at most), or ignored.
* The lock is waited for at most ``LOCK_TIMEOUT_S``; past that the process decides on its own figures.
* The first ledger a process opens in a folder prunes the folder: ledgers unused for ``UNUSED_LEDGER_S`` go,
  and only files proven to be ledgers: a ledger's name, a regular file of this user with no other hard link,
  holding nothing but a ledger's figures.

The folder: env ``BIGCOMMERCE_QUOTA_FOLDER``; unset, a per-user folder under the temp dir (one machine's fleet),
created 0700; ``off`` keeps every process on its own. Processes on several machines share a folder on storage
that honours ``flock`` across them (docs/deployment.md "Fleet"). Whoever can rewrite a ledger can stall every
request, so, as with the OAuth settings folder (``folder_rules``), a folder that is a symbolic link, belongs to
another user (root aside) or is world-writable without the sticky bit is not used, nor a ledger file of another
user (``QuotaLedgerError``): the process then paces the store on its own figures and logs why, once.
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
import re
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from airflow_provider_bigcommerce.core.errors import QuotaLedgerError
from airflow_provider_bigcommerce.core.folder_rules import owned_by_another_user, writable_by_every_user
from airflow_provider_bigcommerce.core.http.rate_limit import (
    DEFAULT_RESERVE,
    MAX_WAIT_S,
    Permit,
    RateLimiter,
    bounded_window_s,
)
from airflow_provider_bigcommerce.core.properties import parse_number

log = logging.getLogger(__name__)

FOLDER_ENV = "BIGCOMMERCE_QUOTA_FOLDER"
LOCK_TIMEOUT_S = 2.0
STALE_SEND_S = 4 * MAX_WAIT_S  # longer than any call is allowed to take
_MAX_BYTES = 1 << 16
UNUSED_LEDGER_S = 7 * 24 * 3600.0  # a ledger no process has used for a week is deleted (``prune_ledgers``)
_POLL_NAP_S = 0.02  # waiters in other processes are not woken by our answers, so they look this often
MAX_QUOTA = 1 << 20  # requests per window; plans allow 150 to a few thousand (docs/bigcommerce.md "Rate limits")
# The most sends in flight a ledger keeps, in its file and in memory (the newest; see ``_sends_cap``). Pacing never
# lets more than the quota be in flight, so more is damage or dead processes'; and a send is about 20 bytes of JSON,
# so this many keep a full ledger well inside ``_MAX_BYTES`` (a longer file would be read cut short, as damaged).
MAX_SENDS = 2048

_NUMBERS = ("left", "ours", "window_s", "reset_at", "last_send", "blocked_until", "bare_429s", "last_bare_429_at")
_LEDGER_KEYS = frozenset((*_NUMBERS, "quota", "assumed_since", "sends"))
_LEDGER_NAME = re.compile(r"[0-9a-f]{32}\.json")  # what ``store_limiter`` names a ledger


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
        self.unusable: OSError | QuotaLedgerError | None = None  # why the ledger was last found unusable

    def _sent(self, now: float) -> None:
        super()._sent(now)
        self._sends.append(now)
        del self._sends[: -_sends_cap(self._quota)]
        self._in_flight = len(self._sends)

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
            except (OSError, QuotaLedgerError) as exc:  # a full disk: the decision stands, the fleet does not hear it
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
                    raise QuotaLedgerError("lock_timeout", self.path, waited_s=self.lock_timeout_s)
        except (OSError, QuotaLedgerError) as exc:
            self._warn_unusable(exc)
            return None

    def _warn_unusable(self, exc: OSError | QuotaLedgerError) -> None:
        if self.unusable is None:
            # The process paces the store on its own figures (module docstring says why).
            # A short label and codes (core writes no sentences); ``messages.http`` words a QuotaLedgerError.
            reason = str(exc) if isinstance(exc, QuotaLedgerError) else errno.errorcode.get(exc.errno or 0, repr(exc))
            log.warning("quota ledger %s unused: %s; env %s", self.path, reason, FOLDER_ENV)
        self.unusable = exc

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
        written = os.pwrite(fd, encoded, 0)
        if written < len(encoded):  # a full disk or a file-size limit cut it short
            raise QuotaLedgerError("partly_written", self.path, written=written, size=len(encoded))


def _figure(value: Any) -> float | None:
    """A figure as a finite float; None for anything else (booleans, NaN, infinities, a 400-digit integer)."""
    number = parse_number(value)
    return number if math.isfinite(number) else None


def _checked(document: dict[str, Any], now: float) -> tuple[int | None, dict[str, Any], list[float]]:
    """The ledger's figures if they make sense; times pulled back to at most the longest wait ahead of ``now``."""
    latest = now + MAX_WAIT_S

    def number(name: str, default: float) -> float:
        value = _figure(document.get(name))
        return default if value is None or value < 0 else value

    quota = document.get("quota")
    if isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= MAX_QUOTA:
        quota = None
    raw_sends = document.get("sends")
    sends = sorted(
        sent
        for sent in map(_figure, raw_sends if isinstance(raw_sends, list) else [])
        if sent is not None and now - STALE_SEND_S < sent <= now + 1
    )[-_sends_cap(quota) :]
    if quota is None:
        return None, {}, sends
    numbers: dict[str, Any] = {
        "left": min(int(number("left", 0)), quota),
        "ours": min(int(number("ours", 0)), quota),
        "window_s": bounded_window_s(number("window_s", MAX_WAIT_S) or MAX_WAIT_S),
        "reset_at": min(number("reset_at", 0.0), latest),
        "last_send": min(number("last_send", -math.inf), now),
        "blocked_until": min(number("blocked_until", 0.0), latest),
        "bare_429s": int(min(number("bare_429s", 0), 64)),
        "last_bare_429_at": min(number("last_bare_429_at", -math.inf), now),
    }
    assumed = _figure(document.get("assumed_since"))
    if assumed is not None:
        numbers["assumed_since"] = min(assumed, now)
    return quota, numbers, sends


def _sends_cap(quota: int | None) -> int:
    """How many sends in flight a ledger keeps: no more than the quota lets be in flight, at most ``MAX_SENDS``."""
    return min(quota or MAX_SENDS, MAX_SENDS)


def _open_ledger(path: str) -> int:
    """The ledger at ``path``, created if need be, once its folder and the file itself are proven this user's."""
    folder, name = os.path.split(path)
    with contextlib.suppress(FileExistsError):  # exists, or something else stands there: _open_folder says which
        os.makedirs(folder, mode=0o700, exist_ok=True)
    folder_fd = _open_folder(folder)
    try:
        if folder not in _PRUNED:
            _PRUNED.add(folder)
            _prune(folder_fd, UNUSED_LEDGER_S)
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        fd = os.open(name, flags, 0o600, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        code = "ledger_not_regular"
    elif owned_by_another_user(info):
        code = "ledger_of_another_user"
    elif info.st_nlink != 1:
        code = "ledger_linked"
    else:
        return fd
    os.close(fd)
    raise _refusal(code, path, info)


def _open_folder(folder: str) -> int:
    """The ledgers' folder, opened without following a link, once proven writable by this user (and root) alone.

    Every later step works on this descriptor, so the folder cannot be swapped for a link between check and use.
    """
    try:
        fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _refusal("folder_is_symlink" if os.path.islink(folder) else "not_a_folder", folder) from None
        raise
    info = os.fstat(fd)
    if owned_by_another_user(info):
        code = "folder_of_another_user"
    elif writable_by_every_user(info.st_mode):
        code = "folder_open_to_all"
    else:
        return fd
    os.close(fd)
    raise _refusal(code, folder, info)


def _refusal(code: str, path: str, info: os.stat_result | None = None) -> QuotaLedgerError:
    return QuotaLedgerError(code, path, uid=info.st_uid if info is not None else None)


def _same_file(fd: int, path: str, *, folder_fd: int | None = None) -> bool:
    try:
        opened, named = os.fstat(fd), os.stat(path, dir_fd=folder_fd, follow_symlinks=False)
    except OSError:
        return False
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


_PRUNED: set[str] = set()  # folders this process has pruned once


def prune_ledgers(folder: str, *, unused_for_s: float = UNUSED_LEDGER_S) -> int:
    """Delete the ledgers in ``folder`` no process has decided on for ``unused_for_s``; how many went.

    A ledger is rewritten on every decision, so its mtime is its last use. Each is deleted under its own lock,
    and a process still holding a deleted one open notices (``_same_file``) and moves to the new file. Only
    files proven to be ledgers go (``_is_ledger``); a folder that is not trusted raises ``QuotaLedgerError``.
    """
    folder_fd = _open_folder(folder)
    try:
        return _prune(folder_fd, unused_for_s)
    finally:
        os.close(folder_fd)


def _prune(folder_fd: int, unused_for_s: float) -> int:
    removed = 0
    try:
        names = [name for name in os.listdir(folder_fd) if _LEDGER_NAME.fullmatch(name)]
    except OSError:
        return 0
    for name in names:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            info = os.fstat(fd)
            if (
                time.time() - info.st_mtime > unused_for_s
                and _is_ledger(fd, info)
                and _same_file(fd, name, folder_fd=folder_fd)
            ):
                os.unlink(name, dir_fd=folder_fd)
                removed += 1
        except OSError:  # in use right now, or gone already
            pass
        finally:
            os.close(fd)
    return removed


def _is_ledger(fd: int, info: os.stat_result) -> bool:
    """A regular file of this user, no other hard link, holding a ledger's figures and nothing else (or nothing)."""
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_nlink != 1:
        return False
    if info.st_size > _MAX_BYTES:
        return False
    data = os.pread(fd, _MAX_BYTES, 0)
    if not data:  # created, and its process died before the first decision
        return True
    try:
        document = json.loads(data)
    except ValueError:
        return False
    return isinstance(document, dict) and document.keys() <= _LEDGER_KEYS
