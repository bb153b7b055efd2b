"""A failed API call in words: what BigCommerce answered (or that nothing answered), and the property or the wait
that cures it. Written from the client's errors (``BigCommerceApiError`` and its kinds, ``BigCommerceTransportError``)
and the quota ledger's (``QuotaLedgerError``)."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceRateLimitError,
    BigCommerceTransportError,
    QuotaLedgerError,
)
from airflow_provider_bigcommerce.core.http.quota_ledger import FOLDER_ENV
from airflow_provider_bigcommerce.core.properties import API_ACCOUNTS_MENU, AuthScheme, ConnectionProperties

# What failed, by BigCommerceTransportError.cause (requests' own text is a dozen lines of urllib3 internals).
TRANSPORT_WORDS = {
    "ConnectionError": "the connection failed (nothing listens there, or the host name is unknown)",
    "ConnectTimeout": "connecting timed out",
    "ReadTimeout": "no answer came within Timeout",
    "AnswerTooSlow": "the answer kept trickling past its deadline",
    "AnswerTooLarge": "the answer was larger than 64 MiB",
    "SlotWait": "the endpoint's few simultaneous requests stayed taken past the longest call",
}
# How the call ended, by BigCommerceTransportError.code, after what failed.
TRANSPORT_ENDINGS = {
    "attempts_exhausted": "",
    "not_retried": "; it was not sent again, as it may have been applied",
    "not_retryable": "",
    "no_slot": "",
}

# After "BigCommerce answered 401 to GET v2/time: ...", by code: what it means and what to do.
API_WORDS = {
    "error_status": "",
    "retries_exhausted": "Gave up after {attempts} attempts: the last answer was {status} {reason}. BigCommerce (or "
    "a proxy in front of it) keeps failing; run again later.",
    "not_json": "It starts: {starts!r}",
    "token_rejected": "The access token is missing, wrong or revoked (StoreId={store_id}). {fix}",
    "scope_missing": "The token lacks the OAuth scope this endpoint needs{needed}. Add the scope: a store-level API "
    "account cannot change its scopes, so create a new one with it; for an app, add it to Scope and re-authorize.",
    "rate_limited": "Gave up after {waits} waits for the store's rate limit. The quota is shared by every app on the "
    "store and another one may be using all of it, or the platform is under load; run again later.",
}
_NEW_TOKEN = {
    AuthScheme.PERSONAL_ACCESS_TOKEN: f"Create a new store-level API account (control panel: {API_ACCOUNTS_MENU} > "
    "Create API account) and put its Access Token in OAuthAccessToken (oauth_access_token).",
    AuthScheme.OAUTH: "Re-authorize the app (InitiateOAuth=GETANDREFRESH, or a new OAuthVerifier) or put its current "
    "token in OAuthAccessToken (oauth_access_token); a token dies when the app's scopes change or it is uninstalled.",
}

# Why the ledger of the store's quota is not used, by QuotaLedgerError.code.
QUOTA_LEDGER_WORDS = {
    "folder_is_symlink": "{path} is a symbolic link; the ledgers' folder must be a folder (pruning a link would "
    "delete files where it points)",
    "not_a_folder": "{path} is not a folder",
    "folder_of_another_user": "the folder {path} belongs to another user (uid {uid}), who could rewrite the ledgers",
    "folder_open_to_all": "the folder {path} is writable by every user and lacks the sticky bit, so anyone could "
    "rewrite the ledgers",
    "ledger_of_another_user": "{path} belongs to another user (uid {uid}), who could rewrite it",
    "ledger_not_regular": "{path} is not a regular file",
    "ledger_linked": "{path} has another hard link: it is also a file somewhere else",
    "lock_timeout": "other processes held the lock on {path} for more than {waited_s:g} s",
    "partly_written": "only {written} of {size} bytes of {path} were written (a full disk or a file-size limit)",
}

# What to do about it, by code: a folder only this user can write, unless the code says otherwise.
_QUOTA_LEDGER_TRUSTED_FOLDER = "Set env {env} to a folder only this user can write, or to off."
_QUOTA_LEDGER_FIXES = {
    "lock_timeout": "If it recurs, set env {env} to a folder on local storage (network locks can be slow), or to off.",
    "partly_written": "Free space on that disk, or set env {env} to a folder on another one, or to off.",
}


def api_error_problem(error: BigCommerceApiError, properties: ConnectionProperties | None) -> str:
    """``BigCommerce answered 404 to GET v2/store: ...``, then what it means and what to do."""
    facts = error.facts
    said = error.api_message or ("the answer is not JSON" if error.code == "not_json" else f"HTTP {error.status}")
    text = f"BigCommerce answered {error.status} to {error.method} {error.path}: {said}"
    if isinstance(error, BigCommerceAuthError) and error.code == "token_rejected":
        hint = API_WORDS["token_rejected"].format(**facts, fix=_NEW_TOKEN[AuthScheme(facts["auth_scheme"])])
    elif isinstance(error, BigCommerceAuthError):
        scope = error.required_scope
        hint = API_WORDS["scope_missing"].format(needed=f" ({scope}_read_only or {scope})" if scope else "")
    elif isinstance(error, BigCommerceRateLimitError):
        hint = API_WORDS["rate_limited"].format(**facts)
    else:
        hint = API_WORDS[error.code].format(**facts)
    if error.status == 404 and properties is not None:
        hint = (
            f"No store answers at {properties.store_api_url}: check StoreId (store_id) '{properties.store_id}', the "
            "hash between 'stores/' and '/v3' of the API path, and the API URL."
        )
    return f"{text.rstrip('. ')}. {hint}" if hint else text


def transport_problem(error: BigCommerceTransportError, properties: ConnectionProperties | None) -> str:
    """``Cannot reach BigCommerce at ...: no answer came within Timeout (3 attempts)``, and what to check."""
    where = properties.api_url if properties is not None else "the API URL"
    kind = TRANSPORT_WORDS.get(error.cause) or f"{error.cause}: {error.facts.get('detail') or 'the request failed'}"
    tries = f", {error.attempts} attempts" if error.attempts > 1 else ""
    timeout = f", and that Timeout ({properties.timeout:g} s) is long enough" if properties is not None else ""
    return (
        f"Cannot reach BigCommerce at {where}: {kind} ({error.method} {error.path}{tries})"
        f"{TRANSPORT_ENDINGS[error.code]}. Check the API URL (URL, the connection's host) and that this machine can "
        f"reach it{timeout}."
    )


def quota_ledger_problem(error: QuotaLedgerError) -> str:
    """Why the shared ledger of the store's quota is not used, and what to do about it."""
    seen = QUOTA_LEDGER_WORDS[error.code].format(**{**error.facts, "uid": "?" if error.uid is None else error.uid})
    fix = _QUOTA_LEDGER_FIXES.get(error.code, _QUOTA_LEDGER_TRUSTED_FOLDER).format(env=FOLDER_ENV)
    return f"The quota ledger is not used: {seen}. This process paces the store on its own figures. {fix}"
