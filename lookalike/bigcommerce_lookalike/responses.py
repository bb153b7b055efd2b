"""What a handler answers: status, headers, body, or "drop the connection" (a fault)."""

from __future__ import annotations

from dataclasses import dataclass, field

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@dataclass
class Reply:
    """One HTTP answer. ``drop`` closes the socket without writing anything (docs/bigcommerce.md "Rate limits");
    ``trickle_bytes_per_s`` writes the body that slowly and ``endless`` never ends it (``faults.Spoil``)."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop: bool = False
    trickle_bytes_per_s: float = 0.0
    endless: bool = False


def json_reply(status: int, document: str | bytes, headers: list[tuple[str, str]] | None = None) -> Reply:
    """``document`` is JSON text already, or its UTF-8 bytes (records are rendered by templates: ``json_template``)."""
    body = document if isinstance(document, bytes) else document.encode("utf-8")
    return Reply(status, body, JSON, list(headers or ()))


def empty_reply(status: int, headers: list[tuple[str, str]] | None = None) -> Reply:
    """No body at all: 204, and the bare 429 that comes without headers under platform load."""
    return Reply(status, b"", None, list(headers or ()))


def html_reply(status: int, page: str) -> Reply:
    return Reply(status, page.encode("utf-8"), HTML)


def redirect_reply(location: str) -> Reply:
    return Reply(302, b"", None, [("Location", location)])
