"""Wait until a connection's OAuthSettingsLocation holds a usable token, e.g. while a merchant authorizes the app.

The sensor only reads: it never exchanges a code, refreshes or writes (the hook in ``read_only`` mode), so it is
safe to run in the triggerer, which may only read the shared settings location. Whoever completes the
authorization writes the token there: the web app's callback through ``get_oauth_access_token``, the CLI's
``oauth exchange``, or a refresh task with OAuthVerifier set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue, conf

if TYPE_CHECKING:
    from airflow.sdk import Context


def token_status(bigcommerce_conn_id: str, check_api: bool) -> tuple[bool, dict[str, Any]]:
    """Read the connection and its saved token: ``(usable, status without secrets)``.

    Blocking (connection lookup, file read, maybe one HTTP call): the trigger runs it in a thread. A rejected
    token or an unanswered check counts as "not yet"; errors that waiting cannot cure (bad properties, an
    undecryptable settings file, a missing connection) propagate.
    """
    from airflow_provider_bigcommerce.core.client import CHECK_PATH
    from airflow_provider_bigcommerce.core.errors import (
        AuthorizationRequiredError,
        BigCommerceApiError,
        BigCommerceAuthError,
        BigCommerceTransportError,
    )
    from airflow_provider_bigcommerce.core.oauth.token_provider import OAuthTokenSource
    from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

    hook = BigCommerceHook(bigcommerce_conn_id, read_only=True)
    source = hook.token_source
    if isinstance(source, OAuthTokenSource):
        status = source.status()
        if not status["authorized"] or status.get("expired"):
            return False, status
    else:
        properties = hook.properties
        status = {"store": properties.store_id, "auth_scheme": str(properties.auth_scheme), "authorized": True}
    if not check_api:
        return True, status
    client = hook.client
    try:
        client.request("GET", CHECK_PATH)
    except (AuthorizationRequiredError, BigCommerceAuthError) as error:
        # A revoked token stays saved until someone authorizes again: keep waiting for the new one.
        return False, {**status, "check": f"rejected (HTTP {error.status})" if error.status else "rejected"}
    except (BigCommerceTransportError, BigCommerceApiError) as error:
        if isinstance(error, BigCommerceApiError) and error.status < 500 and error.status != 429:
            raise  # a 404 or 400 (wrong URL or StoreId) will not go away by waiting
        # Unreachable, overloaded or rate-limited after the client's retries: look again next time.
        return False, {**status, "check": f"inconclusive ({type(error).__name__})"}
    finally:
        client.close()
    return True, {**status, "check": "ok"}


class BigCommerceTokenSensor(BaseSensorOperator):
    """Succeeds once ``bigcommerce_conn_id`` has a usable token; returns (XCom) its secret-free status.

    :param bigcommerce_conn_id: the BigCommerce connection. Templated.
    :param check_api: also call ``GET v2/time`` with the saved token, so a revoked token left over from an
        earlier authorization does not count.
    :param deferrable: wait in the triggerer instead of holding a worker slot. The trigger carries only the
        connection id and these arguments, and reads the connection and the settings location itself.
    """

    template_fields: Sequence[str] = ("bigcommerce_conn_id",)
    ui_color = "#e8fdf0"

    def __init__(
        self,
        *,
        bigcommerce_conn_id: str = "bigcommerce_default",
        check_api: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.check_api = check_api
        self.deferrable = deferrable

    def poke(self, context: Context) -> PokeReturnValue:
        usable, status = self._status()
        if not usable:
            self.log.info("Not authorized yet: %s", describe_status(status))
        return PokeReturnValue(is_done=usable, xcom_value=status)

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        usable, status = self._status()
        if usable:
            return status
        from airflow_provider_bigcommerce.triggers.token import BigCommerceTokenTrigger

        self.log.info("Not authorized yet (%s); deferring to the triggerer", describe_status(status))
        self.defer(
            trigger=BigCommerceTokenTrigger(
                bigcommerce_conn_id=self.bigcommerce_conn_id,
                check_api=self.check_api,
                poke_interval=self.poke_interval,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        if event.get("status") != "authorized":
            raise AirflowFailException(f"Waiting for the authorization failed: {event.get('message')}")
        self.log.info("Authorized: %s", describe_status(event["token"]))
        return event["token"]

    def _status(self) -> tuple[bool, dict[str, Any]]:
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider_bigcommerce.core.errors import PropertyError, SettingsStoreError

        try:
            return token_status(self.bigcommerce_conn_id, self.check_api)
        except (PropertyError, SettingsStoreError) as error:
            raise AirflowFailException(f"{type(error).__name__}: {error}") from error


def describe_status(status: dict[str, Any]) -> str:
    """One log line's worth of a token status (it holds no secret)."""
    keys = ("store", "authorized", "expires", "expired", "verifier", "check")
    return ", ".join(f"{key}={status[key]}" for key in keys if key in status)
