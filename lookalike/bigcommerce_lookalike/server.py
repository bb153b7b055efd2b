"""The HTTP side: a threading server on loopback that routes to the API gateway, OAuth and the admin surface.

One thread per connection, HTTP/1.1 keep-alive, Nagle off. Added latency is slept in the handler thread, so
concurrent requests overlap as they would against the real service.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from bigcommerce_lookalike.admin import handle_admin
from bigcommerce_lookalike.errors import ApiError
from bigcommerce_lookalike.responses import Reply, json_reply
from bigcommerce_lookalike.services import Services

log = logging.getLogger(__name__)
_MAX_BODY = 1 << 20
_TRICKLE_WRITES_PER_S = 20


class SandboxHTTPServer(ThreadingHTTPServer):
    """Keeps track of open connections so ``close_connections`` can end idle keep-alive threads at stop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, SandboxRequestHandler)
        self.services: Services | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """Clients that hang up (resets, broken pipes, idle timeouts) are normal; anything else is logged."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        log.exception("the lookalike failed on a request from %s", client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _first_values(query: str) -> dict[str, str]:
    """Query parameters, first value of each (``include=a,b`` stays one comma-separated value)."""
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, value)
    return values


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BigCommerceLookalike/1.0"
    disable_nagle_algorithm = True
    timeout = 600  # idle keep-alive connections end on their own, long after any pooled client reuses them
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)
        if self.server.services is not None:
            self.server.services.stats.count_connection()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.close_connection = True  # the rest stays unread, so this connection cannot carry another request
        return self.rfile.read(min(length, _MAX_BODY)) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        services = self.server.services
        target = urlsplit(self.path)
        path, query = target.path, _first_values(target.query)
        body = self._body()
        delay = 0.0
        if services is None:
            reply = json_reply(503, '{"error":"starting"}')
        elif path.startswith("/stores/"):
            reply, delay = services.gateway.handle(method, path, query, self.headers.get("X-Auth-Token"))
        elif path.startswith(("/oauth2/", "/app/")):
            reply = self._oauth(services, method, path, query, body)
        elif path.startswith("/_sandbox/"):
            reply = handle_admin(services, method, path, query, body)
        else:
            reply = json_reply(404, ApiError(404, "The route is not found, check the URL.").body("v3"))
        if delay:
            time.sleep(delay)
        self._send(reply)

    def _oauth(self, services: Services, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        oauth = services.oauth
        if method == "GET" and path == "/oauth2/authorize":
            return oauth.authorize(query)
        if method == "POST" and path == "/oauth2/authorize/decision":
            return oauth.decide(_first_values(body.decode("utf-8", "replace")))
        if method == "POST" and path == "/oauth2/token":
            return oauth.token(self.headers.get("Content-Type", ""), body, self.headers.get("Authorization"))
        parts = path.strip("/").split("/")
        if method == "GET" and len(parts) == 3 and parts[0] == "app" and parts[2] == "install":
            return oauth.install(parts[1], query)
        return json_reply(404, '{"error":"not_found"}')

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            # A dropped connection: no status line at all (docs/bigcommerce.md "Rate limits": retry with back-off).
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        if reply.endless:
            self.close_connection = True  # no length: the body would end only with the connection
        elif reply.status != 204:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.trickle_bytes_per_s:
            self._trickle(reply)
        elif reply.body:
            self.wfile.write(reply.body)

    def _trickle(self, reply: Reply) -> None:
        """Write the body at ``trickle_bytes_per_s``; an endless one goes on with spaces until the client hangs up."""
        step = max(1, int(reply.trickle_bytes_per_s / _TRICKLE_WRITES_PER_S))
        pause = step / reply.trickle_bytes_per_s
        sent = 0
        while sent < len(reply.body) or reply.endless:
            chunk = reply.body[sent : sent + step] or b" " * step
            try:
                self.wfile.write(chunk)
            except OSError:  # the client gave up (or the lookalike is stopping)
                self.close_connection = True
                return
            sent += len(chunk)
            time.sleep(pause)
