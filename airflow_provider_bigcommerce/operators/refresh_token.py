"""Keep a connection's OAuth token valid from a scheduled task (InitiateOAuth=REFRESH, headless).

The work is ``OAuthTokenSource.ensure_valid`` with the hook's :meth:`check`; this operator returns the status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook


class BigCommerceRefreshTokenOperator(BaseOperator):
    """Make the token behind ``bigcommerce_conn_id`` good now; fail with the exact next step when it cannot be.

    Never opens a browser, whatever the connection's InitiateOAuth says. With AuthScheme=PersonalAccessToken or
    InitiateOAuth=OFF there is nothing to refresh: the given token is only checked.

    Returns (XCom) facts without secrets: store, scope, ``expires`` (ISO time or ``"never"``), ``action``
    (exchanged, refreshed, none), ``last_checked`` and ``last_check_result``.

    :param bigcommerce_conn_id: the BigCommerce connection. Templated.
    :param check: call ``GET v2/time`` with the token and record the result; a revoked token fails the task.
    :param min_validity_s: refresh an expiring token unless it stays valid at least this long (default: the
        token source's margin).
    """

    template_fields: Sequence[str] = ("bigcommerce_conn_id",)
    ui_color = "#fdf2e8"

    def __init__(
        self,
        *,
        bigcommerce_conn_id: str = "bigcommerce_default",
        check: bool = True,
        min_validity_s: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.check = check
        self.min_validity_s = min_validity_s

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.providers.common.compat.sdk import AirflowFailException

        from airflow_provider_bigcommerce.core.errors import (
            AuthorizationRequiredError,
            BigCommerceAuthError,
            PropertyError,
            SettingsStoreError,
        )
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook
        from airflow_provider_bigcommerce.messages.oauth import token_status

        hook = BigCommerceHook(self.bigcommerce_conn_id)
        try:
            status = self._refresh(hook)
        except (AuthorizationRequiredError, BigCommerceAuthError, PropertyError, SettingsStoreError) as error:
            # A person has to act (authorize, fix a property or the key): retrying cannot help.
            raise AirflowFailException(hook.explain(error)) from error
        finally:
            hook.close()
        self.log.info("%s", token_status(status))
        return status

    def _refresh(self, hook: BigCommerceHook) -> dict[str, Any]:
        from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource

        check = hook.check if self.check else None
        source = hook.token_source
        if isinstance(source, OAuthTokenSource):
            return source.ensure_valid(check, min_validity_s=self.min_validity_s)
        # A token given as a property: nothing is saved or refreshed; only the check says something.
        if check is not None:
            check()
        return {
            **hook.given_token_status(),
            "action": "none",
            "expires": "never",
            "last_checked": datetime.now(UTC).isoformat(timespec="seconds") if check else None,
            "last_check_result": "ok" if check else None,
        }
