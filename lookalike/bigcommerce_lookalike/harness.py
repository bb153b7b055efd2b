"""``Sandbox``: a lookalike store running on a thread of this process, and the helpers tests drive it with."""

from __future__ import annotations

import dataclasses
import http.client
import threading
import time
from datetime import datetime
from types import TracebackType
from typing import Any

from bigcommerce_lookalike.changes import StoreChanges
from bigcommerce_lookalike.config import SandboxConfig
from bigcommerce_lookalike.faults import FaultSettings, Spoil
from bigcommerce_lookalike.merchant import submit_consent
from bigcommerce_lookalike.oauth import DEFAULT_APP_SCOPES
from bigcommerce_lookalike.rate_limit import Decision
from bigcommerce_lookalike.readings import Readings
from bigcommerce_lookalike.server import SandboxHTTPServer
from bigcommerce_lookalike.services import Services
from bigcommerce_lookalike.stats import SandboxStats

_READY_TIMEOUT_S = 10


class Sandbox:
    """A local BigCommerce lookalike: API at ``{base_url}/stores/{store_id}/v2|v3/...``, OAuth at
    ``{base_url}/oauth2/...`` and ``{base_url}/app/{client_id}/install``.

    ``with Sandbox(SandboxConfig(orders=5000)) as sb: ...`` starts a real HTTP server on a free loopback port
    (``port=0``), waits until it answers, and stops it on exit. Keyword arguments override config fields.
    """

    def __init__(self, config: SandboxConfig | None = None, **overrides: object) -> None:
        base = config or SandboxConfig()
        self.config = dataclasses.replace(base, **overrides) if overrides else base
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._services: Services | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = SandboxHTTPServer((self.config.host, self.config.port))
        host = self.config.host if self.config.host not in ("", "0.0.0.0") else "127.0.0.1"
        services = Services(self.config, f"http://{host}:{server.server_address[1]}")
        server.services = services
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="bigcommerce-lookalike", daemon=True
        )
        thread.start()
        self._server, self._thread, self._services = server, thread, services
        self._wait_ready(host, server.server_address[1])
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_ready(self, host: str, port: int) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while True:
            connection = http.client.HTTPConnection(host, port, timeout=1)
            try:
                connection.request("GET", "/_sandbox/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
            finally:
                connection.close()

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the sandbox is not started: use `with Sandbox(...) as sb` or call start()")
        return self._services

    # -- what a client needs ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.services.base_url

    @property
    def login_url(self) -> str:
        """The OAuth host (``login.bigcommerce.com`` of the lookalike): the same server."""
        return self.services.base_url

    @property
    def store_id(self) -> str:
        """The store hash (deterministic from the seed)."""
        return self.services.profile.store_hash

    @property
    def access_token(self) -> str:
        """A store-level API account token with read scopes for orders, products, customers, store
        information, transactions, marketing, content, channel settings and inventory; it never expires."""
        return self.services.access_token

    @property
    def client_id(self) -> str:
        return self.services.app.client_id

    @property
    def client_secret(self) -> str:
        return self.services.app.client_secret

    @property
    def callback_url(self) -> str:
        return self.services.app.callback_url

    @property
    def connection_info(self) -> dict[str, str]:
        """The CLI's JSON line: ``base_url``, ``login_url``, ``store_id``, ``access_token``, ``client_id``,
        ``client_secret``, ``callback_url``."""
        return self.services.connection_info()

    @property
    def data_time_range(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest ``date_modified`` (UTC) of the generated orders, products and customers."""
        return self.services.data_time_range

    # -- counters and knobs -----------------------------------------------------------------------------------

    @property
    def stats(self) -> SandboxStats:
        """Live counters (see ``SandboxStats``)."""
        return self.services.stats

    def reset_stats(self) -> None:
        self.services.stats.reset()

    def set_faults(
        self,
        *,
        latency_ms: float | None = None,
        error_5xx_rate: float | None = None,
        bare_429_rate: float | None = None,
        drop_rate: float | None = None,
        error_in_200_rate: float | None = None,
    ) -> FaultSettings:
        """Change fault knobs at run time (omitted ones keep their value)."""
        return self.services.faults.update(
            latency_ms=latency_ms,
            error_5xx_rate=error_5xx_rate,
            bare_429_rate=bare_429_rate,
            drop_rate=drop_rate,
            error_in_200_rate=error_in_200_rate,
        )

    def spoil(self, answers: int = 1, **how: Any) -> Spoil:
        """Spoil the next ``answers`` API answers: lying ``rate_headers``, a forced ``status``, an ``error_in_200``
        body, a body trickled at ``trickle_bytes_per_s`` and maybe ``endless`` (see ``faults.Spoil``)."""
        return self.services.faults.spoil(answers, **how)

    @property
    def readings(self) -> Readings:
        """Which reading of each open question of the documents the store plays; change with ``update(...)``."""
        return self.services.config.readings

    @property
    def changes(self) -> StoreChanges:
        """Scheduled edits, deletions and insertions, and how each list lies (``StoreChanges``)."""
        return self.services.changes

    def consume_quota(self, requests: int) -> Decision:
        """Another app on the store spends ``requests`` of the current window (the quota is per store)."""
        return self.services.limiter.consume(requests)

    # -- accounts, apps and OAuth -----------------------------------------------------------------------------

    def add_api_account(self, scopes: list[str] | tuple[str, ...]) -> str:
        """A new store-level API account token with exactly ``scopes`` (e.g. to provoke a 403)."""
        return self.services.tokens.issue(frozenset(scopes)).token

    def register_app(
        self,
        callback_url: str | None = None,
        *,
        name: str = "Lookalike App",
        scopes: tuple[str, ...] = DEFAULT_APP_SCOPES,
    ) -> tuple[str, str]:
        """Register another custom app; returns ``(client_id, client_secret)``."""
        app = self.services.oauth.register_app(callback_url or self.config.callback_url, name=name, scopes=scopes)
        return app.client_id, app.client_secret

    def approve(self, authorize_url: str) -> str:
        """Press *Approve* on the consent page over HTTP; returns the callback URL with ``code``, ``scope``,
        ``context``, ``account_uuid`` and ``state`` (the redirect is not followed)."""
        return submit_consent(authorize_url, "approve")

    def deny(self, authorize_url: str) -> str:
        """Press *Deny*; returns the callback URL with ``error=access_denied`` and ``state``."""
        return submit_consent(authorize_url, "deny")

    def uninstall(self, client_id: str) -> int:
        """Uninstall an app: its tokens stop working (401); returns how many access tokens were revoked."""
        return self.services.oauth.uninstall(client_id)

    def mint_signed_payload_jwt(
        self,
        client_id: str | None = None,
        *,
        exp_delta: int = 86400,
        aud: str | None = None,
        secret: str | None = None,
        sub: str | None = None,
    ) -> str:
        """A ``signed_payload_jwt`` as sent to ``/load`` callbacks (HS256 with the app's client secret)."""
        return self.services.mint_signed_payload_jwt(client_id, exp_delta=exp_delta, aud=aud, secret=secret, sub=sub)
