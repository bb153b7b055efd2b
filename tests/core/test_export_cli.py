"""``airflow-bigcommerce export``: one export without Airflow, in a real subprocess against the lookalike; the
manifest on stdout is the core's, and the file holds exactly what the same export through the core writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bigcommerce_lookalike.changes import Misbehaviour
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.cli.export import CONNECTION_ENV
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window

REPO_ROOT = Path(__file__).resolve().parents[2]
SECOND = timedelta(seconds=1)


def _cli(
    *args: str, env: dict[str, str] | None = None, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airflow_provider_bigcommerce.cli.main", "export", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**{key: value for key, value in os.environ.items() if key not in unset}, **(env or {})},
        cwd=REPO_ROOT,
    )


@pytest.fixture
def store(make_sandbox):
    return make_sandbox(seed=5, orders=300, products=40, customers=50)


def _connection(store) -> str:
    token = store.access_token
    return f"AuthScheme=PersonalAccessToken;StoreId={store.store_id};OAuthAccessToken={token};URL={store.base_url}"


def test_export_prints_the_cores_manifest_and_writes_the_same_records(store, make_client, tmp_path, assert_no_secret):
    first, last = store.data_time_range
    window = Window(first + (last - first) / 4, first + (last - first) / 2)

    done = _cli(
        "order_line_items",
        "--since",
        window.start.isoformat(),
        "--until",
        window.end.isoformat(),
        "--destination",
        str(tmp_path / "cli"),
        env={CONNECTION_ENV: _connection(store)},
    )

    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    core = export_resource(make_client(store), resource_for("order_line_items"), tmp_path / "core", window=window)
    assert {key: manifest[key] for key in ("resource", "mode", "window", "filter", "records", "verification")} == {
        key: core[key] for key in ("resource", "mode", "window", "filter", "records", "verification")
    }
    assert manifest["records"] > 0
    cli_file, core_file = Path(manifest["files"][0]["path"]), Path(core["files"][0]["path"])
    assert cli_file.read_bytes() == core_file.read_bytes()
    assert_no_secret(done.stdout + done.stderr, store.access_token)


def test_full_export_with_deletions_writes_tombstones_after_a_delete(store, tmp_path):
    args = ("coupons", "--full", "--deletions", "--compression", "gzip", "--destination", str(tmp_path))
    env = {CONNECTION_ENV: _connection(store)}
    assert _cli(*args, env=env).returncode == 0
    store.changes.plan("v2/coupons", after=0, delete=[4, 9])

    done = _cli(*args, env=env)

    assert done.returncode == 0, done.stderr
    deletions = json.loads(done.stdout)["deletions"]
    assert deletions["records"] == 2 and deletions["path"].endswith("coupons_deleted_full.ndjson.gz")


def test_format_parquet_writes_the_same_typed_file_the_core_writes(store, make_client, tmp_path):
    pytest.importorskip("pyarrow")
    args = ("orders", "--full", "--format", "parquet", "--destination", str(tmp_path / "cli"))

    done = _cli(*args, env={CONNECTION_ENV: _connection(store)})

    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    core = export_resource(
        make_client(store), resource_for("orders"), tmp_path / "core", incremental=False, file_format="parquet"
    )
    assert manifest["format"] == "parquet" and manifest["schema"] == core["schema"]
    assert manifest["files"][0]["path"].endswith("orders_full.parquet")
    assert Path(manifest["files"][0]["path"]).read_bytes() == Path(core["files"][0]["path"]).read_bytes()
    assert "does not know, kept in _extra: credit_card_type" in done.stderr  # said once, on stderr


def test_format_parquet_with_gzip_exits_2_before_any_request(store, tmp_path):
    before = store.stats.requests
    args = ("brands", "--full", "--format", "parquet", "--compression", "gzip", "--destination", str(tmp_path))

    done = _cli(*args, env={CONNECTION_ENV: _connection(store)})

    assert done.returncode == 2 and "zstd" in done.stderr and done.stdout == ""
    assert store.stats.requests == before and not list(tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("orders", "--since", "2024-01-01"), "--until"),
        (("orders", "--since", "yesterday", "--until", "2024-01-02"), "--since"),
        (("nope", "--full"), "nope"),
        (("orders",), "--full"),
    ],
)
def test_bad_arguments_exit_2_naming_what_to_fix(store, tmp_path, args, names):
    done = _cli(*args, "--destination", str(tmp_path), env={CONNECTION_ENV: _connection(store)})

    assert done.returncode == 2 and names in done.stderr
    assert done.stdout == ""


def test_without_a_connection_string_the_command_says_where_to_put_it(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != CONNECTION_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "airflow_provider_bigcommerce.cli.main", "export", "orders", "--destination", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )

    assert done.returncode == 2 and CONNECTION_ENV in done.stderr


def test_an_unknown_resource_is_answered_with_the_commands_own_path_flag(store, tmp_path):
    done = _cli("gift_certificates", "--full", "--destination", str(tmp_path), env={CONNECTION_ENV: _connection(store)})

    assert done.returncode == 2 and "--path v2/" in done.stderr and "path=" not in done.stderr, done.stderr


def _airflow_connection_json(store) -> str:
    extra = {"auth_scheme": "PersonalAccessToken", "store_id": store.store_id, "oauth_access_token": store.access_token}
    return json.dumps({"conn_type": "bigcommerce", "host": store.base_url, "extra": extra})


def test_conn_id_reads_the_airflow_connection_from_the_environment(store, tmp_path, assert_no_secret):
    env = {"AIRFLOW_CONN_BC_EXPORT": _airflow_connection_json(store), CONNECTION_ENV: ""}

    done = _cli("brands", "--conn-id", "bc_export", "--full", "--destination", str(tmp_path), env=env)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records"] == store.config.brands
    assert_no_secret(done.stdout + done.stderr, store.access_token)


def test_conn_id_reads_a_connection_added_with_airflow_connections_add(airflow_db, store, tmp_path):
    conn_id = f"bc_export_{tmp_path.name[-12:].lower()}".replace("-", "_")
    added = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "connections", "add", conn_id, "--conn-json"]
        + [_airflow_connection_json(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr

    done = _cli("orders", "--conn-id", conn_id, "--full", "--destination", str(tmp_path))

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records"] == store.config.orders


def test_conn_id_and_a_connection_string_together_or_an_unknown_conn_id_exit_2(store, tmp_path):
    both = _cli("orders", "--full", "--conn-id", "x", "--connection-string", _connection(store), "--destination", ".")
    unknown = _cli("orders", "--full", "--conn-id", "bc_no_such_connection", "--destination", str(tmp_path))

    assert both.returncode == 2 and "--conn-id" in both.stderr and "--connection-string" in both.stderr
    assert unknown.returncode == 2 and "bc_no_such_connection" in unknown.stderr, unknown.stderr


def test_a_rejected_token_exits_1_without_echoing_it(store, tmp_path, assert_no_secret):
    bad = f"AuthScheme=PersonalAccessToken;StoreId={store.store_id};OAuthAccessToken=wrongtoken123;URL={store.base_url}"

    done = _cli("pages", "--full", "--destination", str(tmp_path), env={CONNECTION_ENV: bad})

    assert done.returncode == 1
    assert_no_secret(done.stderr + done.stdout, "wrongtoken123")


def test_a_list_that_cannot_be_read_exactly_once_exits_1_in_words_and_writes_no_file(store, tmp_path):
    store.changes.misbehave("v2/orders", Misbehaviour(stale_count=-300))  # the count says 600; 300 are there

    done = _cli("orders", "--full", "--destination", str(tmp_path / "out"), env={CONNECTION_ENV: _connection(store)})

    assert done.returncode == 1, done.stderr
    assert "Reading v2/orders failed (count_mismatch)" in done.stderr, done.stderr
    assert "(expected 600, read 300)" in done.stderr and "retry" in done.stderr
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_a_dead_api_host_is_named_in_the_failure(tmp_path, unused_port, assert_no_secret):
    dead = f"http://127.0.0.1:{unused_port}"
    token = "t" * 31
    connection = f"AuthScheme=PersonalAccessToken;StoreId=abc123;OAuthAccessToken={token};URL={dead};Timeout=1"

    done = _cli("pages", "--full", "--destination", str(tmp_path), env={CONNECTION_ENV: connection})

    assert done.returncode == 1
    assert f"export: Cannot reach BigCommerce at {dead}:" in done.stderr, done.stderr
    assert_no_secret(done.stderr + done.stdout, token)


def _dead_connection(port: int) -> str:
    """A connection nothing answers: an export that reaches the API fails with exit 1, not 2."""
    return f"AuthScheme=PersonalAccessToken;StoreId=abc123;OAuthAccessToken={'t' * 31};URL=http://127.0.0.1:{port}"


def test_a_resource_name_with_dot_dot_exits_2_and_writes_no_file_anywhere(store, tmp_path):
    destination = tmp_path / "a" / "b" / "destination"

    done = _cli(
        "../../x", "--path", "v2/coupons", "--full", "--destination", str(destination),
        env={CONNECTION_ENV: _connection(store)},
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert "'../../x'" in done.stderr and "Traceback" not in done.stderr
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_an_until_no_date_can_hold_exits_2_in_words(tmp_path, unused_port):
    done = _cli(
        "orders", "--since", "2024-01-01T00:00:00Z", "--until", "9999-12-31T23:00:00-05:00",
        "--destination", str(tmp_path), env={CONNECTION_ENV: _dead_connection(unused_port)},
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert "9999-12-31T23:00:00-05:00" in done.stderr and "Traceback" not in done.stderr


_NO_AWS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


@pytest.mark.parametrize("kind", ["a-file", "under-proc", "s3-without-credentials"])
def test_a_destination_that_cannot_be_written_exits_2_in_words(kind, tmp_path, unused_port, assert_no_secret):
    blocker = tmp_path / "export"
    blocker.write_text("a file")
    destination = {
        "a-file": str(blocker),
        "under-proc": "/proc/bigcommerce-export",
        "s3-without-credentials": "s3://bigcommerce-exports/daily",
    }[kind]
    aws = {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{unused_port}",  # nothing leaves the machine
    }

    done = _cli(
        "coupons", "--full", "--destination", destination,
        env={CONNECTION_ENV: _dead_connection(unused_port), **aws}, unset=_NO_AWS,
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert f"Cannot write {destination}/" in done.stderr, done.stderr  # its store marker, looked at first
    assert "Traceback" not in done.stderr
    assert blocker.read_text() == "a file"
    assert_no_secret(done.stderr, "t" * 31)


def test_a_passphrase_cut_at_a_semicolon_is_not_echoed(tmp_path, assert_no_secret):
    connection = (
        "AuthScheme=OAuth;StoreId=abc123;InitiateOAuth=REFRESH;OAuthSettingsLocation=/nowhere/OAuthSettings.txt;"
        "OAuthSettingsPassphrase=Tr0ub4dor;xK9qZ7=horse"
    )

    done = _cli("pages", "--full", "--destination", str(tmp_path), env={CONNECTION_ENV: connection})

    assert done.returncode == 2 and "OAuthSettingsPassphrase" in done.stderr, done.stderr
    assert_no_secret(done.stderr + done.stdout, "Tr0ub4dor", "xK9qZ7", "horse")


def test_a_window_that_just_ended_waits_one_line_on_stderr_then_holds_the_late_commit(make_sandbox, tmp_path):
    # The CLI waits (at most SettleSeconds) rather than exit: the caller asked for this window and wants its file.
    # The window ends at the last whole second, which has passed; its last second holds an order listed 3 s late.
    written = datetime.fromtimestamp(int(time.time()) - 1, UTC)
    store = make_sandbox(seed=5, orders=40, newest_order_at=written, readings=Readings(commit_lag_ms=3000))
    window = ("--since", (written - timedelta(days=100)).isoformat(), "--until", (written + SECOND).isoformat())

    done = _cli(
        "orders", *window, "--destination", str(tmp_path), env={CONNECTION_ENV: _connection(store) + ";SettleSeconds=4"}
    )

    assert done.returncode == 0, done.stderr
    waits = [line for line in done.stderr.splitlines() if "SettleSeconds=4" in line]
    assert len(waits) == 1 and waits[0].startswith("airflow-bigcommerce export: waiting")
    lines = Path(json.loads(done.stdout)["files"][0]["path"]).read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == list(range(100, 140))  # the order written last too


def test_an_until_further_ahead_than_the_settle_time_exits_2_before_any_request(store, tmp_path):
    until = datetime.now(UTC) + timedelta(hours=1)
    window = ("--since", (until - timedelta(days=1)).isoformat(), "--until", until.isoformat())

    done = _cli(
        "orders", *window, "--destination", str(tmp_path), env={CONNECTION_ENV: _connection(store) + ";SettleSeconds=5"}
    )

    assert done.returncode == 2
    assert "--until" in done.stderr and "SettleSeconds=5" in done.stderr
    assert store.stats.requests == 0 and not any(tmp_path.iterdir())
