"""Verification of ``signed_payload_jwt``, the token BigCommerce adds to an app's /load, /uninstall and /remove_user.

HS256 signed with the app's client secret; ``aud`` is the client id; ``nbf`` can lie a few seconds before ``iat``
and clocks drift, hence a leeway; ``exp`` is 24 h after issue; ``sub`` is ``stores/{hash}``
(docs/bigcommerce.md "App OAuth").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from airflow_provider_bigcommerce.core.errors import SignedPayloadError

LEEWAY_S = 10.0


def verify_signed_payload_jwt(
    signed_payload_jwt: str,
    *,
    client_id: str,
    client_secret: str,
    leeway_s: float = LEEWAY_S,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload's claims once signature, audience and times check out; SignedPayloadError otherwise.

    The claims carry ``store_hash`` too (taken from ``sub``), the value to compare with a connection's StoreId.
    """
    parts = signed_payload_jwt.strip().split(".")
    if len(parts) != 3:
        raise SignedPayloadError("not_jwt")
    header, claims = _json_part(parts[0], "header"), _json_part(parts[1], "payload")
    if header.get("alg") != "HS256":
        raise SignedPayloadError("bad_algorithm", alg=str(header.get("alg"))[:20])
    expected = hmac.new(client_secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64decode(parts[2], "signature")):
        raise SignedPayloadError("bad_signature")
    audience = claims.get("aud")
    if audience != client_id and not (isinstance(audience, list) and client_id in audience):
        raise SignedPayloadError("wrong_audience", audience=str(audience)[:80], client_id=client_id)
    now = time.time() if now is None else now
    exp, nbf, iat = (_time_claim(claims, name) for name in ("exp", "nbf", "iat"))
    if exp is None:
        raise SignedPayloadError("no_expiry")
    if now > exp + leeway_s:
        raise SignedPayloadError("expired", seconds_ago=round(now - exp))
    for name, value in (("nbf", nbf), ("iat", iat)):
        if value is not None and value > now + leeway_s:
            raise SignedPayloadError("not_yet_valid", claim=name, seconds_ahead=round(value - now))
    subject = str(claims.get("sub") or "")
    return {**claims, "store_hash": subject.removeprefix("stores/") if subject.startswith("stores/") else None}


def _json_part(part: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(part, name))
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SignedPayloadError("part_not_json", part=name)
    return value


def _b64decode(part: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise SignedPayloadError("part_not_base64", part=name) from None


def _time_claim(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SignedPayloadError("claim_not_number", claim=name)
    return float(value)
