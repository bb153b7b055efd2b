"""BigCommerce's OAuth endpoints as three verbs: the authorization URL, the code exchange, the refresh.

Protocol: docs/bigcommerce.md ("App OAuth"). Credentials travel in the form-encoded body, never as HTTP
Basic. BigCommerce's answer has no ``expires_in`` and no ``refresh_token`` (its tokens never expire); a token endpoint
that does send them (a proxy, a test server, a future BigCommerce) is refreshed with ``grant_type=refresh_token``.
Token requests never follow a redirect: the body carries the client secret and the code, for LoginURL only.
"""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import OAuthError
from airflow_provider_bigcommerce.core.properties import (
    DEFAULT_LOGIN_URL,
    DEFAULT_TIMEOUT_S,
    ConnectionProperties,
    is_header_safe,
    parse_number,
)

MAX_EXPIRES_IN_S = 10 * 365 * 86400
"""Longest token lifetime accepted from a token endpoint (BigCommerce sends none: its tokens never expire)."""


class OAuthClient:
    """A custom app's client against ``login_url``. Every token method returns a plain dict:

    ``{"access_token", "refresh_token" (or None), "expires_in" (-1 = never), "obtained_at" (epoch ms), "scope",
    "context", "user", "account_uuid"}``.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str | None = None,
        *,
        login_url: str = DEFAULT_LOGIN_URL,
        timeout: float = DEFAULT_TIMEOUT_S,
        session: requests.Session | None = None,
        on_secret: SecretSink | None = None,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.login_url = login_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._on_secret = on_secret
        if client_secret and on_secret is not None:
            on_secret(client_secret)

    @classmethod
    def from_properties(
        cls,
        properties: ConnectionProperties,
        *,
        needed_for: str = "oauth_authorization",
        on_secret: SecretSink | None = None,
    ) -> OAuthClient:
        """A client for the connection's app. The one check that its id and secret are set (for ``needed_for``,
        one of ``PropertyError.NEEDED_FOR``)."""
        properties.require_app_credentials(needed_for)
        return cls(
            properties.oauth_client_id or "",
            properties.oauth_client_secret,
            login_url=properties.login_url,
            timeout=properties.timeout,
            on_secret=on_secret,
        )

    def authorization_url(self, *, redirect_uri: str, scope: str, context: str, state: str | None = None) -> str:
        """Where to send the merchant: the consent page, which then redirects to ``redirect_uri`` with a code."""
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "context": context,
        }
        if state:
            query["state"] = state
        return f"{self.login_url}/oauth2/authorize?{urlencode(query)}"

    def install_url(self) -> str:
        """The app's documented install page (docs/bigcommerce.md "App OAuth"); it redirects to the callback."""
        return f"{self.login_url}/app/{self.client_id}/install"

    def exchange_code(self, code: str, *, redirect_uri: str, scope: str, context: str) -> dict[str, Any]:
        """Trade an authorization code (single use) for a token."""
        body = {
            "client_id": self.client_id,
            "client_secret": self._require_secret(),
            "code": code,
            "scope": scope,
            "context": context,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
        }
        return self._token_request(body, grant="authorization_code", redirect_uri=redirect_uri, secrets=(code,))

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """Standard refresh; the answer may carry a rotated refresh token (the old one then stops working)."""
        body = {
            "client_id": self.client_id,
            "client_secret": self._require_secret(),
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        token = self._token_request(body, grant="refresh_token", redirect_uri=None, secrets=(refresh_token,))
        token["refresh_token"] = token["refresh_token"] or refresh_token
        return token

    def _require_secret(self) -> str:
        # Users reach the token endpoint through from_properties, which already named the missing property.
        if not self._client_secret:
            raise TypeError("an OAuthClient without a secret: use from_properties()")
        return self._client_secret

    def _token_request(
        self, body: dict[str, str], *, grant: str, redirect_uri: str | None, secrets: tuple[str, ...]
    ) -> dict[str, Any]:
        url = f"{self.login_url}/oauth2/token"
        hide = (*secrets, self._client_secret or "")
        try:
            response = self._session.post(
                url, data=body, headers={"Accept": "application/json"}, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise OAuthError(
                "unreachable", url=url, cause=type(exc).__name__, detail=_scrub(str(exc), hide)[:160]
            ) from None
        if 300 <= response.status_code < 400:
            target = urlsplit(response.headers.get("Location", "")).hostname
            raise OAuthError("redirect_refused", status=response.status_code, url=url, target=target)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code >= 400 or not isinstance(payload, dict) or not payload.get("access_token"):
            raise _token_error(
                response.status_code, payload, grant=grant, url=url, redirect_uri=redirect_uri, hide=hide
            )
        token = _normalized(payload, url)
        if self._on_secret is not None:
            for secret in (token["access_token"], token["refresh_token"]):
                if secret:
                    self._on_secret(secret)
        return token


def _normalized(payload: dict[str, Any], url: str) -> dict[str, Any]:
    access_token = payload["access_token"]
    refresh_token = payload.get("refresh_token") or None
    for name, secret in (("access_token", access_token), ("refresh_token", refresh_token)):
        if secret is not None and not (isinstance(secret, str) and is_header_safe(secret)):
            raise _unusable(url, name)
    scope = payload.get("scope") or ""
    if not isinstance(scope, str):
        raise _unusable(url, "scope")
    user = payload.get("user")
    account_uuid = payload.get("account_uuid")
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_in": _expires_in(payload.get("expires_in"), url),
        "obtained_at": int(time.time() * 1000),
        "scope": scope,
        "context": payload.get("context"),
        "user": user if isinstance(user, dict) else None,
        "account_uuid": str(account_uuid) if account_uuid is not None else None,
    }


def _expires_in(value: Any, url: str) -> int:
    """Seconds the token lives, or -1 when the answer has none (BigCommerce's tokens never expire)."""
    if value is None or value == "":
        return -1
    seconds = parse_number(value)
    if not (math.isfinite(seconds) and 1 <= seconds <= MAX_EXPIRES_IN_S):
        raise _unusable(url, "expires_in")
    return int(seconds)


def _unusable(url: str, field_name: str) -> OAuthError:
    # The value is never quoted: the field may hold a secret.
    return OAuthError("unusable_answer", field_name=field_name, url=url)


def _token_error(
    status: int, payload: Any, *, grant: str, url: str, redirect_uri: str | None, hide: tuple[str, ...]
) -> OAuthError:
    error = description = ""
    if isinstance(payload, dict):
        error = str(payload.get("error") or "")
        description = str(payload.get("error_description") or payload.get("message") or payload.get("title") or "")
    elif isinstance(payload, list) and payload and isinstance(payload[0], dict):  # v2-style error array
        description = str(payload[0].get("message") or "")
    said = _scrub(f"{error}: {description}" if error and description else error or description, hide) or None
    facts = {"error_code": error or None, "status": status, "said": said}
    if "redirect" in f"{error} {description}".lower():
        # Some servers say invalid_grant here, but the code itself is still good once CallbackURL is right.
        return OAuthError("redirect_uri_mismatch", callback_url=redirect_uri, **facts)
    if error == "invalid_grant":
        return OAuthError("refresh_rejected" if grant == "refresh_token" else "code_rejected", **facts)
    if error == "invalid_client" or status == 401:
        return OAuthError("client_rejected", **facts)
    if status == 406:
        return OAuthError("body_refused", **facts)
    if status < 400:
        return OAuthError("no_token", url=url, **facts)
    return OAuthError("token_endpoint_failed", url=url, **facts)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove secrets a server or library may echo back, and keep messages short."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:300]
