"""Suite-wide setup and the fixtures every folder shares.

Airflow reads its configuration when first imported, so a throwaway AIRFLOW_HOME (SQLite) is set at collection
time, here. Tests that need the metadata database ask for ``airflow_db``; core tests never touch it.

The lookalike: ``make_sandbox(**overrides)`` starts a store for one test, ``make_shared_sandbox(**overrides)`` one
that lives for the session (a folder's ``sandbox`` fixture picks its store with it); ``make_client(sandbox)`` is a
client pointed at a store. ``free_port()`` and ``assert_no_secret(text, *secrets)`` are the one copy of each.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from bigcommerce_lookalike import Sandbox, SandboxConfig

from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource, TokenSource
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.http.retry import RetryPolicy
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO_ROOT / "dags_examples"

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="bc-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
# A fixed key, so every process of the suite can decrypt the connections another one stored.
os.environ["AIRFLOW__CORE__FERNET_KEY"] = "dGVzdC1zdWl0ZS1mZXJuZXQta2V5LTMyLWJ5dGVzISE="
# BigCommerce's OpenAPI files (tests/openapi_files.py says why they are not in the repository): by default the
# copy beside this checkout; a clone of github.com/bigcommerce/docs works too (point this at its reference/).
os.environ.setdefault("BIGCOMMERCE_OPENAPI_DIR", str(REPO_ROOT.parent / "shared" / "bigcommerce" / "openapi"))


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The suite's AIRFLOW_HOME folder (SQLite metadata DB, logs)."""
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """A migrated metadata database, made once per test session with the real ``airflow db migrate``."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    return airflow_home


# -------------------------------------------------------------------------------------------- CI is strict

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
"""CI sets ``CI=true`` (``.ci/run`` does too): there a browser, spec file, redis-server or PostgreSQL server the
suite needs is never optional."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """In CI a browser test, an OpenAPI check or a test needing redis-server or PostgreSQL that would skip fails
    instead, with the skip's reason."""
    report = yield
    fixtures = getattr(item, "fixturenames", ())
    servers = {"openapi", "redis_server", "postgres_server"}
    needs_tools = item.get_closest_marker("browser") or bool(servers.intersection(fixtures))
    if IN_CI and report.skipped and needs_tools and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"CI=true and this test would be skipped: {reason}"
    return report


# -------------------------------------------------------------------------------------------- shared helpers


@pytest.fixture(scope="session")
def openapi() -> Any:
    """The official OpenAPI files (``tests.openapi_files.OpenApi``); a test using them skips without them, or
    fails under CI=true."""
    from tests.openapi_files import OpenApi  # reads BIGCOMMERCE_OPENAPI_DIR, set above

    return OpenApi()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server of this test session on a free loopback port (``benchmarks.postgres``, Debian's
    postgresql: ``make postgresql``); without one a test using it skips, or fails under CI=true."""
    from benchmarks.postgres import PostgresServer, PostgresUnavailable

    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))
    yield server
    server.stop()


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(name="free_port", scope="session")
def free_port_fixture() -> Callable[[], int]:
    """``free_port()``: a loopback port nothing listens on; call it once per port needed."""
    return free_port


@pytest.fixture
def unused_port() -> int:
    """One loopback port nothing listens on."""
    return free_port()


def assert_no_secret(
    text: str, *secrets: str | Iterable[str | None] | Mapping[str, str | None] | None, where: str = "the text"
) -> None:
    """Fail if any of ``secrets`` occurs in ``text``: strings, lists of them, or ``{name: secret}`` (``None`` = unset).

    The failure names the secret (its key, or its position and length) and never prints it.
    """
    named: list[tuple[str, str | None]] = []
    for secret in secrets:
        if isinstance(secret, Mapping):
            named.extend((repr(name), value) for name, value in secret.items())
        else:
            values = [secret] if secret is None or isinstance(secret, str) else list(secret)
            named += [(f"#{len(named) + offset}", value) for offset, value in enumerate(values)]
    for name, secret in named:
        if secret is None:
            continue
        assert secret, f"secret {name} is empty: an empty string cannot be looked for (pass None when unset)"
        if secret in text:
            pytest.fail(
                f"secret {name} ({len(secret)} characters) leaked into {where} at offset {text.index(secret)}",
                pytrace=False,
            )


@pytest.fixture(name="assert_no_secret", scope="session")
def assert_no_secret_fixture() -> Callable[..., None]:
    """``assert_no_secret(text, *secrets)``: see :func:`assert_no_secret`."""
    return assert_no_secret


# -------------------------------------------------------------------------------------------- the lookalike

# The production schedule (seconds) scaled down so retry tests finish quickly; the shape stays the same.
FAST_RETRY = RetryPolicy(backoff_base_s=0.02, backoff_cap_s=0.2, bare_429_base_s=0.05, bare_429_cap_s=0.4)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start a lookalike store with ``SandboxConfig`` overrides; stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> Sandbox:
            return stack.enter_context(Sandbox(SandboxConfig(**overrides)))

        yield start


@pytest.fixture(scope="session")
def make_shared_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Like ``make_sandbox`` for a store that lives for the whole session (a folder's ``sandbox`` fixture)."""
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
            settle_seconds: float | None = None,
            **client_options: Any,
        ) -> BigCommerceClient:
            values: dict[str, Any] = {
                "StoreId": sandbox.store_id,
                "OAuthAccessToken": token or sandbox.access_token,
                "URL": sandbox.base_url,
                "Timeout": timeout,
                "SettleSeconds": settle_seconds,
            }
            properties = ConnectionProperties.from_mapping(values)
            client_options.setdefault("retry", FAST_RETRY)
            source = token_source or StaticTokenSource(properties.oauth_access_token or "")
            return stack.enter_context(BigCommerceClient(properties, source, **client_options))

        yield build


# -------------------------------------------------------------------------------------------- the browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (``playwright install`` cannot download browsers here).

    Without Playwright or chromium the test skips with the reason; in CI that skip is a failure (see above).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[dev]'")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: make browser (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
