"""What the connection form's Test button answers (``BigCommerceHook.test_connection``): a toast, so one or two
sentences naming the property to fix."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import AuthorizationRequiredError, BigCommerceError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.commands import airflow_next_step
from airflow_provider_bigcommerce.messages.problems import api_problem


def properties_unusable(error: Exception) -> str:
    words = api_problem(error, None) if isinstance(error, BigCommerceError) else str(error)
    return f"The connection's properties are not usable: {words}"


def no_answer(properties: ConnectionProperties, deadline_s: float, timeouts: int) -> str:
    return (
        f"BigCommerce at {properties.api_url} did not answer within {deadline_s:g} s ({timeouts} x Timeout). "
        "Check the host, or raise Timeout (timeout) for a slow network."
    )


def failed(error: Exception, properties: ConnectionProperties) -> str:
    if isinstance(error, AuthorizationRequiredError):
        # The button runs under a throwaway connection id (docs/airflow.md "The Test button"): name none.
        return f"{api_problem(error, properties)} {airflow_next_step(error, None)}"
    if isinstance(error, BigCommerceError):
        return api_problem(error, properties)
    return f"Unexpected {type(error).__name__}: {error}"


def connected(name: str | None, properties: ConnectionProperties) -> str:
    return (
        f"Connected to BigCommerce store '{name or '(unnamed)'}' (StoreId {properties.store_id}) at "
        f"{properties.api_url}."
    )
