"""What Airflow learns about this provider without importing it: the hook and the ``bigcommerce`` connection form,
the operators, sensors, triggers and transfer, and the ``bigcommerce://`` asset scheme.

Airflow reads this through the ``apache_airflow_provider`` entry point in every process that lists providers,
so it stays import-light (no airflow, no requests). The form is declarative (Airflow 3.2+ ``conn-fields``):
each field is stored in the connection's extra JSON under its snake_case name, the same name
``ConnectionProperties.from_mapping`` accepts next to the driver's spelling (``OAuthAccessToken``).

Airflow redacts values in the UI and REST API by field *name*, not by ``format: password`` (which only masks the
input box): the secret fields carry a sensitive word (token, secret, passphrase) and no other field does.
``oauth_verifier`` is the one Airflow's default list misses (no sensitive word fits the driver's name
``OAuthVerifier``): deployments that keep a pending verifier in the connection add ``verifier`` to
``[core] sensitive_var_conn_names`` (env ``AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES=verifier``), which covers
both spellings. The value is a single-use code that is useless without the (redacted) client secret.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce import __version__
from airflow_provider_bigcommerce.core.properties import (
    API_ACCOUNTS_MENU,
    DEFAULT_API_URL,
    DEFAULT_CALLBACK_URL,
    DEFAULT_LOGIN_URL,
    DEFAULT_RESERVE,
    DEFAULT_SCOPE,
    DEFAULT_SETTLE_S,
    DEFAULT_TIMEOUT_S,
    MAX_RESERVE,
    MAX_SETTLE_S,
    AuthScheme,
    InitiateOAuth,
)

_NULLABLE_STRING = ["string", "null"]
_ASSETS = "airflow_provider_bigcommerce.assets.bigcommerce"


def _field(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": _NULLABLE_STRING, **schema}}


def _secret(label: str, description: str) -> dict[str, Any]:
    return _field(label, description, format="password")


CONN_FIELDS: dict[str, dict[str, Any]] = {
    "auth_scheme": _field(
        "Auth Scheme (AuthScheme)",
        f"PersonalAccessToken: the Access Token of a store-level API account (control panel: {API_ACCOUNTS_MENU}). "
        "OAuth: a custom app from the BigCommerce Developer Portal, with its "
        "Client ID and Client Secret; choose how the token is obtained under Initiate OAuth. Fill in Port too "
        "(443, or the API URL's own port): Airflow 3.3.2's Test button on the connection list answers 400 for a "
        "connection without one. `airflow connections test <connection id>` tests any saved connection.",
        default=AuthScheme.PERSONAL_ACCESS_TOKEN.value,
        enum=[scheme.value for scheme in AuthScheme],
    ),
    "store_id": _field(
        "Store Id (StoreId)",
        "Required. The store hash: the part between 'stores/' and '/v3' of the API path shown when the API "
        "account was created, e.g. abc123 in https://api.bigcommerce.com/stores/abc123/v3/. The control panel's "
        "address also shows it: store-abc123.mybigcommerce.com.",
        pattern="^[A-Za-z0-9]+$",
        # Not nullable: the form marks the field required and will not save the connection without it.
        type="string",
        minLength=1,
    ),
    "oauth_access_token": _secret(
        "Access Token (OAuthAccessToken)",
        "PersonalAccessToken: the API account's Access Token (shown once when the account is created). "
        "OAuth with Initiate OAuth = OFF: a token your app obtained elsewhere. Leave empty with GETANDREFRESH or "
        "REFRESH: the token then comes from the OAuth settings location.",
    ),
    "oauth_client_id": _field(
        "Client ID (OAuthClientId)",
        "OAuth only: the custom app's Client ID (Developer Portal > My Apps > your app > View Client ID).",
    ),
    "oauth_client_secret": _secret(
        "Client Secret (OAuthClientSecret)",
        "OAuth only: the custom app's Client Secret, shown next to the Client ID. Needed to exchange a code "
        "(GETANDREFRESH, or REFRESH with an OAuth Verifier).",
    ),
    "callback_url": _field(
        "Callback URL (CallbackURL)",
        "OAuth only: the app's registered Auth Callback URL; it must match the Developer Portal exactly. "
        "With GETANDREFRESH the provider listens on it for the browser's redirect.",
        default=DEFAULT_CALLBACK_URL,
    ),
    "scope": _field(
        "Scope (Scope)",
        "OAuth only: the scopes to request, separated by spaces. The app must have them in the Developer "
        "Portal; a call outside them answers 403.",
        default=DEFAULT_SCOPE,
    ),
    "initiate_oauth": _field(
        "Initiate OAuth (InitiateOAuth)",
        "OAuth only. OFF: use the Access Token above as given; nothing is fetched or saved. GETANDREFRESH: use "
        "the token saved at the OAuth settings location; if there is none, open a browser for the merchant's "
        "consent (needs a desktop), save the token and refresh it when it expires. REFRESH: never open a "
        "browser: exchange the OAuth Verifier once if one is set, then use and refresh the saved token; the "
        "mode for workers and schedulers.",
        default=InitiateOAuth.OFF.value,
        enum=[mode.value for mode in InitiateOAuth],
    ),
    "oauth_verifier": _secret(
        "OAuth Verifier (OAuthVerifier)",
        "OAuth with REFRESH on a machine without a browser: the code value from the Callback URL "
        "(...?code=...) after the merchant approved the app on another device. Exchanged once for a token, "
        "which is saved at the OAuth settings location; a code works only once. Airflow shows it as *** only "
        "when [core] sensitive_var_conn_names includes verifier.",
    ),
    "oauth_settings_location": _field(
        "OAuth Settings Location (OAuthSettingsLocation)",
        "OAuth with GETANDREFRESH or REFRESH: where the token is saved, encrypted, and shared. A file every "
        "worker can read and write, e.g. /shared/bigcommerce/OAuthSettings.txt (a folder ending in / gets "
        "OAuthSettings.txt), or memory://<name> to share only inside one process.",
    ),
    "oauth_settings_passphrase": _secret(
        "Settings File Passphrase (OAuthSettingsPassphrase)",
        "The secret that encrypts the OAuth settings file. Every connection sharing the file needs the same "
        "passphrase. If empty, the key in env BIGCOMMERCE_OAUTH_SETTINGS_KEY or Airflow's [core] fernet_key is "
        "used; with none of them, nothing is saved.",
    ),
    "login_url": _field(
        "Login URL (LoginURL)",
        "BigCommerce's OAuth host. Change it only for a proxy or a test server.",
        default=DEFAULT_LOGIN_URL,
    ),
    "timeout": {
        "label": "Timeout (Timeout)",
        "description": "Seconds to wait for each HTTP response before retrying (1 to 600).",
        "schema": {"type": ["number", "null"], "default": DEFAULT_TIMEOUT_S, "minimum": 1, "maximum": 600},
    },
    "reserve": {
        "label": "Reserve (Reserve)",
        "description": "Share of the store's request quota left for its other apps (0 to 0.9). Requests up to the "
        "rest go at once; the reserve is spread over the rest of each window, and what other apps spend comes out "
        "of it. Every task reading the store shares the quota (README 'Fleet').",
        "schema": {"type": ["number", "null"], "default": DEFAULT_RESERVE, "minimum": 0, "maximum": MAX_RESERVE},
    },
    "settle_seconds": {
        "label": "Settle Seconds (SettleSeconds)",
        "description": "Seconds an export waits after its window's end before reading it (0 to 3600), so records "
        "written in the window's last moments, which BigCommerce may list a little later, are not missed. The task "
        "waits deferred, holding no worker slot; 0 reads at once (docs/properties.md 'SettleSeconds').",
        "schema": {"type": ["number", "null"], "default": DEFAULT_SETTLE_S, "minimum": 0, "maximum": MAX_SETTLE_S},
    },
}
"""Form field name (also the extra JSON key) -> field definition; one per property a user sets."""

SECRET_CONN_FIELDS = frozenset(name for name, spec in CONN_FIELDS.items() if spec["schema"].get("format") == "password")


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-bigcommerce",
        "name": "BigCommerce",
        "description": "BigCommerce store data for Apache Airflow: personal access tokens, OAuth custom apps with a "
        "shared token store, and rate-limit-aware reads of the v2 and v3 REST APIs.",
        "state": "ready",
        "lifecycle": "incubation",
        "source-date-epoch": 1767225600,
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "BigCommerce",
                "external-doc-url": "https://developer.bigcommerce.com/docs/rest-management",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "BigCommerce",
                "python-modules": ["airflow_provider_bigcommerce.hooks.bigcommerce"],
            }
        ],
        "operators": [
            {
                "integration-name": "BigCommerce",
                "python-modules": ["airflow_provider_bigcommerce.operators.refresh_token"],
            }
        ],
        "sensors": [
            {
                "integration-name": "BigCommerce",
                "python-modules": ["airflow_provider_bigcommerce.sensors.token"],
            }
        ],
        "triggers": [
            {
                "integration-name": "BigCommerce",
                "python-modules": [
                    "airflow_provider_bigcommerce.triggers.token",
                    "airflow_provider_bigcommerce.triggers.changes",
                ],
            }
        ],
        "transfers": [
            {
                "source-integration-name": "BigCommerce",
                "target-integration-name": "Common IO",  # ObjectStoragePath: any fsspec store
                "python-module": "airflow_provider_bigcommerce.transfers.bigcommerce_to_storage",
            }
        ],
        # bigcommerce://{store_id}/{name}: checked when an Asset is made, and named for OpenLineage.
        "asset-uris": [
            {
                "schemes": ["bigcommerce"],
                "handler": f"{_ASSETS}.sanitize_uri",
                "factory": f"{_ASSETS}.create_asset",
                "to_openlineage_converter": f"{_ASSETS}.convert_asset_to_openlineage",
            }
        ],
        "connection-types": [
            {
                "connection-type": "bigcommerce",
                "hook-class-name": "airflow_provider_bigcommerce.hooks.bigcommerce.BigCommerceHook",
                "hook-name": "BigCommerce",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": {
                    # Port stays: the list's Test button of Airflow 3.3.2 needs one (docs/airflow.md "The Test button").
                    "hidden-fields": ["login", "password", "schema"],
                    "relabeling": {"host": "API URL", "port": "Port (443, or the API URL's)"},
                    "placeholders": {"host": DEFAULT_API_URL, "port": "443"},
                },
            }
        ],
    }
