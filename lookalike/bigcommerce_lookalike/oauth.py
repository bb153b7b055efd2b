"""login.bigcommerce.com's side of app OAuth: consent page, authorization codes, token endpoint, uninstall.

The rules follow docs/bigcommerce.md ("App OAuth"):

- ``GET /oauth2/authorize?client_id&redirect_uri&response_type=code&scope&context=stores/{hash}&state`` and the
  documented ``GET /app/{client_id}/install`` show a consent page. *Approve* redirects (302) to the callback
  with ``code``, ``scope`` (space separated), ``context``, ``account_uuid`` and ``state``; *Deny* redirects with
  ``error=access_denied`` and ``state``. An unknown app, a ``redirect_uri`` other than the registered callback,
  a foreign ``context`` or a malformed scope get an HTML error page with status 400 instead.
- ``POST /oauth2/token`` takes JSON or form bodies, credentials in the body only. A body that does not parse
  as its Content-Type: 406 ``{"error": "Invalid format."}``. Credentials only in HTTP Basic: 401
  ``invalid_client``. Unknown client or wrong secret: 401 ``invalid_client``. Codes are single-use and live 10
  minutes: reuse or expiry gives 400 ``invalid_grant``. A ``redirect_uri`` that differs from the one the code
  was issued for also gives 400 ``invalid_grant`` (RFC 6749 section 5.2), with an ``error_description`` that
  starts ``redirect_uri mismatch`` and names the URI sent; the code stays usable.
- Tokens never expire and no ``refresh_token`` is issued, unless the ``expiring_tokens`` switch is on: then the
  answer adds ``expires_in`` and ``refresh_token``, ``grant_type=refresh_token`` returns a new access token and
  a *rotated* refresh token, and a refresh token that was already used gets 400 ``invalid_grant``.

Misbehaviour knobs, per app so tests sharing one lookalike cannot disturb each other (``OAuthService.misbehave``):
``token_redirect`` answers every token request of the app with a redirect (a misconfigured proxy or a hostile
LoginURL), ``token_answer`` overrides fields of a successful token answer (``{"expires_in": float("inf")}`` is
sent as the JSON ``Infinity`` Python's parsers accept).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bigcommerce_lookalike.consent_page import consent_page, error_page
from bigcommerce_lookalike.responses import Reply, html_reply, json_reply, redirect_reply
from bigcommerce_lookalike.stats import SandboxStats
from bigcommerce_lookalike.store_profile import StoreProfile
from bigcommerce_lookalike.tokens import SCOPE_NAME, TokenRegistry

CODE_LIFETIME_S = 600
CONSENT_LIFETIME_S = 1800
# What a pipeline reads, the newer lists included (coupons, pages, channels, inventory, refunds).
DEFAULT_APP_SCOPES = (
    "store_v2_orders",
    "store_v2_customers",
    "store_v2_products",
    "store_v2_information",
    "store_v2_transactions",
    "store_v2_marketing",
    "store_v2_content",
    "store_channel_settings",
    "store_inventory",
)
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


@dataclass
class App:
    """A registered custom app."""

    client_id: str
    client_secret: str
    callback_url: str
    name: str
    scopes: tuple[str, ...] = DEFAULT_APP_SCOPES
    token_redirect: tuple[int, str] | None = None  # (status, Location) for every token request of this app
    token_answer: dict = field(default_factory=dict)  # fields that replace those of a successful token answer


@dataclass
class _Consent:
    app: App
    redirect_uri: str
    scopes: list[str]
    state: str | None
    created: float


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    created: float
    used: bool = False


@dataclass
class _Refresh:
    client_id: str
    scopes: list[str]
    used: bool = False


@dataclass
class _State:
    apps: dict[str, App] = field(default_factory=dict)
    consents: dict[str, _Consent] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    refresh_tokens: dict[str, _Refresh] = field(default_factory=dict)


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return json_reply(status, json.dumps({"error": error, "error_description": description}))


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, (parts.query, urlencode(params))))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class OAuthService:
    """All OAuth state of the lookalike; thread-safe."""

    def __init__(
        self,
        profile: StoreProfile,
        tokens: TokenRegistry,
        stats: SandboxStats,
        *,
        expiring_tokens: bool,
        token_lifetime_s: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile = profile
        self.tokens = tokens
        self.stats = stats
        self.expiring_tokens = expiring_tokens
        self.token_lifetime_s = token_lifetime_s
        self._clock = clock
        self._state = _State()
        self._lock = threading.Lock()

    # -- apps -------------------------------------------------------------------------------------------------

    def register_app(
        self,
        callback_url: str,
        *,
        name: str = "Lookalike App",
        scopes: tuple[str, ...] = DEFAULT_APP_SCOPES,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> App:
        app = App(
            client_id=client_id or secrets.token_hex(16)[:31],
            client_secret=client_secret or secrets.token_hex(32),
            callback_url=callback_url,
            name=name,
            scopes=tuple(scopes),
        )
        with self._lock:
            self._state.apps[app.client_id] = app
        return app

    def app(self, client_id: str) -> App | None:
        return self._state.apps.get(client_id)

    def misbehave(
        self,
        client_id: str,
        *,
        token_redirect: tuple[int, str] | None = None,
        token_answer: dict | None = None,
    ) -> None:
        """Set the app's token-endpoint knobs (see the module docstring); omitted ones are switched off."""
        app = self.app(client_id)
        if app is None:
            raise KeyError(f"no app with client_id {client_id!r}")
        if token_redirect is not None and not 300 <= token_redirect[0] < 400:
            raise ValueError(f"token_redirect needs a 3xx status, got {token_redirect[0]}")
        with self._lock:
            app.token_redirect = token_redirect
            app.token_answer = dict(token_answer or {})

    def uninstall(self, client_id: str) -> int:
        """Revoke every token, refresh token and unused code of the app; returns the access tokens revoked."""
        if client_id not in self._state.apps:
            raise KeyError(f"no app with client_id {client_id!r}")
        with self._lock:
            for refresh in self._state.refresh_tokens.values():
                if refresh.client_id == client_id:
                    refresh.used = True
            for code in self._state.codes.values():
                if code.client_id == client_id:
                    code.used = True
        return self.tokens.revoke_client(client_id)

    # -- consent ----------------------------------------------------------------------------------------------

    def authorize(self, query: Mapping[str, str]) -> Reply:
        """``GET /oauth2/authorize`` (the OmniAuth flow)."""
        app = self.app(query.get("client_id", ""))
        if app is None:
            return html_reply(400, error_page("Unknown app", "No app is registered with this client_id."))
        redirect_uri = query.get("redirect_uri") or app.callback_url
        if redirect_uri != app.callback_url:
            message = f"redirect_uri mismatch: {redirect_uri!r} is not the callback URL registered for this app."
            return html_reply(400, error_page("Invalid redirect_uri", message))
        if query.get("response_type", "code") != "code":
            return html_reply(400, error_page("Unsupported response_type", "Only response_type=code is supported."))
        context = query.get("context")
        if context and context != self.profile.context:
            return html_reply(
                400, error_page("Unknown store", f"This login serves {self.profile.context}, not {context}.")
            )
        scopes = query.get("scope", "").split() or list(app.scopes)
        return self._consent(app, redirect_uri, scopes, query.get("state"))

    def install(self, client_id: str, query: Mapping[str, str]) -> Reply:
        """``GET /app/{client_id}/install`` (the documented flow): the app's registered callback and scopes."""
        app = self.app(client_id)
        if app is None:
            return html_reply(400, error_page("Unknown app", "No app is registered with this client_id."))
        return self._consent(app, app.callback_url, list(app.scopes), query.get("state"))

    def _consent(self, app: App, redirect_uri: str, scopes: list[str], state: str | None) -> Reply:
        bad = [scope for scope in scopes if not SCOPE_NAME.match(scope)]
        if bad:
            return html_reply(400, error_page("Invalid scope", f"Unknown scope: {', '.join(bad)}"))
        consent_id = secrets.token_urlsafe(18)
        with self._lock:
            self._state.consents[consent_id] = _Consent(app, redirect_uri, scopes, state, self._clock())
        page = consent_page(
            app_name=app.name,
            store_name=self.profile.name,
            store_hash=self.profile.store_hash,
            scopes=scopes,
            consent_id=consent_id,
        )
        return html_reply(200, page)

    def decide(self, form: Mapping[str, str]) -> Reply:
        """``POST /oauth2/authorize/decision``: the merchant clicked Approve or Deny."""
        with self._lock:
            consent = self._state.consents.pop(form.get("consent", ""), None)
        if consent is None or self._clock() - consent.created > CONSENT_LIFETIME_S:
            return html_reply(400, error_page("Expired", "This consent page was already used or has expired."))
        state = {"state": consent.state} if consent.state is not None else {}
        if form.get("decision") != "approve":
            params = {"error": "access_denied", "error_description": "The merchant denied access.", **state}
            return redirect_reply(_with_query(consent.redirect_uri, params))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._state.codes[code] = _Code(consent.app.client_id, consent.redirect_uri, consent.scopes, self._clock())
        params = {
            "code": code,
            "scope": " ".join(consent.scopes),
            "context": self.profile.context,
            "account_uuid": self.profile.account_uuid,
            **state,
        }
        return redirect_reply(_with_query(consent.redirect_uri, params))

    # -- token endpoint ---------------------------------------------------------------------------------------

    def token(self, content_type: str, body: bytes, authorization: str | None) -> Reply:
        """``POST /oauth2/token``."""
        fields = _parse_body(content_type, body)
        grant_type = fields.get("grant_type", "") if fields is not None else "unparsable"
        self.stats.count_token_request(grant_type or "missing")
        if fields is None:
            return json_reply(406, json.dumps({"error": "Invalid format."}))
        if "client_secret" not in fields and (authorization or "").lower().startswith("basic "):
            return _oauth_error(
                401,
                "invalid_client",
                "HTTP Basic authentication is not accepted: send client_id and client_secret in the request body.",
            )
        app = self.app(fields.get("client_id", ""))
        if app is not None and app.token_redirect is not None:
            status, location = app.token_redirect
            return Reply(status, b"", None, [("Location", location)])
        if "client_id" not in fields or "client_secret" not in fields:
            return _oauth_error(400, "invalid_request", "Missing required parameter: client_id and client_secret.")
        if app is None or not secrets.compare_digest(app.client_secret, fields["client_secret"]):
            return _oauth_error(401, "invalid_client", "Unknown client_id or wrong client_secret.")
        if grant_type == "authorization_code":
            return self._exchange_code(app, fields)
        if grant_type == "refresh_token":
            return self._refresh(app, fields)
        return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")

    def _exchange_code(self, app: App, fields: Mapping[str, str]) -> Reply:
        missing = [name for name in ("code", "redirect_uri", "scope", "context") if not fields.get(name)]
        if missing:
            return _oauth_error(400, "invalid_request", f"Missing required parameter: {', '.join(missing)}.")
        if fields["context"] != self.profile.context:
            return _oauth_error(400, "invalid_request", f"Unknown context {fields['context']!r}.")
        with self._lock:
            code = self._state.codes.get(fields["code"])
            if code is None or code.client_id != app.client_id:
                return _oauth_error(400, "invalid_grant", "The authorization code is invalid.")
            if code.used:
                return _oauth_error(400, "invalid_grant", "The authorization code has already been used.")
            if self._clock() - code.created > CODE_LIFETIME_S:
                return _oauth_error(400, "invalid_grant", "The authorization code has expired.")
            if fields["redirect_uri"] != code.redirect_uri:
                return _oauth_error(
                    400,
                    "invalid_grant",
                    f"redirect_uri mismatch: {fields['redirect_uri']!r} is not the redirect_uri this code was "
                    "issued for (the app's registered callback URL).",
                )
            code.used = True
        return self._grant(app, code.scopes)

    def _refresh(self, app: App, fields: Mapping[str, str]) -> Reply:
        if not self.expiring_tokens:
            return _oauth_error(
                400, "unsupported_grant_type", "Tokens of this store do not expire; nothing to refresh."
            )
        if not fields.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "Missing required parameter: refresh_token.")
        with self._lock:
            refresh = self._state.refresh_tokens.get(fields["refresh_token"])
            if refresh is None or refresh.client_id != app.client_id:
                return _oauth_error(400, "invalid_grant", "The refresh token is invalid.")
            if refresh.used:
                return _oauth_error(400, "invalid_grant", "The refresh token has already been used (it was rotated).")
            refresh.used = True
        return self._grant(app, refresh.scopes)

    def _grant(self, app: App, scopes: list[str]) -> Reply:
        lifetime = self.token_lifetime_s if self.expiring_tokens else None
        grant = self.tokens.issue(frozenset(scopes), client_id=app.client_id, lifetime_s=lifetime)
        person = {"id": self.profile.owner_id, "username": self.profile.owner_email, "email": self.profile.owner_email}
        answer: dict = {
            "access_token": grant.token,
            "scope": " ".join(scopes),
            "user": person,
            "owner": person,
            "context": self.profile.context,
            "account_uuid": self.profile.account_uuid,
        }
        if self.expiring_tokens:
            refresh_token = secrets.token_urlsafe(32)
            with self._lock:
                self._state.refresh_tokens[refresh_token] = _Refresh(app.client_id, scopes)
            answer["expires_in"] = self.token_lifetime_s
            answer["refresh_token"] = refresh_token
        answer.update(app.token_answer)
        return json_reply(200, json.dumps(answer))


def _parse_body(content_type: str, body: bytes) -> dict[str, str] | None:
    """The fields of a JSON or form body; ``None`` when the body does not parse as its Content-Type."""
    media_type = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if media_type == _JSON:
            document = json.loads(text)
            if not isinstance(document, dict):
                return None
            return {str(name): str(value) for name, value in document.items() if value is not None}
        if media_type == _FORM:
            if text.lstrip().startswith(("{", "[")):
                return None
            return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except (UnicodeDecodeError, ValueError):
        return None
    return None
