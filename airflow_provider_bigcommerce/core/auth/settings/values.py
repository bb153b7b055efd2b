"""What one OAuthSettingsLocation holds (:class:`OAuthSettings`, under the driver's document names), and
:func:`exchange_into`, which turns an authorization code into saved settings.

Storage (files, locks, encryption) is :mod:`.settings_store`'s; this module knows nothing of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_bigcommerce.core.errors import OAuthError, SettingsStoreError

if TYPE_CHECKING:
    pass

FORMAT_VERSION = 1
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
            raise OAuthError("wrong_store", context=str(context)[:80], store_id=store_id)
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
            raise SettingsStoreError("not_settings", location=location)
        version = document.get("FormatVersion", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise SettingsStoreError("newer_format", location=location, version=str(version)[:20])
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
