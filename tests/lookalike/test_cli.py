"""``python -m bigcommerce_lookalike``: one JSON line, then serve until SIGTERM/SIGINT."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]

CONNECTION_KEYS = {"base_url", "login_url", "store_id", "access_token", "client_id", "client_secret", "callback_url"}


def _start(*args: str) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bigcommerce_lookalike", "--port", "0", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    assert line, process.stderr.read()
    return process, json.loads(line)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_prints_one_json_line_serves_and_stops_cleanly(stop_signal):
    process, info = _start("--orders", "10", "--seed", "5")
    try:
        assert set(info) == CONNECTION_KEYS and info["base_url"].startswith("http://127.0.0.1:")
        response = requests.get(
            f"{info['base_url']}/stores/{info['store_id']}/v2/time",
            headers={"X-Auth-Token": info["access_token"]},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["time"] > 0
    finally:
        process.send_signal(stop_signal)
        remaining_stdout, _ = process.communicate(timeout=10)

    assert process.returncode == 0 and remaining_stdout == ""


def test_cli_options_reach_the_store_and_the_admin_surface_controls_it():
    process, info = _start("--orders", "7", "--quota", "3", "--window-ms", "60000", "--expiring-tokens")
    try:
        about = requests.get(f"{info['base_url']}/_sandbox/info", timeout=10).json()
        assert about["sizes"]["orders"] == 7 and about["quota"] == 3 and about["expiring_tokens"] is True

        requests.post(f"{info['base_url']}/_sandbox/faults", json={"error_5xx_rate": 1.0}, timeout=10)
        failed = requests.get(f"{info['base_url']}/stores/{info['store_id']}/v2/time", timeout=10)
        stats = requests.get(f"{info['base_url']}/_sandbox/stats", timeout=10).json()
        assert failed.status_code in (500, 503) and stats["responses_5xx"] == 1
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_cli_rejects_impossible_options_with_exit_code_2():
    result = subprocess.run(
        [sys.executable, "-m", "bigcommerce_lookalike", "--error-5xx-rate", "2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2 and "error_5xx_rate" in result.stderr and result.stdout == ""


def test_cli_puts_the_data_up_to_now_so_yesterdays_scheduled_export_finds_every_resource():
    """The README starts the lookalike with its defaults and then runs a daily export: the day that ended last
    midnight must hold orders, products and customers, whatever day the test runs."""
    started = datetime.now(UTC)
    process, info = _start()
    try:
        about = requests.get(f"{info['base_url']}/_sandbox/info", timeout=10).json()
        first, last = (datetime.fromisoformat(moment) for moment in about["data_time_range"])
        # the newest record is at most one timeline step (half a day at the command line's sizes) before now
        assert started - timedelta(hours=12) <= last <= datetime.now(UTC) and first < started - timedelta(days=2)

        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        yesterday = today - timedelta(days=1)
        api = f"{info['base_url']}/stores/{info['store_id']}"
        headers = {"X-Auth-Token": info["access_token"], "Accept": "application/json"}
        orders = requests.get(
            f"{api}/v2/orders/count",
            params={"min_date_modified": yesterday.isoformat(), "max_date_modified": today.isoformat()},
            headers=headers,
            timeout=10,
        ).json()["count"]
        v3_window = {"date_modified:min": yesterday.isoformat(), "date_modified:max": today.isoformat()}
        products, customers = (
            requests.get(f"{api}/{path}", params=v3_window, headers=headers, timeout=10).json()["meta"]["pagination"]
            for path in ("v3/catalog/products", "v3/customers")
        )
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert orders > 0 and products["total"] > 0 and customers["total"] > 0


def test_cli_reference_time_pins_the_data_to_a_given_moment():
    process, info = _start("--reference-time", "2025-03-01T12:00:00Z")
    try:
        about = requests.get(f"{info['base_url']}/_sandbox/info", timeout=10).json()
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert datetime.fromisoformat(about["data_time_range"][1]) <= datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert datetime.fromisoformat(about["data_time_range"][1]) > datetime(2025, 2, 28, tzinfo=UTC)


def test_the_sandbox_command_says_how_to_install_the_lookalike_where_it_is_not_installed(monkeypatch, capsys):
    from airflow_provider_bigcommerce.cli.main import LOOKALIKE_INSTALL, main

    monkeypatch.setitem(sys.modules, "bigcommerce_lookalike", None)  # how Python marks a module as not importable

    assert main(["sandbox", "--port", "8765"]) == 2
    assert LOOKALIKE_INSTALL.split("#")[0].strip() in capsys.readouterr().err
