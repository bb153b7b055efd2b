"""The REST client: one session per connection, every call paced by the store's limiter and retried by policy.

Plain Python, so it could ship without Airflow: the hook only builds properties and a token source and hands them
here. The token is read per request and never stored on the session, in logs or in error text.
"""

from __future__ import annotations

import dataclasses
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

from airflow_provider_bigcommerce.core.auth.token_source import TokenSource
from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceTransportError,
)
from airflow_provider_bigcommerce.core.http.quota_ledger import store_limiter
from airflow_provider_bigcommerce.core.http.rate_limit import RateLimitReading, RequestCancelled
from airflow_provider_bigcommerce.core.http.retry import RetryBudget, RetryPolicy
from airflow_provider_bigcommerce.core.http.wire import (
    Answer,
    AnswerTooLarge,
    ApiSession,
    TokenAuth,
    exchange,
)
from airflow_provider_bigcommerce.core.paging.count_dates import CountDates
from airflow_provider_bigcommerce.core.paging.walk import Page, PageWalk
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

log = logging.getLogger("airflow_provider_bigcommerce.client")

# Endpoints that serve only so many requests at once: price_lists.v3.yml "Supports up to 10 simultaneous GET
# requests" of a price list's records ("more ... will result in a 429"). Shared by every client of a store in
# this process (the fleet's processes each keep to it on their own).
SIMULTANEOUS_LIMITS = ((re.compile(r"^v3/pricelists/\d+/records/?$"), "price_list_records", 10),)
_SLOTS: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots_for(store_url: str, path: str) -> threading.BoundedSemaphore | None:
    for pattern, name, limit in SIMULTANEOUS_LIMITS:
        if pattern.match(path):
            with _SLOTS_LOCK:
                return _SLOTS.setdefault((store_url, name), threading.BoundedSemaphore(limit))
    return None


CHECK_PATH = "v2/time"  # the documented call for validating credentials (docs/bigcommerce.md "Cheap calls")
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


class BigCommerceClient:
    """Calls one store's v2/v3 API: ``request`` for one call, ``pages``/``paginate`` for whole lists.

    One limiter per store is shared by every client of this process, and by the fleet (``quota_ledger``). Paging reads
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
        self._limiter = store_limiter(self._base_url, reserve=properties.reserve)
        self._stats = _StatsRecorder()
        self._owns_session = session is None
        self._session = session if session is not None else self._new_session()
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="bigcommerce-page")
        # Whether the store's v2 counts apply date filters: probed once for the client's walks and plans.
        self.count_dates = CountDates()

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
        ``BigCommerceRateLimitError``, ``BigCommerceApiError`` or ``BigCommerceTransportError``, always within
        ``self.retry.longest_call_s(properties.timeout)`` (docs/exporting.md "Bounds: nothing waits forever").
        """
        return self._call(method, path, dict(params or {}), json)

    def walk(self, path: str, params: Mapping[str, Any] | None = None, *, read_set_apart: bool = True) -> PageWalk:
        """A walk over every page of a list endpoint: iterate it, then read its ``outcome`` (see ``paging.py``).

        ``read_set_apart=False`` leaves out the records the list may leave out (Incomplete orders,
        ``page_rules.SetApart``) under every reading; by default they are read by their own filter.
        """
        return PageWalk(
            _normalized(path),
            dict(params or {}),
            fetch=lambda page_path, page_params, cancelled: self._call(
                "GET", page_path, page_params, None, cancelled=cancelled
            ),
            executor=self._executor,
            concurrency=lambda: min(self.max_concurrency, self._limiter.allowed_concurrency()),
            wake=self._limiter.wake,
            on_page=lambda page: self._stats.add(pages=1, records=len(page.records)),
            read_set_apart=read_set_apart,
            count_dates=self.count_dates,
        )

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Every page of a list endpoint in order, each record exactly once (see ``paging.py``)."""
        yield from self.walk(path, params)

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
        session = ApiSession(self._base_url)
        session.auth = TokenAuth(self._base_url, self._tokens.access_token)
        # The paging threads plus the caller's own thread; no urllib3 retries: the policy retries.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.max_concurrency + 1, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _call(
        self, method: str, path: str, params: dict[str, Any], body: Any, *, cancelled: threading.Event | None = None
    ) -> Any:
        """Send until an answer is final; between attempts wait what the policy or the store's limiter says."""
        method, path = method.upper(), _normalized(path)
        budget = self.retry.budget(method, path)
        token = self._tokens.access_token()
        token_renewed = False
        while True:
            try:
                answer, pause = self._send_once(method, path, params, body, token, cancelled)
            except requests.RequestException as error:
                delay = self._after_transport_error(error, budget, method, path)
            else:
                if answer.status < 300:
                    return _document(answer, method, path, token)
                if answer.status == 401 and not token_renewed:
                    token_renewed = True
                    renewed = self._tokens.token_rejected(token)
                    if renewed and renewed != token:
                        log.warning("%s %s: 401; retrying once with a renewed token", method, path)
                        token = renewed
                        continue
                delay = self._after_error_answer(answer, pause, budget, method, path, token)
            self._stats.add(retries=1)
            _pause(delay, cancelled)

    def _send_once(
        self, method: str, path: str, params: dict[str, Any], body: Any, token: str, cancelled: threading.Event | None
    ) -> tuple[Answer, float]:
        """One attempt in the store's turn. Returns the answer and how long the limiter now pauses the store."""
        slots = _slots_for(self._base_url, path)
        if slots is None:
            return self._send_in_turn(method, path, params, body, token, cancelled)
        # Each holder's attempt ends within the longest call, so waiting for a slot is bounded by it too.
        if not slots.acquire(timeout=self.retry.longest_call_s(self.properties.timeout)):
            raise BigCommerceTransportError("no_slot", method=method, path=path, cause="SlotWait")
        try:
            return self._send_in_turn(method, path, params, body, token, cancelled)
        finally:
            slots.release()

    def _send_in_turn(
        self, method: str, path: str, params: dict[str, Any], body: Any, token: str, cancelled: threading.Event | None
    ) -> tuple[Answer, float]:
        permit = self._limiter.acquire(cancelled)
        self._stats.add(requests=1, limiter_wait_s=permit.waited_s)
        try:
            answer = exchange(
                self._session,
                method,
                f"{self._base_url}/{path}",
                params=params,
                json_body=body,
                auth=TokenAuth(self._base_url, lambda: token),
                timeout_s=self.properties.timeout,
            )
        except BaseException:  # no answer (KeyboardInterrupt included): the turn must still be handed back
            self._limiter.note_no_response(permit)
            raise
        reading = answer.reading
        pause = self._limiter.note_response(
            permit, answer.status, reading, bare_429_backoff=self.retry.bare_429_backoff_s
        )
        if reading.has_quota:
            self._stats.saw(reading)
        log.debug("%s %s -> %s (%s of %s requests left)", method, path, answer.status, reading.left, reading.quota)
        return answer, pause

    def _after_transport_error(
        self, error: requests.RequestException, budget: RetryBudget, method: str, path: str
    ) -> float:
        """Seconds to wait before trying again, or raises ``BigCommerceTransportError``."""
        if isinstance(error, AnswerTooLarge) or not isinstance(error, _RETRYABLE_TRANSPORT_ERRORS):
            raise BigCommerceTransportError(
                "not_retryable", method=method, path=path, cause=type(error).__name__, detail=str(error)[:160]
            ) from None
        delay = budget.after_transport_error(error, request_sent=not isinstance(error, requests.ConnectTimeout))
        log.warning("%s %s failed (%s); retrying in %.1f s", method, path, type(error).__name__, delay)
        return delay

    def _after_error_answer(
        self, answer: Answer, pause: float, budget: RetryBudget, method: str, path: str, token: str
    ) -> float:
        """Seconds to wait before trying again, or raises the error this answer is final for."""
        status = answer.status
        if status == 429:
            bare = answer.reading.wait_s is None
            self._stats.add(responses_429=1, bare_429s=int(bare))
            budget.after_429(answer.message(token))
            why = "without rate-limit headers" if bare else "rate limit reached"
            log.warning("%s %s: 429 %s; the store's requests wait %.1f s", method, path, why, pause)
            return 0.0  # the limiter holds every thread of the store for ``pause``
        if status in self.retry.retry_statuses:
            delay = budget.after_status(status, answer.reason, answer.message(token))
            log.warning("%s %s: %s %s; retrying in %.1f s", method, path, status, answer.reason, delay)
            return delay
        message = answer.message(token)
        if status == 401:
            raise BigCommerceAuthError(
                "token_rejected",
                status,
                method,
                path,
                message,
                store_id=self.properties.store_id,
                auth_scheme=self.properties.auth_scheme.value,
            )
        if status == 403:
            scope = required_scope(path)
            raise BigCommerceAuthError("scope_missing", status, method, path, message, required_scope=scope)
        raise BigCommerceApiError("error_status", status, method, path, message)


# Which scope a resource needs (docs/bigcommerce.md "Authentication"); used only to make a 403 actionable.
_SCOPES = (
    (re.compile(r"^v3/orders/([^/]+/transactions|payment_actions)"), "store_v2_transactions"),
    (re.compile(r"^v[23]/orders"), "store_v2_orders"),
    (re.compile(r"^(v3/catalog|v3/pricelists|v2/products|v2/brands|v2/categories)"), "store_v2_products"),
    (re.compile(r"^v[23]/customers"), "store_v2_customers"),
    (re.compile(r"^v2/(store|time)"), "store_v2_information"),
    (re.compile(r"^v2/coupons"), "store_v2_marketing"),
    (re.compile(r"^v3/channels"), "store_channel_settings"),
    (re.compile(r"^v3/content"), "store_v2_content"),
    (re.compile(r"^v3/inventory"), "store_inventory"),
)


def required_scope(path: str) -> str | None:
    """The OAuth scope (its full name; ``_read_only`` is enough to read) an API path needs, when known."""
    return next((name for pattern, name in _SCOPES if pattern.match(path)), None)


def _normalized(path: str) -> str:
    return path.strip().lstrip("/")


def _pause(seconds: float, cancelled: threading.Event | None) -> None:
    if cancelled is None:
        time.sleep(seconds)
    elif cancelled.wait(seconds):
        raise RequestCancelled


def _document(answer: Answer, method: str, path: str, token: str) -> Any:
    if not answer.is_json:
        start = answer.body.decode("utf-8", "replace")
        start = (start.replace(token, "***") if token else start)[:80]
        raise BigCommerceApiError("not_json", answer.status, method, path, "", starts=start)
    return answer.document
