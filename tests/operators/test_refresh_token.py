"""BigCommerceRefreshTokenOperator through the example fleet DAG (dag.test, a fresh process per run)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_bigcommerce.messages.oauth import TOKEN_ACTION_WORDS

pytestmark = pytest.mark.compat  # in the reduced suite of every Airflow line (docs/compatibility.md)

DAG_ID = "bigcommerce_token_refresh"


def _fleet_env(connection_env: Callable, connections: dict[str, tuple[Any, dict[str, Any]]]) -> dict[str, str]:
    env = {"AIRFLOW_VAR_BIGCOMMERCE_FLEET": json.dumps(list(connections))}
    for conn_id, (sandbox, extra) in connections.items():
        env.update(connection_env(conn_id, sandbox, extra))
    return env


def test_a_pending_verifier_is_exchanged_once_and_then_only_checked(
    run_dag, connection_env, app, sandbox, pat_extra, assert_no_secret
):
    verifier = app.approve()
    env = _fleet_env(
        connection_env,
        {"bc_fleet_app": (sandbox, app.extra(oauth_verifier=verifier)), "bc_fleet_pat": (sandbox, pat_extra)},
    )
    token_requests = sandbox.stats.token_requests

    first = run_dag(DAG_ID, env=env)

    assert first.state == "success", first.failure()
    assert sandbox.stats.token_requests == token_requests + 1
    app_status, pat_status = first.xcom("refresh[0]"), first.xcom("refresh[1]")
    assert app_status["action"] == "exchanged" and app_status["verifier"] == "exchanged"
    assert app_status["store"] == sandbox.store_id and app_status["authorized"] is True
    assert app_status["expires"] == "never"  # BigCommerce app tokens do not expire
    assert app_status["last_check_result"] == "ok" and app_status["last_checked"]
    assert app_status["scope"]
    assert pat_status["action"] == "none" and pat_status["last_check_result"] == "ok"

    second = run_dag(DAG_ID, env=env)  # the connection still carries the same OAuthVerifier

    assert second.state == "success", second.failure()
    assert sandbox.stats.token_requests == token_requests + 1, "the verifier was exchanged a second time"
    again = second.xcom("refresh[0]")
    assert again["action"] == "none" and again["last_check_result"] == "ok"
    assert again["last_checked"] >= app_status["last_checked"]
    assert f"Store {sandbox.store_id}: {TOKEN_ACTION_WORDS['none']};" in second.output
    assert f"Store {sandbox.store_id}: {TOKEN_ACTION_WORDS['exchanged']};" in first.output
    for run in (first, second):
        assert_no_secret(run.all_xcom_json, [*app.secrets(), verifier, pat_extra["oauth_access_token"]])


def test_an_expiring_token_is_refreshed_before_it_runs_out(
    run_dag, connection_env, expiring_app, expiring_sandbox, assert_no_secret
):
    verifier = expiring_app.approve()
    extra = expiring_app.extra(oauth_verifier=verifier)
    env = _fleet_env(connection_env, {"bc_fleet_expiring": (expiring_sandbox, extra)})

    first = run_dag(DAG_ID, env=env)

    assert first.state == "success", first.failure()
    exchanged = first.xcom("refresh[0]")
    assert exchanged["action"] == "exchanged" and exchanged["refreshable"] is True
    expires = datetime.fromisoformat(exchanged["expires"])
    # Wait out the token's short life (a known deadline, not a readiness poll): the next run must refresh it.
    time.sleep(max(0.0, expires.timestamp() - time.time()) + 0.5)
    grants = dict(expiring_sandbox.stats.token_requests_by_grant)

    second = run_dag(DAG_ID, env=env)

    assert second.state == "success", second.failure()
    refreshed = second.xcom("refresh[0]")
    assert refreshed["action"] == "refreshed" and refreshed["last_check_result"] == "ok"
    assert datetime.fromisoformat(refreshed["expires"]) > expires
    by_grant = expiring_sandbox.stats.token_requests_by_grant
    assert by_grant.get("refresh_token", 0) == grants.get("refresh_token", 0) + 1
    assert by_grant.get("authorization_code", 0) == grants.get("authorization_code", 0)
    assert_no_secret(first.all_xcom_json + second.all_xcom_json, [*expiring_app.secrets(), verifier])


def test_a_revoked_token_fails_the_task_at_once_with_the_next_step(
    run_dag, connection_env, app, sandbox, assert_no_secret
):
    env = _fleet_env(connection_env, {"bc_fleet_revoked": (sandbox, app.extra(oauth_verifier=app.approve()))})
    assert run_dag(DAG_ID, env=env).state == "success"
    secrets = app.secrets()
    sandbox.uninstall(app.client_id)

    run = run_dag(DAG_ID, env=env)

    assert run.state == "failed"
    task = run.tasks["refresh[0]"]
    assert task["state"] == "failed" and task["try_number"] == 1, "a revoked token must not be retried"
    message = _failure_message(run.output)
    assert "AuthorizationRequiredError [token_revoked, authorize]" in message
    assert "`airflow-bigcommerce oauth login --conn-id bc_fleet_revoked`" in message
    assert_no_secret(message, secrets)


def test_nothing_authorized_fails_with_the_command_that_authorizes(run_dag, connection_env, app, sandbox):
    env = _fleet_env(connection_env, {"bc_fleet_empty": (sandbox, app.extra())})
    token_requests = sandbox.stats.token_requests

    run = run_dag(DAG_ID, env=env)

    assert run.state == "failed" and run.tasks["refresh[0]"]["try_number"] == 1
    message = _failure_message(run.output)
    assert "AuthorizationRequiredError [nothing_saved, authorize]" in message
    assert "`airflow-bigcommerce oauth authorize-url --conn-id bc_fleet_empty`" in message
    assert sandbox.stats.token_requests == token_requests


def _failure_message(output: str) -> str:
    """The task's exception text, as Airflow logs it: one line, or (Airflow 3.0's console) wrapped over the lines
    up to the next blank one."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if "AirflowFailException: " in line)
    end = next((index for index in range(start, len(lines)) if not lines[index].strip()), len(lines))
    return " ".join(line.strip() for line in lines[start:end])
