"""The driver's web-app procedures, GetOAuthAuthorizationURL and GetOAuthAccessToken (AuthMode=WEB).

A web app sends the merchant to the URL, receives the code on its own callback, and trades it here. The answer
uses the driver's output names. When the connection has an OAuthSettingsLocation the token is saved there as
well, so tasks with InitiateOAuth=REFRESH and the same location use it at once.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.core.auth.code_exchange import exchange_into
from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings
from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def get_oauth_authorization_url(
    properties: ConnectionProperties,
    callback_url: str | None = None,
    scope: str | None = None,
    state: str | None = None,
    *,
    install: bool = False,
) -> str:
    """The consent URL for this store and app. ``install=True`` gives the documented install page instead
    (``/app/{client_id}/install``), which takes no parameters and uses the app's registered callback."""
    properties = _with_overrides(properties, callback_url, scope)
    if not properties.oauth_client_id:
        raise PropertyError("missing", "OAuthClientId", "oauth_client_id", needed_for="authorization_url")
    client = OAuthClient(properties.oauth_client_id, login_url=properties.login_url)
    if install:
        return client.install_url()
    return client.authorization_url(
        redirect_uri=properties.callback_url, scope=properties.scope, context=properties.context, state=state
    )


def get_oauth_access_token(
    properties: ConnectionProperties,
    verifier: str,
    callback_url: str | None = None,
    scope: str | None = None,
    state: str | None = None,
    on_secret: SecretSink | None = None,
    *,
    fernet_key: str | None = None,
) -> dict[str, Any]:
    """Exchange ``verifier`` (the callback's ``code``) and return ``OAuthAccessToken``, ``OAuthRefreshToken``,
    ``ExpiresIn`` (-1 = never), ``OAuthTokenTimestamp``, ``Scope``, ``StoreId``, ``User``, ``AccountUuid``.

    ``state`` is accepted for parity with the driver's procedure; BigCommerce's token endpoint takes none, so the
    web app compares the callback's state with the one it sent before calling this.
    """
    if on_secret is not None:
        on_secret(verifier)
    properties = _with_overrides(properties, callback_url, scope)
    client = OAuthClient.from_properties(properties, needed_for="access_token_procedure", on_secret=on_secret)
    if properties.settings_location:
        store = open_settings_store(properties, fernet_key=fernet_key, on_secret=on_secret)
        with store.transaction() as transaction:
            settings = exchange_into(transaction, client, properties, verifier, remember=True)
    else:
        settings = exchange_into(None, client, properties, verifier)
    return _driver_output(settings)


def _with_overrides(
    properties: ConnectionProperties, callback_url: str | None, scope: str | None
) -> ConnectionProperties:
    changes = {name: value for name, value in (("callback_url", callback_url), ("scope", scope)) if value}
    return properties.replace(**changes) if changes else properties


def _driver_output(settings: OAuthSettings) -> dict[str, Any]:
    return {
        "OAuthAccessToken": settings.access_token,
        "OAuthRefreshToken": settings.refresh_token,
        "ExpiresIn": settings.expires_in,
        "OAuthTokenTimestamp": settings.token_timestamp,
        "Scope": settings.scope,
        "StoreId": settings.store_id,
        "User": settings.user,
        "AccountUuid": settings.account_uuid,
    }
