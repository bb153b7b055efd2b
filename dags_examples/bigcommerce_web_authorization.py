"""Web authorization: build the consent URL, wait (deferred) while the merchant approves, then use the store.

1. ``authorization_url`` builds the custom app's consent URL for the connection (AuthScheme=OAuth,
   InitiateOAuth=REFRESH, OAuthSettingsLocation on storage the workers and the triggerer share) and logs it.
2. The merchant opens it and approves. BigCommerce redirects to the app's CallbackURL with a ``code``; the web
   app behind it trades the code with ``BigCommerceHook(conn_id).get_oauth_access_token(code)``, or someone runs
   ``airflow-bigcommerce oauth exchange --conn-id <conn_id> --verifier <code>``: either saves the token in the
   settings location.
3. ``wait_for_authorization`` waits in the triggerer (no worker slot) until a usable token is saved there.
4. ``store_profile`` reads the store with it.

Trigger with the conf ``{"bigcommerce_conn_id": "...", "state": "..."}`` (defaults: ``bigcommerce_default``
and no state). ``BIGCOMMERCE_AUTHORIZATION_POKE_INTERVAL_S`` (default 30) sets how often the triggerer looks.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.providers.common.compat.sdk import Param, dag, task  # airflow.sdk on 3.x, models on 2.11

from airflow_provider_bigcommerce.sensors.token import BigCommerceTokenSensor

# Seconds between looks at the settings location while waiting (a file read and, once saved, one API call).
POKE_INTERVAL_S = float(os.environ.get("BIGCOMMERCE_AUTHORIZATION_POKE_INTERVAL_S", "30"))


@dag(
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "bigcommerce_conn_id": Param("bigcommerce_default", type="string", description="The connection to authorize"),
        "state": Param(None, type=["null", "string"], description="Opaque value the callback must return"),
    },
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_web_authorization():
    @task
    def authorization_url(params: dict) -> str:
        """The consent URL: not a secret (it names the app and the store, and carries no credential)."""
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

        url = BigCommerceHook(params["bigcommerce_conn_id"]).get_oauth_authorization_url(state=params["state"])
        print(f"Ask the store owner to open this URL and approve the app:\n{url}")
        return url

    # [START howto_sensor_bigcommerce_token]
    wait_for_authorization = BigCommerceTokenSensor(
        task_id="wait_for_authorization",
        bigcommerce_conn_id="{{ params.bigcommerce_conn_id }}",
        deferrable=True,
        poke_interval=POKE_INTERVAL_S,
        timeout=timedelta(days=2),
    )
    # [END howto_sensor_bigcommerce_token]

    @task
    def store_profile(params: dict) -> dict:
        """Prove the token works: the store's name, plan and domain."""
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

        store = BigCommerceHook(params["bigcommerce_conn_id"]).request("GET", "v2/store")
        return {key: store.get(key) for key in ("id", "name", "domain", "plan_name")}

    authorization_url() >> wait_for_authorization >> store_profile()


bigcommerce_web_authorization()
