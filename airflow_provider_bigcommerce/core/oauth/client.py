"""BigCommerce's OAuth endpoints as three verbs: the authorization URL, the code exchange, the refresh.

Protocol: docs/bigcommerce.md ("App OAuth"). Credentials travel in the form-encoded body, never as HTTP
Basic. BigCommerce's answer has no ``expires_in`` and no ``refresh_token`` (its tokens never expire); a token endpoint
that does send them (a proxy, a test server, a future BigCommerce) is refreshed with ``grant_type=refresh_token``.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import requests

from airflow_provider_bigcommerce.core.errors import OAuthError
from airflow_provider_bigcommerce.core.properties import DEFAULT_LOGIN_URL, DEFAULT_TIMEOUT_S, ConnectionProperties
from airflow_provider_bigcommerce.core.token_source import SecretSink


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
    def from_properties(cls, properties: ConnectionProperties, *, on_secret: SecretSink | None = None) -> OAuthClient:
        properties.require_app_credentials("the OAuth authorization")
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
        if not self._client_secret:
            raise OAuthError(
                "OAuthClientSecret (oauth_client_secret) is needed to call the token endpoint. Copy the Client "
                "Secret of the custom app from the BigCommerce Developer Portal."
            )
        return self._client_secret

    def _token_request(
        self, body: dict[str, str], *, grant: str, redirect_uri: str | None, secrets: tuple[str, ...]
    ) -> dict[str, Any]:
        url = f"{self.login_url}/oauth2/token"
        hide = (*secrets, self._client_secret or "")
        try:
            response = self._session.post(url, data=body, headers={"Accept": "application/json"}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise OAuthError(
                f"Could not reach the token endpoint {url}: {_scrub(type(exc).__name__ + ': ' + str(exc), hide)}. "
                "Check LoginURL and the network, then try again."
            ) from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code >= 400 or not isinstance(payload, dict) or not payload.get("access_token"):
            raise _token_error(
                response.status_code, payload, grant=grant, url=url, redirect_uri=redirect_uri, hide=hide
            )
        token = _normalized(payload)
        if self._on_secret is not None:
            for secret in (token["access_token"], token["refresh_token"]):
                if secret:
                    self._on_secret(secret)
        return token


def _normalized(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        expires_in = int(payload["expires_in"]) if payload.get("expires_in") not in (None, "") else -1
    except (TypeError, ValueError):
        expires_in = -1
    return {
        "access_token": str(payload["access_token"]),
        "refresh_token": payload.get("refresh_token") or None,
        "expires_in": expires_in if expires_in > 0 else -1,
        "obtained_at": int(time.time() * 1000),
        "scope": payload.get("scope") or "",
        "context": payload.get("context"),
        "user": payload.get("user"),
        "account_uuid": payload.get("account_uuid"),
    }


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
                f"{answer}. The authorization code was already used or has expired (codes are single use and "
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
