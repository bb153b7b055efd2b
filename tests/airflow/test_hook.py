"""BigCommerceHook against the lookalike store, with connections defined the way Airflow users define them."""

from __future__ import annotations

import json
import re
import shlex
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from airflow.providers.common.compat.sdk import redact

from airflow_provider_bigcommerce.cli.main import build_parser
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    BigCommerceAuthError,
    ExportError,
    NextStep,
    PagingError,
)
from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

pytestmark = pytest.mark.compat  # in the reduced suite of every Airflow line (docs/compatibility.md)


def _oauth_off(sandbox, **overrides) -> dict:
    return {
        "auth_scheme": "OAuth",
        "initiate_oauth": "OFF",
        "store_id": sandbox.store_id,
        "oauth_access_token": sandbox.access_token,
        "oauth_client_id": sandbox.client_id,
        **overrides,
    }


@pytest.fixture(params=["PersonalAccessToken", "OAuth+InitiateOAuth=OFF"])
def hook(request, sandbox, bigcommerce_connection) -> BigCommerceHook:
    extra = None if request.param == "PersonalAccessToken" else _oauth_off(sandbox)
    hook = BigCommerceHook(bigcommerce_connection(extra))
    yield hook
    hook.close()


def test_request_returns_parsed_json(hook, sandbox):
    assert isinstance(hook.request("GET", "v2/time")["time"], int)
    assert hook.request("GET", "v2/store")["id"] == sandbox.store_id


def test_paginate_yields_every_record_once(hook, store_config):
    orders = [order["id"] for order in hook.paginate("v2/orders")]
    assert len(orders) == len(set(orders)) == store_config.orders
    assert sum(1 for _ in hook.paginate("v3/catalog/products")) == store_config.products
    assert sum(1 for _ in hook.paginate("v3/customers")) == store_config.customers


def test_pages_split_v2_orders_at_250(hook, store_config):
    sizes = [len(page.records) for page in hook.pages("v2/orders")]
    assert sizes == [250, store_config.orders - 250]


def test_get_conn_is_a_session_that_authenticates(hook, sandbox):
    session = hook.get_conn()
    assert isinstance(session, requests.Session)
    response = session.get(f"{sandbox.base_url}/stores/{sandbox.store_id}/v2/store", timeout=10)
    assert response.status_code == 200
    assert response.json()["id"] == sandbox.store_id


@pytest.mark.parametrize(
    "spelling",
    [
        {"AuthScheme": "PersonalAccessToken", "StoreId": "{store}", "OAuthAccessToken": "{token}"},
        {"authscheme": "personalaccesstoken", "STOREID": "{store}", "oauthaccesstoken": "{token}"},
        {"auth_scheme": "PersonalAccessToken", "store_id": "{store}", "oauth_access_token": "{token}"},
        {"AUTH_SCHEME": "PERSONALACCESSTOKEN", "Store_Id": "{store}", "OAuth_Access_Token": "{token}"},
    ],
    ids=["driver-names", "driver-names-any-case", "snake-case", "snake-case-any-case"],
)
def test_extras_accept_driver_names_and_snake_case(spelling, sandbox, bigcommerce_connection):
    extra = {key: value.format(store=sandbox.store_id, token=sandbox.access_token) for key, value in spelling.items()}
    hook = BigCommerceHook(bigcommerce_connection(extra))
    assert hook.properties.store_id == sandbox.store_id
    assert hook.request("GET", "v2/store")["id"] == sandbox.store_id
    hook.close()


def test_blank_form_fields_count_as_not_set(sandbox, bigcommerce_connection):
    # What the UI form saves: every field, unset ones as null, defaults filled in.
    extra = {
        "auth_scheme": "PersonalAccessToken",
        "store_id": sandbox.store_id,
        "oauth_access_token": sandbox.access_token,
        "oauth_client_id": None,
        "oauth_client_secret": "",
        "callback_url": "http://localhost:33333",
        "initiate_oauth": "OFF",
        "oauth_verifier": None,
        "oauth_settings_location": None,
        "timeout": 30,
    }
    ok, message = BigCommerceHook(bigcommerce_connection(extra)).test_connection()
    assert ok, message


def test_secrets_are_masked_as_soon_as_they_are_read(sandbox, bigcommerce_connection):
    secret = "client-secret-" + "x" * 24
    hook = BigCommerceHook(bigcommerce_connection(_oauth_off(sandbox, oauth_client_secret=secret)))
    hook.properties  # noqa: B018 - reading the properties is what masks them
    assert redact(f"token={sandbox.access_token} secret={secret}") == "token=*** secret=***"


def test_test_connection_reports_the_store(sandbox, bigcommerce_connection):
    ok, message = BigCommerceHook(bigcommerce_connection()).test_connection()
    assert ok, message
    store_name = BigCommerceHook(bigcommerce_connection()).request("GET", "v2/store")["name"]
    assert store_name in message
    assert sandbox.store_id in message


def test_test_connection_with_oauth_off_succeeds(sandbox, bigcommerce_connection):
    ok, message = BigCommerceHook(bigcommerce_connection(_oauth_off(sandbox))).test_connection()
    assert ok, message


def test_test_connection_with_a_bad_token_fails_clearly_without_the_token(
    sandbox, bigcommerce_connection, assert_no_secret
):
    bad_token = "bad-token-" + "z" * 20
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": sandbox.store_id, "oauth_access_token": bad_token}
    ok, message = BigCommerceHook(bigcommerce_connection(extra)).test_connection()
    assert not ok
    assert "401" in message
    assert "OAuthAccessToken" in message
    assert_no_secret(message, bad_token)


def test_request_with_a_bad_token_raises_an_auth_error(sandbox, bigcommerce_connection):
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": sandbox.store_id, "oauth_access_token": "w" * 30}
    hook = BigCommerceHook(bigcommerce_connection(extra))
    with pytest.raises(BigCommerceAuthError) as raised:
        hook.request("GET", "v2/store")
    assert raised.value.status == 401
    assert "w" * 30 not in str(raised.value)
    hook.close()


def test_test_connection_names_a_missing_property(sandbox, bigcommerce_connection, assert_no_secret):
    extra = {"auth_scheme": "PersonalAccessToken", "oauth_access_token": sandbox.access_token}
    ok, message = BigCommerceHook(bigcommerce_connection(extra)).test_connection()
    assert not ok
    assert "StoreId (store_id) is missing" in message
    assert_no_secret(message, sandbox.access_token)


def test_test_connection_to_an_unreachable_host_fails_without_raising(
    sandbox, bigcommerce_connection, assert_no_secret
):
    ok, message = BigCommerceHook(bigcommerce_connection(host="http://127.0.0.1:9")).test_connection()
    assert not ok
    assert "127.0.0.1:9" in message
    assert_no_secret(message, sandbox.access_token)


def test_the_test_button_says_a_dead_host_cannot_be_reached_in_one_short_line(sandbox, bigcommerce_connection):
    """The toast used to be requests' and urllib3's whole exception text."""
    ok, message = BigCommerceHook(bigcommerce_connection(host="http://127.0.0.1:9")).test_connection()

    assert not ok
    assert message.startswith("Cannot reach BigCommerce at http://127.0.0.1:9:"), message
    assert "\n" not in message and len(message) < 300
    assert "urllib3" not in message and "HTTPConnectionPool" not in message


def test_the_test_button_answers_within_two_timeouts_while_the_store_trickles_endlessly(
    make_sandbox, bigcommerce_connection
):
    """Each call would end on its own bounds (two tries of a 4 s whole-answer deadline, then the next call: 9 s
    or more): the person at the button hears back after 2 x Timeout instead."""
    trickling = make_sandbox(orders=1)  # a store of its own: its spoiled answers must not reach other tests
    extra = {
        "auth_scheme": "PersonalAccessToken",
        "store_id": trickling.store_id,
        "oauth_access_token": trickling.access_token,
        "timeout": "2",
    }
    conn_id = bigcommerce_connection(extra, host=trickling.base_url)
    trickling.spoil(answers=10, trickle_bytes_per_s=1, endless=True)

    started = time.monotonic()
    ok, message = BigCommerceHook(conn_id).test_connection()
    elapsed = time.monotonic() - started

    assert not ok
    # Not before the deadline (2 x Timeout = 4 s), and before the calls would end on their own bounds (9 s or more).
    assert 4 <= elapsed < 9, elapsed
    assert "within 4 s" in message and "Timeout (timeout)" in message, message


def test_the_test_button_names_store_id_when_no_store_answers_there(sandbox, bigcommerce_connection):
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": "nosuchstore1", "oauth_access_token": "t" * 31}
    ok, message = BigCommerceHook(bigcommerce_connection(extra)).test_connection()

    assert not ok
    assert "404" in message and "StoreId (store_id) 'nosuchstore1'" in message, message


def test_test_connection_never_exchanges_a_verifier_or_writes_settings(
    sandbox, bigcommerce_connection, tmp_path, assert_no_secret
):
    # The Test button runs in the api-server: a pending OAuthVerifier must stay pending for the workers.
    settings_file = tmp_path / "OAuthSettings.txt"
    verifier = "pending-code-" + "v" * 20
    extra = {
        "auth_scheme": "OAuth",
        "initiate_oauth": "REFRESH",
        "store_id": sandbox.store_id,
        "oauth_client_id": sandbox.client_id,
        "oauth_client_secret": sandbox.client_secret,
        "oauth_verifier": verifier,
        "oauth_settings_location": str(settings_file),
        "oauth_settings_passphrase": "correct horse battery staple",
        "login_url": sandbox.login_url,
    }
    ok, message = BigCommerceHook(bigcommerce_connection(extra)).test_connection()
    assert not ok
    assert not Path(settings_file).exists()
    assert_no_secret(message, verifier, sandbox.client_secret, "correct horse battery staple")


def test_web_flow_token_works_as_oauth_with_initiate_oauth_off(sandbox, bigcommerce_connection):
    app = {
        "auth_scheme": "OAuth",
        "initiate_oauth": "OFF",
        "store_id": sandbox.store_id,
        "oauth_client_id": sandbox.client_id,
        "oauth_client_secret": sandbox.client_secret,
        "callback_url": sandbox.callback_url,
        "login_url": sandbox.login_url,
        "oauth_access_token": "placeholder-until-authorized",
    }
    web_app = BigCommerceHook(bigcommerce_connection(app))
    url = web_app.get_oauth_authorization_url(state="xyz")
    assert url.startswith(sandbox.login_url)
    code = parse_qs(urlsplit(sandbox.approve(url)).query)["code"][0]
    answer = web_app.get_oauth_access_token(code)
    token = answer["OAuthAccessToken"]
    assert redact(f"token {token}") == "token ***"

    hook = BigCommerceHook(bigcommerce_connection({**app, "oauth_access_token": token}))
    assert hook.request("GET", "v2/store")["id"] == sandbox.store_id
    assert hook.test_connection()[0]
    hook.close()


def test_the_test_button_on_an_unauthorized_app_names_no_throwaway_connection_id(
    sandbox, bigcommerce_connection, tmp_path
):
    extra = {
        "auth_scheme": "OAuth",
        "initiate_oauth": "REFRESH",
        "store_id": sandbox.store_id,
        "oauth_client_id": sandbox.client_id,
        "oauth_settings_location": str(tmp_path / "OAuthSettings.txt"),
    }
    conn_id = bigcommerce_connection(extra)

    ok, message = BigCommerceHook(conn_id).test_connection()

    assert ok is False
    assert "--conn-id CONN_ID" in message and conn_id not in message  # the UI tests under a random id
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("next_step", list(NextStep))
def test_the_hooks_authorization_advice_names_only_commands_the_cli_accepts(next_step) -> None:
    error = AuthorizationRequiredError("nothing_saved", next_step=next_step, settings_location="/shared/s")

    text = BigCommerceHook("bc_shop").explain(error)
    commands = re.findall(r"`(airflow-bigcommerce [^`]+)`", text)

    assert text.startswith(f"AuthorizationRequiredError [nothing_saved, {next_step}]")
    assert commands and all("--conn-id bc_shop" in line for line in commands)
    for line in commands:
        build_parser().parse_args(shlex.split(line)[1:])  # argparse exits on an unknown command or flag


def test_explain_puts_a_paging_error_in_words_for_the_task_log(bigcommerce_connection):
    error = PagingError("page_repeated", "v3/catalog/products", "page_repeats_previous", page=4)

    explained = BigCommerceHook(bigcommerce_connection()).explain(error)

    assert explained.startswith("PagingError: Reading v3/catalog/products failed (page_repeated): page 4 "), explained


def test_plan_export_returns_the_plan_as_plain_numbers_before_exporting_anything(hook, sandbox, store_config):
    first, last = sandbox.data_time_range
    logged = len(sandbox.stats.request_log())

    plan = hook.plan_export(["orders", "brands"], first.isoformat(), last.isoformat(), parallel_tasks=2)

    sent = sandbox.stats.request_log()[logged:]
    assert json.loads(json.dumps(plan)) == plan
    assert [row["resource"] for row in plan["resources"]] == ["orders", "brands"]
    assert 0 < plan["resources"][0]["records"] <= store_config.orders
    assert plan["resources"][1]["records"] == store_config.brands and plan["parallel_tasks"] == 2
    assert plan["plan_requests"] == len(sent) and all(request.method == "GET" for request in sent)


def test_plan_export_names_an_unknown_resource_with_the_exports_error(hook):
    with pytest.raises(ExportError) as refused:
        hook.plan_export("ordres", "2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00")

    assert refused.value.code == "unknown_resource" and "Unknown resource 'ordres'" in hook.explain(refused.value)


@pytest.mark.parametrize(
    ("since", "until", "missing"),
    [("2025-01-01T00:00:00+00:00", None, "until"), (None, "2025-01-02T00:00:00+00:00", "since")],
)
def test_plan_export_with_one_end_of_the_window_names_the_missing_one_before_any_request(
    hook, sandbox, since, until, missing
):
    logged = len(sandbox.stats.request_log())

    with pytest.raises(ExportError) as refused:
        hook.plan_export("orders", since, until)

    assert refused.value.code == "half_window" and refused.value.facts["missing"] == missing
    assert len(sandbox.stats.request_log()) == logged
