"""Wait until a connection has a usable token, e.g. while a merchant authorizes the app.

It only reads (a read-only hook), so it may wait in the triggerer. Whoever completes the authorization saves the
token: the web app's callback (``get_oauth_access_token``), ``oauth exchange``, or a refresh task with OAuthVerifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseSensorOperator, PokeReturnValue, conf

from airflow_provider_bigcommerce.hooks.bigcommerce import describe_status, read_token_status

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context


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
        from airflow.providers.common.compat.sdk import AirflowFailException

        if event.get("status") != "authorized":
            raise AirflowFailException(f"Waiting for the authorization failed: {event.get('message')}")
        self.log.info("Authorized: %s", describe_status(event["token"]))
        return event["token"]

    def _status(self) -> tuple[bool, dict[str, Any]]:
        from airflow.providers.common.compat.sdk import AirflowFailException

        from airflow_provider_bigcommerce.core.errors import PropertyError, SettingsStoreError
        from airflow_provider_bigcommerce.messages.problems import explain

        try:
            return read_token_status(self.bigcommerce_conn_id, self.check_api)
        except (PropertyError, SettingsStoreError) as error:
            raise AirflowFailException(explain(error, conn_id=self.bigcommerce_conn_id)) from error
