"""OAuthSettingsLocation: where OAuth state persists, encrypted, shared safely by every process that uses it.

A location is a file (usually on storage all workers share) or ``memory://<id>`` (one process only). A file is
what :mod:`.settings` describes, as JSON encrypted by :mod:`.crypto`.

* Reads take no lock; a steady-state read is one ``stat()``, decrypted content is cached by file identity.
  Writes go to a temporary file (mode 0600), fsync, rename, folder fsync: readers see the old or the new file.
* Exchanges and refreshes hold ``flock`` on ``<location>.lock`` and re-read first, so a fleet sends one token
  request per need. Where that lock holds across machines (NFS and the rest) is said once, in
  docs/deployment.md "Where the lock holds".
* A location that is (or lies under) a symlink is resolved once, when the store is opened: lock, temporary files
  and rename all use the real file, so processes given either path share one lock, and the link stays in place.
  A symlink at ``<location>.lock``, a location that is not a regular file (a FIFO, a device, a folder), an empty
  file, and a world-writable folder without the sticky bit are refused; a group-writable one is logged.
* A damaged, foreign or unreadable file is reported (``SettingsStoreError.code``) and never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import random
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from airflow_provider_bigcommerce.core.auth.settings.crypto import SettingsCipher
from airflow_provider_bigcommerce.core.auth.settings.file_format import (
    check_folder_mode,
    decode_settings,
    file_identity,
    open_regular,
    os_error,
    write_settings_file,
)
from airflow_provider_bigcommerce.core.auth.settings.file_format import (
    read_settings_file as read_settings_file,  # re-exported: the CLI imports and exports files
)
from airflow_provider_bigcommerce.core.auth.settings.values import VERIFIER_HISTORY, OAuthSettings
from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import SettingsStoreError

MEMORY_PREFIX = "memory://"
LOCK_TIMEOUT_S = 120.0


class SettingsTransaction:
    """Yielded while the location's lock is held: ``current`` was re-read after taking it."""

    def __init__(self, current: OAuthSettings | None, write: Callable[[OAuthSettings], None]) -> None:
        self.current = current
        self._write = write

    def save(self, settings: OAuthSettings) -> None:
        self._write(settings)
        self.current = settings


class SettingsStore:
    """A settings location bound to one StoreId (and client id, when known): anything else saved there is refused."""

    def __init__(self, location: str, *, store_id: str, client_id: str | None, on_secret: SecretSink | None) -> None:
        self.location = location
        self.store_id = store_id
        self.client_id = client_id
        self._on_secret = on_secret
        self._announced: OAuthSettings | None = None

    def load(self, *, fresh: bool = False) -> OAuthSettings | None:
        """What is saved now (None when nothing is). Cheap when unchanged since the last call.

        ``fresh`` opens the file instead of trusting ``stat()`` (NFS revalidates cached attributes on open).
        """
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager[SettingsTransaction]:
        """Hold the cross-process lock; the transaction's ``current`` is read after the lock was taken."""
        raise NotImplementedError

    def save(self, settings: OAuthSettings) -> None:
        with self.transaction() as transaction:
            transaction.save(settings)

    def adopt(self, settings: OAuthSettings) -> None:
        """Save settings brought from another location (an import), keeping the verifiers this one has seen."""
        with self.transaction() as transaction:
            seen = transaction.current.verifiers if transaction.current is not None else {}
            merged = {**seen, **settings.verifiers}
            transaction.save(settings.replace(verifiers=dict(list(merged.items())[-VERIFIER_HISTORY:])))

    def _checked(self, settings: OAuthSettings | None) -> OAuthSettings | None:
        if settings is None:
            return None
        if settings.store_id != self.store_id:
            raise SettingsStoreError(
                "other_store", location=self.location, saved=settings.store_id, store_id=self.store_id
            )
        if self.client_id and settings.client_id and settings.client_id != self.client_id:
            raise SettingsStoreError(
                "other_client", location=self.location, saved=settings.client_id, client_id=self.client_id
            )
        if settings is not self._announced:
            self._announced = settings
            if self._on_secret is not None:
                for secret in (settings.access_token, settings.refresh_token):
                    if secret:
                        self._on_secret(secret)
        return settings


# ---------------------------------------------------------------------------------------------------- memory://


_MEMORY: dict[str, OAuthSettings] = {}
_MEMORY_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY_GUARD = threading.Lock()


class MemorySettingsStore(SettingsStore):
    """``memory://<id>``: shared by every connection of this process that names the same id."""

    def load(self, *, fresh: bool = False) -> OAuthSettings | None:
        return self._checked(_MEMORY.get(self.location))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SettingsTransaction]:
        with _lock_for(_MEMORY_LOCKS, self.location):
            yield SettingsTransaction(self.load(), self._write)

    def _write(self, settings: OAuthSettings) -> None:
        self._checked(settings)
        _MEMORY[self.location] = settings


# -------------------------------------------------------------------------------------------------------- files


@dataclass(frozen=True)
class _Decrypted:
    identity: tuple[int, ...]
    settings: OAuthSettings | None
    salt: bytes | None


_FILE_CACHE: dict[tuple[str, str], _Decrypted] = {}
_THREAD_LOCKS: dict[str, threading.Lock] = {}


class FileSettingsStore(SettingsStore):
    """An encrypted file; see the module docstring for how processes and machines share it."""

    def __init__(
        self,
        path: str,
        cipher: SettingsCipher,
        *,
        store_id: str,
        client_id: str | None = None,
        on_secret: SecretSink | None = None,
        lock_timeout_s: float = LOCK_TIMEOUT_S,
    ) -> None:
        # Resolved once (module docstring): every process then locks and renames the same real file.
        real_path = os.path.realpath(os.path.abspath(os.path.expanduser(path)))
        super().__init__(real_path, store_id=store_id, client_id=client_id, on_secret=on_secret)
        self.cipher = cipher
        self.lock_timeout_s = lock_timeout_s
        self._cache_key = (real_path, cipher.identity)

    def load(self, *, fresh: bool = False) -> OAuthSettings | None:
        if fresh:
            return self._checked(self._read().settings)
        try:
            status = os.lstat(self.location)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise os_error("read", self.location, exc) from None
        cached = _FILE_CACHE.get(self._cache_key)
        if cached is None or cached.identity != file_identity(status):
            cached = self._read()
        return self._checked(cached.settings)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SettingsTransaction]:
        # Stretching a passphrase (scrypt) under the lock would make a fleet take turns at it after the first
        # process writes a new file. So a holder that would have to stretch one gives the lock up, stretches in
        # parallel with the others, and takes the lock again for the decisions; the second time it stays.
        for first_try in (True, False):
            with self._locked():
                unstretched = self._unstretched() if first_try else None
                if unstretched is None:
                    self._prepare_folder()
                    read = self._read()
                    write = functools.partial(self._write, salt=read.salt)
                    yield SettingsTransaction(self._checked(read.settings), write)
                    return
            self.cipher.stretch(unstretched)

    def _unstretched(self) -> bytes | None:
        """The file's bytes when decrypting them would first stretch a passphrase for a salt not seen yet."""
        try:
            with open_regular(self.location, follow=False) as handle:
                cached = _FILE_CACHE.get(self._cache_key)
                if cached is not None and cached.identity == file_identity(os.fstat(handle.fileno())):
                    return None
                data = handle.read()
        except (OSError, SettingsStoreError):
            return None  # reported by the read that follows
        return data if self.cipher.needs_stretching(data) else None

    def _read(self) -> _Decrypted:
        """Open (on NFS this revalidates the cached attributes), then decrypt unless the same file is cached."""
        try:
            with open_regular(self.location, follow=False) as handle:
                identity = file_identity(os.fstat(handle.fileno()))
                cached = _FILE_CACHE.get(self._cache_key)
                if cached is not None and cached.identity == identity:
                    return cached
                data = handle.read()
        except FileNotFoundError:
            return _Decrypted((), None, None)
        except OSError as exc:
            raise os_error("read", self.location, exc) from None
        settings, salt = decode_settings(data, self.cipher, self.location)
        decrypted = _Decrypted(identity, settings, salt)
        _FILE_CACHE[self._cache_key] = decrypted
        return decrypted

    def _write(self, settings: OAuthSettings, salt: bytes | None) -> None:
        self._checked(settings)
        salt = salt or os.urandom(16)
        identity = write_settings_file(self.location, settings, self.cipher, salt=salt)
        _FILE_CACHE[self._cache_key] = _Decrypted(identity, settings, salt)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's threads queue on a thread lock; processes on ``flock`` of the sibling ``.lock`` file."""
        deadline = time.monotonic() + self.lock_timeout_s
        thread_lock = _lock_for(_THREAD_LOCKS, self.location)
        if not thread_lock.acquire(timeout=self.lock_timeout_s):
            raise self._lock_timeout()
        try:
            fd = self._open_lock_file()
            try:
                delay = 0.002
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise self._lock_timeout() from None
                        time.sleep(delay * (0.5 + random.random()))
                        delay = min(delay * 2, 0.05)
                    except OSError as exc:
                        raise SettingsStoreError(
                            "locks_unsupported", location=self.location, reason=os.strerror(exc.errno)
                        ) from None
                yield
            finally:
                os.close(fd)  # releases the flock
        finally:
            thread_lock.release()

    def _open_lock_file(self) -> int:
        """The ``.lock`` sibling, created if need be; never through a symlink (it would create a file elsewhere)."""
        check_folder_mode(os.path.dirname(self.location), self.location)
        lock_path = self.location + ".lock"
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(lock_path, flags, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise SettingsStoreError("lock_is_symlink", location=self.location, path=lock_path) from None
            raise os_error("create_lock", self.location, exc) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise SettingsStoreError("lock_not_regular", location=self.location, path=lock_path)
        return fd

    def _lock_timeout(self) -> SettingsStoreError:
        return SettingsStoreError(
            "lock_timeout", location=self.location, waited_s=self.lock_timeout_s, lock_path=self.location + ".lock"
        )

    def _prepare_folder(self) -> None:
        """Prove the folder writable before a code is spent, and remove temp files of killed writers."""
        folder, name = os.path.split(self.location)
        probe = os.path.join(folder, f".{name}.probe-{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
            os.unlink(probe)
        except OSError as exc:
            raise os_error("write", self.location, exc) from None
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):  # under the lock, every temp file left is an orphan
                if entry.name.startswith(f".{name}.") and entry.name.endswith(".tmp"):
                    os.unlink(entry.path)


def _lock_for(registry: dict[str, threading.Lock], name: str) -> threading.Lock:
    with _REGISTRY_GUARD:
        return registry.setdefault(name, threading.Lock())


def _reset_after_fork() -> None:
    # A lock some other thread held at fork() time would stay held forever in the child.
    global _REGISTRY_GUARD
    _REGISTRY_GUARD = threading.Lock()
    _THREAD_LOCKS.clear()
    _MEMORY_LOCKS.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
