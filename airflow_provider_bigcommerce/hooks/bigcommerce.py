"""The BigCommerce hook: an Airflow connection in, the core's REST client and OAuth procedures out.

The hook only translates. Properties come from the connection (``hooks.connection_properties``), tokens from
``core.auth``, requests, paging and rate limits from ``core.client``. Those modules load lazily so that a DAG file
importing this hook parses fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from airflow_provider_bigcommerce.core.errors import BigCommerceError
from airflow_provider_bigcommerce.core.properties import SECRET_FIELDS, ConnectionProperties
from airflow_provider_bigcommerce.hooks.connection_properties import (
    airflow_fernet_key,
    properties_from_airflow_connection,
)

if TYPE_CHECKING:
    import requests

    from airflow_provider_bigcommerce.core.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.paging import Page
    from airflow_provider_bigcommerce.core.token_source import TokenSource


class BigCommerceHook(BaseHook):
    """Read a BigCommerce store through the connection ``bigcommerce_conn_id``.

    :param bigcommerce_conn_id: an Airflow connection of type ``bigcommerce``.
    :param read_only: never exchange a code or write the OAuth settings location; use only what is saved.
    """

    conn_name_attr = "bigcommerce_conn_id"
    default_conn_name = "bigcommerce_default"
    conn_type = "bigcommerce"
    hook_name = "BigCommerce"

    def __init__(self, bigcommerce_conn_id: str = default_conn_name, *, read_only: bool = False) -> None:
        super().__init__()
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.read_only = read_only

    @cached_property
    def properties(self) -> ConnectionProperties:
        """The connection's validated properties; every secret among them is masked as soon as it is read."""
        properties = properties_from_airflow_connection(self.get_connection(self.bigcommerce_conn_id))
        for name in SECRET_FIELDS:
            if value := getattr(properties, name):
                mask_secret(value)
        return properties

    @cached_property
    def token_source(self) -> TokenSource:
        return self._token_source(read_only=self.read_only, conn_id=self.bigcommerce_conn_id)

    @cached_property
    def client(self) -> BigCommerceClient:
        from airflow_provider_bigcommerce.core.client import BigCommerceClient

        return BigCommerceClient(self.properties, self.token_source)

    def get_conn(self) -> requests.Session:
        """A ``requests.Session`` that carries the store's auth headers, for calls the client does not wrap."""
        return self.client.session

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        """One API call, ``path`` with its version (``"v2/store"``); the parsed JSON, or None for 204."""
        return self.client.request(method, path, params=params, json=json)

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of a v2 or v3 list (offset or cursor paging), each exactly once."""
        return self.client.paginate(path, params=params)

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Page]:
        """The same records as :meth:`paginate`, one page at a time (``page.records``)."""
        return self.client.pages(path, params=params)

    def close(self) -> None:
        """End the client's session and paging threads, if a client was made."""
        if "client" in self.__dict__:
            self.client.close()

    def test_connection(self) -> tuple[bool, str]:
        """Call ``GET v2/time`` and ``GET v2/store``; never raises, never changes saved OAuth state.

        The UI's Test button runs this inside the api-server under a throwaway connection id, so the token comes
        from a read-only source: a verifier is not exchanged and nothing is written.
        """
        try:
            properties = self.properties
        except Exception as error:
            return False, f"The connection's properties are not usable: {error}"
        try:
            from airflow_provider_bigcommerce.core.client import CHECK_PATH, BigCommerceClient
            from airflow_provider_bigcommerce.core.retry import RetryPolicy

            # A person is waiting on the button: a short retry budget, the connection's own timeout.
            client = BigCommerceClient(
                properties,
                self._token_source(read_only=True, conn_id=None),
                retry=RetryPolicy(max_attempts=2, max_429_waits=1),
            )
            try:
                client.request("GET", CHECK_PATH)
                store = client.request("GET", "v2/store") or {}
            finally:
                client.close()
        except BigCommerceError as error:
            return False, _without_secrets(str(error), properties)
        except Exception as error:
            return False, _without_secrets(f"Unexpected {type(error).__name__}: {error}", properties)
        name = store.get("name") or "(unnamed)"
        return True, f"Connected to BigCommerce store '{name}' (StoreId {properties.store_id}) at {properties.api_url}."

    def get_oauth_authorization_url(
        self,
        callback_url: str | None = None,
        scope: str | None = None,
        state: str | None = None,
        *,
        install: bool = False,
    ) -> str:
        """The URL to send the merchant to for the custom app's consent (web flow, ``GetOAuthAuthorizationURL``);
        ``install=True`` gives the documented install page instead."""
        from airflow_provider_bigcommerce.core.oauth.procedures import get_oauth_authorization_url

        return get_oauth_authorization_url(
            self.properties, callback_url=callback_url, scope=scope, state=state, install=install
        )

    def get_oauth_access_token(
        self, verifier: str, callback_url: str | None = None, scope: str | None = None, state: str | None = None
    ) -> dict[str, Any]:
        """Exchange the ``code`` from the callback (web flow, ``GetOAuthAccessToken``); the result holds secrets.

        With an OAuthSettingsLocation on the connection the token is saved there too, for REFRESH tasks.
        """
        from airflow_provider_bigcommerce.core.oauth.procedures import get_oauth_access_token

        return get_oauth_access_token(
            self.properties,
            verifier,
            callback_url=callback_url,
            scope=scope,
            state=state,
            on_secret=mask_secret,
            fernet_key=airflow_fernet_key(),
        )

    def _token_source(self, *, read_only: bool, conn_id: str | None) -> TokenSource:
        from airflow_provider_bigcommerce.core.auth import token_source_for

        return token_source_for(
            self.properties,
            on_secret=mask_secret,
            read_only=read_only,
            fernet_key=airflow_fernet_key(),
            conn_id=conn_id,
        )


def _without_secrets(message: str, properties: ConnectionProperties) -> str:
    """Last guard before a message leaves the api-server in an HTTP response, where log masking does not apply."""
    for name in SECRET_FIELDS:
        if value := getattr(properties, name):
            message = message.replace(value, "***")
    return message
