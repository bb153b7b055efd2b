"""Any error this provider raises, in a few words a person can act on: the CLI's stderr, the hook's task-log lines,
the operators' failures and the Test button's toast all say it this way. The core raises the errors with their code
and facts only; this module picks the room whose words fit (properties, http, paging, export, oauth, settings)."""

from __future__ import annotations

from airflow_provider_bigcommerce.assets.bigcommerce import AssetUriError
from airflow_provider_bigcommerce.compat import AirflowFeatureUnavailable
from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    BigCommerceApiError,
    BigCommerceError,
    BigCommerceTransportError,
    ExportError,
    OAuthError,
    PagingError,
    PropertyError,
    QuotaLedgerError,
    SettingsStoreError,
    SignedPayloadError,
)
from airflow_provider_bigcommerce.core.export.windows import WindowNotSettled
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.assets import asset_uri_problem
from airflow_provider_bigcommerce.messages.commands import airflow_next_step
from airflow_provider_bigcommerce.messages.compat import feature_problem
from airflow_provider_bigcommerce.messages.export import export_problem, not_settled_problem
from airflow_provider_bigcommerce.messages.http import api_error_problem, quota_ledger_problem, transport_problem
from airflow_provider_bigcommerce.messages.oauth import oauth_problem, signed_payload_problem
from airflow_provider_bigcommerce.messages.paging import paging_problem
from airflow_provider_bigcommerce.messages.properties import property_problem
from airflow_provider_bigcommerce.messages.settings import settings_problem


def api_problem(error: BigCommerceError, properties: ConnectionProperties | None) -> str:
    """``error`` in a few words a person can act on; ``properties`` (when known) name the URL and store to check.

    Every error type the core raises has its words here (tests/core/test_error_words.py); an error without any
    (the change trigger's arguments, refused when a DAG is parsed) reads as its label.
    """
    if isinstance(error, PropertyError):
        return property_problem(error)
    if isinstance(error, PagingError):
        return paging_problem(error)
    if isinstance(error, ExportError):
        return export_problem(error)
    if isinstance(error, WindowNotSettled):
        return not_settled_problem(error)
    if isinstance(error, BigCommerceTransportError):
        return transport_problem(error, properties)
    if isinstance(error, BigCommerceApiError):
        return api_error_problem(error, properties)
    if isinstance(error, QuotaLedgerError):
        return quota_ledger_problem(error)
    if isinstance(error, OAuthError):
        return oauth_problem(error)
    if isinstance(error, SignedPayloadError):
        return signed_payload_problem(error)
    if isinstance(error, SettingsStoreError):
        return settings_problem(error)
    if isinstance(error, AssetUriError):
        return asset_uri_problem(error)
    if isinstance(error, AirflowFeatureUnavailable):
        return feature_problem(error)
    return str(error)


def explain(error: BaseException, properties: ConnectionProperties | None = None, *, conn_id: str | None = None) -> str:
    """``error`` in words for a task log or a trigger's event: its type, then what went wrong and what to do, with
    the commands for Airflow connection ``conn_id`` when a person has to authorize."""
    if isinstance(error, AuthorizationRequiredError):
        # The code and step in brackets let a log search or a test tell the cases apart without reading prose.
        words = api_problem(error, properties)
        return f"{type(error).__name__} [{error.code}, {error.next_step}]: {words} {airflow_next_step(error, conn_id)}"
    if isinstance(error, BigCommerceError):
        return f"{type(error).__name__}: {api_problem(error, properties)}"
    return f"{type(error).__name__}: {error}"
