"""OAuthSettingsLocation on object storage (``s3://bucket/key``): no shared POSIX volume, no ``flock``.

Pods of a KubernetesExecutor seldom share a volume that honours ``flock``. An object store gives two things in
its place, both conditional writes on the object's ETag (HTTP ``If-None-Match: *`` and ``If-Match: <etag>``):

* Every save is a compare-and-swap: it replaces the object only if it is still the version read, or creates it
  only if there is none. A writer that lost the race gets ``SettingsStoreError(code="concurrent_write")`` and the
  winner's settings stay: an update is never lost, whoever crashes or stalls.
* The fleet's lock is a lease object ``<key>.lock``, created with ``If-None-Match: *`` and held ``LEASE_S``;
  a lease left by a dead process is taken over with ``If-Match`` on its ETag once it expired. A lease that claims
  to end later than a holder can make it (``until`` past our clock + ``LEASE_S`` + ``CLOCK_SKEW_S``; NaN,
  infinite or not a number) is damaged and taken over at once: no object makes the fleet wait forever. Under the
  lease a fleet sends one token request per need, as with a file; should a lease outlive its holder's work, the
  compare-and-swap above still refuses the late write.

Reads: ``load()`` re-reads the object at most every ``CACHE_S`` seconds (an API call must not cost an object
request), and every time once the token is in the second half of its life, so a fleet sees another worker's
refresh with a plain read instead of queueing for the lease; ``load(fresh=True)`` and transactions always read
it. Decryption is cached by ETag.

Which stores do conditional writes (docs/deployment.md "Settings without a shared POSIX volume"): Amazon S3
(``If-None-Match`` since August 2024, ``If-Match`` since November 2024) and S3-compatible servers that implement
them (MinIO, moto); Google Cloud Storage and Azure Blob have their own preconditions (generation match,
``If-Match``) and are not wired here; only ``s3://`` is.
The connection goes through fsspec's ``s3fs`` (what Airflow's ``ObjectStoragePath`` uses): credentials and the
endpoint come from the usual AWS settings (env ``AWS_ENDPOINT_URL``, profiles, instance roles).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import random
import secrets
import time
from collections.abc import Iterator
from typing import Any

from airflow_provider_bigcommerce.core.auth.settings.crypto import SettingsCipher
from airflow_provider_bigcommerce.core.auth.settings.file_format import decode_settings
from airflow_provider_bigcommerce.core.auth.settings.file_store import (
    LOCK_TIMEOUT_S,
    SettingsStore,
    SettingsTransaction,
)
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings
from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import PropertyError, SettingsStoreError
from airflow_provider_bigcommerce.core.properties import parse_number

PREFIXES = ("s3://",)
LEASE_S = 120.0  # longer than an exchange or refresh may take (every HTTP call is bounded well below it)
CLOCK_SKEW_S = 30.0  # how far a holder's clock may run ahead of ours before its lease counts as damaged
CACHE_S = 5.0
CALL_TIMEOUT_S = 60.0  # one object request, retries of the S3 client included
_MAX_BYTES = 1 << 20  # a settings file is a few KiB


def open_object_store(location: str, cipher: SettingsCipher, **binding: Any) -> ObjectSettingsStore:
    """The store for a ``scheme://`` location; only stores with conditional writes wired here are accepted."""
    if not location.startswith(PREFIXES):
        scheme = location.partition("://")[0]
        raise PropertyError("store_not_supported", "OAuthSettingsLocation", "oauth_settings_location", scheme=scheme)
    return ObjectSettingsStore(location, cipher, **binding)


class ObjectSettingsStore(SettingsStore):
    """An encrypted object; see the module docstring for how a fleet shares it without a lock file."""

    def __init__(
        self,
        location: str,
        cipher: SettingsCipher,
        *,
        store_id: str,
        client_id: str | None = None,
        on_secret: SecretSink | None = None,
        lock_timeout_s: float = LOCK_TIMEOUT_S,
        lease_s: float = LEASE_S,
        filesystem: Any = None,
    ) -> None:
        super().__init__(location, store_id=store_id, client_id=client_id, on_secret=on_secret)
        self.cipher = cipher
        self.lock_timeout_s = lock_timeout_s
        self.lease_s = lease_s
        self._bucket, _, self._key = location.removeprefix("s3://").partition("/")
        if not self._bucket or not self._key or self._key.endswith("/"):
            raise PropertyError("no_object_key", "OAuthSettingsLocation", "oauth_settings_location")
        self._fs = filesystem
        self._cached: tuple[str, OAuthSettings, bytes] | None = None  # etag, settings, salt
        self._cached_at = -float("inf")

    # -- SettingsStore -------------------------------------------------------------------------------------

    def load(self, *, fresh: bool = False) -> OAuthSettings | None:
        cached = self._cached
        if (
            not fresh
            and cached is not None
            and time.monotonic() - self._cached_at < CACHE_S
            and _far_from_expiry(cached[1])
        ):
            return self._checked(cached[1])
        etag, settings, _ = self._read()
        return self._checked(settings) if etag else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SettingsTransaction]:
        with self._lease():
            etag, settings, salt = self._read()
            state = {"etag": etag, "salt": salt}
            yield SettingsTransaction(self._checked(settings), functools.partial(self._write, state))

    # -- the object ------------------------------------------------------------------------------------------

    def _read(self) -> tuple[str | None, OAuthSettings | None, bytes | None]:
        answer = self._call("get_object", Key=self._key, missing_ok=True)
        if answer is None:
            self._cached = None
            return None, None, None
        etag = answer["ETag"]
        if self._cached is not None and self._cached[0] == etag:
            self._cached_at = time.monotonic()
            return self._cached
        data = answer["Body"]
        settings, salt = decode_settings(data, self.cipher, self.location)
        self._cached, self._cached_at = (etag, settings, salt), time.monotonic()
        return self._cached

    def _write(self, state: dict[str, Any], settings: OAuthSettings) -> None:
        self._checked(settings)
        salt = state["salt"] or os.urandom(16)
        data = self.cipher.encrypt(json.dumps(settings.to_document(), separators=(",", ":")).encode(), salt=salt)
        condition = {"IfMatch": state["etag"]} if state["etag"] else {"IfNoneMatch": "*"}
        answer = self._call("put_object", Key=self._key, Body=data, conflict_ok=True, **condition)
        if answer is None:  # refused, or our own write landed and a retry of it was refused: look which
            current = self._call("get_object", Key=self._key, missing_ok=True)
            answer = current if current is not None and current["Body"] == data else None  # a nonce makes it unique
        if answer is None:
            self._cached = None
            raise SettingsStoreError("concurrent_write", location=self.location)
        state["etag"], state["salt"] = answer["ETag"], salt
        self._cached, self._cached_at = (answer["ETag"], settings, salt), time.monotonic()

    @contextlib.contextmanager
    def _lease(self) -> Iterator[None]:
        lock_key, owner = self._key + ".lock", secrets.token_hex(8)
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.01
        while True:
            body = json.dumps({"owner": owner, "until": time.time() + self.lease_s}).encode()
            lease = self._call("put_object", Key=lock_key, Body=body, conflict_ok=True, IfNoneMatch="*")
            if lease is not None:
                break
            held = self._call("get_object", Key=lock_key, missing_ok=True)
            if held is not None and _lease_owner(held["Body"]) == owner:  # ours: a retried request was refused
                lease = held
                break
            latest = time.time() + self.lease_s + CLOCK_SKEW_S
            if held is not None and _lease_until(held["Body"], latest) < time.time():  # its holder died: take over
                lease = self._call("put_object", Key=lock_key, Body=body, conflict_ok=True, IfMatch=held["ETag"])
                if lease is not None:
                    break
            if time.monotonic() > deadline:
                raise SettingsStoreError(
                    "lock_timeout", location=self.location, waited_s=self.lock_timeout_s, lease_s=self.lease_s
                )
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.2)
        try:
            yield
        finally:
            # Only our lease version: a delayed retry of this delete must never remove the next holder's lease.
            with contextlib.suppress(SettingsStoreError):
                self._call("delete_object", Key=lock_key, missing_ok=True, conflict_ok=True, IfMatch=lease["ETag"])

    def _call(
        self, method: str, *, missing_ok: bool = False, conflict_ok: bool = False, **kwargs: Any
    ) -> dict[str, Any] | None:
        """One S3 request. None for a missing object (``missing_ok``) or a failed condition (``conflict_ok``)."""
        filesystem = self._filesystem()
        try:
            from fsspec.asyn import sync

            answer = sync(
                filesystem.loop, _request, filesystem, method, timeout=CALL_TIMEOUT_S, Bucket=self._bucket, **kwargs
            )
        except FileNotFoundError:
            if missing_ok:
                return None
            raise self._error(method, "not_found") from None
        except Exception as exc:  # botocore and s3fs raise many kinds; each becomes one typed error
            status = _status_of(exc)
            if conflict_ok and status in (409, 412):
                return None
            if missing_ok and status == 404:
                return None
            raise self._error(
                method, f"{type(exc).__name__} (HTTP {status})" if status else type(exc).__name__
            ) from None
        return answer

    def _filesystem(self) -> Any:
        if self._fs is None:
            try:
                import fsspec
            except ImportError:  # pragma: no cover - fsspec comes with Airflow
                raise self._error("open", "fsspec_missing") from None
            try:
                self._fs = fsspec.filesystem("s3")
            except ImportError:
                raise SettingsStoreError("s3_unsupported", location=self.location) from None
        return self._fs

    def _error(self, action: str, reason: str) -> SettingsStoreError:
        return SettingsStoreError("object_store_error", location=self.location, action=action, reason=reason)


async def _request(filesystem: Any, method: str, **kwargs: Any) -> dict[str, Any]:
    """The request through s3fs's client; a body is read whole (ETag and bytes of one version, atomically)."""
    answer = await filesystem._call_s3(method, **kwargs)
    if method != "get_object":
        return answer
    body = answer["Body"]
    try:
        data = await body.read(_MAX_BYTES)
    finally:
        body.close()
    return {"ETag": answer["ETag"], "Body": data}


def _status_of(exc: BaseException | None, depth: int = 0) -> int | None:
    """The HTTP status of a botocore error, also when s3fs wrapped it in an OSError."""
    if exc is None or depth > 4:
        return None
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if isinstance(status, int):
            return status
    for inner in (*getattr(exc, "args", ()), exc.__cause__, exc.__context__):
        if isinstance(inner, BaseException) and inner is not exc:
            status = _status_of(inner, depth + 1)
            if status is not None:
                return status
    return None


def _far_from_expiry(settings: OAuthSettings) -> bool:
    """A token in the first half of its life: a cached copy is as good as a fresh read."""
    remaining = settings.remaining_s()
    return remaining is None or remaining > settings.expires_in / 2


def _lease_until(data: bytes, latest: float) -> float:
    """When the lease ends; 0 for a damaged one (it protects nothing: take it over), which includes one that claims
    to end after ``latest``, later than any holder can make it."""
    try:
        until = parse_number(json.loads(data)["until"])
    except (ValueError, KeyError, TypeError):
        return 0.0
    return until if math.isfinite(until) and until <= latest else 0.0


def _lease_owner(data: bytes) -> str | None:
    try:
        owner = json.loads(data).get("owner")
    except (ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) else None
