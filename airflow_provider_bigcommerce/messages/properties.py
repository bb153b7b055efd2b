"""A refused connection property in words: which one (driver name and form field), what is wrong with it, and what
to put there instead. Written from ``PropertyError``'s code and facts; a value is repeated only when the core gave
it, which it never does for a property that may hold a secret."""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import API_ACCOUNTS_MENU, DEFAULT_SETTLE_S, DRIVER_NAMES

_URL_FORM = "Write it as https://host[:port][/path]."
_DEVELOPER_PORTAL = "of your custom app from the BigCommerce Developer Portal."
_SHARED_FILE = (
    "Set it to a file on storage every worker shares (e.g. /shared/bigcommerce/OAuthSettings.txt) or to "
    "memory://<id> for one process."
)

# What is wrong, after "StoreId (store_id) ", by PropertyError.code; facts in braces.
PROPERTY_WORDS = {
    "unknown_property": "is not a BigCommerce connection property",
    "given_twice": "is given twice with different values",
    "missing": "is missing{needed}",
    "not_text": "is {kind}, not text",
    "control_character": "contains a control character such as a line break (not shown)",
    "not_header_safe": "has characters a token cannot have (it is sent as an HTTP header; not shown, as it is a "
    "secret)",
    "not_store_hash": "'{value}' is not a store hash",
    "unknown_value": "'{value}' is not a known value",
    "url_malformed": "is not a well-formed URL (host or port malformed)",
    "url_not_http": "is not an http(s) URL with a host",
    "url_has_credentials": "contains user:password (not shown)",
    "url_has_query": "has a query string or fragment (not shown)",
    "url_plain_http": "uses http:// for the host {host}, which would send credentials unencrypted",
    "not_whole_number": "'{value}' is not a whole number",
    "out_of_range": "'{value}' is not {range}",
    "secret_cut": "is followed by text that is not a property (not shown: it is probably the rest of this secret, "
    "cut at a ';')",
    "not_key_value": "has a part that is not a Key=Value pair (not shown, as it may hold a secret)",
    "port_conflict": "names port {url_port} while the connection's Port is {port}",
    "callback_not_loopback": "'{value}' cannot receive the desktop flow's callback (it must be http:// on "
    "localhost, 127.0.0.1 or [::1])",
    "not_oauth": "is {given}{needed}",
    "no_memory_id": "names no memory id",
    "store_not_supported": "uses {scheme}://, where this provider cannot write conditionally",
    "no_object_key": "names no object (s3://bucket/key expected)",
}

# What needs a missing property (PropertyError.NEEDED_FOR), after "is missing".
NEEDED_FOR_WORDS = {
    "personal_access_token": " for AuthScheme=PersonalAccessToken",
    "oauth_without_initiate": " for AuthScheme=OAuth with InitiateOAuth=OFF",
    "initiate_oauth": " for AuthScheme=OAuth with InitiateOAuth={initiate_oauth}",
    "browser_authorization": " for the browser authorization",
    "verifier_exchange": " for exchanging OAuthVerifier",
    "token_refresh": " for refreshing the expiring token saved in OAuthSettingsLocation",
    "access_token_procedure": " for GetOAuthAccessToken",
    "authorization_url": " for the authorization URL",
    "oauth_authorization": " for the OAuth authorization",
    "oauth_token_source": " for a token kept in OAuthSettingsLocation",
    "oauth_commands": " for the oauth commands",
}

# The kinds of value a property that must be text was given as (PropertyError "not_text").
_KINDS = {"boolean": "a true/false value", "number": "a number", "list": "a list", "object": "a JSON object"}

# What a number out of range should be, by field (PropertyError "out_of_range": low, high).
_RANGES = {
    "timeout": ("a timeout in seconds", "Give a number of seconds between {low:g} and {high:g}."),
    "reserve": (
        "a fraction of the quota between {low:g} and {high:g}",
        "Give the share of the store's quota to leave to its other apps, e.g. 0.1 (the default) or 0.25.",
    ),
    "settle_seconds": (
        "a number of seconds between {low:g} and {high:g}",
        f"Give how long after a window's end to wait before reading it, e.g. {DEFAULT_SETTLE_S:g} (the default); "
        "0 reads at once and can miss records written in a window's last moments.",
    ),
}

# What to do, by code; "missing" and "out_of_range" depend on the property (below).
_FIXES = {
    "unknown_property": "Use one of: {known}.",
    "given_twice": "Keep one spelling of it.",
    "not_text": "Give it as a string (in JSON extras: in double quotes){scopes}.",
    "control_character": "Copy the value again without line breaks or tabs.",
    "not_header_safe": "Paste the token again, exactly as BigCommerce showed it.",
    "not_store_hash": "Use only the hash (letters and digits), not the whole API path or the store's domain.",
    "unknown_value": "Use one of: {choices}.",
    "url_malformed": _URL_FORM,
    "url_not_http": _URL_FORM,
    "url_has_credentials": "Remove it: credentials go in their own properties.",
    "url_has_query": f"Give only the base URL. {_URL_FORM}",
    "url_plain_http": "Use https://; plain http is accepted only for loopback (localhost, 127.0.0.0/8, ::1), e.g. "
    "a local lookalike.",
    "not_whole_number": "Leave it empty or give an integer.",
    "secret_cut": "Quote a value that holds ';' or '=': Key=\"value;with;semicolons\".",
    "not_key_value": "Write the connection string as Key=Value;Key=Value, quoting values that contain ';' or '='.",
    "port_conflict": "Make them agree, or leave Port empty.",
    "callback_not_loopback": "Register a loopback callback such as http://localhost:33333 for the app and set it "
    "here; for a callback on a web server, use the web procedures or InitiateOAuth=REFRESH with OAuthVerifier.",
    "no_memory_id": "Set it to a file on storage every worker shares, or to memory://<id> for one process.",
    "store_not_supported": "Use a file path on a shared volume, or s3://bucket/key "
    "(see docs/deployment.md, 'Settings without a shared POSIX volume').",
    "no_object_key": "Give the bucket and the object's key, e.g. s3://my-bucket/bigcommerce/OAuthSettings.txt.",
}

_MISSING_FIXES = {
    "store_id": "Set it to the store hash: the part between 'stores/' and '/v3' of the API path shown when the API "
    "account was created (https://api.bigcommerce.com/stores/{StoreId}/v3/).",
    "oauth_client_id": f"Copy the Client ID {_DEVELOPER_PORTAL}",
    "oauth_client_secret": f"Copy the Client Secret {_DEVELOPER_PORTAL}",
    "oauth_settings_location": _SHARED_FILE,
}
_MISSING_TOKEN_FIXES = {
    "personal_access_token": f"Paste the Access Token of the store-level API account ({API_ACCOUNTS_MENU}).",
    "oauth_without_initiate": "Give the app's access token (what GetOAuthAccessToken returned), or set InitiateOAuth "
    "to GETANDREFRESH or REFRESH to obtain and keep one in OAuthSettingsLocation.",
}
_OAUTH_COMMANDS_LOCATION = (
    "The oauth commands save and read the token there: pass --settings-location PATH, or set it on the connection "
    "or in --connection-string (e.g. /shared/bigcommerce/OAuthSettings.txt)."
)
_NOT_OAUTH_FIXES = {
    "oauth_commands": "The oauth commands authorize custom apps (AuthScheme=OAuth); a personal access token needs "
    "none.",
    "oauth_token_source": "The OAuth token source needs AuthScheme=OAuth and InitiateOAuth GETANDREFRESH or REFRESH.",
}


def property_problem(error: PropertyError) -> str:
    """``StoreId (store_id) is missing. Set it to the store hash: ...``: the property, what is wrong, the fix."""
    facts = error.facts
    needed_for = facts.get("needed_for")
    words = {
        **facts,
        "needed": NEEDED_FOR_WORDS[needed_for].format(**facts) if needed_for else "",
        "known": ", ".join(DRIVER_NAMES),
        "choices": ", ".join(facts.get("choices", ())),
        "scopes": "; several scopes as one string separated by spaces" if error.field_name == "scope" else "",
    }
    if error.code == "not_text":
        words["kind"] = _KINDS.get(facts["kind"], f"a {facts['kind']}")
    elif error.code == "out_of_range":
        words["range"] = _RANGES[error.field_name][0].format(**facts)
    elif error.code == "not_oauth":
        scheme, mode = facts.get("auth_scheme"), facts.get("initiate_oauth")
        words["given"] = scheme if needed_for == "oauth_commands" else f"{mode} with AuthScheme={scheme}"
        words["needed"] = ""
    seen = PROPERTY_WORDS[error.code].format(**words)
    return f"{error.property_name} ({error.field_name}) {seen}. {_fix(error, words)}"


def _fix(error: PropertyError, words: dict[str, Any]) -> str:
    needed_for = words.get("needed_for")
    if error.code == "missing":
        if error.field_name == "oauth_access_token":
            return _MISSING_TOKEN_FIXES[needed_for]
        if error.field_name == "oauth_settings_location" and needed_for == "oauth_commands":
            return _OAUTH_COMMANDS_LOCATION
        return _MISSING_FIXES[error.field_name]
    if error.code == "out_of_range":
        return _RANGES[error.field_name][1].format(**words)
    if error.code == "not_oauth":
        return _NOT_OAUTH_FIXES[needed_for]
    return _FIXES[error.code].format(**words)
