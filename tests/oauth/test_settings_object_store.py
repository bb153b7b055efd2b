"""OAuthSettingsLocation on object storage: a real S3 server (moto's server mode, its own process, a free
loopback port), conditional writes on the ETag, a lease object for the lock, and 16 processes racing."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.auth.settings.crypto import KEY_ENV_VAR, generate_key
from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.settings.object_store import ObjectSettingsStore
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings, now_ms
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.errors import PropertyError, SettingsStoreError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.problems import api_problem

pytest.importorskip("s3fs")
pytest.importorskip("moto")

STORE_ID = "abc123"
BUCKET = "bigcommerce-settings"
SECRETS = ("tok-secret-1", "refresh-secret-1", "client-secret-1")
READY_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def s3_server(free_port) -> Iterator[dict[str, str]]:
    """moto in server mode on 127.0.0.1; yields the AWS settings every client (and child process) uses."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, "moto server exited"
                assert time.monotonic() < deadline, "moto server did not start"
                time.sleep(0.05)
        aws = {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        yield aws
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


@pytest.fixture
def s3(s3_server: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 client on the server, the bucket made, and this process's AWS settings pointed at it."""
    import boto3

    for name, value in s3_server.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server["AWS_ENDPOINT_URL"])
    if BUCKET not in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def location(request: pytest.FixtureRequest) -> str:
    return f"s3://{BUCKET}/{request.node.name.replace('[', '-').replace(']', '')}/OAuthSettings.txt"


def _key(location: str) -> str:
    return location.removeprefix(f"s3://{BUCKET}/")


def _properties(location: str, **extra: str) -> ConnectionProperties:
    values = {
        "AuthScheme": "OAuth",
        "StoreId": STORE_ID,
        "InitiateOAuth": "REFRESH",
        "OAuthClientId": "client-1",
        "OAuthClientSecret": "client-secret-1",
        "OAuthSettingsLocation": location,
        **extra,
    }
    return ConnectionProperties.from_mapping({key: value for key, value in values.items() if value})


def _settings(token: str = "tok-secret-1", **changes: object) -> OAuthSettings:
    settings = OAuthSettings(
        store_id=STORE_ID,
        client_id="client-1",
        access_token=token,
        refresh_token="refresh-secret-1",
        expires_in=3600,
        token_timestamp=now_ms(),
        scope="store_v2_orders",
    )
    return settings.replace(**changes)


def _object(s3: Any, location: str) -> tuple[bytes, str]:
    answer = s3.get_object(Bucket=BUCKET, Key=_key(location))
    return answer["Body"].read(), answer["ETag"]


def test_an_s3_location_opens_an_object_store_that_round_trips_encrypted(s3, location):
    store = open_settings_store(_properties(location))
    store.save(_settings())

    data, _ = _object(s3, location)
    assert isinstance(store, ObjectSettingsStore)
    assert all(secret.encode() not in data for secret in SECRETS)
    assert open_settings_store(_properties(location)).load(fresh=True) == _settings().replace(
        token_timestamp=store.load().token_timestamp
    )


def test_a_write_based_on_a_stale_read_is_refused_and_the_newer_settings_kept(s3, location):
    open_settings_store(_properties(location)).save(_settings("tok-1"))
    slow, fast = open_settings_store(_properties(location)), open_settings_store(_properties(location))

    with slow.transaction() as transaction:  # holds the lease; ``fast`` writes around it, as a stuck lease would
        fast._write({"etag": _object(s3, location)[1], "salt": None}, _settings("tok-fast"))
        with pytest.raises(SettingsStoreError) as caught:
            transaction.save(_settings("tok-slow"))

    assert caught.value.code == "concurrent_write"
    assert open_settings_store(_properties(location)).load(fresh=True).access_token == "tok-fast"


def test_two_first_writes_cannot_both_create_the_object(s3, location):
    first, second = open_settings_store(_properties(location)), open_settings_store(_properties(location))
    first._write({"etag": None, "salt": None}, _settings("tok-first"))

    with pytest.raises(SettingsStoreError) as caught:
        second._write({"etag": None, "salt": None}, _settings("tok-second"))

    assert caught.value.code == "concurrent_write"
    assert second.load(fresh=True).access_token == "tok-first"


def test_a_held_lease_makes_the_next_transaction_wait_and_then_time_out(s3, location):
    holder = open_settings_store(_properties(location))
    waiting = ObjectSettingsStore(location, holder.cipher, store_id=STORE_ID, lock_timeout_s=0.5)

    with holder.transaction(), pytest.raises(SettingsStoreError) as caught, waiting.transaction():
        pass

    assert caught.value.code == "lock_timeout"
    with waiting.transaction() as transaction:  # released by the holder
        transaction.save(_settings("tok-after"))


@pytest.mark.parametrize("lease", [{"owner": "dead", "until": 0}, b"\x00not json"], ids=["expired", "damaged"])
def test_the_lease_of_a_dead_process_is_taken_over(s3, location, lease):
    body = lease if isinstance(lease, bytes) else json.dumps(lease).encode()
    s3.put_object(Bucket=BUCKET, Key=_key(location) + ".lock", Body=body)
    store = ObjectSettingsStore(location, open_settings_store(_properties(location)).cipher, store_id=STORE_ID)
    started = time.monotonic()

    with store.transaction() as transaction:
        transaction.save(_settings("tok-taken-over"))

    assert time.monotonic() - started < 60  # taken over, not waited out (a lease lasts 120 s)
    assert store.load(fresh=True).access_token == "tok-taken-over"
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=_key(location) + ".lock")


@pytest.mark.parametrize(
    "until",
    [b"NaN", b"Infinity", str(time.time() + 10**9).encode(), b"9" * 400],
    ids=["nan", "infinity", "far-future", "400-digits"],
)
def test_a_lease_claiming_longer_than_a_lease_lasts_is_taken_over(s3, location, until):
    """A holder writes ``until`` = its clock + LEASE_S; a lease that never ends, or ends later than that, is
    damaged and protects nothing (a write still has to pass compare-and-swap)."""
    s3.put_object(Bucket=BUCKET, Key=_key(location) + ".lock", Body=b'{"owner": "someone", "until": ' + until + b"}")
    cipher = open_settings_store(_properties(location)).cipher
    store = ObjectSettingsStore(location, cipher, store_id=STORE_ID, lock_timeout_s=3)

    with store.transaction() as transaction:
        transaction.save(_settings("tok-taken-over"))

    assert store.load(fresh=True).access_token == "tok-taken-over"


def _wrong_key(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv(KEY_ENV_VAR, generate_key())
    return {}


def _corrupt(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    data = bytearray(_object(s3, location)[0])
    data[len(data) // 2] = ord("A") if data[len(data) // 2] != ord("A") else ord("B")
    s3.put_object(Bucket=BUCKET, Key=_key(location), Body=bytes(data))
    return {}


def _truncated(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    data = _object(s3, location)[0]
    s3.put_object(Bucket=BUCKET, Key=_key(location), Body=data[: len(data) // 2])
    return {}


def _foreign(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s3.put_object(Bucket=BUCKET, Key=_key(location), Body=b"[OAuth]\nOAuthAccessToken=tok-secret-1\n")
    return {}


def _empty(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s3.put_object(Bucket=BUCKET, Key=_key(location), Body=b"")
    return {}


def _other_store(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return {"StoreId": "otherstore"}


def _other_app(s3: Any, location: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return {"OAuthClientId": "client-2"}


PROBLEMS = [
    (_wrong_key, "wrong_key", {"kind": "key"}),
    (_corrupt, "damaged", {"damage": "altered"}),
    (_truncated, "damaged", {"damage": "truncated"}),
    (_foreign, "not_settings_file", {}),
    (_empty, "empty_file", {}),
    (_other_store, "other_store", {"saved": "abc123", "store_id": "otherstore"}),
    (_other_app, "other_client", {"saved": "client-1", "client_id": "client-2"}),
]


@pytest.mark.parametrize(
    ("damage", "code", "facts"), PROBLEMS, ids=[damage.__name__.strip("_") for damage, *_ in PROBLEMS]
)
def test_each_problem_has_its_own_clear_error_and_the_object_is_unchanged(
    s3, location, monkeypatch, assert_no_secret, damage, code, facts
):
    # Near expiry, so using it would refresh and write, if the problem did not stop everything first.
    open_settings_store(_properties(location)).save(_settings(token_timestamp=now_ms() - 3590_000))
    changes = damage(s3, location, monkeypatch)
    before = _object(s3, location)

    with pytest.raises(SettingsStoreError) as caught:
        token_source_for(_properties(location, **changes)).access_token()

    assert (caught.value.code, caught.value.location) == (code, location)
    assert facts.items() <= caught.value.facts.items(), caught.value.facts
    assert_no_secret(f"{caught.value} {api_problem(caught.value, None)}", *SECRETS)
    assert _object(s3, location) == before


@pytest.mark.parametrize("location", ["gs://bucket/OAuthSettings.txt", "s3://bucket-only", "s3:///OAuthSettings.txt"])
def test_a_store_without_conditional_writes_or_without_an_object_key_is_a_property_error(location):
    with pytest.raises(PropertyError) as caught:
        open_settings_store(_properties(location))

    assert caught.value.property_name == "OAuthSettingsLocation"
    assert caught.value.code in ("store_not_supported", "no_object_key")


def test_a_missing_bucket_is_a_typed_error_naming_the_location(s3):
    location = "s3://no-such-bucket-here/OAuthSettings.txt"

    with pytest.raises(SettingsStoreError) as caught:
        open_settings_store(_properties(location)).save(_settings())

    assert (caught.value.code, caught.value.location) == ("object_store_error", location)


# -------------------------------------------------------------------------------- 16 processes racing

RACER = """
import json, sys
from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

values, rounds = json.loads(sys.argv[1]), int(sys.argv[2])
store = open_settings_store(ConnectionProperties.from_mapping(values))
print("ready", flush=True)
sys.stdin.readline()
for _ in range(rounds):
    with store.transaction() as transaction:
        count = int(transaction.current.access_token.removeprefix("count-"))
        transaction.save(transaction.current.replace(access_token=f"count-{count + 1}"))
print("done", flush=True)
"""


def _values(location: str) -> dict[str, str]:
    return {"AuthScheme": "OAuth", "StoreId": STORE_ID, "InitiateOAuth": "REFRESH", "OAuthSettingsLocation": location}


def _sixteen_at_once(script: str, *args: str, timeout: float) -> list[tuple[int, str, str]]:
    """Sixteen processes running ``script``, each told "go" once all printed "ready"; (returncode, stdout, stderr)."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(16)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:  # all at once
            process.stdin.write("go\n")
            process.stdin.flush()
        finished = [process.communicate(timeout=timeout) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    return [(process.returncode, *outputs) for process, outputs in zip(processes, finished, strict=True)]


@pytest.mark.slow  # sixteen processes
def test_sixteen_processes_incrementing_at_once_lose_no_update(s3, location):
    open_settings_store(_properties(location)).save(_settings("count-0"))
    rounds = 5

    done = _sixteen_at_once(RACER, json.dumps(_values(location)), str(rounds), timeout=240)

    assert [returncode for returncode, _, _ in done] == [0] * 16, [errors[-800:] for _, _, errors in done if errors]
    assert open_settings_store(_properties(location)).load(fresh=True).access_token == f"count-{16 * rounds}"


WORKER = """
import hashlib, json, os, sys, time
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

values, run_s = json.loads(sys.argv[1]), float(sys.argv[2])
properties = ConnectionProperties.from_mapping(values)
source = token_source_for(properties)
client = BigCommerceClient(properties, source, max_concurrency=1)
source.store.load(fresh=True)  # the S3 client is made (imports, session) before the race, not during it
print("ready", flush=True)
sys.stdin.readline()
deadline, calls, failures, seen = time.monotonic() + run_s, 0, [], []
while time.monotonic() < deadline:
    try:
        client.request("GET", "v2/time")
        calls += 1
        digest = hashlib.sha256(source.access_token().encode()).hexdigest()[:12]
        if digest not in seen:
            seen.append(digest)
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}"[:300])
    time.sleep(0.1)
client.close()
print(json.dumps({"calls": calls, "failures": failures, "tokens": seen}))
"""


@pytest.mark.slow  # sixteen processes
def test_sixteen_processes_on_s3_make_one_refresh_per_expiry_and_one_exchange(expiring_oauth, s3, location):
    """The file location's fleet test, on the object store: one token request per need, no failure."""
    run_s = 6.0
    code = expiring_oauth.approved_code(expiring_oauth.properties(location))
    exchanges_before = expiring_oauth.token_requests("authorization_code")
    first = token_source_for(expiring_oauth.properties(location, OAuthVerifier=code))
    first_token = first.access_token()
    refreshes_before = expiring_oauth.token_requests("refresh_token")

    results = []
    for returncode, output, errors in _sixteen_at_once(
        WORKER, json.dumps(expiring_oauth.values(location)), str(run_s), timeout=120
    ):
        assert returncode == 0, errors[-2000:]
        results.append(json.loads(output))
    assert [failure for result in results for failure in result["failures"]] == []
    # Every worker got its token; how many calls fit in the run depends on the S3 server's speed: a lease costs a
    # few object requests where flock costs microseconds, and tokens here live 4 s
    # (docs/deployment.md "Settings without a shared POSIX volume").
    assert all(result["calls"] >= 1 for result in results), [result["calls"] for result in results]
    refreshes = expiring_oauth.token_requests("refresh_token") - refreshes_before
    tokens = {hashlib.sha256(first_token.encode()).hexdigest()[:12]}
    tokens.update(token for result in results for token in result["tokens"])
    assert refreshes >= 1, results
    assert len(tokens) == refreshes + 1  # each refresh made one new token, each new token one refresh
    assert expiring_oauth.token_requests("authorization_code") - exchanges_before == 1


def test_the_object_store_module_imports_no_airflow():
    code = (
        "import sys\nimport airflow_provider_bigcommerce.core.auth.settings.object_store\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
