"""The BigCommerce connection form in a real headless Chromium, against a real ``airflow api-server``.

The api-server runs with ``[core] test_connection = Enabled`` and the simple auth manager in all-admins mode (no
login page), on loopback with the suite's SQLite database. The Test button runs ``BigCommerceHook.test_connection``
inside that api-server against the lookalike store. A screenshot of the filled form is kept in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.airflow.form_fields import CONN_FIELDS, SECRET_CONN_FIELDS

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture (tests/conftest.py) skips with the reason, or fails in CI
    expect = None

pytestmark = pytest.mark.slow  # an airflow api-server takes ~20 s to start

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
AIRFLOW_CLI = Path(sys.executable).with_name("airflow")
ENUM_CHOICES = {"auth_scheme": ["PersonalAccessToken", "OAuth"], "initiate_oauth": ["OFF", "GETANDREFRESH", "REFRESH"]}


@pytest.fixture(scope="module")
def api_server(airflow_db: Path, sandbox, tmp_path_factory, free_port) -> Iterator[str]:
    """``airflow api-server`` on a free loopback port; yields its base URL and stops it afterwards."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("api-server") / "api-server.log"
    env = {
        **os.environ,
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "PATH": f"{AIRFLOW_CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(AIRFLOW_CLI), "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, server, log_path)
        yield base_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _wait_until_healthy(base_url: str, server: subprocess.Popen, log_path: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"airflow api-server exited with {server.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{base_url}/api/v2/monitor/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"airflow api-server not healthy after {timeout_s} s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture
def page(browser, api_server):
    context = browser.new_context(base_url=api_server, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _open_add_connection_form(page):
    page.goto("/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("combobox").first.fill("BigCommerce")
    return dialog


def _choose_bigcommerce(page, dialog) -> None:
    page.get_by_role("option", name="BigCommerce", exact=True).click()
    dialog.locator('input[name="host"]').wait_for()


def _open_extra_fields(dialog) -> None:
    # The form's sections are an accordion: opening "Extra Fields" folds "Standard Fields" away.
    dialog.get_by_text("Extra Fields", exact=True).click()
    dialog.locator('input[name="element_store_id"]').wait_for()


def _field_group(page, dialog, label: str):
    return dialog.get_by_role("group").filter(has=page.get_by_text(label, exact=True))


def _choose(page, dialog, field: str, value: str) -> list[str]:
    """Pick ``value`` in an enum field's dropdown; returns the choices the dropdown offered."""
    _field_group(page, dialog, CONN_FIELDS[field]["label"]).get_by_role("combobox").click()
    choices = page.get_by_role("option").all_inner_texts()
    page.get_by_role("option", name=value, exact=True).click()
    return choices


def _save_pat_connection(
    page, conn_id: str, host: str, store_id: str, token: str, *, port: bool = True, screenshot: Path | None = None
):
    """Fill the form as docs/connection.md says (with the API URL's port, unless ``port`` is False) and save it."""
    dialog = _open_add_connection_form(page)
    _choose_bigcommerce(page, dialog)
    dialog.locator('input[name="connection_id"]').fill(conn_id)
    dialog.locator('input[name="host"]').fill(host)
    if port:
        dialog.locator('input[name="port"]').fill(str(urlsplit(host).port or 443))
    _open_extra_fields(dialog)
    _choose(page, dialog, "auth_scheme", "PersonalAccessToken")
    dialog.locator('input[name="element_store_id"]').fill(store_id)
    dialog.locator('input[name="element_oauth_access_token"]').fill(token)
    if screenshot is not None:
        # Tall enough for the whole dialog: it scrolls inside the page, so full_page alone would cut it.
        screenshot.parent.mkdir(exist_ok=True)
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": 2400})
        page.screenshot(path=str(screenshot))
        page.set_viewport_size(size)
    dialog.get_by_role("button", name="Save").click()
    page.get_by_role("row").filter(has_text=conn_id).wait_for()


def _stored_connection(conn_id: str) -> dict:
    """The connection as Airflow stored it, unredacted, through the CLI.

    A fresh process reads the configuration (and so the fernet key ``airflow db migrate`` wrote) as it is now.
    """
    result = subprocess.run(
        [str(AIRFLOW_CLI), "connections", "get", conn_id, "--output", "json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (connection,) = json.loads(result.stdout)
    return connection


def _press_list_page_test(page, conn_id: str):
    """Click the connection list's Test button, unpatched; returns the API's response."""
    row = page.get_by_role("row").filter(has_text=conn_id)
    with page.expect_response("**/api/v2/connections/test") as response_info:
        row.get_by_role("button", name="Test Connection").click()
    return response_info.value


def _airflow_connections_test(conn_id: str) -> subprocess.CompletedProcess[str]:
    """What docs/connection.md and the form's help text say to run on Airflow 3.3.2: ``airflow connections test ID``."""
    return subprocess.run(
        [str(AIRFLOW_CLI), "connections", "test", conn_id],
        capture_output=True,
        text=True,
        env={**os.environ, "AIRFLOW__CORE__TEST_CONNECTION": "Enabled"},
        timeout=180,
    )


def test_bigcommerce_form_offers_every_field_with_labels_choices_and_masked_secrets(page):
    dialog = _open_add_connection_form(page)
    assert page.get_by_role("option").all_inner_texts() == ["BigCommerce"]
    _choose_bigcommerce(page, dialog)

    expect(dialog.get_by_text("API URL", exact=True)).to_be_visible()
    expect(dialog.locator('input[name="host"]')).to_have_attribute("placeholder", "https://api.bigcommerce.com")
    for hidden in ("login", "password", "schema"):
        expect(dialog.locator(f'input[name="{hidden}"]')).to_have_count(0)
    expect(dialog.locator('input[name="port"]')).to_have_attribute("placeholder", "443")

    _open_extra_fields(dialog)

    for name, spec in CONN_FIELDS.items():
        # A required field (a schema type without null) gets a marker after its label and a note after its help.
        exact = "null" in spec["schema"]["type"]
        expect(dialog.get_by_text(spec["label"], exact=exact).first).to_be_visible()
        expect(dialog.get_by_text(spec["description"], exact=exact).first).to_be_visible()
        if name in ENUM_CHOICES:
            continue
        field_type = dialog.locator(f'input[name="element_{name}"]').evaluate("input => input.type")
        assert field_type == ("password" if name in SECRET_CONN_FIELDS else "text"), name
    for name, choices in ENUM_CHOICES.items():
        assert _choose(page, dialog, name, choices[0]) == choices
        assert dialog.locator(f'input[name="element_{name}"]').input_value() == choices[0]

    assert dialog.locator('input[name="element_callback_url"]').input_value() == "http://localhost:33333"
    assert dialog.locator('input[name="element_login_url"]').input_value() == "https://login.bigcommerce.com"
    assert dialog.locator('input[name="element_timeout"]').input_value() == "30"


def test_connection_saved_through_the_form_round_trips_and_airflow_connections_test_passes(page, api_server, sandbox):
    conn_id = "bigcommerce_form_saved"
    _save_pat_connection(
        page,
        conn_id,
        sandbox.base_url,
        sandbox.store_id,
        sandbox.access_token,
        screenshot=ARTIFACTS / "connection-form.png",
    )

    stored = _stored_connection(conn_id)
    assert stored["conn_type"] == "bigcommerce"
    assert stored["host"] == sandbox.base_url and stored["port"] == str(urlsplit(sandbox.base_url).port)
    extra = stored["extra_dejson"]
    assert extra["auth_scheme"] == "PersonalAccessToken"
    assert extra["store_id"] == sandbox.store_id
    assert extra["oauth_access_token"] == sandbox.access_token
    assert extra["initiate_oauth"] == "OFF"
    assert extra["scope"] == CONN_FIELDS["scope"]["schema"]["default"]
    for unset in ("oauth_client_id", "oauth_client_secret", "oauth_verifier", "oauth_settings_location"):
        assert not extra.get(unset), unset

    shown = requests.get(f"{api_server}/api/v2/connections/{conn_id}", timeout=10).json()
    assert json.loads(shown["extra"])["oauth_access_token"] == "***"

    tested = _airflow_connections_test(conn_id)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "Connection success!" in tested.stdout

    listed = _press_list_page_test(page, conn_id)  # the Test button, unpatched: it posts the stored port
    assert listed.status == 200 and listed.json()["status"] is True, listed.text()
    assert sandbox.store_id in listed.json()["message"]
    page.screenshot(path=str(ARTIFACTS / "connection-list-test-button.png"))


def test_the_list_pages_test_button_on_airflow_3_3_2_answers_400_for_a_connection_without_a_port(page, sandbox):
    """Why the form asks for Port. Airflow 3.3.2's list page posts ``port: 0`` for a connection without one, and its
    API refuses that as a different endpoint before any provider code runs. When this fails, Airflow fixed the
    button: Port can go back to hidden."""
    conn_id = "bigcommerce_form_list_no_port"
    _save_pat_connection(page, conn_id, sandbox.base_url, sandbox.store_id, sandbox.access_token, port=False)

    response = _press_list_page_test(page, conn_id)

    assert response.request.post_data_json["port"] == 0
    assert response.status == 400 and "differs from the stored connection" in response.text()
    assert "Port" in CONN_FIELDS["auth_scheme"]["description"]


def test_the_list_pages_test_button_passes_for_a_connection_added_with_its_port(page, sandbox):
    conn_id = "bigcommerce_cli_list_test"
    port = urlsplit(sandbox.base_url).port
    extra = {
        "auth_scheme": "PersonalAccessToken",
        "store_id": sandbox.store_id,
        "oauth_access_token": sandbox.access_token,
    }
    added = subprocess.run(
        [str(AIRFLOW_CLI), "connections", "add", conn_id, "--conn-json"]
        + [json.dumps({"conn_type": "bigcommerce", "host": sandbox.base_url, "port": port, "extra": extra})],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    page.goto("/connections")

    response = _press_list_page_test(page, conn_id)

    assert response.request.post_data_json["port"] == port
    assert response.status == 200, response.text()
    assert response.json()["status"] is True, response.json()


def test_a_connection_without_store_id_cannot_be_saved_from_the_form(page, api_server, sandbox):
    conn_id = "bigcommerce_form_no_store"
    dialog = _open_add_connection_form(page)
    _choose_bigcommerce(page, dialog)
    dialog.locator('input[name="connection_id"]').fill(conn_id)
    dialog.locator('input[name="host"]').fill(sandbox.base_url)
    _open_extra_fields(dialog)
    _choose(page, dialog, "auth_scheme", "PersonalAccessToken")
    dialog.locator('input[name="element_oauth_access_token"]').fill(sandbox.access_token)

    expect(dialog.locator('input[name="element_store_id"]')).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_text("This field is required")).to_be_visible()
    expect(dialog.get_by_role("button", name="Save")).to_be_disabled()

    assert requests.get(f"{api_server}/api/v2/connections/{conn_id}", timeout=10).status_code == 404


def test_airflow_connections_test_reports_a_bad_token_clearly_without_showing_it(page, sandbox, assert_no_secret):
    conn_id = "bigcommerce_form_bad_token"
    bad_token = "not-a-valid-token-" + "q" * 16
    _save_pat_connection(page, conn_id, sandbox.base_url, sandbox.store_id, bad_token)

    tested = _airflow_connections_test(conn_id)
    assert tested.returncode == 1
    assert "Connection failed!" in tested.stdout
    assert "401" in tested.stdout and "OAuthAccessToken" in tested.stdout
    assert_no_secret(tested.stdout + tested.stderr, bad_token)
    assert_no_secret(page.content(), bad_token, where="the page")
