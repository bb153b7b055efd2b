"""What a merchant's browser does on the consent page, over plain HTTP, for headless tests and demos.

GET the consent page, submit its form with the chosen button, and return the ``Location`` of the redirect to
the app's callback *without* following it, so a test can read ``code``, ``state`` or ``error`` from it.
"""

from __future__ import annotations

import http.client
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit


class ConsentError(RuntimeError):
    """The consent page could not be shown or submitted (unknown app, redirect_uri mismatch, ...)."""

    def __init__(self, status: int, body: str) -> None:
        self.status = status
        self.body = body
        super().__init__(f"the consent flow answered {status}: {body[:300]}")


class _ConsentForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes.get("name", "")] = attributes.get("value", "")


def _request(url: str, method: str = "GET", body: str | None = None) -> tuple[int, str, str | None]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), response.getheader("Location")
    finally:
        connection.close()


def submit_consent(authorize_url: str, decision: str) -> str:
    """Open ``authorize_url`` (``/oauth2/authorize?...`` or ``/app/{id}/install``), press ``decision``
    (``"approve"`` or ``"deny"``) and return the callback URL the browser is redirected to."""
    status, page, _ = _request(authorize_url)
    if status != 200:
        raise ConsentError(status, page)
    form = _ConsentForm()
    form.feed(page)
    if form.action is None:
        raise ConsentError(status, page)
    status, body, location = _request(
        urljoin(authorize_url, form.action), "POST", urlencode({**form.fields, "decision": decision})
    )
    if status != 302 or not location:
        raise ConsentError(status, body)
    return location
