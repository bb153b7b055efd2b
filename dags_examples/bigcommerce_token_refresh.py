"""Scheduled headless token refresh for a fleet of BigCommerce connections (InitiateOAuth=REFRESH).

Every connection in the fleet points at an OAuthSettingsLocation on storage all workers share. Each hour one
mapped task per connection makes its token good: it exchanges a pending OAuthVerifier once (headless option 1),
refreshes a token that is about to expire, and checks a token that never expires (BigCommerce app tokens) with one
cheap API call, recording the outcome in the settings location. A revoked token or a store nobody authorized yet
fails its task with the exact command to run; the other stores carry on.

Which connections: the Airflow Variable ``bigcommerce_fleet``, a JSON list of connection ids (default
``["bigcommerce_default"]``), e.g. ``AIRFLOW_VAR_BIGCOMMERCE_FLEET='["bc_store_a", "bc_store_b"]'``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.providers.common.compat.sdk import dag, task  # airflow.sdk on 3.x, airflow.decorators on 2.11

from airflow_provider_bigcommerce.operators.refresh_token import BigCommerceRefreshTokenOperator


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_token_refresh():
    @task
    def fleet() -> list[str]:
        """The connection ids to keep valid, read when the run starts (not when the file is parsed)."""
        from airflow.providers.common.compat.sdk import Variable

        conn_ids = Variable.get("bigcommerce_fleet", ["bigcommerce_default"], deserialize_json=True)  # default
        if not isinstance(conn_ids, list) or not all(isinstance(conn_id, str) for conn_id in conn_ids):
            raise ValueError('Variable bigcommerce_fleet must be a JSON list of connection ids, e.g. ["bc_a"].')
        return conn_ids

    # [START howto_operator_bigcommerce_refresh_token]
    BigCommerceRefreshTokenOperator.partial(
        task_id="refresh",
        retries=2,
        retry_delay=timedelta(minutes=2),
        execution_timeout=timedelta(minutes=10),
    ).expand(bigcommerce_conn_id=fleet())
    # [END howto_operator_bigcommerce_refresh_token]


bigcommerce_token_refresh()
