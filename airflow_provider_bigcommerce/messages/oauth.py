"""OAuth in words: a token endpoint or browser flow that failed (``OAuthError``), why a person has to authorize
(``AuthorizationRequiredError``; the commands come from ``messages.commands``), a ``signed_payload_jwt`` that
failed verification (``SignedPayloadError``), and what the refresh operator did (``token_status``)."""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.core.auth.oauth_client import MAX_EXPIRES_IN_S
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    NextStep,
    OAuthError,
    SignedPayloadError,
)
from airflow_provider_bigcommerce.core.properties import DEFAULT_LOGIN_URL

_NOTHING_SAVED = "Nothing was saved; run the command again"
_CHECK_LOGIN_URL = "Check that LoginURL is BigCommerce's OAuth host."
_CODE_SPENT = "The authorization code was already used, expired or mistyped (codes are single use and short-lived)"
_REFRESH_SPENT = (
    "The saved refresh token was rejected (already used, expired or revoked): a new authorization is needed."
)

# By OAuthError.code; {answer} is "The token endpoint answered 400 (invalid_grant: ...)".
OAUTH_WORDS = {
    "unreachable": "Could not reach the token endpoint {url}: {cause}{detail}. Check LoginURL and the network, then "
    "try again.",
    "redirect_refused": "The token endpoint {url} answered {status}, a redirect to {target}. It was not followed, as "
    "the request carries the client secret and the code. Set LoginURL to the OAuth host itself "
    f"({DEFAULT_LOGIN_URL} for BigCommerce).",
    "redirect_uri_mismatch": "{answer}. The CallbackURL sent was '{callback_url}': it must equal, character for "
    "character, the callback URL registered for the app in the BigCommerce Developer Portal. Correct CallbackURL or "
    "the app.",
    "code_rejected": f"{{answer}}. {_CODE_SPENT}: a new authorization is needed to get a new code.",
    "refresh_rejected": f"{{answer}}. {_REFRESH_SPENT}",
    "client_rejected": "{answer}. The app's credentials were refused: check OAuthClientId and OAuthClientSecret "
    "against the custom app in the BigCommerce Developer Portal.",
    "body_refused": "{answer}. The token request's body did not match its Content-Type; this is a bug, please "
    "report it.",
    "no_token": "{answer} but sent no access_token. Check that LoginURL ({url}) is BigCommerce's OAuth host.",
    "token_endpoint_failed": "{answer}. Try again later; check LoginURL ({url}) if it persists.",
    "unusable_answer": "The token endpoint {url} answered with a {field_name} that {unusable}, so the answer was not "
    f"used. {_CHECK_LOGIN_URL}",
    "callback_timeout": "No answer reached CallbackURL {callback_url} within {timeout_s:.0f} s. "
    f"{_NOTHING_SAVED} and approve the app in the browser.",
    "state_mismatch": "The callback's state does not match the authorization this command started (a forged or "
    "stale link). Nothing was exchanged or saved; run the command again.",
    "denied": "The authorization was not granted ({error_code}): the app was denied in the browser. "
    f"{_NOTHING_SAVED} and click Approve to authorize.",
    "wrong_store": "The app was approved for '{context}', but StoreId is '{store_id}'. Nothing was saved; approve it "
    "in the control panel of the store StoreId names, or correct StoreId.",
    "no_code": f"The callback carried no authorization code. {_NOTHING_SAVED}.",
    "callback_port_unavailable": "Cannot listen on {host} port {port} for CallbackURL ({reason}). Close the program "
    "using that port, or register another loopback port for the app and set CallbackURL.",
}
# What was wrong with a field of the token endpoint's answer ("unusable_answer"), by field.
UNUSABLE_FIELD_WORDS = {
    "access_token": "is not a token (text of visible ASCII characters)",
    "refresh_token": "is not a token (text of visible ASCII characters)",
    "scope": "is not text (scopes separated by spaces)",
    "expires_in": f"is not a lifetime in seconds between 1 and {MAX_EXPIRES_IN_S}",
}

# Why a person has to authorize, by AuthorizationRequiredError.code; the edges add what to run.
AUTHORIZATION_WORDS = {
    "nothing_saved": "No token is saved in OAuthSettingsLocation {settings_location} for store {store_id}.",
    "token_expired": "The token saved in OAuthSettingsLocation {settings_location} expired at {expired_at}{refresh}.",
    "verifier_pending": "OAuthVerifier is set but not exchanged yet, and a read-only check never exchanges it.",
    "verifier_used": "OAuthVerifier was already tried and {verifier_result}; a code works only once.",
    "verifier_rejected": f"{{answer}}. {_CODE_SPENT}: OAuthVerifier cannot be used again.",
    "refresh_rejected": f"{{answer}}. {_REFRESH_SPENT}",
    "token_revoked": "The token saved for store {store_id} was rejected (HTTP 401): the app was uninstalled, its "
    "scopes changed or the store owner's email changed, and BigCommerce revoked the token.",
    "scope_missing": "The token saved for store {store_id} lacks a scope the check needs (HTTP 403{scope}).",
}

# A signed_payload_jwt refused, by SignedPayloadError.code.
SIGNED_PAYLOAD_WORDS = {
    "not_jwt": "signed_payload_jwt is not a JWT (expected three dot-separated parts).",
    "part_not_base64": "signed_payload_jwt's {part} is not base64url.",
    "part_not_json": "signed_payload_jwt's {part} is not a JSON object.",
    "bad_algorithm": "signed_payload_jwt uses algorithm {alg!r}; BigCommerce signs with HS256, so it is refused.",
    "bad_signature": "signed_payload_jwt has a bad signature: it was not signed with this app's client secret (a "
    "forged request, or OAuthClientSecret belongs to another app).",
    "wrong_audience": "signed_payload_jwt is meant for the app with client id {audience!r}, not {client_id!r} (its "
    "audience does not match OAuthClientId).",
    "no_expiry": "signed_payload_jwt has no expiry (exp claim); it is refused.",
    "expired": "signed_payload_jwt expired {seconds_ago} s ago: ask the merchant to open the app again.",
    "not_yet_valid": "signed_payload_jwt is not valid yet ({claim} is {seconds_ahead} s in the future): check this "
    "machine's clock.",
    "claim_not_number": "signed_payload_jwt's {claim} claim is not a number of seconds.",
}


def oauth_problem(error: OAuthError) -> str:
    """What the token endpoint or the browser flow did, and what to change."""
    if isinstance(error, AuthorizationRequiredError):
        return authorization_problem(error)
    facts = error.facts
    words: dict[str, Any] = {
        **facts,
        "answer": _answer(facts),
        "detail": f": {facts['detail']}" if facts.get("detail") else "",
        "target": facts.get("target") or "an unnamed place",
    }
    if error.code == "unusable_answer":
        words["unusable"] = UNUSABLE_FIELD_WORDS[error.field_name or ""]
    return OAUTH_WORDS[error.code].format(**words)


def authorization_problem(error: AuthorizationRequiredError) -> str:
    """Why no usable token is saved (the facts only); the CLI and the hook add the commands that cure it."""
    facts = error.facts
    scope = facts.get("required_scope")
    words = {
        **facts,
        "answer": _answer(facts),
        "refresh": "" if facts.get("refreshable") else " and there is no refresh token",
        "scope": f"; it needs {scope}_read_only or {scope}" if scope else "",
    }
    text = AUTHORIZATION_WORDS[error.code].format(**words)
    if error.next_step is NextStep.IMPORT_SETTINGS:
        text += " InitiateOAuth=GETANDREFRESH needs a person at a browser, which this process cannot reach."
    elif error.next_step is NextStep.AUTHORIZE and facts.get("read_only") is False and facts.get("initiate_oauth"):
        text += f" InitiateOAuth={facts['initiate_oauth']} never opens a browser."
    return text


def signed_payload_problem(error: SignedPayloadError) -> str:
    """Which check a ``signed_payload_jwt`` failed, and the likely cause."""
    return SIGNED_PAYLOAD_WORDS[error.code].format(**error.facts)


def _answer(facts: dict[str, Any]) -> str:
    said = facts.get("said")
    return f"The token endpoint answered {facts.get('status')}" + (f" ({said})" if said else "")


# What the refresh operator did, by the status's ``action`` (its XCom keeps the code).
TOKEN_ACTION_WORDS = {
    "exchanged": "the pending verifier was exchanged for a token and saved",
    "refreshed": "the expiring token was refreshed and saved",
    "authorized": "the app was authorized and its token saved",
    "none": "nothing to exchange or refresh, the token is good",
}


def token_status(status: dict[str, Any]) -> str:
    """The refresh operator's log line from its status (no secret is in a status)."""
    action = status.get("action")
    return (
        f"Store {status.get('store')}: {TOKEN_ACTION_WORDS.get(action, action)}; the token expires "
        f"{status.get('expires')}; last check: {status.get('last_check_result') or 'none'} "
        f"({status.get('last_checked') or 'never'})"
    )
