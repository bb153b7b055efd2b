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
            raise TypeError("this OAuthClient has no client secret: build it with OAuthClient.from_properties()")
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
                f"Could not reach the token endpoint {url}: {_scrub(type(exc).__name__ + ': ' + str(exc), hide)}. "
                "Check LoginURL and the network, then try again."
            ) from None
        if 300 <= response.status_code < 400:
            target = urlsplit(response.headers.get("Location", "")).hostname or "an unnamed place"
            raise OAuthError(
                f"The token endpoint {url} answered {response.status_code}, a redirect to {target}. It was not "
                "followed, as the request carries the client secret and the code. Set LoginURL to the OAuth host "
                f"itself ({DEFAULT_LOGIN_URL} for BigCommerce).",
                error_code="redirect_refused",
                status=response.status_code,
            )
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
            raise _unusable(url, name, "is not a token (text of visible ASCII characters)")
    scope = payload.get("scope") or ""
    if not isinstance(scope, str):
        raise _unusable(url, "scope", "is not text (scopes separated by spaces)")
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
        raise _unusable(url, "expires_in", f"is not a lifetime in seconds between 1 and {MAX_EXPIRES_IN_S}")
    return int(seconds)


def _unusable(url: str, field_name: str, problem: str) -> OAuthError:
    # The value is never quoted: the field may hold a secret.
    return OAuthError(
        f"The token endpoint {url} answered with a {field_name} that {problem}, so the answer was not used. Check "
        "that LoginURL is BigCommerce's OAuth host.",
        error_code="invalid_token_response",
        field_name=field_name,
    )


def _token_error(
    status: int, payload: Any, *, grant: str, url: str, redirect_uri: str | None, hide: tuple[str, ...]
) -> OAuthError:
    error = description = ""
    if isinstance(payload, dict):
        error = str(payload.get("error") or "")
        description = str(payload.get("error_description") or payload.get("message") or payload.get("title") or "")
    elif isinstance(payload, list) and payload and isinstance(payload[0], dict):  # v2-style error array
        description = str(payload[0].get("message") or "")
    said = _scrub(f"{error}: {description}" if error and description else error or description, hide)
    answer = f"The token endpoint answered {status}" + (f" ({said})" if said else "")
    text = f"{error} {description}".lower()
    if "redirect" in text:
        message = (
            f"{answer}. The CallbackURL sent was '{redirect_uri}': it must equal, character for character, the "
            "callback URL registered for the app in the BigCommerce Developer Portal. Correct CallbackURL or the app."
        )
        # Some servers say invalid_grant here, but the code itself is still good once CallbackURL is right.
        return OAuthError(message, error_code="redirect_uri_mismatch", status=status)
    if error == "invalid_grant":
        if grant == "refresh_token":
            message = (
                f"{answer}. The saved refresh token was rejected (already used, expired or revoked): a new "
                "authorization is needed."
            )
        else:
            message = (
                f"{answer}. The authorization code was already used, expired or mistyped (codes are single use and "
                "short-lived): a new authorization is needed to get a new code."
            )
        return OAuthError(message, error_code=error, status=status)
    if error == "invalid_client" or status == 401:
        message = (
            f"{answer}. The app's credentials were refused: check OAuthClientId and OAuthClientSecret against the "
            "custom app in the BigCommerce Developer Portal."
        )
        return OAuthError(message, error_code=error or "invalid_client", status=status)
    if status == 406:
        message = f"{answer}. The token request's body did not match its Content-Type; this is a bug, please report it."
        return OAuthError(message, error_code=error or "invalid_format", status=status)
    if status < 400:
        message = f"{answer} but sent no access_token. Check that LoginURL ({url}) is BigCommerce's OAuth host."
        return OAuthError(message, error_code="no_token", status=status)
    return OAuthError(
        f"{answer}. Try again later; check LoginURL if it persists.", error_code=error or None, status=status
    )


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove secrets a server or library may echo back, and keep messages short."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:300]
