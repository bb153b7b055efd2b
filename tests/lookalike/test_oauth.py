"""The lookalike's login.bigcommerce.com: consent, code exchange, expiring tokens, uninstall.

See docs/bigcommerce.md "App OAuth".
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from bigcommerce_lookalike import ConsentError
from bigcommerce_lookalike.oauth import DEFAULT_APP_SCOPES

SCOPE = "store_v2_orders store_v2_products_read_only"


def authorize_url(sb, *, client_id=None, redirect_uri=None, scope=SCOPE, state="xyz") -> str:
    params = {
        "client_id": client_id or sb.client_id,
        "redirect_uri": redirect_uri or sb.callback_url,
        "response_type": "code",
        "scope": scope,
        "context": f"stores/{sb.store_id}",
        "state": state,
    }
    return f"{sb.login_url}/oauth2/authorize?{urlencode(params)}"


def approved_code(sb, **kwargs) -> str:
    return parse_qs(urlsplit(sb.approve(authorize_url(sb, **kwargs))).query)["code"][0]


def token_fields(sb, code: str, **overrides) -> dict:
    fields = {
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
        "code": code,
        "scope": SCOPE,
        "grant_type": "authorization_code",
        "redirect_uri": sb.callback_url,
        "context": f"stores/{sb.store_id}",
    }
    return {**fields, **overrides}


def post_token(sb, fields: dict, *, form: bool = False, **kwargs) -> requests.Response:
    url = f"{sb.login_url}/oauth2/token"
    if form:
        return requests.post(url, data=fields, timeout=10, **kwargs)
    return requests.post(url, json=fields, timeout=10, **kwargs)


def api_status(sb, token: str, path: str = "v2/orders") -> int:
    url = f"{sb.base_url}/stores/{sb.store_id}/{path}"
    return requests.get(url, headers={"X-Auth-Token": token}, timeout=10).status_code


# -- consent ----------------------------------------------------------------------------------------------------


def test_consent_page_shows_app_store_scopes_and_both_buttons(sandbox):
    page = requests.get(authorize_url(sandbox), timeout=10)

    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for expected in ('id="approve"', 'id="deny"', "store_v2_orders", "store_v2_products_read_only", sandbox.store_id):
        assert expected in page.text


def test_approve_redirects_to_callback_with_code_scope_context_account_uuid_and_state(sandbox):
    redirect = urlsplit(sandbox.approve(authorize_url(sandbox, state="s-123")))
    query = parse_qs(redirect.query)

    assert f"{redirect.scheme}://{redirect.netloc}" == sandbox.callback_url
    assert query["scope"] == [SCOPE] and query["context"] == [f"stores/{sandbox.store_id}"]
    assert query["state"] == ["s-123"] and query["code"][0] and query["account_uuid"][0]


def test_deny_redirects_with_access_denied_and_state(sandbox):
    query = parse_qs(urlsplit(sandbox.deny(authorize_url(sandbox, state="s-9"))).query)

    assert query["error"] == ["access_denied"] and query["state"] == ["s-9"] and "code" not in query


def test_install_url_uses_the_registered_callback_and_scopes(sandbox):
    redirect = sandbox.approve(f"{sandbox.login_url}/app/{sandbox.client_id}/install")
    query = parse_qs(urlsplit(redirect).query)

    assert redirect.startswith(sandbox.callback_url + "?")
    assert query["scope"] == [" ".join(DEFAULT_APP_SCOPES)]


def test_authorize_with_unknown_client_shows_an_error_page(sandbox):
    with pytest.raises(ConsentError) as failure:
        sandbox.approve(authorize_url(sandbox, client_id="nobody"))

    assert failure.value.status == 400 and "Unknown app" in failure.value.body


def test_authorize_with_foreign_redirect_uri_shows_an_error_page(sandbox):
    with pytest.raises(ConsentError) as failure:
        sandbox.approve(authorize_url(sandbox, redirect_uri="https://evil.example/cb"))

    assert failure.value.status == 400 and "redirect_uri" in failure.value.body


def test_consent_form_can_be_submitted_once(sandbox):
    page = requests.get(authorize_url(sandbox), timeout=10).text
    consent = page.split('name="consent" value="')[1].split('"')[0]
    decision = f"{sandbox.login_url}/oauth2/authorize/decision"

    first = requests.post(decision, data={"consent": consent, "decision": "approve"}, allow_redirects=False, timeout=10)
    second = requests.post(
        decision, data={"consent": consent, "decision": "approve"}, allow_redirects=False, timeout=10
    )

    assert first.status_code == 302 and second.status_code == 400


# -- token endpoint ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_code_exchange_answers_the_real_shape_without_expiry(sandbox, form):
    response = post_token(sandbox, token_fields(sandbox, approved_code(sandbox)), form=form)
    body = response.json()

    assert response.status_code == 200
    assert set(body) == {"access_token", "scope", "user", "owner", "context", "account_uuid"}
    assert body["scope"] == SCOPE and body["context"] == f"stores/{sandbox.store_id}"
    assert set(body["user"]) == {"id", "username", "email"}


def test_issued_token_works_with_granted_scopes_only(sandbox):
    token = post_token(sandbox, token_fields(sandbox, approved_code(sandbox))).json()["access_token"]

    assert api_status(sandbox, token, "v2/orders") == 200
    assert api_status(sandbox, token, "v3/catalog/products") == 200
    assert api_status(sandbox, token, "v3/customers") == 403


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", json.dumps({"client_id": "a", "code": "b"})),
        ("application/json", "client_id=a&code=b"),
        ("application/json", "{not json"),
    ],
    ids=["json-as-form", "form-as-json", "broken-json"],
)
def test_body_not_matching_its_content_type_is_406(sandbox, content_type, body):
    response = requests.post(
        f"{sandbox.login_url}/oauth2/token", data=body, headers={"Content-Type": content_type}, timeout=10
    )

    assert response.status_code == 406 and response.json() == {"error": "Invalid format."}


def test_credentials_in_http_basic_are_refused(sandbox):
    fields = token_fields(sandbox, approved_code(sandbox))
    del fields["client_secret"]

    response = post_token(sandbox, fields, auth=(sandbox.client_id, sandbox.client_secret))

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert "body" in response.json()["error_description"]


def test_reused_code_is_invalid_grant(sandbox):
    fields = token_fields(sandbox, approved_code(sandbox))

    assert post_token(sandbox, fields).status_code == 200
    again = post_token(sandbox, fields)

    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "already been used" in again.json()["error_description"]


def test_redirect_uri_mismatch_is_invalid_grant_naming_the_uri_and_keeps_the_code(sandbox):
    code = approved_code(sandbox)

    wrong = post_token(sandbox, token_fields(sandbox, code, redirect_uri="http://localhost:9/elsewhere"))
    right = post_token(sandbox, token_fields(sandbox, code))

    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    description = wrong.json()["error_description"]
    assert description.startswith("redirect_uri mismatch") and "http://localhost:9/elsewhere" in description
    assert right.status_code == 200


@pytest.mark.parametrize("who", ["unknown-client", "wrong-secret"])
def test_unknown_client_or_wrong_secret_is_401_invalid_client(sandbox, who):
    overrides = {"client_id": "nobody"} if who == "unknown-client" else {"client_secret": "wrong"}

    response = post_token(sandbox, token_fields(sandbox, approved_code(sandbox), **overrides))

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_code_of_another_app_is_invalid_grant(sandbox):
    other_id, other_secret = sandbox.register_app(callback_url=sandbox.callback_url)
    code = approved_code(sandbox)

    response = post_token(sandbox, token_fields(sandbox, code, client_id=other_id, client_secret=other_secret))

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_token_requests_are_counted_by_grant_type(sandbox):
    sandbox.reset_stats()
    post_token(sandbox, token_fields(sandbox, approved_code(sandbox)))
    post_token(sandbox, {"grant_type": "refresh_token", "refresh_token": "x"})

    stats = sandbox.stats
    assert stats.token_requests == 2
    assert stats.token_requests_by_grant == {"authorization_code": 1, "refresh_token": 1}


def test_refresh_is_unsupported_while_tokens_do_not_expire(sandbox):
    fields = {"grant_type": "refresh_token", "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}

    response = post_token(sandbox, {**fields, "refresh_token": "anything"})

    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


# -- the expiring-tokens switch ---------------------------------------------------------------------------------


def test_expiring_tokens_expire_refresh_rotates_and_a_reused_refresh_token_is_rejected(make_sandbox):
    sb = make_sandbox(expiring_tokens=True, token_lifetime_s=1)
    first = post_token(sb, token_fields(sb, approved_code(sb))).json()
    refresh = {"grant_type": "refresh_token", "client_id": sb.client_id, "client_secret": sb.client_secret}

    assert first["expires_in"] == 1 and first["refresh_token"]
    assert api_status(sb, first["access_token"]) == 200
    time.sleep(1.1)
    assert api_status(sb, first["access_token"]) == 401

    second = post_token(sb, {**refresh, "refresh_token": first["refresh_token"]}).json()
    reused = post_token(sb, {**refresh, "refresh_token": first["refresh_token"]})

    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert api_status(sb, second["access_token"]) == 200
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert post_token(sb, {**refresh, "refresh_token": second["refresh_token"]}, form=True).status_code == 200
    assert sb.stats.token_requests_by_grant == {"authorization_code": 1, "refresh_token": 3}


# -- uninstall --------------------------------------------------------------------------------------------------


def test_uninstall_revokes_the_apps_tokens(sandbox):
    token = post_token(sandbox, token_fields(sandbox, approved_code(sandbox))).json()["access_token"]
    assert api_status(sandbox, token) == 200

    assert sandbox.uninstall(sandbox.client_id) == 1

    assert api_status(sandbox, token) == 401
    assert api_status(sandbox, sandbox.access_token) == 200  # the store-level API account is not the app


def test_uninstall_over_http_for_a_lookalike_in_another_process(sandbox):
    client_id, client_secret = sandbox.register_app(callback_url=sandbox.callback_url)
    code = approved_code(sandbox, client_id=client_id)
    token = post_token(sandbox, token_fields(sandbox, code, client_id=client_id, client_secret=client_secret))
    token = token.json()["access_token"]

    response = requests.post(f"{sandbox.base_url}/_sandbox/uninstall", params={"client_id": client_id}, timeout=10)

    assert response.json() == {"revoked": 1} and api_status(sandbox, token) == 401
