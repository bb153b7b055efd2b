"""Fixtures for the lookalike's tests: real servers on loopback, real HTTP (the official OpenAPI files: ``openapi``
in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from bigcommerce_lookalike import Sandbox


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A small default store (300 orders, 120 products, 200 customers), fresh for each test."""
    return make_sandbox(seed=7)


class StoreClient:
    """A bare ``requests`` client of one lookalike store; no retries, no paging logic of its own."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.token = sb.access_token if token is None else token
        self.session = requests.Session()

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        headers = {"Accept": "application/json"}
        token = self.token if token is None else token
        if token:
            headers["X-Auth-Token"] = token
        url = f"{self.sb.base_url}/stores/{self.sb.store_id}/{path}"
        return self.session.get(url, params=params, headers=headers, timeout=10)


@pytest.fixture
def client(sandbox: Sandbox) -> StoreClient:
    return StoreClient(sandbox)


@pytest.fixture
def store_client() -> Callable[..., StoreClient]:
    return StoreClient
