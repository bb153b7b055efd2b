"""The REST client: one session per connection, every call paced by the store's limiter and retried by policy.

Plain Python, so it could ship without Airflow: the hook only builds properties and a token source and hands them
here. The token is read per request and never stored on the session, in logs or in error text.
"""

from __future__ import annotations

import dataclasses
import json as jsonlib
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from airflow_provider_bigcommerce import __version__
from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceTransportError,
)
from airflow_provider_bigcommerce.core.paging import Page, PageWalk
from airflow_provider_bigcommerce.core.properties import AuthScheme, ConnectionProperties
from airflow_provider_bigcommerce.core.rate_limit import RateLimiter, RateLimitReading, RequestCancelled
from airflow_provider_bigcommerce.core.retry import RetryPolicy
from airflow_provider_bigcommerce.core.token_source import TokenSource

log = logging.getLogger("airflow_provider_bigcommerce.client")

USER_AGENT = f"airflow-provider-bigcommerce/{__version__}"
TOKEN_HEADER = "X-Auth-Token"
CHECK_PATH = "v2/time"  # the documented call for validating credentials (docs/bigcommerce.md "Cheap calls")
# Also sent per request, so a caller's own session gets them; requests adds Content-Type only with a JSON body.
_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}
_RETRYABLE_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class ClientStats:
    """What a client has done so far; the export operator reports it. ``limiter_wait_s`` sums all threads."""

    requests: int = 0
    retries: int = 0
    responses_429: int = 0
    bare_429s: int = 0
    pages: int = 0
    records: int = 0
    quota: int | None = None
    requests_left: int | None = None
    window_ms: int | None = None
    limiter_wait_s: float = 0.0


class _StatsRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats = ClientStats()

    def add(self, **deltas: float) -> None:
        with self._lock:
            changes = {name: getattr(self._stats, name) + delta for name, delta in deltas.items()}
            self._stats = dataclasses.replace(self._stats, **changes)

    def saw(self, reading: RateLimitReading) -> None:
        with self._lock:
            self._stats = dataclasses.replace(
                self._stats,
                quota=reading.quota,
                requests_left=reading.left,
                window_ms=reading.window_ms if reading.window_ms is not None else self._stats.window_ms,
            )

    def snapshot(self) -> ClientStats:
        with self._lock:
            return self._stats


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def increment(self) -> None:
        with self._lock:
            self.value += 1


class _TokenAuth(requests.auth.AuthBase):
    """Puts the token on each prepared request, so it never sits in the session's headers."""

    def __init__(self, token: Any) -> None:
        self._token = token  # a str, or a TokenSource read per request

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._token if isinstance(self._token, str) else self._token.access_token()
        request.headers[TOKEN_HEADER] = token
        return request

    def __repr__(self) -> str:
        return "<BigCommerce X-Auth-Token>"


class _ApiSession(requests.Session):
    """A session that drops the token when a redirect leaves the host (requests only drops Authorization)."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            prepared_request.headers.pop(TOKEN_HEADER, None)


class BigCommerceClient:
    """Calls one store's v2/v3 API: ``request`` for one call, ``pages``/``paginate`` for whole lists.

    One limiter per store is shared by every client of this process (``RateLimiter.for_store``). Paging reads
    ahead on a thread pool of ``max_concurrency`` threads owned by the client; ``close()`` (or ``with``) ends both
    the pool and the session.
    """

    def __init__(
        self,
        properties: ConnectionProperties,
        token_source: TokenSource,
        *,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        max_concurrency: int = 8,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.properties = properties
        self.retry = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self._tokens = token_source
        self._base_url = properties.store_api_url
        self._timeout = (properties.timeout, properties.timeout)
        self._transport_hint = (
            f"Check that URL ({properties.api_url}) is reachable from this machine and that "
            f"Timeout ({properties.timeout:g} s) is long enough."
        )
        self._limiter = RateLimiter.for_store(self._base_url)
        self._stats = _StatsRecorder()
        self._owns_session = session is None
        self._session = session if session is not None else self._new_session()
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="bigcommerce-page")

    @property
    def session(self) -> requests.Session:
        """A ready session: JSON headers, user agent, and the token added to each request it sends."""
        return self._session

    @property
    def stats(self) -> ClientStats:
        return self._stats.snapshot()

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call ``{store_api_url}/{path}`` (``path`` starts with the version: ``v2/time``) and return parsed JSON.

        Returns None for 204 or an empty body. Raises ``BigCommerceAuthError`` (401/403),
        ``BigCommerceRateLimitError``, ``BigCommerceApiError`` or ``BigCommerceTransportError``.
        """
        return self._call(method, path, dict(params or {}), json)

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Every page of a list endpoint in order (see ``paging.py`` for the three kinds and read-ahead)."""
        path = _normalized(path)
        sent = _Counter()
        walk = PageWalk(
            path,
            dict(params or {}),
            fetch=lambda page_path, page_params, cancelled: self._call(
                "GET", page_path, page_params, None, cancelled=cancelled, attempts=sent
            ),
            executor=self._executor,
            concurrency=lambda: min(self.max_concurrency, self._limiter.allowed_concurrency()),
            requests_sent=lambda: sent.value,
            wake=self._limiter.wake,
        )
        for page in walk:
            self._stats.add(pages=1, records=len(page.records))
            yield page

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every record of a list endpoint, each exactly once, in the API's order."""
        for page in self.pages(path, params):
            yield from page.records

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> BigCommerceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _new_session(self) -> requests.Session:
        session = _ApiSession()
        session.headers.update(_HEADERS)
        session.auth = _TokenAuth(self._tokens)
        # The paging threads plus the caller's own thread; no urllib3 retries: the policy retries.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.max_concurrency + 1, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _call(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        body: Any,
        *,
        cancelled: threading.Event | None = None,
        attempts: _Counter | None = None,
    ) -> Any:
        method, path = method.upper(), _normalized(path)
        url = f"{self._base_url}/{path}"
        budget = self.retry.budget(method, path, transport_hint=self._transport_hint)
        token = self._tokens.access_token()
        token_renewed = False
        while True:
            waited = self._limiter.acquire(cancelled)
            sent_at = time.monotonic()
            self._stats.add(requests=1, limiter_wait_s=waited)
            if attempts is not None:
                attempts.increment()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params or None,
                    json=body,
                    headers=_HEADERS,
                    auth=_TokenAuth(token),
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                self._limiter.note_no_response()
                if not isinstance(error, _RETRYABLE_TRANSPORT_ERRORS):
                    raise BigCommerceTransportError(f"{method} {path} could not be sent: {error}") from None
                delay = budget.after_transport_error(error, request_sent=not isinstance(error, requests.ConnectTimeout))
                log.warning("%s %s failed (%s); retrying in %.1f s", method, path, type(error).__name__, delay)
                self._stats.add(retries=1)
                _pause(delay, cancelled)
                continue
            except BaseException:  # e.g. KeyboardInterrupt mid-request: give the slot back
                self._limiter.note_no_response()
                raise

            status = response.status_code
            reading = RateLimitReading.from_headers(response.headers)
            pause = self._limiter.note_response(
                status, reading, sent_at=sent_at, bare_429_backoff=self.retry.bare_429_backoff_s
            )
            if reading.has_quota:
                self._stats.saw(reading)
            log.debug("%s %s -> %s (%s of %s requests left)", method, path, status, reading.left, reading.quota)

            if status == 429:
                bare = reading.wait_s is None
                self._stats.add(responses_429=1, bare_429s=int(bare))
                budget.after_429(_error_message(response, token))
                self._stats.add(retries=1)
                log.warning(
                    "%s %s: 429 %s; the store's requests wait %.1f s",
                    method,
                    path,
                    "without rate-limit headers" if bare else "rate limit reached",
                    pause,
                )
                continue
            if status in self.retry.retry_statuses:
                delay = budget.after_status(status, response.reason or "", _error_message(response, token))
                log.warning("%s %s: %s %s; retrying in %.1f s", method, path, status, response.reason, delay)
                self._stats.add(retries=1)
                _pause(delay, cancelled)
                continue
            if status == 401 and not token_renewed:
                renewed = self._tokens.token_rejected(token)
                token_renewed = True
                if renewed and renewed != token:
                    log.warning("%s %s: 401; retrying once with a renewed token", method, path)
                    token = renewed
                    continue
            if status >= 300:
                raise self._error(response, method, path, token)
            return _parsed(response, method, path, token)

    def _error(self, response: requests.Response, method: str, path: str, token: str) -> BigCommerceApiError:
        status, message = response.status_code, _error_message(response, token)
        if status == 401:
            return BigCommerceAuthError(status, method, path, message, hint=self._hint_401())
        if status == 403:
            return BigCommerceAuthError(status, method, path, message, hint=_hint_403(path))
        return BigCommerceApiError(status, method, path, message)

    def _hint_401(self) -> str:
        if self.properties.auth_scheme is AuthScheme.PERSONAL_ACCESS_TOKEN:
            fix = (
                "Create a new store-level API account (Settings > API > Store-level API accounts) and put its "
                "Access Token in OAuthAccessToken (oauth_access_token)."
            )
        else:
            fix = (
                "Re-authorize the app (InitiateOAuth=GETANDREFRESH, or a new OAuthVerifier) or put its current "
                "token in OAuthAccessToken (oauth_access_token); a token dies when the app's scopes change or it "
                "is uninstalled."
            )
        return f"The access token is missing, wrong or revoked (StoreId={self.properties.store_id}). {fix}"


# Which scope a resource needs (docs/bigcommerce.md "Authentication"); used only to make a 403 actionable.
_SCOPES = (
    (re.compile(r"^v3/orders/[^/]+/transactions"), "store_v2_transactions"),
    (re.compile(r"^v[23]/orders"), "store_v2_orders"),
    (re.compile(r"^(v3/catalog|v2/products|v2/brands|v2/categories)"), "store_v2_products"),
    (re.compile(r"^v[23]/customers"), "store_v2_customers"),
    (re.compile(r"^v2/(store|time)"), "store_v2_information"),
    (re.compile(r"^v2/coupons"), "store_v2_marketing"),
)


def _hint_403(path: str) -> str:
    scope = next((name for pattern, name in _SCOPES if pattern.match(path)), None)
    needed = f" ({scope}_read_only or {scope})" if scope else ""
    return (
        f"The token lacks the OAuth scope this endpoint needs{needed}. Add the scope: a store-level API account "
        "cannot change its scopes, so create a new one with it; for an app, add it to Scope and re-authorize."
    )


def _normalized(path: str) -> str:
    return path.strip().lstrip("/")


def _pause(seconds: float, cancelled: threading.Event | None) -> None:
    if cancelled is None:
        time.sleep(seconds)
    elif cancelled.wait(seconds):
        raise RequestCancelled


def _parsed(response: requests.Response, method: str, path: str, token: str) -> Any:
    if response.status_code == 204 or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        start = (response.text.replace(token, "***") if token else response.text)[:80]
        raise BigCommerceApiError(
            response.status_code, method, path, "the answer is not JSON", hint=f"It starts: {start!r}"
        ) from None


def _error_message(response: requests.Response, token: str) -> str:
    """The message of a v3 body ``{"title","errors"}``, a v2 array ``[{"message","details"}]``, or the reason."""
    try:
        body = jsonlib.loads(response.content) if response.content.strip() else None
    except ValueError:
        body = None
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    parts = [text for item in items if isinstance(item, dict) and (text := _describe_error(item))]
    if parts:
        message = "; ".join(parts)
    elif body is None and response.text.strip():
        message = response.text.strip()[:300]
    else:
        message = response.reason or f"HTTP {response.status_code}"
    return message.replace(token, "***") if token else message


def _describe_error(item: Mapping[str, Any]) -> str:
    head = next(
        (str(item[key]) for key in ("title", "message", "error_description", "error") if item.get(key)),
        "",
    )
    details = item.get("errors") or item.get("details") or item.get("detail")
    if isinstance(details, Mapping):
        described = "; ".join(f"{key}: {value}" for key, value in details.items())
    elif isinstance(details, list):
        described = "; ".join(str(value) for value in details)
    else:
        described = str(details) if details else ""
    if head and described:
        return f"{head} ({described})"
    return head or described
