"""The client's session: ready to call the API by hand, yet the token is never stored where it could be logged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from airflow_provider_bigcommerce import __version__
from airflow_provider_bigcommerce.core.http.wire import is_under


def test_session_calls_the_api_with_the_token_added_per_request(make_sandbox, make_client):
    sandbox = make_sandbox()
    client = make_client(sandbox)

    response = client.session.get(f"{client.properties.store_api_url}/v2/time", timeout=5)

    assert response.status_code == 200 and "time" in response.json()
    assert "X-Auth-Token" not in client.session.headers
    assert response.request.headers["X-Auth-Token"] == sandbox.access_token
    assert response.request.headers["User-Agent"] == f"airflow-provider-bigcommerce/{__version__}"
    assert response.request.headers["Accept"] == "application/json"
    assert "Content-Type" not in response.request.headers


def test_request_accepts_paths_with_or_without_a_leading_slash(make_sandbox, make_client):
    sandbox = make_sandbox()
    client = make_client(sandbox)

    assert "time" in client.request("get", "/v2/time")
    assert client.request("GET", "v2/store")["id"] == sandbox.store_id


class _RecordingHandler(BaseHTTPRequestHandler):
    """Another host (a CDN serving product images): answers 200 and remembers the headers it was sent."""

    def do_GET(self) -> None:
        self.server.seen.append(dict(self.headers))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass


class _RedirectingHandler(BaseHTTPRequestHandler):
    """An API host that answers every call with a redirect to ``server.target``."""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.server.target)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def other_host() -> Iterator[ThreadingHTTPServer]:
    yield from _serve(_RecordingHandler)


@pytest.fixture
def redirecting_api() -> Iterator[ThreadingHTTPServer]:
    yield from _serve(_RedirectingHandler)


def test_session_never_sends_the_token_to_another_host(make_sandbox, make_client, other_host, assert_no_secret):
    sandbox = make_sandbox()
    client = make_client(sandbox)
    image_url = f"http://127.0.0.1:{other_host.server_address[1]}/product_images/a.jpg"

    response = client.session.get(image_url, timeout=5)

    assert response.status_code == 200
    assert [name for name in other_host.seen[0] if name.lower() == "x-auth-token"] == []
    assert_no_secret(str(other_host.seen), sandbox.access_token)


def test_session_drops_the_token_when_the_api_redirects_to_another_host(make_client, redirecting_api, other_host):
    redirecting_api.target = f"http://127.0.0.1:{other_host.server_address[1]}/elsewhere"
    api = SimpleNamespace(
        store_id="abc", access_token="t" * 31, base_url=f"http://127.0.0.1:{redirecting_api.server_address[1]}"
    )
    client = make_client(api)

    response = client.session.get(f"{client.properties.store_api_url}/v2/time", timeout=5)

    assert response.status_code == 200 and response.history[0].status_code == 302
    assert response.history[0].request.headers["X-Auth-Token"] == "t" * 31
    assert [name for name in other_host.seen[0] if name.lower() == "x-auth-token"] == []


def test_session_never_sends_the_token_outside_the_stores_api_path(make_sandbox, make_client):
    sandbox = make_sandbox()
    client = make_client(sandbox)

    outside = client.session.get(f"{sandbox.base_url}/_sandbox/health", timeout=5)
    other_store = client.session.get(f"{sandbox.base_url}/stores/{sandbox.store_id}x/v2/time", timeout=5)
    inside = client.session.get(f"{client.properties.store_api_url}/v3/catalog/brands", timeout=5)

    assert "X-Auth-Token" not in outside.request.headers
    assert "X-Auth-Token" not in other_store.request.headers
    assert inside.request.headers["X-Auth-Token"] == sandbox.access_token and inside.status_code == 200


@pytest.mark.parametrize(
    ("url", "gets_token"),
    [
        ("https://api.bigcommerce.com/stores/abc/v2/time", True),
        ("https://API.bigcommerce.com:443/stores/abc/v3/catalog/products", True),
        ("https://api.bigcommerce.com/stores/abcd/v2/time", False),
        ("https://api.bigcommerce.com/stores/abc/../xyz/v2/time", False),
        ("http://api.bigcommerce.com/stores/abc/v2/time", False),
        ("https://cdn11.bigcommerce.com/s-abc/products/1/images/2/a.jpg", False),
        ("https://api.bigcommerce.com:8443/stores/abc/v2/time", False),
    ],
)
def test_only_urls_under_the_stores_api_base_get_the_token(url, gets_token):
    assert is_under(url, "https://api.bigcommerce.com/stores/abc") is gets_token
