"""``mint_signed_payload_jwt``: HS256 with the client secret, BigCommerce's claims (docs/bigcommerce.md "App OAuth")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _verify(jwt: str, secret: str) -> dict:
    """Check the HS256 signature with the standard library alone, then return the claims."""
    header, payload, signature = jwt.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(expected, _b64decode(signature)), "bad signature"
    assert json.loads(_b64decode(header)) == {"typ": "JWT", "alg": "HS256"}
    return json.loads(_b64decode(payload))


def test_minted_jwt_verifies_with_the_client_secret_and_carries_the_claims(sandbox):
    claims = _verify(sandbox.mint_signed_payload_jwt(), sandbox.client_secret)

    now = time.time()
    assert claims["aud"] == sandbox.client_id and claims["iss"] == "bc"
    assert claims["sub"] == f"stores/{sandbox.store_id}"
    assert claims["nbf"] < claims["iat"] <= now + 1 and claims["exp"] == claims["iat"] + 86400
    assert set(claims["user"]) == {"id", "email", "locale"} and set(claims["owner"]) == {"id", "email"}
    assert claims["jti"] and "url" in claims and "channel_id" in claims


def test_minted_jwt_can_be_expired_forged_or_misaddressed(sandbox):
    expired = _verify(sandbox.mint_signed_payload_jwt(exp_delta=-60), sandbox.client_secret)
    other_audience = _verify(sandbox.mint_signed_payload_jwt(aud="someone-else"), sandbox.client_secret)
    forged = sandbox.mint_signed_payload_jwt(secret="not-the-secret")

    assert expired["exp"] < time.time()
    assert other_audience["aud"] == "someone-else"
    header, payload, signature = forged.split(".")
    genuine = hmac.new(sandbox.client_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert not hmac.compare_digest(genuine, _b64decode(signature))


def test_minted_jwt_for_another_app_is_signed_with_that_apps_secret(sandbox):
    client_id, client_secret = sandbox.register_app(callback_url="http://localhost:44444")

    claims = _verify(sandbox.mint_signed_payload_jwt(client_id), client_secret)

    assert claims["aud"] == client_id
