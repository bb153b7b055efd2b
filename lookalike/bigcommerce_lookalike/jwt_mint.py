"""``signed_payload_jwt`` as BigCommerce sends it to an app's ``/load``, ``/uninstall`` and ``/remove_user``.

HS256 signed with the app's client secret; claims ``aud`` (client id), ``iss`` ("bc"), ``iat``, ``nbf`` (a few
seconds *before* ``iat``, which is why verifiers need leeway), ``exp`` (24 h), ``jti``, ``sub``
("stores/{hash}"), ``user``, ``owner``, ``url``, ``channel_id`` (docs/bigcommerce.md "App OAuth").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

NBF_SKEW_S = 5


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_hs256(claims: dict[str, Any], secret: str) -> str:
    """A compact JWS (``header.payload.signature``) with ``alg=HS256``."""
    header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def signed_payload_claims(
    *,
    client_id: str,
    store_hash: str,
    user: dict[str, Any],
    owner: dict[str, Any],
    exp_delta: int = 86400,
    aud: str | None = None,
    sub: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    issued_at = int(time.time() if now is None else now)
    return {
        "aud": client_id if aud is None else aud,
        "iss": "bc",
        "iat": issued_at,
        "nbf": issued_at - NBF_SKEW_S,
        "exp": issued_at + exp_delta,
        "jti": secrets.token_hex(16),
        "sub": f"stores/{store_hash}" if sub is None else sub,
        "user": user,
        "owner": owner,
        "url": "/",
        "channel_id": None,
    }
