"""BigCommerceTokenSensor in poke mode and deferred (its trigger), through dag.test() while a merchant approves."""

from __future__ import annotations

import re

import pytest

from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_authorization_url
from airflow_provider_bigcommerce.triggers.token import BigCommerceTokenTrigger

pytestmark = pytest.mark.compat  # in the reduced suite of every Airflow line (docs/compatibility.md)

AUTHORIZE_URL = re.compile(r"http://\S+/oauth2/authorize\?\S+")


def test_the_trigger_carries_only_the_connection_id_and_plain_arguments():
    classpath, kwargs = BigCommerceTokenTrigger("bc_web", check_api=False, poke_interval=5.0).serialize()
    assert classpath == "airflow_provider_bigcommerce.triggers.token.BigCommerceTokenTrigger"
    assert kwargs == {"bigcommerce_conn_id": "bc_web", "check_api": False, "poke_interval": 5.0}


def test_poke_mode_waits_out_a_revoked_token_and_succeeds_on_the_new_authorization(
    start_dag, connection_env, app, sandbox, assert_no_secret
):
    # Left over from an earlier authorization: saved, but revoked when the app was uninstalled.
    app.complete_web_authorization(get_oauth_authorization_url(app.properties()))
    sandbox.uninstall(app.client_id)
    env = connection_env("bc_sensor_poke", sandbox, app.extra())

    run = start_dag("bc_test_token_sensor_poke", env=env, conf={"bigcommerce_conn_id": "bc_sensor_poke"})
    run.wait_for("check=rejected (HTTP 401)")  # a poke found the old token and kept waiting
    app.complete_web_authorization(get_oauth_authorization_url(app.properties(), state="again"))
    result = run.result()

    assert result.state == "success", result.failure()
    status = result.xcom("wait_for_token")
    assert status["authorized"] is True and status["check"] == "ok" and status["store"] == sandbox.store_id
    assert_no_secret(result.all_xcom_json, app.secrets())


def test_web_authorization_dag_defers_until_the_merchant_approves(
    start_dag, connection_env, app, sandbox, assert_no_secret
):
    env = {
        **connection_env("bc_web_auth", sandbox, app.extra()),
        "BIGCOMMERCE_AUTHORIZATION_POKE_INTERVAL_S": "0.5",
    }

    run = start_dag(
        "bigcommerce_web_authorization", env=env, conf={"bigcommerce_conn_id": "bc_web_auth", "state": "s-42"}
    )
    url = AUTHORIZE_URL.search(run.wait_for("/oauth2/authorize?")).group(0)
    run.wait_for("deferring to the triggerer")
    run.wait_for("Not authorized yet for bc_web_auth")  # the trigger itself is polling now
    app.complete_web_authorization(url)  # the merchant approves; the app's callback saves the token
    result = run.result()

    assert result.state == "success", result.failure()
    assert "state=s-42" in result.xcom("authorization_url")
    status = result.xcom("wait_for_authorization")
    assert status["authorized"] is True and status["expires"] == "never" and status["check"] == "ok"
    profile = result.xcom("store_profile")
    assert profile["id"] == sandbox.store_id and profile["name"]
    assert_no_secret(result.all_xcom_json, app.secrets())


def test_an_unanswered_token_check_counts_as_not_yet(monkeypatch, connection_env, pat_extra, sandbox, assert_no_secret):
    """5xx on every retry is the store's trouble, not the token's: the sensor looks again instead of failing."""
    from airflow_provider_bigcommerce.hooks.bigcommerce import read_token_status

    for name, value in connection_env("bc_sensor_flaky", sandbox, pat_extra).items():
        monkeypatch.setenv(name, value)
    sandbox.set_faults(error_5xx_rate=1.0)
    try:
        usable, status = read_token_status("bc_sensor_flaky", check_api=True)
    finally:
        sandbox.set_faults(error_5xx_rate=0.0)

    assert usable is False
    assert status["check"] == "inconclusive (BigCommerceApiError)"
    assert_no_secret(repr(status), sandbox.access_token)
