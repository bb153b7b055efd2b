"""The desktop flow in a real headless Chromium: ``airflow-bigcommerce oauth login`` waits, a person approves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from airflow_provider_bigcommerce.core.auth.initiate_oauth import OAuthTokenSource
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient


def _start_login(oauth, location: Path, *arguments: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``oauth login --no-browser`` and return it with the URL it printed for a person to open."""
    login = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_bigcommerce.cli.main",
            "oauth",
            "login",
            "--no-browser",
            "--connection-string",
            oauth.connection_string(location, InitiateOAuth="GETANDREFRESH"),
            *arguments,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **oauth.cli_env()},
    )
    for line in login.stderr:
        if line.startswith("http"):
            return login, line.strip()
    login.wait(10)
    pytest.fail(f"oauth login printed no URL (exit {login.returncode})")


def test_login_in_a_real_browser_saves_a_token_that_the_api_accepts(
    oauth, tmp_path: Path, browser, assert_no_secret
) -> None:
    location = tmp_path / "OAuthSettings.txt"
    login, url = _start_login(oauth, location)
    page = browser.new_page()

    page.goto(url)
    page.click("#approve")
    page.wait_for_url(f"{oauth.callback_url}?**")
    result_page = page.inner_text("#result")
    output, errors = login.communicate(timeout=30)

    assert result_page == "Authorization complete"
    assert login.returncode == 0, errors
    status = json.loads(output)
    assert status["authorized"] is True and status["expires"] == "never"
    source = OAuthTokenSource(oauth.properties(location))
    with BigCommerceClient(source.properties, source) as client:
        assert "time" in client.request("GET", "v2/time")
    assert_no_secret(output + errors + page.content(), source.access_token(), oauth.client_secret)


def test_deny_in_the_browser_saves_nothing(oauth, tmp_path: Path, browser) -> None:
    location = tmp_path / "OAuthSettings.txt"
    login, url = _start_login(oauth, location)
    page = browser.new_page()

    page.goto(url)
    page.click("#deny")
    page.wait_for_url(f"{oauth.callback_url}?**")
    result_page = page.inner_text("#result")
    _, errors = login.communicate(timeout=30)

    assert result_page == "Authorization failed"
    assert login.returncode == 4 and "access_denied" in errors and "click Approve" in errors
    assert not location.exists()


def test_a_forged_state_is_refused_and_no_code_is_exchanged(oauth, tmp_path: Path, browser) -> None:
    location = tmp_path / "OAuthSettings.txt"
    login, url = _start_login(oauth, location)
    parts = urlsplit(url)
    forged = parts._replace(query=urlencode({**{k: v[0] for k, v in parse_qs(parts.query).items()}, "state": "x"}))
    before = oauth.token_requests()
    page = browser.new_page()

    page.goto(forged.geturl())
    page.click("#approve")
    page.wait_for_url(f"{oauth.callback_url}?**")
    _, errors = login.communicate(timeout=30)

    assert page.inner_text("#result") == "Authorization failed"
    assert login.returncode == 4 and "state does not match" in errors
    assert oauth.token_requests() == before
    assert not location.exists()


def test_no_answer_ends_cleanly_after_the_timeout(oauth, tmp_path: Path) -> None:
    started = time.monotonic()
    login, _ = _start_login(oauth, tmp_path / "OAuthSettings.txt", "--timeout", "1")

    _, errors = login.communicate(timeout=30)

    assert login.returncode == 4 and "No answer reached CallbackURL" in errors and "within 1 s" in errors
    assert time.monotonic() - started < 30  # the 1 s timeout ends it, not the test's own 30 s limit


def test_a_callback_url_off_this_computer_is_refused(oauth, tmp_path: Path, run_cli) -> None:
    arguments = oauth.connection_string(tmp_path / "s.txt", CallbackURL="https://app.example.com/callback")

    done = run_cli("login", "--no-browser", "--connection-string", arguments, env=oauth.cli_env())

    assert done.returncode == 2 and "cannot receive the desktop flow's callback" in done.stderr


def test_a_busy_callback_port_is_named(oauth, tmp_path: Path, run_cli) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", urlsplit(oauth.callback_url).port))
        squatter.listen()
        done = run_cli(
            "login",
            "--no-browser",
            "--connection-string",
            oauth.connection_string(tmp_path / "s.txt"),
            env=oauth.cli_env(),
        )

    assert done.returncode == 4
    assert f"Cannot listen on 127.0.0.1 port {urlsplit(oauth.callback_url).port}" in done.stderr
