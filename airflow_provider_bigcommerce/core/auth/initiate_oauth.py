"""InitiateOAuth=GETANDREFRESH and REFRESH: from properties and the settings location to a valid token.

Steady state costs one ``stat()`` of the settings file per request. Exchanging a pending OAuthVerifier or
refreshing happens under the location's lock after a re-read, so a fleet makes one token request per need.
BigCommerce tokens never expire (docs/properties.md "Tokens that never expire"): the usual work is noticing a
revoked one and raising AuthorizationRequiredError, whose data the CLI and the hook put into words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from airflow_provider_bigcommerce.core.auth.code_exchange import exchange_into
from airflow_provider_bigcommerce.core.auth.desktop_flow import LOGIN_TIMEOUT_S, run_desktop_flow
from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
from airflow_provider_bigcommerce.core.auth.settings.file_store import SettingsStore, SettingsTransaction
from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings, now_ms, verifier_digest
from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    BigCommerceApiError,
    BigCommerceError,
    NextStep,
    OAuthError,
    PropertyError,
)
from airflow_provider_bigcommerce.core.properties import AuthScheme, ConnectionProperties, InitiateOAuth

REFRESH_MARGIN_S = 300.0
"""Refresh this long before expiry (at most half the token's lifetime)."""


class OAuthTokenSource:
    """The ``TokenSource`` (``core.auth.token_source``) for InitiateOAuth=GETANDREFRESH/REFRESH.

    ``read_only`` (the Airflow connection Test button): only read what is saved; never exchange, refresh, write or
    prompt. ``interactive``: GETANDREFRESH may run the browser flow when nothing is saved; otherwise it fails at once
    with AuthorizationRequiredError.
    """

    def __init__(
        self,
        properties: ConnectionProperties,
        *,
        store: SettingsStore | None = None,
        client: OAuthClient | None = None,
        on_secret: SecretSink | None = None,
        read_only: bool = False,
        interactive: bool = False,
        fernet_key: str | None = None,
        refresh_margin_s: float = REFRESH_MARGIN_S,
    ) -> None:
        if properties.auth_scheme is not AuthScheme.OAUTH or properties.initiate_oauth is InitiateOAuth.OFF:
            raise PropertyError(
                "not_oauth",
                "InitiateOAuth",
                "initiate_oauth",
                needed_for="oauth_token_source",
                auth_scheme=properties.auth_scheme.value,
                initiate_oauth=properties.initiate_oauth.value,
            )
        self.properties = properties
        self.read_only = read_only
        self.interactive = interactive
        self.refresh_margin_s = refresh_margin_s
        self._on_secret = on_secret
        if on_secret is not None and properties.oauth_verifier:
            on_secret(properties.oauth_verifier)
        self.store = store or open_settings_store(properties, fernet_key=fernet_key, on_secret=on_secret)
        self._client = client
        self._verifier_digest = verifier_digest(properties.oauth_verifier) if properties.oauth_verifier else None

    # ------------------------------------------------------------------------------------------- TokenSource

    def access_token(self) -> str:
        settings = self.store.load()
        if settings is not None and settings.access_token and self._fresh(settings):
            return settings.access_token
        if self.read_only:
            return self._saved_token(settings)
        return self._obtain()[0].access_token or ""

    def token_rejected(self, token: str) -> str | None:
        """Re-read the location once: another worker may have re-authorized or refreshed since."""
        settings = self.store.load(fresh=True)
        if settings is None or not settings.access_token or settings.access_token == token or settings.expired():
            return None
        return settings.access_token

    # ------------------------------------------------------------------------- for operators and the CLI

    def ensure_valid(self, check: Callable[[], object] | None = None, *, min_validity_s: float | None = None) -> dict:
        """Make the saved token good now and say so without a secret.

        Exchanges a pending OAuthVerifier once, refreshes a token expiring within the margin (or within
        ``min_validity_s``), then runs ``check`` (a cheap API call through a client using this token source) and
        records its outcome in the settings location. A revoked token raises AuthorizationRequiredError
        (``token_revoked``). Returns :meth:`status` plus ``action``: exchanged, refreshed, authorized (the
        browser flow, interactive GETANDREFRESH only) or none.
        """
        if self.read_only:
            raise ValueError("ensure_valid() writes; read-only: use status()")
        settings, action = self._obtain(min_validity_s)
        if check is not None:
            settings = self._run_check(check)
        return {**self.status(settings), "action": action}

    def authorize_interactively(
        self,
        *,
        open_browser: bool = True,
        show_url: Callable[[str], None] | None = None,
        timeout_s: float = LOGIN_TIMEOUT_S,
    ) -> OAuthSettings:
        """Run the desktop flow now and save its token, replacing whatever was saved (``oauth login``)."""
        if self.read_only:
            raise ValueError("a read-only token source never authorizes")
        self.store.load()  # a damaged or foreign location fails before anyone opens a browser
        client = self._oauth_client("browser_authorization")

        def complete(code: str) -> OAuthSettings:
            with self.store.transaction() as transaction:
                return exchange_into(transaction, client, self.properties, code)

        return run_desktop_flow(
            self.properties, client, complete, open_browser=open_browser, show_url=show_url, timeout_s=timeout_s
        )

    def status(self, settings: OAuthSettings | None = None) -> dict[str, Any]:
        """What is saved, without any secret: safe for logs, XCom and stdout."""
        settings = settings if settings is not None else self.store.load()
        status: dict[str, Any] = {
            "store": self.properties.store_id,
            "settings_location": self.store.location,
            "initiate_oauth": str(self.properties.initiate_oauth),
            "authorized": bool(settings and settings.access_token),
        }
        if self._verifier_digest:
            status["verifier"] = self._verifier_result(settings) or "pending"
        if settings is None:
            return status
        user = settings.user or {}
        status.update(
            client_id=settings.client_id,
            scope=settings.scope,
            user=user.get("email") or user.get("username"),
            obtained=_iso(settings.token_timestamp),
            expires="never" if settings.expires_at is None else _iso(settings.expires_at * 1000),
            expired=settings.expired(),
            refreshable=bool(settings.refresh_token),
            last_checked=_iso(settings.last_checked),
            last_check_result=settings.last_check_result,
        )
        return status

    # ----------------------------------------------------------------------------------------------- inside

    def _fresh(self, settings: OAuthSettings, min_validity_s: float | None = None) -> bool:
        """Usable as is: nothing to exchange and not within the refresh margin."""
        if self._pending(settings):
            return False
        remaining = settings.remaining_s()
        if remaining is None:
            return True
        margin = min(self.refresh_margin_s, settings.expires_in / 2)
        return remaining > max(margin, min_validity_s or 0)

    def _pending(self, settings: OAuthSettings | None) -> bool:
        """OAuthVerifier is set and no process has tried it yet."""
        return self._verifier_digest is not None and self._verifier_result(settings) is None

    def _verifier_result(self, settings: OAuthSettings | None) -> str | None:
        if settings is None or self._verifier_digest is None:
            return None
        return settings.verifiers.get(self._verifier_digest)

    def _obtain(self, min_validity_s: float | None = None) -> tuple[OAuthSettings, str]:
        with self.store.transaction() as transaction:
            settings = transaction.current
            if self._pending(settings):
                return self._exchange_pending(transaction), "exchanged"
            if settings is not None and settings.access_token:
                if self._fresh(settings, min_validity_s):
                    return settings, "none"
                if settings.refresh_token:
                    return self._refresh(transaction, settings), "refreshed"
                if not settings.expired():
                    return settings, "none"  # no way to refresh: use it while it lasts
        if self.properties.initiate_oauth is InitiateOAuth.GETANDREFRESH and self.interactive:
            return self.authorize_interactively(), "authorized"
        raise self._authorization_required(settings)

    def _exchange_pending(self, transaction: SettingsTransaction) -> OAuthSettings:
        client = self._oauth_client("verifier_exchange")
        try:
            return exchange_into(
                transaction, client, self.properties, self.properties.oauth_verifier or "", remember=True
            )
        except OAuthError as exc:
            if exc.code != "code_rejected":
                raise
            # Remember the refusal so the other workers fail at once instead of spending a request each.
            base = transaction.current or OAuthSettings(store_id=self.properties.store_id, client_id=client.client_id)
            transaction.save(base.with_verifier(self._verifier_digest or "", "rejected: invalid_grant"))
            raise self._required("verifier_rejected", "OAuthVerifier", exc, said=exc.facts.get("said")) from None

    def _refresh(self, transaction: SettingsTransaction, settings: OAuthSettings) -> OAuthSettings:
        client = self._oauth_client("token_refresh")
        try:
            token = client.refresh(settings.refresh_token or "")
        except OAuthError as exc:
            if exc.code != "refresh_rejected":
                raise
            raise self._required("refresh_rejected", "OAuthSettingsLocation", exc, said=exc.facts.get("said")) from None
        refreshed = settings.replace(
            access_token=token["access_token"],
            refresh_token=token["refresh_token"],
            expires_in=token["expires_in"],
            token_timestamp=token["obtained_at"],
            scope=token["scope"] or settings.scope,
            last_checked=None,
            last_check_result=None,
        )
        transaction.save(refreshed)
        return refreshed

    def _run_check(self, check: Callable[[], object]) -> OAuthSettings:
        try:
            check()
        except BigCommerceApiError as exc:
            if exc.status == 401:
                self._record_check("rejected (HTTP 401)")
                raise self._required("token_revoked", "OAuthSettingsLocation", exc) from None
            if exc.status == 403:
                self._record_check("forbidden (HTTP 403)")
                raise self._required(
                    "scope_missing",
                    "Scope",
                    exc,
                    next_step=NextStep.ADD_SCOPE,
                    required_scope=getattr(exc, "required_scope", None),
                ) from None
            self._record_check(f"failed (HTTP {exc.status})")
            raise
        except BigCommerceError as exc:
            self._record_check(f"failed ({type(exc).__name__})")
            raise
        return self._record_check("ok")

    def _record_check(self, result: str) -> OAuthSettings:
        with self.store.transaction() as transaction:
            settings = transaction.current
            if settings is None:
                raise self._authorization_required(None)
            checked = settings.replace(last_checked=now_ms(), last_check_result=result)
            transaction.save(checked)
            return checked

    def _saved_token(self, settings: OAuthSettings | None) -> str:
        """Read-only: the saved token while it has not expired, else what a person must do."""
        if settings is not None and settings.access_token and not settings.expired():
            return settings.access_token
        raise self._authorization_required(settings, read_only=True)

    def _oauth_client(self, needed_for: str) -> OAuthClient:
        if self._client is None:
            self._client = OAuthClient.from_properties(
                self.properties, needed_for=needed_for, on_secret=self._on_secret
            )
        return self._client

    def _authorization_required(
        self, settings: OAuthSettings | None, *, read_only: bool = False
    ) -> AuthorizationRequiredError:
        """Why nothing usable is saved, and the step that cures it, judged from ``settings``."""
        facts: dict[str, Any] = {"read_only": read_only, "initiate_oauth": self.properties.initiate_oauth.value}
        tried = self._verifier_result(settings)
        if read_only and self._pending(settings):
            code, name = "verifier_pending", "OAuthVerifier"
        elif settings is not None and settings.access_token:
            code, name = "token_expired", "OAuthSettingsLocation"
            facts.update(expired_at=_iso((settings.expires_at or 0) * 1000), refreshable=bool(settings.refresh_token))
        elif tried:
            code, name = "verifier_used", "OAuthVerifier"
            facts["verifier_result"] = tried
        else:
            code, name = "nothing_saved", "OAuthSettingsLocation"
        if code == "verifier_pending":
            step = NextStep.EXCHANGE_VERIFIER
        elif not read_only and self.properties.initiate_oauth is InitiateOAuth.GETANDREFRESH:
            step = NextStep.IMPORT_SETTINGS  # it needs a person at a browser, which this process cannot reach
        else:
            step = NextStep.AUTHORIZE
        return self._required(code, name, next_step=step, **facts)

    def _required(
        self,
        code: str,
        property_name: str,
        cause: OAuthError | BigCommerceApiError | None = None,
        *,
        next_step: NextStep = NextStep.AUTHORIZE,
        **facts: Any,
    ) -> AuthorizationRequiredError:
        return AuthorizationRequiredError(
            code,
            next_step=next_step,
            property_name=property_name,
            store_id=self.properties.store_id,
            settings_location=self.store.location,
            error_code=getattr(cause, "error_code", None),
            status=getattr(cause, "status", None),
            **facts,
        )


def _iso(epoch_ms: float | None) -> str | None:
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat(timespec="seconds")
