"""A hostile or broken token endpoint: redirects are never followed, unusable answers are typed errors."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_access_token
from airflow_provider_bigcommerce.core.errors import OAuthError
from airflow_provider_bigcommerce.messages.oauth import oauth_problem


class _Recorder(ThreadingHTTPServer):
    """Another host on loopback that records every request it receives (it should receive none)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.received: list[tuple[str, str, bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: _Recorder

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append((self.command, self.path, self.rfile.read(length) if length else b""))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        body = b'{"access_token": "stolen", "context": "stores/x"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _record

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass


@pytest.fixture
def other_host() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_from_the_token_endpoint_is_not_followed_with_the_code_and_secret(
    oauth, other_host, assert_no_secret, status: int
) -> None:
    properties = oauth.properties("memory://hostile-redirect")
    code = oauth.approved_code(properties)
    oauth.sandbox.services.oauth.misbehave(oauth.client_id, token_redirect=(status, f"{other_host.url}/oauth2/token"))

    with pytest.raises(OAuthError) as caught:
        OAuthClient.from_properties(properties).exchange_code(
            code, redirect_uri=oauth.callback_url, scope=properties.scope, context=properties.context
        )

    assert (caught.value.code, caught.value.status) == ("redirect_refused", status)
    assert other_host.received == []
    assert_no_secret(str(caught.value) + oauth_problem(caught.value), code, oauth.client_secret)


def test_a_refresh_is_not_redirected_either(expiring_oauth, other_host) -> None:
    properties = expiring_oauth.properties("memory://hostile-refresh-redirect")
    client = OAuthClient.from_properties(properties)
    token = client.exchange_code(
        expiring_oauth.approved_code(properties),
        redirect_uri=expiring_oauth.callback_url,
        scope=properties.scope,
        context=properties.context,
    )
    expiring_oauth.sandbox.services.oauth.misbehave(
        expiring_oauth.client_id, token_redirect=(307, f"{other_host.url}/steal")
    )

    with pytest.raises(OAuthError) as caught:
        client.refresh(token["refresh_token"])

    assert caught.value.code == "redirect_refused"
    assert other_host.received == []


@pytest.mark.parametrize(
    "expires_in", [math.inf, -math.inf, math.nan, -5, 0, 10**30, 1e300, "soon", True, [3600], {"s": 1}]
)
def test_an_unusable_expires_in_is_a_typed_error_and_nothing_is_saved(oauth, tmp_path, expires_in: object) -> None:
    location = tmp_path / "OAuthSettings.txt"
    properties = oauth.properties(location)
    code = oauth.approved_code(properties)
    oauth.sandbox.services.oauth.misbehave(oauth.client_id, token_answer={"expires_in": expires_in})

    with pytest.raises(OAuthError) as caught:
        get_oauth_access_token(properties, code)

    assert (caught.value.code, caught.value.field_name) == ("unusable_answer", "expires_in")
    assert not location.exists()


@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("access_token", 4711),
        ("access_token", {"token": "tok-secret-4711"}),
        ("access_token", "tok-secret-4711\r\nX-Evil: 1"),
        ("access_token", "tök-secret-4711"),
        ("refresh_token", ["tok-secret-4711"]),
        ("scope", ["store_v2_orders"]),
    ],
)
def test_an_unusable_token_answer_names_the_field_without_echoing_it(
    oauth, field_name: str, value: object, assert_no_secret
) -> None:
    properties = oauth.properties("memory://hostile-answer")
    code = oauth.approved_code(properties)
    oauth.sandbox.services.oauth.misbehave(oauth.client_id, token_answer={field_name: value})

    with pytest.raises(OAuthError) as caught:
        get_oauth_access_token(properties, code)

    assert (caught.value.code, caught.value.field_name) == ("unusable_answer", field_name)
    assert_no_secret(str(caught.value) + oauth_problem(caught.value), "tok-secret-4711", code, oauth.client_secret)


def test_a_finite_expires_in_given_as_text_is_accepted(oauth) -> None:
    properties = oauth.properties("memory://hostile-text-expiry")
    code = oauth.approved_code(properties)
    oauth.sandbox.services.oauth.misbehave(oauth.client_id, token_answer={"expires_in": "3600"})

    assert get_oauth_access_token(properties, code)["ExpiresIn"] == 3600
