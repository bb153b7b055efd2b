"""One exchange with the store's API: headers and token for its URL only, the whole answer read within a deadline
and a size cap, and what the body really says (an error object answered with 200 is still an error)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as Urllib3SSLError

from airflow_provider_bigcommerce import __version__
from airflow_provider_bigcommerce.core.http.rate_limit import RateLimitReading

USER_AGENT = f"airflow-provider-bigcommerce/{__version__}"
TOKEN_HEADER = "X-Auth-Token"
# requests adds Content-Type itself, and only with a JSON body.
API_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}
ANSWER_DEADLINE_TIMEOUTS = 2  # a whole answer must arrive within this many Timeouts of sending
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # a page of 250 orders with line items is a few MB
_READ_SIZE = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class AnswerTooSlow(requests.Timeout):
    """The answer kept coming for longer than its deadline (a trickling or endless body)."""


class AnswerTooLarge(requests.RequestException):
    """The answer was larger than ``MAX_ANSWER_BYTES``."""


def is_under(url: str | None, base_url: str) -> bool:
    """Whether ``url`` is ``base_url`` or below it: same scheme, host and port, and a path under the base path."""
    if not url:
        return False
    try:
        same_origin = _origin(url) == _origin(base_url)
    except ValueError:  # an invalid port
        return False
    target, base = urlsplit(url), urlsplit(base_url)
    base_path = base.path.rstrip("/")
    climbs = ".." in target.path.split("/")  # /stores/abc/../other: the server resolves it to another store
    return same_origin and not climbs and (target.path == base_path or target.path.startswith(base_path + "/"))


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or _DEFAULT_PORTS.get(scheme)


class TokenAuth(requests.auth.AuthBase):
    """Adds the API headers and the token to requests for the store's API, and nothing to any other URL
    (a product image's absolute URL, for one); the token is read per request, never stored on a session."""

    def __init__(self, api_base_url: str, token: Callable[[], str]) -> None:
        self._base_url = api_base_url
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if is_under(request.url, self._base_url):
            request.headers.update(API_HEADERS)
            request.headers[TOKEN_HEADER] = self._token()
        return request

    def __repr__(self) -> str:
        return "<BigCommerce X-Auth-Token>"


class ApiSession(requests.Session):
    """A session that drops the token when a redirect leaves the store's API (requests only drops Authorization)."""

    def __init__(self, api_base_url: str) -> None:
        super().__init__()
        self._base_url = api_base_url

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if not is_under(prepared_request.url, self._base_url):
            prepared_request.headers.pop(TOKEN_HEADER, None)


@dataclass(frozen=True)
class Answer:
    """An answer read whole. ``status`` is the HTTP status, or the error status a 2xx body announced."""

    status: int
    http_status: int
    reason: str
    body: bytes
    document: Any  # the parsed JSON of a 2xx answer; None for no body
    is_json: bool
    reading: RateLimitReading

    @classmethod
    def parse(cls, status: int, reason: str, headers: Mapping[str, str], body: bytes) -> Answer:
        document, is_json = None, True
        if 200 <= status < 300 and body.strip():
            try:
                document = json.loads(body)
            except (ValueError, RecursionError):
                is_json = False
        announced = status_in_body(document) if 200 <= status < 300 else None
        return cls(announced or status, status, reason, body, document, is_json, RateLimitReading.from_headers(headers))

    def message(self, token: str) -> str:
        """The error's message (v3 ``{"title","errors"}``, v2 ``[{"message","details"}]``, or the reason), without
        the token."""
        try:
            body = json.loads(self.body) if self.body.strip() else None
        except (ValueError, RecursionError):
            body = None
        items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
        parts = [text for item in items if isinstance(item, dict) and (text := _describe_error(item))]
        if parts:
            message = "; ".join(parts)
        elif body is None and self.body.strip():
            message = self.body.decode("utf-8", "replace").strip()[:300]
        else:
            message = self.reason or f"HTTP {self.http_status}"
        return message.replace(token, "***") if token else message


def status_in_body(document: Any) -> int | None:
    """The status of an error answered with 2xx: a v3 ``{"status", "title"}`` object or a v2 array of
    ``{"status", "message"}``. Records never look like that: they carry an ``id``, and an order's status is text."""
    items = document if isinstance(document, list) else [document]
    return next((status for item in items if (status := _error_status(item)) is not None), None)


def _error_status(item: Any) -> int | None:
    if not isinstance(item, dict) or "id" in item or "data" in item:
        return None
    status = item.get("status")
    if type(status) is int and 400 <= status <= 599 and any(isinstance(item.get(k), str) for k in ("title", "message")):
        return status
    return None


def exchange(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    json_body: Any,
    auth: requests.auth.AuthBase,
    timeout_s: float,
) -> Answer:
    """Send one request and read its whole answer. Raises a ``requests`` error, ``AnswerTooSlow`` (a retryable
    timeout) once the answer has taken ``ANSWER_DEADLINE_TIMEOUTS`` × ``timeout_s``, or ``AnswerTooLarge``."""
    deadline = time.monotonic() + ANSWER_DEADLINE_TIMEOUTS * timeout_s
    response = session.request(
        method,
        url,
        params=params or None,
        json=json_body,
        auth=auth,
        timeout=(timeout_s, timeout_s),
        allow_redirects=False,
        stream=True,
    )
    try:
        body = _read_whole(response, deadline)
    finally:
        response.close()  # after a whole body the connection is already back in the pool; else it is dropped
    return Answer.parse(response.status_code, response.reason or "", response.headers, body)


def _read_whole(response: requests.Response, deadline: float) -> bytes:
    """Each ``read1`` is one socket read, so it waits at most Timeout; the deadline is checked between them."""
    parts: list[bytes] = []
    size = 0
    try:
        while chunk := response.raw.read1(_READ_SIZE):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise AnswerTooLarge(f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MiB")
            if time.monotonic() > deadline:
                raise AnswerTooSlow(f"the answer was still arriving {ANSWER_DEADLINE_TIMEOUTS} × Timeout after sending")
            parts.append(chunk)
    except ReadTimeoutError as error:  # the same wrapping requests does when it reads a body itself
        raise requests.exceptions.ReadTimeout(error) from None
    except ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error) from None
    except DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error) from None
    except Urllib3SSLError as error:
        raise requests.exceptions.SSLError(error) from None
    return b"".join(parts)


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
