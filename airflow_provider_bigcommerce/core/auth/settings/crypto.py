"""Encryption of the OAuth settings file: where the key comes from, and the file's authenticated format.

Key sources, in order (the first one present encrypts; every configured key may decrypt, so keys can rotate):

1. ``OAuthSettingsPassphrase``: stretched with scrypt and the file's own random salt.
2. env ``BIGCOMMERCE_OAUTH_SETTINGS_KEY``: one or more comma-separated Fernet-format keys (urlsafe base64 of 32
   bytes), newest first, e.g. ``NEW,OLD`` while rotating.
3. Airflow's ``[core] fernet_key`` (also comma-separated), passed in by the Airflow layer or read from env
   ``AIRFLOW__CORE__FERNET_KEY``. An empty value is not a key: Airflow then runs a no-op cipher
   (docs/airflow.md "Fernet key"), and a settings file must never be written in plaintext, so nothing is written at all.

Format, one line of ASCII: ``bc-oauth-settings.v1.<header>.<payload>\\n``. The header (base64url JSON) names the
key derivation, its salt and a short key check value (to tell "wrong key" from "damaged file"); the payload is
AES-256-GCM with the header as associated data, so any change to either is detected. Every key is run through
the KDF with the file's salt: raw keys through HKDF-SHA256, passphrases through scrypt.

Derived keys are kept per process, by key and salt. A file keeps its salt across rewrites, so scrypt (~150 ms)
runs once per process per file, not per read; ``needs_stretching`` lets a lock holder find out beforehand that a
read would run it, so it can stretch after releasing the lock (see ``settings_store``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import SettingsStoreError

KEY_ENV_VAR = "BIGCOMMERCE_OAUTH_SETTINGS_KEY"
AIRFLOW_FERNET_ENV_VAR = "AIRFLOW__CORE__FERNET_KEY"
MAGIC = "bc-oauth-settings.v1."

PASSPHRASE = "passphrase"
RAW_KEY = "key"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # ~150 ms and 32 MiB once per process and file salt; kept afterwards
# At most 4x the work and 2x the memory (64 MiB) of what this provider writes: a file asking for more is refused
# before deriving, as it would make every read hang or exhaust memory.
_SCRYPT_LIMITS = {"n": 2**16, "r": 8, "p": 2}
_SALT_BYTES = 16
_NONCE_BYTES = 12
_KCV_LABEL = b"bc-oauth-settings key check"
_HKDF_INFO = b"bc-oauth-settings v1"
_DERIVED_KEYS_KEPT = 32


@dataclass(frozen=True)
class SettingsKey:
    """One key the cipher may use. ``source`` names where it came from, for error messages (never the value)."""

    kind: str  # PASSPHRASE or RAW_KEY
    secret: bytes = field(repr=False)
    source: str


def generate_key() -> str:
    """A new random key in the format ``BIGCOMMERCE_OAUTH_SETTINGS_KEY`` expects (the Fernet key format)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_keys(text: str, source: str) -> list[SettingsKey]:
    """Comma-separated Fernet-format keys, newest first; a malformed entry is an error naming its position."""
    keys = []
    for position, entry in enumerate((part.strip() for part in text.split(",")), start=1):
        if not entry:
            continue
        try:
            raw = base64.urlsafe_b64decode(entry.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            raise SettingsStoreError("malformed_key", position=position, source=source)
        keys.append(SettingsKey(RAW_KEY, raw, source))
    return keys


class SettingsCipher:
    """Encrypts with the first key, decrypts with any. Build it with :func:`settings_cipher`."""

    def __init__(self, keys: Sequence[SettingsKey]) -> None:
        if not keys:
            raise ValueError("a SettingsCipher needs at least one key")
        self.keys = tuple(keys)
        # Identifies this key set inside the process (cache keys), without keeping a copy of any secret around.
        digest = hashlib.sha256()
        for key in self.keys:
            digest.update(key.kind.encode() + b"\0" + hashlib.sha256(key.secret).digest())
        self.identity = digest.hexdigest()

    @property
    def description(self) -> str:
        sources = dict.fromkeys(key.source for key in self.keys)
        return ", ".join(sources)

    def encrypt(self, plaintext: bytes, *, salt: bytes | None = None) -> bytes:
        """The file's bytes. Passing the salt of the file being replaced keeps the derived key cached."""
        key = self.keys[0]
        salt = salt or os.urandom(_SALT_BYTES)
        header: dict[str, object] = {"kdf": "scrypt" if key.kind == PASSPHRASE else "hkdf-sha256"}
        if key.kind == PASSPHRASE:
            header.update(_SCRYPT)
        params = tuple(sorted(_SCRYPT.items())) if key.kind == PASSPHRASE else ()
        aes_key = _DERIVED.get(_DerivationInput(key.kind, key.secret, salt, params))
        nonce = os.urandom(_NONCE_BYTES)
        header.update(salt=_b64(salt), kcv=_kcv(aes_key), len=_NONCE_BYTES + len(plaintext) + 16)
        prefix = MAGIC + _b64(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())
        sealed = AESGCM(aes_key).encrypt(nonce, plaintext, prefix.encode())
        return f"{prefix}.{_b64(nonce + sealed)}\n".encode()

    def decrypt(self, data: bytes, location: str) -> tuple[bytes, bytes]:
        """``(plaintext, salt)``; a SettingsStoreError says whether the file is foreign, damaged or the key wrong."""
        text = _ascii(data, location)
        if not text.startswith(MAGIC):
            raise SettingsStoreError("not_settings_file", location=location)
        complete = text.endswith("\n")
        parts = text[len(MAGIC) :].rstrip("\n").split(".")
        header = _header(parts[0]) if parts[0] else None
        if header is None or len(parts) != 2:
            raise _damaged(location, "truncated" if not complete else "corrupt")
        try:
            sealed = _unb64(parts[1])
        except (binascii.Error, ValueError):
            raise _damaged(location, "truncated" if not complete else "corrupt") from None
        if not complete or len(sealed) < header["len"]:
            raise _damaged(location, "truncated")
        kind = _kind(header)
        if not _affordable(header):
            raise SettingsStoreError("kdf_too_costly", location=location, **_SCRYPT_LIMITS)
        if not any(key.kind == kind for key in self.keys):
            raise SettingsStoreError("key_missing", location=location, kind=kind, configured=self.description)
        aes_key = self._matching_key(header)
        if aes_key is not None:
            try:
                aad = (MAGIC + parts[0]).encode()
                plaintext = AESGCM(aes_key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad)
            except InvalidTag:
                raise _damaged(location, "altered") from None
            return plaintext, header["salt"]
        raise SettingsStoreError("wrong_key", location=location, kind=kind, configured=self.description)

    def needs_stretching(self, data: bytes) -> bool:
        """Whether decrypting ``data`` would first run scrypt on a passphrase (no key kept for its salt yet).

        False for raw keys (HKDF costs microseconds) and for files whose header cannot be read.
        """
        header = _readable_header(data)
        if header is None or _kind(header) != PASSPHRASE or not _affordable(header):
            return False
        for given in self._candidates(header):
            aes_key = _DERIVED.kept(given)
            if aes_key is None:
                return True
            if hmac.compare_digest(_kcv(aes_key), header["kcv"]):
                return False
        return False

    def stretch(self, data: bytes) -> None:
        """Derive and keep the keys ``decrypt(data)`` needs; what is wrong with the file, ``decrypt`` reports."""
        header = _readable_header(data)
        if header is not None and _affordable(header):
            self._matching_key(header)

    def _matching_key(self, header: dict) -> bytes | None:
        """The derived key of the first configured key whose check value matches the header's, or None."""
        for given in self._candidates(header):
            aes_key = _DERIVED.get(given)
            if hmac.compare_digest(_kcv(aes_key), header["kcv"]):
                return aes_key
        return None

    def _candidates(self, header: dict) -> Iterator[_DerivationInput]:
        kind = _kind(header)
        params = tuple(sorted((name, header[name]) for name in _SCRYPT)) if kind == PASSPHRASE else ()
        for key in self.keys:
            if key.kind == kind:
                yield _DerivationInput(kind, key.secret, header["salt"], params)


def settings_cipher(
    passphrase: str | None = None,
    *,
    fernet_key: str | None = None,
    environ: Mapping[str, str] | None = None,
    on_secret: SecretSink | None = None,
) -> SettingsCipher:
    """The cipher for this process's configuration; refuses clearly when no key is configured at all."""
    environ = os.environ if environ is None else environ
    keys: list[SettingsKey] = []
    if passphrase:
        keys.append(SettingsKey(PASSPHRASE, passphrase.encode(), "OAuthSettingsPassphrase"))
    env_key = environ.get(KEY_ENV_VAR, "").strip()
    if env_key:
        keys.extend(parse_keys(env_key, f"env {KEY_ENV_VAR}"))
    airflow_key = (fernet_key if fernet_key is not None else environ.get(AIRFLOW_FERNET_ENV_VAR, "")).strip()
    if airflow_key:
        keys.extend(parse_keys(airflow_key, "Airflow's [core] fernet_key"))
    if on_secret is not None:
        for secret in (passphrase, env_key, airflow_key):
            if secret:
                on_secret(secret)
    if not keys:
        raise SettingsStoreError("no_key")
    return SettingsCipher(keys)


@dataclass(frozen=True)
class _DerivationInput:
    kind: str
    secret: bytes = field(repr=False)
    salt: bytes
    scrypt_params: tuple[tuple[str, int], ...]


class _DerivedKeys:
    """Keys derived in this process, the most recent ``size`` kept. ``runs`` counts KDF runs (cache misses).

    One lock: threads asking for the same salt at once wait for one derivation instead of running their own.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[_DerivationInput, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.runs = 0

    def kept(self, given: _DerivationInput) -> bytes | None:
        with self._lock:
            return self._keys.get(given)

    def get(self, given: _DerivationInput) -> bytes:
        with self._lock:
            aes_key = self._keys.get(given)
            if aes_key is None:
                aes_key = _derive(given)
                self.runs += 1
                self._keys[given] = aes_key
                if len(self._keys) > self._size:
                    self._keys.popitem(last=False)
            else:
                self._keys.move_to_end(given)
            return aes_key

    def reset_lock(self) -> None:
        self._lock = threading.Lock()


_DERIVED = _DerivedKeys(_DERIVED_KEYS_KEPT)


def key_derivations() -> int:
    """KDF runs in this process so far (scrypt or HKDF, cache hits excluded), for tests and benchmarks."""
    return _DERIVED.runs


def _derive(given: _DerivationInput) -> bytes:
    if given.kind == PASSPHRASE:
        params = dict(given.scrypt_params)
        return Scrypt(salt=given.salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(given.secret)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=given.salt, info=_HKDF_INFO).derive(given.secret)


def _kind(header: dict) -> str:
    return PASSPHRASE if header["kdf"] == "scrypt" else RAW_KEY


def _readable_header(data: bytes) -> dict | None:
    """The header of a settings file, or None when it cannot be read (``decrypt`` says why)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not text.startswith(MAGIC):
        return None
    encoded = text[len(MAGIC) :].split(".", 1)[0]
    return _header(encoded) if encoded else None


def _affordable(header: dict) -> bool:
    """Whether the header's KDF parameters are within what this provider is willing to run."""
    return _kind(header) != PASSPHRASE or all(header[name] <= limit for name, limit in _SCRYPT_LIMITS.items())


def _kcv(aes_key: bytes) -> str:
    return _b64(hmac.new(aes_key, _KCV_LABEL, hashlib.sha256).digest()[:8])


def _header(encoded: str) -> dict | None:
    """The parsed header, or None when it cannot be read (the caller reports a damaged file)."""
    try:
        header = json.loads(_unb64(encoded))
        salt = _unb64(header["salt"])
        checked = {"kdf": header["kdf"], "salt": salt, "kcv": str(header["kcv"]), "len": int(header["len"])}
        if header["kdf"] == "scrypt":
            for name in _SCRYPT:
                value = header[name]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    return None
                checked[name] = value
            if checked["n"] < 2 or checked["n"] & (checked["n"] - 1):  # scrypt needs a power of two
                return None
        elif header["kdf"] != "hkdf-sha256":
            return None
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return checked if len(salt) >= 8 else None


def _damaged(location: str, damage: str) -> SettingsStoreError:
    return SettingsStoreError("damaged", location=location, damage=damage)


def _ascii(data: bytes, location: str) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise _damaged(location, "not_text") from None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# A derivation some other thread was running at fork() time would leave the lock held forever in the child.
os.register_at_fork(after_in_child=_DERIVED.reset_lock)
