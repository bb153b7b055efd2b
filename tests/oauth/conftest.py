"""Fixtures for the OAuth tests: the lookalike on loopback, an app of each test's own, a settings key, the CLI.

Everything is real: HTTP over loopback, files in a temp folder, processes started with subprocess or fork.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airflow_provider_bigcommerce.core.auth.settings.crypto import AIRFLOW_FERNET_ENV_VAR, KEY_ENV_VAR, generate_key
from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_authorization_url
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.commands import CLIENT_SECRET_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class OAuthWorld:
    """The lookalike plus one custom app registered on it, and the steps a user takes with them."""

    sandbox: Any
    client_id: str
    client_secret: str
    callback_url: str

    def values(self, location: str | Path | None, **extra: Any) -> dict[str, Any]:
        """Connection properties (driver names) for this app; InitiateOAuth=REFRESH unless overridden."""
        values: dict[str, Any] = {
            "AuthScheme": "OAuth",
            "StoreId": self.sandbox.store_id,
            "OAuthClientId": self.client_id,
            "OAuthClientSecret": self.client_secret,
            "CallbackURL": self.callback_url,
            "InitiateOAuth": "REFRESH",
            "LoginURL": self.sandbox.login_url,
            "URL": self.sandbox.base_url,
        }
        if location is not None:
            values["OAuthSettingsLocation"] = str(location)
        values.update(extra)
        return {key: value for key, value in values.items() if value is not None}

    def properties(self, location: str | Path | None, **extra: Any) -> ConnectionProperties:
        return ConnectionProperties.from_mapping(self.values(location, **extra))

    def connection_string(self, location: str | Path | None, **extra: Any) -> str:
        """The same properties as a ``Key=Value;...`` string for the CLI, without the client secret (see cli_env)."""
        values = self.values(location, **extra)
        values.pop("OAuthClientSecret")
        return ";".join(f"{key}={value}" for key, value in values.items())

    def cli_env(self, **extra: str) -> dict[str, str]:
        """Environment for the CLI: the client secret where the CLI looks for it."""
        return {CLIENT_SECRET_ENV: self.client_secret, **extra}

    def approved_code(self, properties: ConnectionProperties, state: str = "s1") -> str:
        """What the merchant's browser brings back after Approve: the redirect's ``code``."""
        redirect = self.sandbox.approve(get_oauth_authorization_url(properties, state=state))
        query = parse_qs(urlsplit(redirect).query)
        assert query["state"] == [state]
        return query["code"][0]

    def api_status(self, token: str) -> int:
        """The status of one cheap API call with ``token`` (GET /v2/time, docs/bigcommerce.md "Cheap calls")."""
        response = requests.get(
            f"{self.sandbox.base_url}/stores/{self.sandbox.store_id}/v2/time",
            headers={"X-Auth-Token": token, "Accept": "application/json"},
            timeout=10,
        )
        return response.status_code

    def token_requests(self, grant_type: str | None = None) -> int:
        """How many requests the lookalike's token endpoint has received (all apps; compare differences)."""
        stats = self.sandbox.stats.snapshot()
        return stats["token_requests"] if grant_type is None else stats["token_requests_by_grant"].get(grant_type, 0)


@pytest.fixture(autouse=True)
def settings_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test gets its own settings key in env, and no Airflow fernet key unless it sets one."""
    key = generate_key()
    monkeypatch.setenv(KEY_ENV_VAR, key)
    monkeypatch.delenv(AIRFLOW_FERNET_ENV_VAR, raising=False)
    return key


@pytest.fixture(scope="session")
def sandbox(make_shared_sandbox: Callable[..., Any]) -> Any:
    """The lookalike with BigCommerce's own semantics: app tokens never expire."""
    return make_shared_sandbox(seed=1, orders=5)


def register_app(sandbox: Any, callback_port: int) -> OAuthWorld:
    callback_url = f"http://localhost:{callback_port}/callback"
    client_id, client_secret = sandbox.register_app(callback_url=callback_url)
    return OAuthWorld(sandbox, client_id, client_secret, callback_url)


@pytest.fixture
def oauth(sandbox: Any, free_port: Callable[[], int]) -> OAuthWorld:
    """An app of this test's own (uninstalls and single-use codes cannot leak between tests)."""
    return register_app(sandbox, free_port())


EXPIRING_LIFETIME_S = 4
"""Short enough that a test sees several expiries; the refresh margin is then half of it (2 s)."""


@pytest.fixture(scope="session")
def expiring_sandbox(make_shared_sandbox: Callable[..., Any]) -> Any:
    """A token endpoint that is not BigCommerce's: expiring tokens, rotating single-use refresh tokens."""
    return make_shared_sandbox(
        seed=2, orders=5, expiring_tokens=True, token_lifetime_s=EXPIRING_LIFETIME_S, quota=100_000
    )


@pytest.fixture
def expiring_oauth(expiring_sandbox: Any, free_port: Callable[[], int]) -> OAuthWorld:
    return register_app(expiring_sandbox, free_port())


@pytest.fixture
def read_only_folder() -> Callable[[Path], contextlib.AbstractContextManager[None]]:
    """Make a folder unwritable for this process: chmod for a user; root ignores modes, so chattr +i for root."""

    @contextlib.contextmanager
    def read_only(folder: Path) -> Iterator[None]:
        if os.geteuid() != 0:
            folder.chmod(0o500)
            try:
                yield
            finally:
                folder.chmod(0o700)
            return
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("root on a file system without chattr +i: cannot make a folder unwritable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)

    return read_only


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``airflow-bigcommerce oauth ...`` in a real subprocess; returns the completed process."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "airflow_provider_bigcommerce.cli.main", "oauth", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=REPO_ROOT,
        )

    return run
