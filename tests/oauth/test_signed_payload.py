"""``signed_payload_jwt`` from /load, /uninstall and /remove_user, minted by the lookalike as BigCommerce would."""

from __future__ import annotations

import base64
import json
import time

import pytest

from airflow_provider_bigcommerce.core.auth.signed_payload import verify_signed_payload_jwt
from airflow_provider_bigcommerce.core.errors import SignedPayloadError
from airflow_provider_bigcommerce.messages.oauth import signed_payload_problem


def _verify(oauth, jwt: str, **options) -> dict:
    return verify_signed_payload_jwt(jwt, client_id=oauth.client_id, client_secret=oauth.client_secret, **options)


def test_a_genuine_payload_verifies_and_names_the_store(oauth) -> None:
    claims = _verify(oauth, oauth.sandbox.mint_signed_payload_jwt(oauth.client_id))

    assert claims["store_hash"] == oauth.sandbox.store_id
    assert claims["sub"] == f"stores/{oauth.sandbox.store_id}" and claims["aud"] == oauth.client_id
    assert claims["user"]["email"] and claims["owner"]["email"]


def test_nbf_before_iat_and_a_few_seconds_of_clock_drift_are_accepted(oauth) -> None:
    jwt = oauth.sandbox.mint_signed_payload_jwt(oauth.client_id)

    assert _verify(oauth, jwt, now=time.time() - 8)["store_hash"]  # this machine's clock is 8 s behind


@pytest.mark.parametrize(
    ("mint", "code"),
    [
        ({"secret": "another-apps-secret"}, "bad_signature"),
        ({"aud": "someone-else"}, "wrong_audience"),
        ({"exp_delta": -60}, "expired"),
    ],
    ids=["signature", "audience", "expiry"],
)
def test_a_bad_payload_says_what_is_wrong_without_the_secret(oauth, assert_no_secret, mint, code) -> None:
    jwt = oauth.sandbox.mint_signed_payload_jwt(oauth.client_id, **mint)

    with pytest.raises(SignedPayloadError) as caught:
        _verify(oauth, jwt)

    assert caught.value.code == code
    assert_no_secret(
        str(caught.value) + signed_payload_problem(caught.value), oauth.client_secret, "another-apps-secret"
    )


def test_a_payload_for_another_app_names_its_audience() -> None:
    error = SignedPayloadError("wrong_audience", audience="someone-else", client_id="ours")

    assert "meant for the app with client id 'someone-else', not 'ours'" in signed_payload_problem(error)


def test_a_payload_from_the_future_blames_the_clock(oauth) -> None:
    with pytest.raises(SignedPayloadError) as caught:
        _verify(oauth, oauth.sandbox.mint_signed_payload_jwt(oauth.client_id), now=time.time() - 3600)
    assert caught.value.code == "not_yet_valid" and caught.value.facts["claim"] in ("nbf", "iat")
    assert 3500 < caught.value.facts["seconds_ahead"] <= 3600
    assert "check this machine's clock" in signed_payload_problem(caught.value)


def test_an_unsigned_token_is_refused(oauth) -> None:
    genuine = oauth.sandbox.mint_signed_payload_jwt(oauth.client_id)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    unsigned = f"{header}.{genuine.split('.')[1]}."

    with pytest.raises(SignedPayloadError) as caught:
        _verify(oauth, unsigned)
    assert (caught.value.code, caught.value.facts) == ("bad_algorithm", {"alg": "none"})


def test_something_that_is_not_a_jwt_is_refused(oauth) -> None:
    with pytest.raises(SignedPayloadError) as caught:
        _verify(oauth, "not-a-jwt")
    assert caught.value.code == "not_jwt"
