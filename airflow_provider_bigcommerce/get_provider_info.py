"""What Airflow learns about this provider without importing it (``apache_airflow_provider`` entry point).

Generated from ``provider.yaml`` by ``scripts/generate_provider_info.py``: edit provider.yaml, then run the script.
Airflow calls this in every process that lists providers, so it imports nothing and returns a plain dict.
"""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-bigcommerce",
        "name": "BigCommerce",
        "description": "BigCommerce store data for Apache Airflow: personal access tokens, OAuth custom apps with a "
        "shared token store, and rate-limit-aware reads of the v2 and v3 REST APIs.",
        "state": "ready",
        "lifecycle": "incubation",
        "source-date-epoch": 1767225600,
        "versions": ["0.1.0"],
        "integrations": [
            {
                "integration-name": "BigCommerce",
                "external-doc-url": "https://developer.bigcommerce.com/docs/rest-management",
                "tags": ["service"],
            },
        ],
        "hooks": [
            {
                "integration-name": "BigCommerce",
                "python-modules": ["airflow_provider_bigcommerce.hooks.bigcommerce"],
            },
        ],
        "operators": [
            {
                "integration-name": "BigCommerce",
                "python-modules": ["airflow_provider_bigcommerce.operators.refresh_token"],
            },
        ],
        "sensors": [
            {
                "integration-name": "BigCommerce",
                "python-modules": ["airflow_provider_bigcommerce.sensors.token"],
            },
        ],
        "triggers": [
            {
                "integration-name": "BigCommerce",
                "python-modules": [
                    "airflow_provider_bigcommerce.triggers.token",
                    "airflow_provider_bigcommerce.triggers.changes",
                ],
            },
        ],
        "transfers": [
            {
                "source-integration-name": "BigCommerce",
                "target-integration-name": "Common IO",
                "python-module": "airflow_provider_bigcommerce.transfers.bigcommerce_to_storage",
            },
            {
                "source-integration-name": "BigCommerce",
                "target-integration-name": "Common SQL",
                "python-module": "airflow_provider_bigcommerce.transfers.bigcommerce_to_sql",
            },
        ],
        "asset-uris": [
            {
                "schemes": ["bigcommerce"],
                "handler": "airflow_provider_bigcommerce.assets.bigcommerce.sanitize_uri",
                "factory": "airflow_provider_bigcommerce.assets.bigcommerce.create_asset",
                "to_openlineage_converter": "airflow_provider_bigcommerce.assets.bigcommerce.convert_asset_to_openlineage",  # noqa: E501
            },
        ],
        "dataset-uris": [
            {
                "schemes": ["bigcommerce"],
                "handler": "airflow_provider_bigcommerce.assets.bigcommerce.sanitize_uri",
                "factory": "airflow_provider_bigcommerce.assets.bigcommerce.create_asset",
                "to_openlineage_converter": "airflow_provider_bigcommerce.assets.bigcommerce.convert_asset_to_openlineage",  # noqa: E501
            },
        ],
        "connection-types": [
            {
                "connection-type": "bigcommerce",
                "hook-class-name": "airflow_provider_bigcommerce.hooks.bigcommerce.BigCommerceHook",
                "hook-name": "BigCommerce",
                "conn-fields": {
                    "auth_scheme": {
                        "label": "Auth Scheme (AuthScheme)",
                        "description": "PersonalAccessToken: the Access Token of a store-level API account (control "
                        "panel: Settings > Store-level API accounts). OAuth: a custom app from the BigCommerce "
                        "Developer Portal, with its Client ID and Client Secret; choose how the token is obtained "
                        "under Initiate OAuth. Fill in Port too (443, or the API URL's own port): Airflow 3.3.2's Test "
                        "button on the connection list answers 400 for a connection without one. `airflow connections "
                        "test <connection id>` tests any saved connection.",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "PersonalAccessToken",
                            "enum": ["PersonalAccessToken", "OAuth"],
                        },
                    },
                    "store_id": {
                        "label": "Store Id (StoreId)",
                        "description": "Required. The store hash: the part between 'stores/' and '/v3' of the API path "
                        "shown when the API account was created, e.g. abc123 in "
                        "https://api.bigcommerce.com/stores/abc123/v3/. The control panel's address also shows it: "
                        "store-abc123.mybigcommerce.com.",
                        "schema": {
                            "type": "string",
                            "pattern": "^[A-Za-z0-9]+$",
                            "minLength": 1,
                        },
                    },
                    "oauth_access_token": {
                        "label": "Access Token (OAuthAccessToken)",
                        "description": "PersonalAccessToken: the API account's Access Token (shown once when the "
                        "account is created). OAuth with Initiate OAuth = OFF: a token your app obtained elsewhere. "
                        "Leave empty with GETANDREFRESH or REFRESH: the token then comes from the OAuth settings "
                        "location.",
                        "schema": {
                            "type": ["string", "null"],
                            "format": "password",
                        },
                    },
                    "oauth_client_id": {
                        "label": "Client ID (OAuthClientId)",
                        "description": "OAuth only: the custom app's Client ID (Developer Portal > My Apps > your app "
                        "> View Client ID).",
                        "schema": {
                            "type": ["string", "null"],
                        },
                    },
                    "oauth_client_secret": {
                        "label": "Client Secret (OAuthClientSecret)",
                        "description": "OAuth only: the custom app's Client Secret, shown next to the Client ID. "
                        "Needed to exchange a code (GETANDREFRESH, or REFRESH with an OAuth Verifier).",
                        "schema": {
                            "type": ["string", "null"],
                            "format": "password",
                        },
                    },
                    "callback_url": {
                        "label": "Callback URL (CallbackURL)",
                        "description": "OAuth only: the app's registered Auth Callback URL; it must match the "
                        "Developer Portal exactly. With GETANDREFRESH the provider listens on it for the browser's "
                        "redirect.",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "http://localhost:33333",
                        },
                    },
                    "scope": {
                        "label": "Scope (Scope)",
                        "description": "OAuth only: the scopes to request, separated by spaces. The app must have them "
                        "in the Developer Portal; a call outside them answers 403.",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "store_v2_orders store_v2_customers store_v2_products store_v2_information",
                        },
                    },
                    "initiate_oauth": {
                        "label": "Initiate OAuth (InitiateOAuth)",
                        "description": "OAuth only. OFF: use the Access Token above as given; nothing is fetched or "
                        "saved. GETANDREFRESH: use the token saved at the OAuth settings location; if there is none, "
                        "open a browser for the merchant's consent (needs a desktop), save the token and refresh it "
                        "when it expires. REFRESH: never open a browser: exchange the OAuth Verifier once if one is "
                        "set, then use and refresh the saved token; the mode for workers and schedulers.",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "OFF",
                            "enum": ["OFF", "GETANDREFRESH", "REFRESH"],
                        },
                    },
                    "oauth_verifier": {
                        "label": "OAuth Verifier (OAuthVerifier)",
                        "description": "OAuth with REFRESH on a machine without a browser: the code value from the "
                        "Callback URL (...?code=...) after the merchant approved the app on another device. Exchanged "
                        "once for a token, which is saved at the OAuth settings location; a code works only once. "
                        "Airflow shows it as *** only when [core] sensitive_var_conn_names includes verifier.",
                        "schema": {
                            "type": ["string", "null"],
                            "format": "password",
                        },
                    },
                    "oauth_settings_location": {
                        "label": "OAuth Settings Location (OAuthSettingsLocation)",
                        "description": "OAuth with GETANDREFRESH or REFRESH: where the token is saved, encrypted, and "
                        "shared. A file every worker can read and write, e.g. /shared/bigcommerce/OAuthSettings.txt (a "
                        "folder ending in / gets OAuthSettings.txt), or memory://<name> to share only inside one "
                        "process.",
                        "schema": {
                            "type": ["string", "null"],
                        },
                    },
                    "oauth_settings_passphrase": {
                        "label": "Settings File Passphrase (OAuthSettingsPassphrase)",
                        "description": "The secret that encrypts the OAuth settings file. Every connection sharing the "
                        "file needs the same passphrase. If empty, the key in env BIGCOMMERCE_OAUTH_SETTINGS_KEY or "
                        "Airflow's [core] fernet_key is used; with none of them, nothing is saved.",
                        "schema": {
                            "type": ["string", "null"],
                            "format": "password",
                        },
                    },
                    "login_url": {
                        "label": "Login URL (LoginURL)",
                        "description": "BigCommerce's OAuth host. Change it only for a proxy or a test server.",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "https://login.bigcommerce.com",
                        },
                    },
                    "timeout": {
                        "label": "Timeout (Timeout)",
                        "description": "Seconds to wait for each HTTP response before retrying (1 to 600).",
                        "schema": {
                            "type": ["number", "null"],
                            "default": 30.0,
                            "minimum": 1,
                            "maximum": 600,
                        },
                    },
                    "reserve": {
                        "label": "Reserve (Reserve)",
                        "description": "Share of the store's request quota left for its other apps (0 to 0.9). "
                        "Requests up to the rest go at once; the reserve is spread over the rest of each window, and "
                        "what other apps spend comes out of it. Every task reading the store shares the quota "
                        "(docs/deployment.md 'Fleet').",
                        "schema": {
                            "type": ["number", "null"],
                            "default": 0.1,
                            "minimum": 0,
                            "maximum": 0.9,
                        },
                    },
                    "settle_seconds": {
                        "label": "Settle Seconds (SettleSeconds)",
                        "description": "Seconds an export waits after its window's end before reading it (0 to 3600), "
                        "so records written in the window's last moments, which BigCommerce may list a little later, "
                        "are not missed. The task waits deferred, holding no worker slot; 0 reads at once "
                        "(docs/properties.md 'SettleSeconds').",
                        "schema": {
                            "type": ["number", "null"],
                            "default": 300.0,
                            "minimum": 0,
                            "maximum": 3600.0,
                        },
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["login", "password", "schema"],
                    "relabeling": {
                        "host": "API URL",
                        "port": "Port (443, or the API URL's)",
                    },
                    "placeholders": {
                        "host": "https://api.bigcommerce.com",
                        "port": "443",
                    },
                },
            },
        ],
    }
