"""The desktop flow (InitiateOAuth=GETANDREFRESH): consent in a browser, the code caught on CallbackURL.

Listens on CallbackURL's port on loopback addresses only, so nothing outside this computer can deliver a code.
The ``state`` parameter ties the callback to this run: a callback with another state (a forged or stale link) ends
the flow with an error and nothing is exchanged.
"""

from __future__ import annotations

import html
import ipaddress
import queue
import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
from airflow_provider_bigcommerce.core.errors import BigCommerceError, OAuthError, PropertyError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

T = TypeVar("T")
LOGIN_TIMEOUT_S = 300.0
_PAGE_WAIT_S = 120.0  # how long the browser's request waits for the exchange to finish


@dataclass(frozen=True)
class CallbackAddress:
    """Where the listener binds: loopback addresses, CallbackURL's port and path."""

    hosts: tuple[str, ...]
    port: int
    path: str


def callback_address(callback_url: str) -> CallbackAddress:
    """Parse CallbackURL for the desktop flow, refusing anything that is not http on a loopback host."""
    parts = urlsplit(callback_url)
    host = (parts.hostname or "").lower()
    if host == "localhost":
        hosts: tuple[str, ...] = ("127.0.0.1", "::1")  # browsers may resolve localhost to either
    else:
        try:
            hosts = (host,) if ipaddress.ip_address(host).is_loopback else ()
        except ValueError:
            hosts = ()
    if parts.scheme != "http" or not hosts:
        raise PropertyError("callback_not_loopback", "CallbackURL", "callback_url", value=callback_url)
    return CallbackAddress(hosts, parts.port or 80, parts.path or "/")


def run_desktop_flow(
    properties: ConnectionProperties,
    client: OAuthClient,
    complete: Callable[[str], T],
    *,
    open_browser: bool = True,
    show_url: Callable[[str], None] | None = None,
    timeout_s: float = LOGIN_TIMEOUT_S,
) -> T:
    """Send a person through consent and return ``complete(code)`` (which exchanges and saves).

    The URL is always shown (``show_url``, default: printed to stderr) so it can be opened by hand; with
    ``open_browser`` the default browser opens it too. The browser gets a short page saying how it ended.
    """
    address = callback_address(properties.callback_url)
    state = secrets.token_urlsafe(24)
    url = client.authorization_url(
        redirect_uri=properties.callback_url, scope=properties.scope, context=properties.context, state=state
    )
    with _CallbackListener(address) as listener:
        (show_url or _print_url)(url)
        if open_browser:
            webbrowser.open(url)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                callback = listener.callbacks.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise OAuthError(
                    "callback_timeout", callback_url=properties.callback_url, timeout_s=timeout_s
                ) from None
            try:
                result = _handle(callback.params, state, properties, complete)
            except BaseException as exc:
                # The terminal says it in words; the page shows the code and facts.
                callback.reply(400, "Authorization failed", str(exc) if isinstance(exc, BigCommerceError) else "")
                raise
            callback.reply(200, "Authorization complete", f"Token saved for store {properties.store_id}.")
            return result


def _handle(params: dict[str, str], state: str, properties: ConnectionProperties, complete: Callable[[str], T]) -> T:
    if not secrets.compare_digest(params.get("state", ""), state):
        raise OAuthError("state_mismatch")
    if params.get("error"):
        raise OAuthError("denied", error_code=params["error"][:80])
    context = params.get("context")
    if context and context != properties.context:
        raise OAuthError("wrong_store", context=context[:80], store_id=properties.store_id)
    if not params.get("code"):
        raise OAuthError("no_code")
    return complete(params["code"])


def _print_url(url: str) -> None:
    print(f"Open this URL in a browser and approve the app:\n{url}", file=sys.stderr, flush=True)


class _Callback:
    """One request to the callback path; the browser's request waits for :meth:`reply`."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        self._replies: queue.Queue[tuple[int, str]] = queue.Queue(maxsize=1)

    def reply(self, status: int, title: str, text: str) -> None:
        body = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1 id='result'>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
        )
        self._replies.put((status, body))

    def wait(self) -> tuple[int, str]:
        try:
            return self._replies.get(timeout=_PAGE_WAIT_S)
        except queue.Empty:
            return 504, "<!doctype html><title>Timed out</title><p>Return to the terminal.</p>"


class _CallbackListener:
    def __init__(self, address: CallbackAddress) -> None:
        self.address = address
        self.callbacks: queue.Queue[_Callback] = queue.Queue()
        self._servers: list[ThreadingHTTPServer] = []

    def __enter__(self) -> _CallbackListener:
        handler = _handler_class(self.address.path, self.callbacks)
        for host in self.address.hosts:
            try:
                server = _server_class(host)((host, self.address.port), handler)
            except OSError as exc:
                if host == "::1" and self._servers:  # no IPv6 loopback here: 127.0.0.1 is enough
                    continue
                self.__exit__()
                raise OAuthError(
                    "callback_port_unavailable", host=host, port=self.address.port, reason=exc.strerror
                ) from None
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, name=f"oauth-callback-{host}", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()


def _server_class(host: str) -> type[ThreadingHTTPServer]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return type("CallbackServer", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})


def _handler_class(path: str, callbacks: queue.Queue[_Callback]) -> type[BaseHTTPRequestHandler]:
    class CallbackHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            parts = urlsplit(self.path)
            params = {key: values[0] for key, values in parse_qs(parts.query).items()}
            if parts.path != path or not ({"code", "error", "state"} & params.keys()):
                self._send(404, "<!doctype html><title>Not found</title>")
                return
            callback = _Callback(params)
            callbacks.put(callback)
            self._send(*callback.wait())

        def _send(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep codes out of stderr
            return

    return CallbackHandler
