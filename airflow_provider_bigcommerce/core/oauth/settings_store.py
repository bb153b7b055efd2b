"""OAuthSettingsLocation: where OAuth state persists, encrypted, shared safely by every process that uses it.

A location is a file path (usually on storage all workers share) or ``memory://<id>`` (shared by the connections
of one process only). The file holds the driver's names (``OAuthAccessToken``, ``OAuthRefreshToken``,
``OAuthExpiresIn``, ``OAuthTokenTimestamp``) plus ``StoreId``, ``OAuthClientId``, ``Scope``, ``User``, a digest of
the verifier already exchanged and the last token check, as JSON encrypted by :mod:`.crypto`.

How a fleet shares one file
---------------------------
* Reads take no lock. Every write goes to a temporary file in the same folder (mode 0600), is fsynced, renamed
  over the old file and the folder is fsynced, so a reader or a killed writer only ever sees the old or the new
  complete file. A damaged file is reported and never overwritten.
* Whoever needs to exchange a code or refresh a token takes an exclusive lock on the sibling file
  ``<location>.lock``, re-reads the file, and only calls the token endpoint if the re-read still needs it: however
  many processes ask at once, the token endpoint sees one request per need. A holder that finds a file whose
  passphrase it has not stretched yet (a new salt) lets go of the lock while scrypt runs, then takes it again, so
  a fleet stretches in parallel rather than one process after the other.
* Each process keeps the decrypted content keyed by the file's identity (device, inode, size, mtime, ctime); a
  steady-state token lookup is one ``stat()`` and no decryption.

Where the lock is valid
-----------------------
The lock is ``flock(2)`` on ``<location>.lock``. It excludes processes on one machine on any local file system
(ext4, XFS, Btrfs, tmpfs, ...), including containers that bind-mount the same host folder. Across machines it holds on
NFSv4, and on NFSv3 with the lock manager (``lockd``/NLM) running: Linux clients turn ``flock`` on NFS into
byte-range locks the server arbitrates. It does *not* hold across machines on mounts with ``nolock`` or
``local_lock=flock|all``, on SMB/CIFS with ``nobrl``, on sshfs, on object-store mounts (s3fs, gcsfuse, blobfuse,
mountpoint-s3: they have neither locks nor atomic rename) or on NFS/EFS clients whose lock requests are silently
answered locally. On NFS, other machines see a new file after their attribute cache expires (``acregmax``,
60 s by default); that is well inside the refresh margin, and a 401 makes a worker re-read at once.

Elsewhere: keep one writer. Either point every worker's ``OAuthSettingsLocation`` at a real NFSv4/local share, or
run the refresh in one place only (the scheduled ``BigCommerceRefreshTokenOperator`` in a pool of size 1) and give
the other workers a read-only copy. BigCommerce's own tokens never expire, so for them the file is written only on
authorization and by token checks; a lost lock can then at worst repeat a check.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import functools
import hashlib
import json
import os
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_bigcommerce.core.errors import OAuthError, PropertyError, SettingsStoreError
from airflow_provider_bigcommerce.core.oauth.crypto import SettingsCipher, settings_cipher
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.core.token_source import SecretSink

FORMAT_VERSION = 1
MEMORY_PREFIX = "memory://"
LOCK_TIMEOUT_S = 120.0
VERIFIER_HISTORY = 20

# document name -> OAuthSettings field; the first four are the commercial driver's own names.
_DOCUMENT_NAMES = {
    "OAuthAccessToken": "access_token",
    "OAuthRefreshToken": "refresh_token",
    "OAuthExpiresIn": "expires_in",
    "OAuthTokenTimestamp": "token_timestamp",
    "StoreId": "store_id",
    "OAuthClientId": "client_id",
    "Scope": "scope",
    "User": "user",
    "AccountUuid": "account_uuid",
    "Verifiers": "verifiers",
    "LastChecked": "last_checked",
    "LastCheckResult": "last_check_result",
}


def verifier_digest(verifier: str) -> str:
    """What the file keeps of an exchanged verifier: enough to recognise it, useless to replay it."""
    return "sha256:" + hashlib.sha256(verifier.encode()).hexdigest()


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class OAuthSettings:
    """What one settings location holds. Times are epoch milliseconds, as the driver's OAuthTokenTimestamp."""

    store_id: str
    client_id: str | None = None
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int = -1  # seconds; -1 = never expires (every BigCommerce app token)
    token_timestamp: int | None = None
    scope: str = ""
    user: dict[str, Any] | None = None
    account_uuid: str | None = None
    verifiers: dict[str, str] = field(default_factory=dict)  # digest -> "exchanged" / "rejected: ..."; newest last
    last_checked: int | None = None
    last_check_result: str | None = None

    @classmethod
    def from_token_response(
        cls, token: dict[str, Any], *, store_id: str, client_id: str | None, verifiers: dict[str, str] | None = None
    ) -> OAuthSettings:
        """Settings for a token dict from :class:`~.client.OAuthClient`, refusing one issued for another store.

        ``verifiers`` carries over the history of the settings being replaced.
        """
        context = token.get("context")
        if context and context != f"stores/{store_id}":
            raise OAuthError(
                f"The authorization was granted for '{context}', but StoreId is '{store_id}'. Approve the app in "
                "the control panel of the store StoreId names, or correct StoreId.",
                error_code="wrong_store",
            )
        return cls(
            store_id=store_id,
            client_id=client_id,
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_in=token["expires_in"],
            token_timestamp=token["obtained_at"],
            scope=token.get("scope") or "",
            user=token.get("user"),
            account_uuid=token.get("account_uuid"),
            verifiers=dict(verifiers or {}),
        )

    @classmethod
    def from_document(cls, document: Any, location: str) -> OAuthSettings:
        if not isinstance(document, dict) or not document.get("StoreId"):
            raise SettingsStoreError(f"{location} decrypts but holds no OAuth settings. It was left unchanged.")
        if document.get("FormatVersion", FORMAT_VERSION) > FORMAT_VERSION:
            raise SettingsStoreError(
                f"{location} was written by a newer version of this provider (format "
                f"{document['FormatVersion']}). Upgrade airflow-provider-bigcommerce here too."
            )
        values = {name: document[key] for key, name in _DOCUMENT_NAMES.items() if document.get(key) is not None}
        return cls(**values)

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"FormatVersion": FORMAT_VERSION}
        document.update({key: getattr(self, name) for key, name in _DOCUMENT_NAMES.items()})
        return document

    def replace(self, **changes: Any) -> OAuthSettings:
        return dataclasses.replace(self, **changes)

    def with_verifier(self, digest: str, result: str) -> OAuthSettings:
        """Remember what became of an OAuthVerifier (by :func:`verifier_digest`), so none is exchanged twice."""
        history = {key: value for key, value in self.verifiers.items() if key != digest}
        history[digest] = result
        return self.replace(verifiers=dict(list(history.items())[-VERIFIER_HISTORY:]))

    @property
    def never_expires(self) -> bool:
        return self.expires_in is None or self.expires_in < 0

    @property
    def expires_at(self) -> float | None:
        """Epoch seconds the token stops working, or None when it never expires."""
        if self.never_expires:
            return None
        return (self.token_timestamp or 0) / 1000 + self.expires_in

    def remaining_s(self, now: float | None = None) -> float | None:
        expires_at = self.expires_at
        return None if expires_at is None else expires_at - (time.time() if now is None else now)

    def expired(self, now: float | None = None) -> bool:
        """The token has stopped working (never, for a token that never expires)."""
        remaining = self.remaining_s(now)
        return remaining is not None and remaining <= 0


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
                f"{self.location} holds OAuth settings for store '{settings.store_id}', but StoreId is "
                f"'{self.store_id}'. Give each store its own OAuthSettingsLocation, or correct StoreId. "
                "The file was left unchanged."
            )
        if self.client_id and settings.client_id and settings.client_id != self.client_id:
            raise SettingsStoreError(
                f"{self.location} holds a token issued to the app with client id '{settings.client_id}', but "
                f"OAuthClientId is '{self.client_id}'. Give each app its own OAuthSettingsLocation, or correct "
                "OAuthClientId. The file was left unchanged."
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
        super().__init__(path, store_id=store_id, client_id=client_id, on_secret=on_secret)
        self.cipher = cipher
        self.lock_timeout_s = lock_timeout_s
        self._cache_key = (path, cipher.identity)

    def load(self, *, fresh: bool = False) -> OAuthSettings | None:
        if fresh:
            return self._checked(self._read().settings)
        try:
            stat = os.stat(self.location)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _os_error("read", self.location, exc) from None
        cached = _FILE_CACHE.get(self._cache_key)
        if cached is None or cached.identity != _identity(stat):
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
            with open(self.location, "rb") as handle:
                cached = _FILE_CACHE.get(self._cache_key)
                if cached is not None and cached.identity == _identity(os.fstat(handle.fileno())):
                    return None
                data = handle.read()
        except OSError:
            return None  # reported by the read that follows
        return data if self.cipher.needs_stretching(data) else None

    def _read(self) -> _Decrypted:
        """Open (on NFS this revalidates the cached attributes), then decrypt unless the same file is cached."""
        try:
            with open(self.location, "rb") as handle:
                identity = _identity(os.fstat(handle.fileno()))
                cached = _FILE_CACHE.get(self._cache_key)
                if cached is not None and cached.identity == identity:
                    return cached
                data = handle.read()
        except FileNotFoundError:
            return _Decrypted((), None, None)
        except OSError as exc:
            raise _os_error("read", self.location, exc) from None
        settings, salt = (None, None) if not data else _decode(data, self.cipher, self.location)
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
            lock_path = self.location + ".lock"
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise _os_error("create the lock file for", self.location, exc) from None
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
                            f"The storage of {self.location} does not support file locks "
                            f"({os.strerror(exc.errno)}), so workers cannot share it safely. Use local disk or NFSv4 "
                            "with working locks (see the settings store's documentation), or refresh from a single "
                            "process."
                        ) from None
                yield
            finally:
                os.close(fd)  # releases the flock
        finally:
            thread_lock.release()

    def _lock_timeout(self) -> SettingsStoreError:
        lock_path = self.location + ".lock"
        return SettingsStoreError(
            f"Waited {self.lock_timeout_s:.0f} s for the lock on {self.location}: another process holds it (an "
            "exchange or refresh in progress, or a hung process). Try again; if it persists, find the process "
            f"holding {lock_path} (e.g. with 'fuser {lock_path}')."
        )

    def _prepare_folder(self) -> None:
        """Prove the folder is writable before a code is spent, and remove temp files of killed writers."""
        folder, name = os.path.split(self.location)
        probe = os.path.join(folder, f".{name}.probe-{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
            os.unlink(probe)
        except OSError as exc:
            raise _os_error("write", self.location, exc) from None
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):  # under the lock, every temp file left is an orphan
                if entry.name.startswith(f".{name}.") and entry.name.endswith(".tmp"):
                    os.unlink(entry.path)


def read_settings_file(path: str, cipher: SettingsCipher) -> OAuthSettings | None:
    """Decrypt one settings file (e.g. one to import); None when it does not exist or is empty."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _os_error("read", path, exc) from None
    return _decode(data, cipher, path)[0] if data else None


def write_settings_file(path: str, settings: OAuthSettings, cipher: SettingsCipher, *, salt: bytes) -> tuple[int, ...]:
    """Encrypt and atomically replace ``path`` (mode 0600); returns the new file's identity."""
    data = cipher.encrypt(json.dumps(settings.to_document(), separators=(",", ":")).encode(), salt=salt)
    folder, name = os.path.split(path)
    temp = os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        folder_fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(folder_fd)
        finally:
            os.close(folder_fd)
        return _identity(os.stat(path))
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _os_error("write", path, exc) from None


def open_settings_store(
    properties: ConnectionProperties, *, fernet_key: str | None = None, on_secret: SecretSink | None = None
) -> SettingsStore:
    """The store ``OAuthSettingsLocation`` names, bound to this connection's StoreId and OAuthClientId."""
    location = properties.settings_location
    if not location or location == MEMORY_PREFIX:
        raise PropertyError(
            "OAuthSettingsLocation",
            "oauth_settings_location",
            "is not set" if not location else "names no memory id",
            "Set it to a file on storage every worker shares, or to memory://<id> for one process.",
        )
    binding = {"store_id": properties.store_id, "client_id": properties.oauth_client_id, "on_secret": on_secret}
    if location.startswith(MEMORY_PREFIX):
        return MemorySettingsStore(location, **binding)
    cipher = settings_cipher(properties.oauth_settings_passphrase, fernet_key=fernet_key, on_secret=on_secret)
    return FileSettingsStore(os.path.abspath(os.path.expanduser(location)), cipher, **binding)


def _decode(data: bytes, cipher: SettingsCipher, location: str) -> tuple[OAuthSettings, bytes]:
    plaintext, salt = cipher.decrypt(data, location)
    try:
        document = json.loads(plaintext)
    except ValueError:
        raise SettingsStoreError(f"{location} decrypts but is not valid JSON. It was left unchanged.") from None
    return OAuthSettings.from_document(document, location), salt


def _identity(stat: os.stat_result) -> tuple[int, ...]:
    # Every write is a rename of a new file, so the inode changes too, even where mtime is coarse.
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _os_error(action: str, path: str, exc: OSError) -> SettingsStoreError:
    folder = os.path.dirname(path)
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno == errno.ENOENT and not os.path.isdir(folder):
        fix = f"The folder {folder} does not exist: create it (or mount the shared volume) first."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"OAuthSettingsLocation must be readable and writable by this process: fix the permissions of {folder}."
    else:
        fix = "Check the OAuthSettingsLocation property and the storage behind it."
    return SettingsStoreError(f"Cannot {action} {path}: {reason}. {fix} The saved settings were left unchanged.")


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
