"""A code (an OAuthVerifier, or the code a callback carried) exchanged for a token and saved in the held settings
transaction, one place for the desktop flow, headless option 1 and the web-app procedure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings, verifier_digest

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
    from airflow_provider_bigcommerce.core.auth.settings.file_store import SettingsTransaction
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def exchange_into(
    transaction: SettingsTransaction | None,
    client: OAuthClient,
    properties: ConnectionProperties,
    code: str,
    *,
    remember: bool = False,
) -> OAuthSettings:
    """Exchange a code and save the token in the held ``transaction`` (None: save nowhere).

    Callers take the transaction first: it proves the location readable, trusted and writable, so a single-use
    code is never spent on a token that could not be saved. ``remember`` keeps the code's digest, so the same
    OAuthVerifier is not exchanged again.
    """
    token = client.exchange_code(
        code, redirect_uri=properties.callback_url, scope=properties.scope, context=properties.context
    )
    previous = transaction.current if transaction is not None else None
    settings = OAuthSettings.from_token_response(
        token,
        store_id=properties.store_id,
        client_id=client.client_id,
        verifiers=previous.verifiers if previous is not None else None,
    )
    if remember:
        settings = settings.with_verifier(verifier_digest(code), "exchanged")
    if transaction is not None:
        transaction.save(settings)
    return settings
