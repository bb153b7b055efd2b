"""The one check that a token works, shared by the hook (Test button, refresh operator, sensor) and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_bigcommerce.core.http.client import CHECK_PATH

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient


def check_token(client: BigCommerceClient) -> None:
    """One cheap call BigCommerce documents for validating credentials (docs/bigcommerce.md "Cheap calls").

    Raises the client's typed errors: BigCommerceAuthError for a rejected token or a missing scope.
    """
    client.request("GET", CHECK_PATH)
