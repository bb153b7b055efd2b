"""Access tokens the store accepts: store-level API accounts and app (OAuth) tokens, with their scopes.

Store-level tokens never expire (docs/bigcommerce.md "Authentication"); app tokens live until the app is uninstalled,
or, with the ``expiring_tokens`` switch, until their lifetime runs out.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass

READ_ONLY_SUFFIX = "_read_only"
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# Scope names look like store_v2_orders, store_v2_orders_read_only, store_channel_settings, ...
# (docs/bigcommerce.md "Authentication").
SCOPE_NAME = re.compile(r"^(store_[a-z0-9_]+|users_basic_information)$")


def new_token() -> str:
    """31 lowercase letters and digits, the shape of a real access token."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(31))


def has_scope(granted: frozenset[str], required: str) -> bool:
    """A full scope implies its ``_read_only`` counterpart (``store_v2_orders`` covers ``..._read_only``)."""
    return required in granted or required.removesuffix(READ_ONLY_SUFFIX) in granted


@dataclass
class Grant:
    """What one token may do. ``client_id`` is ``None`` for store-level API accounts."""

    token: str
    scopes: frozenset[str]
    client_id: str | None = None
    expires_at: float | None = None  # time.monotonic() deadline
    revoked: bool = False


class TokenRegistry:
    """Thread-safe table of issued tokens."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        scopes: frozenset[str],
        *,
        client_id: str | None = None,
        lifetime_s: float | None = None,
        token: str | None = None,
    ) -> Grant:
        expires_at = self._clock() + lifetime_s if lifetime_s is not None else None
        grant = Grant(token or new_token(), frozenset(scopes), client_id, expires_at)
        with self._lock:
            self._grants[grant.token] = grant
        return grant

    def verify(self, token: str | None) -> tuple[Grant | None, str]:
        """``(grant, "")`` for a usable token, else ``(None, why)`` for the 401 message."""
        if not token:
            return None, "The X-Auth-Token header is missing."
        grant = self._grants.get(token)
        if grant is None:
            return None, "The access token is not valid for this store."
        if grant.revoked:
            return None, "The access token was revoked (the app was uninstalled)."
        if grant.expires_at is not None and self._clock() >= grant.expires_at:
            return None, "The access token has expired."
        return grant, ""

    def revoke_client(self, client_id: str) -> int:
        """Revoke every token of an app; returns how many were live."""
        revoked = 0
        with self._lock:
            for grant in self._grants.values():
                if grant.client_id == client_id and not grant.revoked:
                    grant.revoked = True
                    revoked += 1
        return revoked
