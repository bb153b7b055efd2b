"""The BigCommerce hook: an Airflow connection in, the core's REST client and OAuth procedures out.

The hook only translates. Properties come from the connection (``hooks.connection_properties``), tokens from
``core.auth``, requests, paging and rate limits from ``core.client``. Those modules load lazily so that a DAG file
importing this hook parses fast.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseHook, mask_secret

from airflow_provider_bigcommerce.core.errors import AuthorizationRequiredError
from airflow_provider_bigcommerce.core.properties import SECRET_FIELDS, ConnectionProperties
from airflow_provider_bigcommerce.hooks.connection_properties import (
    airflow_fernet_key,
    properties_from_airflow_connection,
)

TEST_BUTTON_TIMEOUTS = 2  # the Test button answers within this many Timeouts ...
TEST_BUTTON_MAX_S = 60.0  # ... and never later than this: an HTTP proxy in front of the api-server gives up too

if TYPE_CHECKING:
    import requests

    from airflow_provider_bigcommerce.core.auth.token_source import TokenSource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.paging.walk import Page


class BigCommerceHook(BaseHook):
    """Read a BigCommerce store through the connection ``bigcommerce_conn_id``.

    :param bigcommerce_conn_id: an Airflow connection of type ``bigcommerce``.
    :param read_only: never exchange a code or write the OAuth settings location; use only what is saved.
    """

    conn_name_attr = "bigcommerce_conn_id"
    default_conn_name = "bigcommerce_default"
    conn_type = "bigcommerce"
    hook_name = "BigCommerce"

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The form's fields where Airflow builds the form from the hook (3.0, 3.1, 2.11): provider.yaml's
        ``conn-fields``, which Airflow 3.2 and later read themselves (and then never call this)."""
        from airflow_provider_bigcommerce.hooks.connection_form import connection_form_widgets

        return connection_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The standard fields hidden, relabelled and hinted, from provider.yaml's ``ui-field-behaviour``."""
        from airflow_provider_bigcommerce.hooks.connection_form import ui_field_behaviour

        return ui_field_behaviour()

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
        return self._token_source(read_only=self.read_only)

    @cached_property
    def client(self) -> BigCommerceClient:
        from airflow_provider_bigcommerce.core.http.client import BigCommerceClient

        return BigCommerceClient(self.properties, self.token_source)

    def get_conn(self) -> requests.Session:
        """A ``requests.Session`` that carries the store's auth headers, for calls the client does not wrap."""
        return self.client.session

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        """One API call, ``path`` with its version (``"v2/store"``); the parsed JSON, or None for 204."""
        return self.client.request(method, path, params=params, json=json)

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every record of a v2 or v3 list (offset or cursor paging), each exactly once."""
        self.add_input_lineage(path)
        return self.client.paginate(path, params=params)

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Page]:
        """The same records as :meth:`paginate`, one page at a time (``page.records``)."""
        self.add_input_lineage(path)
        return self.client.pages(path, params=params)

    def plan_export(
        self,
        resources: str | list[str],
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        *,
        parallel_tasks: int = 1,
        incremental: bool = True,
        deletions: bool = False,
    ) -> dict[str, Any]:
        """What exporting ``resources`` (catalogue names) over ``[since, until)`` will cost, before anything is
        exported: each one's records, the requests its export will send, and the minutes at the store's quota for
        one task and for ``parallel_tasks`` sharing it (``core.plan.estimate.ExportPlan.as_dict``, XCom-safe).
        Costs a few requests a resource; raises the export's own ``ExportError`` for an unknown resource, and
        ``half_window`` for one of ``since``/``until`` without the other."""
        from airflow_provider_bigcommerce.core.export.resources import resource_for
        from airflow_provider_bigcommerce.core.export.windows import window_of
        from airflow_provider_bigcommerce.core.plan.estimate import plan_export

        names = [resources] if isinstance(resources, str) else list(resources)
        window = window_of(since, until)
        plan = plan_export(
            self.client,
            [resource_for(name) for name in names],
            window,
            incremental=incremental,
            deletions=deletions,
            parallel_tasks=parallel_tasks,
        )
        return plan.as_dict()

    def add_input_lineage(self, path: str) -> None:
        """Report the list ``path`` as read to Airflow's hook lineage collector (a no-op unless a lineage reader,
        such as the OpenLineage provider, is installed): asset ``bigcommerce://{store_id}/{path}``."""
        from airflow_provider_bigcommerce.assets.bigcommerce import AssetUriError, asset_uri
        from airflow_provider_bigcommerce.compat import add_input_lineage

        try:
            uri = asset_uri(self.properties.store_id, path)
        except AssetUriError as error:  # a path no URI can name: the read goes on without its lineage
            self.log.debug("No lineage for %s: %s", path, error)
            return
        add_input_lineage(self, uri)

    def close(self) -> None:
        """End the client's session and paging threads, if a client was made."""
        if "client" in self.__dict__:
            self.client.close()

    def check(self, client: BigCommerceClient | None = None) -> None:
        """Prove the token works with one cheap API call (``core.token_check``); raises the client's typed errors.

        ``client`` defaults to this hook's; the Test button passes one with a shorter retry budget.
        """
        from airflow_provider_bigcommerce.core.auth.token_check import check_token

        check_token(client or self.client)

    def token_status(self, check_api: bool = True) -> tuple[bool, dict[str, Any]]:
        """Whether the connection has a usable token now: ``(usable, status without secrets)``. Only reads.

        Blocking (connection lookup, file read, maybe one HTTP call): the trigger runs it in a thread. A rejected
        token or an unanswered check counts as "not yet"; errors that waiting cannot cure (bad properties, an
        undecryptable settings file, a missing connection, a 404) propagate.
        """
        from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource
        from airflow_provider_bigcommerce.core.errors import (
            BigCommerceApiError,
            BigCommerceAuthError,
            BigCommerceTransportError,
        )

        source = self.token_source
        if isinstance(source, OAuthTokenSource):
            status = source.status()
            if not status["authorized"] or status.get("expired"):
                return False, status
        else:
            status = self.given_token_status()
        if not check_api:
            return True, status
        try:
            self.check()
        except (AuthorizationRequiredError, BigCommerceAuthError) as error:
            # A revoked token stays saved until someone authorizes again: keep waiting for the new one.
            return False, {**status, "check": f"rejected (HTTP {error.status})" if error.status else "rejected"}
        except (BigCommerceTransportError, BigCommerceApiError) as error:
            if isinstance(error, BigCommerceApiError) and error.status < 500 and error.status != 429:
                raise  # a 404 or 400 (wrong URL or StoreId) will not go away by waiting
            # Unreachable, overloaded or rate-limited after the client's retries: look again next time.
            return False, {**status, "check": f"inconclusive ({type(error).__name__})"}
        return True, {**status, "check": "ok"}

    def given_token_status(self) -> dict[str, Any]:
        """The status of a token given as a property (PersonalAccessToken, InitiateOAuth=OFF): nothing is saved."""
        properties = self.properties
        return {
            "store": properties.store_id,
            "auth_scheme": str(properties.auth_scheme),
            "initiate_oauth": str(properties.initiate_oauth),
            "authorized": True,
        }

    def explain(self, error: BaseException) -> str:
        """``error`` in words for a task log, with what to do here when a person has to authorize."""
        from airflow_provider_bigcommerce.messages.problems import explain

        return explain(error, self.__dict__.get("properties"), conn_id=self.bigcommerce_conn_id)

    def test_connection(self) -> tuple[bool, str]:
        """Run :meth:`check`, then ``GET v2/store`` for the store's name; never raises, never changes saved state.

        The UI's Test button runs this inside the api-server under a throwaway connection id, so the token comes
        from a read-only source: a verifier is not exchanged and nothing is written. A person is waiting: the
        answer comes within ``TEST_BUTTON_TIMEOUTS`` x ``Timeout`` (at most ``TEST_BUTTON_MAX_S``); calls still
        running then end on their own bounds, in the background.
        """
        from airflow_provider_bigcommerce.messages import test_button

        try:
            properties = self.properties
        except Exception as error:
            return False, test_button.properties_unusable(error)
        deadline_s = min(TEST_BUTTON_TIMEOUTS * properties.timeout, TEST_BUTTON_MAX_S)
        outcome: list[tuple[bool, str]] = []
        worker = threading.Thread(
            target=lambda: outcome.append(self._test_store(properties)), name="bigcommerce-test-button", daemon=True
        )
        worker.start()
        worker.join(deadline_s)
        if not outcome:
            return False, test_button.no_answer(properties, deadline_s, TEST_BUTTON_TIMEOUTS)
        return outcome[0]

    def _test_store(self, properties: ConnectionProperties) -> tuple[bool, str]:
        from airflow_provider_bigcommerce.messages import test_button

        try:
            from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
            from airflow_provider_bigcommerce.core.http.retry import RetryPolicy

            # A person is waiting on the button: a short retry budget, the connection's own timeout.
            client = BigCommerceClient(
                properties,
                self._token_source(read_only=True),
                retry=RetryPolicy(max_attempts=2, max_429_waits=1),
            )
            try:
                self.check(client)
                store = client.request("GET", "v2/store") or {}
            finally:
                client.close()
        except Exception as error:
            # A toast, not a log: a short sentence naming the property to fix (a dead host, a wrong StoreId).
            return False, _without_secrets(test_button.failed(error, properties), properties)
        return True, test_button.connected(store.get("name"), properties)

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
        from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_authorization_url

        return get_oauth_authorization_url(
            self.properties, callback_url=callback_url, scope=scope, state=state, install=install
        )

    def get_oauth_access_token(
        self, verifier: str, callback_url: str | None = None, scope: str | None = None, state: str | None = None
    ) -> dict[str, Any]:
        """Exchange the ``code`` from the callback (web flow, ``GetOAuthAccessToken``); the result holds secrets.

        With an OAuthSettingsLocation on the connection the token is saved there too, for REFRESH tasks.
        """
        from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_access_token

        return get_oauth_access_token(
            self.properties,
            verifier,
            callback_url=callback_url,
            scope=scope,
            state=state,
            on_secret=mask_secret,
            fernet_key=airflow_fernet_key(),
        )

    def _token_source(self, *, read_only: bool) -> TokenSource:
        from airflow_provider_bigcommerce.core.auth.sources import token_source_for

        return token_source_for(
            self.properties, on_secret=mask_secret, read_only=read_only, fernet_key=airflow_fernet_key()
        )


def read_token_status(bigcommerce_conn_id: str, check_api: bool = True) -> tuple[bool, dict[str, Any]]:
    """:meth:`BigCommerceHook.token_status` on a fresh read-only hook: what the sensor and the trigger poll."""
    hook = BigCommerceHook(bigcommerce_conn_id, read_only=True)
    try:
        return hook.token_status(check_api)
    finally:
        hook.close()


def describe_status(status: dict[str, Any]) -> str:
    """One log line's worth of a token status (it holds no secret)."""
    keys = ("store", "authorized", "expires", "expired", "verifier", "check")
    return ", ".join(f"{key}={status[key]}" for key in keys if key in status)


def _without_secrets(message: str, properties: ConnectionProperties) -> str:
    """Last guard before a message leaves the api-server in an HTTP response, where log masking does not apply."""
    for name in SECRET_FIELDS:
        if value := getattr(properties, name):
            message = message.replace(value, "***")
    return message
