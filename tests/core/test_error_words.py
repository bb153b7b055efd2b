"""Every code of every error type the core raises has words in ``messages/``, written from its facts: the CLI, the
hook's task log, the operators and the Test button never leave a person with a bare label. The types are found by
walking ``core/`` (a new one is covered the day it is written), their codes from their declared ``CODES``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import airflow_provider_bigcommerce.core as core
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    BigCommerceApiError,
    BigCommerceAuthError,
    BigCommerceError,
    BigCommerceRateLimitError,
    BigCommerceTransportError,
    ExportError,
    NextStep,
    OAuthError,
    PagingError,
    PropertyError,
    QuotaLedgerError,
    SettingsStoreError,
    SignedPayloadError,
)
from airflow_provider_bigcommerce.core.export.destination import DestinationError
from airflow_provider_bigcommerce.core.export.id_snapshot import SnapshotError
from airflow_provider_bigcommerce.core.export.resources import ResourceNameError
from airflow_provider_bigcommerce.core.export.windows import Window, WindowError, WindowNotSettled
from airflow_provider_bigcommerce.core.load.errors import LoadError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.problems import api_problem
from airflow_provider_bigcommerce.messages.properties import NEEDED_FOR_WORDS, PROPERTY_WORDS, property_problem

pytestmark = pytest.mark.unit

START = datetime(2024, 5, 1, tzinfo=UTC)
PROPERTIES = ConnectionProperties.from_mapping(
    {"StoreId": "abc123", "OAuthAccessToken": "tok-secret-4711", "URL": "http://127.0.0.1:8765"}
)

# Facts a test error is made with, by type and code (those not listed are made without any).
FACTS: dict[type, dict[str, dict[str, Any]]] = {
    PropertyError: {
        "missing": {"needed_for": "token_refresh", "initiate_oauth": "REFRESH"},
        "not_text": {"kind": "list"},
        "not_store_hash": {"value": "api.bigcommerce.com"},
        "unknown_value": {"value": "Basic", "choices": ("PersonalAccessToken", "OAuth")},
        "url_plain_http": {"host": "api.example.com"},
        "not_whole_number": {"value": "12.5"},
        "out_of_range": {"value": "9999", "low": 1, "high": 600},
        "port_conflict": {"url_port": 8765, "port": 9000},
        "callback_not_loopback": {"value": "https://app.example.com/callback"},
        "not_oauth": {"needed_for": "oauth_token_source", "auth_scheme": "OAuth", "initiate_oauth": "OFF"},
        "store_not_supported": {"scheme": "gs"},
    },
    BigCommerceApiError: {
        "error_status": {},
        "retries_exhausted": {"attempts": 5, "reason": "Service Unavailable"},
        "not_json": {"starts": "<html>maintenance"},
    },
    BigCommerceAuthError: {
        "token_rejected": {"store_id": "abc123", "auth_scheme": "PersonalAccessToken"},
        "scope_missing": {"required_scope": "store_v2_orders"},
    },
    BigCommerceRateLimitError: {"rate_limited": {"waits": 10}},
    OAuthError: {
        "unreachable": {"url": "https://login.example.com/oauth2/token", "cause": "ConnectTimeout"},
        "redirect_refused": {"url": "https://login.example.com/oauth2/token", "status": 302, "target": "evil.example"},
        "redirect_uri_mismatch": {"status": 400, "said": "invalid_grant: redirect", "callback_url": "http://x:1/cb"},
        "code_rejected": {"status": 400, "said": "invalid_grant: used", "error_code": "invalid_grant"},
        "refresh_rejected": {"status": 400, "said": "invalid_grant: rotated", "error_code": "invalid_grant"},
        "client_rejected": {"status": 401, "said": "invalid_client: unknown client"},
        "body_refused": {"status": 406},
        "no_token": {"status": 200, "url": "https://login.example.com/oauth2/token"},
        "token_endpoint_failed": {"status": 503, "url": "https://login.example.com/oauth2/token"},
        "unusable_answer": {"url": "https://login.example.com/oauth2/token", "field_name": "expires_in"},
        "callback_timeout": {"callback_url": "http://localhost:33333", "timeout_s": 300},
        "denied": {"error_code": "access_denied"},
        "wrong_store": {"context": "stores/other1", "store_id": "abc123"},
        "callback_port_unavailable": {"host": "127.0.0.1", "port": 33333, "reason": "Address already in use"},
    },
    AuthorizationRequiredError: {
        "nothing_saved": {"store_id": "abc123", "settings_location": "/shared/OAuthSettings.txt", "read_only": False},
        "token_expired": {
            "settings_location": "/shared/OAuthSettings.txt",
            "expired_at": "2024-05-01T00:00:00+00:00",
            "refreshable": False,
        },
        "verifier_used": {"verifier_result": "rejected: invalid_grant"},
        "verifier_rejected": {"status": 400, "said": "invalid_grant: used"},
        "refresh_rejected": {"status": 400, "said": "invalid_grant: rotated"},
        "token_revoked": {"store_id": "abc123"},
        "scope_missing": {"store_id": "abc123", "required_scope": "store_v2_orders"},
    },
    SettingsStoreError: {
        "malformed_key": {"position": 2, "source": "env BIGCOMMERCE_OAUTH_SETTINGS_KEY"},
        "damaged": {"damage": "truncated"},
        "kdf_too_costly": {"n": 65536, "r": 8, "p": 2},
        "key_missing": {"kind": "passphrase", "configured": "env BIGCOMMERCE_OAUTH_SETTINGS_KEY"},
        "wrong_key": {"kind": "key", "configured": "Airflow's [core] fernet_key"},
        "newer_format": {"version": "7"},
        "other_store": {"saved": "other1", "store_id": "abc123"},
        "other_client": {"saved": "client-1", "client_id": "client-2"},
        "os_error": {
            "action": "create_lock",
            "reason": "Permission denied",
            "errno": "EACCES",
            "folder": "/shared",
            "folder_missing": False,
        },
        "location_is_symlink": {"path": "/shared/OAuthSettings.txt"},
        "not_regular_file": {"path": "/shared/OAuthSettings.txt"},
        "lock_is_symlink": {"path": "/shared/OAuthSettings.txt.lock"},
        "lock_not_regular": {"path": "/shared/OAuthSettings.txt.lock"},
        "unsafe_folder": {"folder": "/shared"},
        "locks_unsupported": {"reason": "Function not implemented"},
        "lock_timeout": {"waited_s": 120, "lock_path": "/shared/OAuthSettings.txt.lock"},
        "object_store_error": {"action": "put_object", "reason": "ClientError (HTTP 403)"},
    },
    ExportError: {
        "unknown_resource": {"resource": "gift_certificates"},
        "date_params_for_named": {"resource": "orders"},
        "path_not_versioned": {"path": "stores/abc/v3/x"},
        "date_params_not_two": {"count": 3},
        "empty_window": {"resource": "orders", "start": START.isoformat()},
        "no_interval": {"resource": "orders"},
        "no_deletions": {"resource": "line_items"},
        "compression_unsupported": {"compression": "zip", "choices": ("gzip",)},
        "initial_load_unknown": {"initial_load": "all", "choices": ("start_date", "full")},
        "no_start_date": {"task_id": "export_orders"},
        "later_runs_past_limit": {"limit": 1000, "moment": START.isoformat()},
        "moment_not_iso": {"name": "since", "value": "yesterday"},
        "moment_naive": {"name": "until", "value": "2024-05-01T00:00:00"},
        "half_window": {"given": "since", "missing": "until"},
        "parallel_tasks_out_of_range": {"value": 0, "low": 1, "high": 1000},
        "unknown_format": {"file_format": "avro", "choices": ("ndjson", "parquet")},
        "compression_with_parquet": {"compression": "gzip"},
        "no_schema": {"resource": "my_list"},
    },
    LoadError: {
        "unsupported_database": {"database": "oracle", "supported": ["postgres", "sqlite"]},
        "bad_table_name": {"table": "orders; drop"},
        "table_name_too_long": {"table": "o" * 64, "limit": 63, "database": "postgres"},
        "no_schema": {"resource": "my_list"},
    },
    QuotaLedgerError: {
        "folder_of_another_user": {"uid": 1001},
        "ledger_of_another_user": {"uid": 1001},
        "lock_timeout": {"waited_s": 2.0},
        "partly_written": {"written": 4096, "size": 5120},
    },
    SignedPayloadError: {
        "part_not_base64": {"part": "signature"},
        "part_not_json": {"part": "header"},
        "bad_algorithm": {"alg": "none"},
        "wrong_audience": {"audience": "someone-else", "client_id": "ours"},
        "expired": {"seconds_ago": 61},
        "not_yet_valid": {"claim": "nbf", "seconds_ahead": 3600},
        "claim_not_number": {"claim": "exp"},
    },
    DestinationError: {
        **{code: {"destination": "/data/exports", "cause": "OSError"} for code in DestinationError.CODES},
        "other_store": {"destination": "/data/exports", "store_id": "abc123", "claimed": "other1"},
        "marker_unreadable": {"destination": "/data/exports", "store_id": "abc123"},
    },
    PagingError: {
        "count_mismatch": {"reason": "short_after_passes", "passes": 3, "expected": 900, "read": 600},
        "list_unstable": {"reason": "grew_past_ceiling", "ceiling": 2510},
        "bad_meta": {"reason": "not_whole_number", "name": "total", "value": "many"},
        "bad_record": {"reason": "consignments_malformed", "order_id": 104, "where": "consignments.email"},
        "page_repeated": {"reason": "page_repeats_previous", "page": 4},
        "cursor_cycle": {"reason": "cursor_seen_before"},
    },
    SnapshotError: {code: {"path": "/data/orders/_ids.gz", "line": 3} for code in SnapshotError.CODES},
}

# How each type is made from a code and its facts (its positional arguments first).
MAKERS: dict[type, Callable[..., BigCommerceError]] = {
    PropertyError: lambda code, **facts: PropertyError(
        code,
        *(("Timeout", "timeout") if code == "out_of_range" else ("OAuthClientSecret", "oauth_client_secret")),
        **facts,
    ),
    BigCommerceApiError: lambda code, **facts: BigCommerceApiError(
        code, 503, "GET", "v2/orders", "Unavailable", **facts
    ),
    BigCommerceAuthError: lambda code, **facts: BigCommerceAuthError(
        code, 401, "GET", "v2/time", "Unauthorized", **facts
    ),
    BigCommerceRateLimitError: lambda code, **facts: BigCommerceRateLimitError(
        code, 429, "GET", "v2/orders", "Too Many Requests", **facts
    ),
    BigCommerceTransportError: lambda code, **facts: BigCommerceTransportError(
        code, method="GET", path="v2/orders", cause="ReadTimeout", attempts=3
    ),
    OAuthError: OAuthError,
    AuthorizationRequiredError: AuthorizationRequiredError,
    SettingsStoreError: lambda code, **facts: SettingsStoreError(
        code, location=None if code in ("no_key", "malformed_key") else "/shared/OAuthSettings.txt", **facts
    ),
    ExportError: ExportError,
    QuotaLedgerError: lambda code, **facts: QuotaLedgerError(code, "/tmp/quota/ledger.json", **facts),
    SignedPayloadError: SignedPayloadError,
    PagingError: lambda code, reason, **facts: PagingError(code, "v2/orders", reason, **facts),
    ResourceNameError: lambda code, **facts: ResourceNameError(code, "../orders"),
    WindowError: lambda code, **facts: WindowError(
        code, start=START, end=START + timedelta(days=1), bound="end" if code == "out_of_range" else None
    ),
    DestinationError: DestinationError,
    SnapshotError: SnapshotError,
    LoadError: LoadError,
    WindowNotSettled: lambda code, **facts: WindowNotSettled(
        Window(START, START + timedelta(days=1)), 300, START + timedelta(days=1, seconds=300)
    ),
}

# Facts the words say in their own terms (a kind, a vocabulary entry, a yes/no) rather than repeat verbatim.
SAID_IN_OTHER_WORDS = {
    "needed_for",
    "kind",
    "choices",
    "damage",
    "action",
    "errno",
    "folder_missing",
    "read_only",
    "refreshable",
    "auth_scheme",
    "initiate_oauth",
    "error_code",
    "field_name",
    "argument",
    "cause",
    "detail",
}


def _core_error_types() -> list[type]:
    for module in pkgutil.walk_packages(core.__path__, f"{core.__name__}."):
        importlib.import_module(module.name)
    found, todo = set(), [BigCommerceError]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.add(subclass)
            todo.append(subclass)
    return sorted((kind for kind in found if kind.__module__.startswith(core.__name__)), key=lambda kind: kind.__name__)


CORE_ERRORS = _core_error_types()
EVERY_CODE = [(kind, code) for kind in CORE_ERRORS for code in sorted(kind.CODES)]


def test_every_core_error_type_declares_its_codes_and_how_this_test_makes_one():
    assert {kind.__name__ for kind in CORE_ERRORS} == {kind.__name__ for kind in MAKERS}
    assert all(kind.CODES for kind in CORE_ERRORS)


def test_an_error_with_a_code_its_type_does_not_declare_is_refused():
    with pytest.raises(ValueError, match="unknown code"):
        ExportError("no_such_code")


@pytest.mark.parametrize(("kind", "code"), EVERY_CODE, ids=[f"{kind.__name__}-{code}" for kind, code in EVERY_CODE])
def test_every_code_has_words_that_say_its_facts(kind, code):
    error = MAKERS[kind](code, **FACTS.get(kind, {}).get(code, {}))

    words = api_problem(error, None)

    assert type(error) is kind and error.code == code
    assert words != str(error) and len(words.split()) >= 4, words
    for name, value in error.facts.items():
        if value is None or isinstance(value, bool) or name in SAID_IN_OTHER_WORDS:
            continue
        shown = f"{value:.0f}" if isinstance(value, float) else str(value)
        assert shown in words, f"{name}={value!r} is not in: {words}"


@pytest.mark.parametrize(("kind", "code"), EVERY_CODE, ids=[f"{kind.__name__}-{code}" for kind, code in EVERY_CODE])
def test_every_label_is_short_and_no_sentence(kind, code):
    label = str(MAKERS[kind](code, **FACTS.get(kind, {}).get(code, {})))

    assert code in label
    assert len(label) < 300 and not label.startswith(("The ", "No ", "Cannot ")), label


def test_every_property_problem_and_every_need_has_words():
    assert set(PROPERTY_WORDS) == PropertyError.CODES
    assert set(NEEDED_FOR_WORDS) == PropertyError.NEEDED_FOR
    for needed_for in PropertyError.NEEDED_FOR:
        error = PropertyError(
            "missing", "OAuthClientId", "oauth_client_id", needed_for=needed_for, initiate_oauth="REFRESH"
        )
        assert property_problem(error).startswith("OAuthClientId (oauth_client_id) is missing for ")


@pytest.mark.parametrize(("field_name", "high"), [("timeout", 600), ("reserve", 0.9), ("settle_seconds", 3600)])
def test_each_number_out_of_range_says_its_own_range(field_name, high):
    error = PropertyError("out_of_range", field_name.title(), field_name, value="-1", low=0, high=high)

    assert "'-1' is not a" in property_problem(error) and f"{high:g}" in property_problem(error)


@pytest.mark.parametrize("next_step", list(NextStep))
def test_why_authorization_is_required_is_said_before_any_command(next_step):
    error = AuthorizationRequiredError(
        "nothing_saved", next_step=next_step, store_id="abc123", settings_location="/shared/s.txt"
    )

    assert api_problem(error, None).startswith("No token is saved in OAuthSettingsLocation /shared/s.txt")


def test_a_missing_store_is_named_by_the_connections_store_id():
    error = BigCommerceApiError("error_status", 404, "GET", "v2/store", "The requested resource was not found.")

    words = api_problem(error, PROPERTIES)

    assert "No store answers at http://127.0.0.1:8765/stores/abc123" in words and "StoreId (store_id)" in words
    assert "tok-secret-4711" not in words
