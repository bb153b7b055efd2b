"""The one place that turns connection properties into the token source the REST client uses."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.auth.token_source import SecretSink, StaticTokenSource, TokenSource
from airflow_provider_bigcommerce.core.properties import AuthScheme, ConnectionProperties, InitiateOAuth


def token_source_for(
    properties: ConnectionProperties,
    *,
    on_secret: SecretSink | None = None,
    read_only: bool = False,
    interactive: bool = False,
    fernet_key: str | None = None,
) -> TokenSource:
    """PersonalAccessToken, or OAuth with InitiateOAuth=OFF: the given token. Otherwise the settings location.

    ``on_secret`` is called on every secret as it is read (the Airflow layer passes ``mask_secret``).
    ``read_only`` never exchanges, refreshes or writes (the connection Test button); ``interactive`` lets
    GETANDREFRESH open a browser when nothing is saved; ``fernet_key`` is Airflow's ``[core] fernet_key``, one of
    the settings file's key sources.
    """
    if properties.auth_scheme is AuthScheme.PERSONAL_ACCESS_TOKEN or properties.initiate_oauth is InitiateOAuth.OFF:
        token = properties.require_access_token()
        if on_secret is not None:
            on_secret(token)
        return StaticTokenSource(token)
    from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource  # keeps PAT imports light

    return OAuthTokenSource(
        properties,
        on_secret=on_secret,
        read_only=read_only,
        interactive=interactive,
        fernet_key=fernet_key,
    )
