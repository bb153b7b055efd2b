"""Fixtures for the core tests: a lookalike store on loopback and clients pointed at it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.core.retry import RetryPolicy
from airflow_provider_bigcommerce.core.token_source import StaticTokenSource, TokenSource
from airflow_provider_bigcommerce.sandbox import Sandbox, SandboxConfig

# The production schedule (seconds) scaled down so retry tests finish quickly; the shape stays the same.
FAST_RETRY = RetryPolicy(backoff_base_s=0.02, backoff_cap_s=0.2, bare_429_base_s=0.05, bare_429_cap_s=0.4)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start a lookalike store with ``SandboxConfig`` overrides; stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> Sandbox:
            return stack.enter_context(Sandbox(SandboxConfig(**overrides)))

        yield start


@pytest.fixture
def make_client() -> Iterator[Callable[..., BigCommerceClient]]:
    """A client for a sandbox (its own token unless ``token``/``token_source`` is given); closed after the test."""
    with contextlib.ExitStack() as stack:

        def build(
            sandbox: Sandbox,
            *,
            token: str | None = None,
            token_source: TokenSource | None = None,
            timeout: float | None = None,
            **client_options: Any,
        ) -> BigCommerceClient:
            values: dict[str, Any] = {
                "StoreId": sandbox.store_id,
                "OAuthAccessToken": token or sandbox.access_token,
                "URL": sandbox.base_url,
            }
            if timeout is not None:
                values["Timeout"] = timeout
            properties = ConnectionProperties.from_mapping(values)
            client_options.setdefault("retry", FAST_RETRY)
            source = token_source or StaticTokenSource(properties.oauth_access_token or "")
            return stack.enter_context(BigCommerceClient(properties, source, **client_options))

        yield build
