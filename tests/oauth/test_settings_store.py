"""The OAuthSettingsLocation store: real files, real locks, real processes killed mid-write."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import random
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.auth.settings import crypto
from airflow_provider_bigcommerce.core.auth.settings.crypto import KEY_ENV_VAR, generate_key, settings_cipher
from airflow_provider_bigcommerce.core.auth.settings.file_store import (
    FileSettingsStore,
    read_settings_file,
    write_settings_file,
)
from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings, now_ms
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.errors import AuthorizationRequiredError, PropertyError, SettingsStoreError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.problems import api_problem

STORE_ID = "abc123"
SECRETS = ("tok-secret-1", "refresh-secret-1", "client-secret-1", "pass-secret-1")


def _properties(location: Path | str, **extra: str) -> ConnectionProperties:
    values = {
        "AuthScheme": "OAuth",
        "StoreId": STORE_ID,
        "InitiateOAuth": "REFRESH",
        "OAuthClientId": "client-1",
        "OAuthClientSecret": "client-secret-1",
        "OAuthSettingsLocation": str(location),
    }
    values.update(extra)
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


@pytest.mark.unit  # the settings file's format, on a real file; no process, no HTTP
def test_a_saved_file_is_encrypted_private_and_round_trips(tmp_path: Path, assert_no_secret) -> None:
    store = open_settings_store(_properties(tmp_path / "OAuthSettings.txt"))

    store.save(_settings())

    data = (tmp_path / "OAuthSettings.txt").read_bytes()
    assert stat.S_IMODE(os.stat(tmp_path / "OAuthSettings.txt").st_mode) == 0o600
    assert_no_secret(data.decode("latin-1"), SECRETS)
    assert read_settings_file(str(tmp_path / "OAuthSettings.txt"), settings_cipher()) == store.load()
    assert store.load().access_token == "tok-secret-1"


@pytest.mark.unit  # the settings file's format, on a real file; no process, no HTTP
def test_a_folder_location_gets_the_drivers_default_file_name(tmp_path: Path) -> None:
    open_settings_store(_properties(f"{tmp_path}/")).save(_settings())

    assert (tmp_path / "OAuthSettings.txt").exists()


def test_steady_state_reads_decrypt_nothing_until_another_process_writes(tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    store = open_settings_store(_properties(location))
    store.save(_settings("tok-1"))

    first = store.load()
    # Unchanged file: the very same decrypted object, for this store and for any other store on the same file.
    assert store.load() is first
    assert open_settings_store(_properties(location)).load() is first

    _in_another_process(location, "save(OAuthSettings(store_id=STORE_ID, client_id='client-1', access_token='tok-2'))")

    assert store.load().access_token == "tok-2"


def test_adopted_settings_keep_the_verifiers_this_location_has_seen(tmp_path: Path) -> None:
    store = open_settings_store(_properties(tmp_path / "OAuthSettings.txt"))
    store.save(_settings("tok-here").with_verifier("sha256:code-exchanged-here", "exchanged"))

    store.adopt(_settings("tok-imported").with_verifier("sha256:code-exchanged-there", "exchanged"))

    saved = store.load()
    assert saved.access_token == "tok-imported"
    assert set(saved.verifiers) == {"sha256:code-exchanged-here", "sha256:code-exchanged-there"}


def test_memory_locations_are_shared_by_the_connections_of_one_process_only(tmp_path: Path) -> None:
    store = open_settings_store(_properties("memory://shared-test"))
    store.save(_settings("tok-memory"))

    assert open_settings_store(_properties("memory://shared-test")).load().access_token == "tok-memory"
    assert open_settings_store(_properties("memory://another-id")).load() is None
    other_process = _in_another_process("memory://shared-test", "load()")
    assert other_process.strip() == "None"


# ------------------------------------------------------------------------------------------ clear errors


def _wrong_key(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv(KEY_ENV_VAR, generate_key())
    return {}


def _corrupt(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    data = bytearray(location.read_bytes())
    data[len(data) // 2] = ord("A") if data[len(data) // 2] != ord("A") else ord("B")
    location.write_bytes(bytes(data))
    return {}


def _truncated(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    location.write_bytes(location.read_bytes()[: location.stat().st_size // 2])
    return {}


def _foreign(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    location.write_text("[OAuth]\nOAuthAccessToken=tok-secret-1\n")
    return {}


def _other_store(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return {"StoreId": "otherstore"}


def _other_app(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return {"OAuthClientId": "client-2"}


def _missing_passphrase(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    open_settings_store(_properties(location, OAuthSettingsPassphrase="pass-secret-1")).save(_settings())
    return {}


def _no_key_at_all(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv(KEY_ENV_VAR)
    return {}


def _unknown_initiate_oauth(location: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return {"InitiateOAuth": "SOMETIMES"}


PROBLEMS = [
    (_wrong_key, SettingsStoreError, "wrong_key", {"kind": "key"}),
    (_corrupt, SettingsStoreError, "damaged", {"damage": "altered"}),
    (_truncated, SettingsStoreError, "damaged", {"damage": "truncated"}),
    (_foreign, SettingsStoreError, "not_settings_file", {}),
    (_other_store, SettingsStoreError, "other_store", {"saved": "abc123", "store_id": "otherstore"}),
    (_other_app, SettingsStoreError, "other_client", {"saved": "client-1", "client_id": "client-2"}),
    (_missing_passphrase, SettingsStoreError, "key_missing", {"kind": "passphrase"}),
    (_no_key_at_all, SettingsStoreError, "no_key", {}),
    (_unknown_initiate_oauth, PropertyError, "unknown_value", {"value": "SOMETIMES"}),
]


@pytest.mark.parametrize(
    ("damage", "error", "code", "facts"), PROBLEMS, ids=[damage.__name__.strip("_") for damage, *_ in PROBLEMS]
)
@pytest.mark.unit  # the settings file's format, on a real file; no process, no HTTP
def test_each_problem_has_its_own_clear_error_and_the_file_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, assert_no_secret, damage, error: type[Exception], code, facts
) -> None:
    location = tmp_path / "OAuthSettings.txt"
    # Near expiry, so using it would refresh and write, if the problem did not stop everything first.
    open_settings_store(_properties(location)).save(_settings(token_timestamp=now_ms() - 3590_000))
    changes = damage(location, monkeypatch)
    before = location.read_bytes()

    with pytest.raises(error) as caught:
        token_source_for(_properties(location, **changes)).access_token()

    assert caught.value.code == code
    assert facts.items() <= caught.value.facts.items(), caught.value.facts
    assert_no_secret(f"{caught.value} {api_problem(caught.value, None)}", *SECRETS)
    assert location.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["OAuthSettings.txt", "OAuthSettings.txt.lock"]


def test_an_unwritable_location_is_reported_and_left_unchanged(tmp_path: Path, read_only_folder) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    location = folder / "OAuthSettings.txt"
    open_settings_store(_properties(location)).save(_settings(token_timestamp=now_ms() - 3590_000))
    before = location.read_bytes()

    with read_only_folder(folder), pytest.raises(SettingsStoreError) as caught:
        token_source_for(_properties(location)).access_token()

    assert (caught.value.code, caught.value.facts["action"]) in (("os_error", "create_lock"), ("os_error", "write"))
    assert "must be readable and writable by this process" in api_problem(caught.value, None)
    assert location.read_bytes() == before


def test_a_missing_folder_is_not_created_behind_the_users_back(tmp_path: Path) -> None:
    location = tmp_path / "not-mounted" / "OAuthSettings.txt"

    with pytest.raises(SettingsStoreError) as caught:
        open_settings_store(_properties(location)).save(_settings())
    assert (caught.value.code, caught.value.facts["folder_missing"]) == ("os_error", True)
    assert "does not exist: create it (or mount the shared volume)" in api_problem(caught.value, None)
    assert not location.parent.exists()


def test_read_only_use_never_writes_or_locks(tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    # Written as another machine would have (e.g. copied here): no lock file next to it.
    expiring_soon = _settings(token_timestamp=now_ms() - 3590_000)
    write_settings_file(str(location), expiring_soon, settings_cipher(), salt=b"s" * 16)
    before = (location.read_bytes(), location.stat().st_mtime_ns)

    token = token_source_for(_properties(location), read_only=True).access_token()
    with pytest.raises(AuthorizationRequiredError) as caught:
        token_source_for(_properties(tmp_path / "empty.txt"), read_only=True).access_token()
    assert (caught.value.code, caught.value.facts["read_only"]) == ("nothing_saved", True)

    assert token == "tok-secret-1"  # close to expiry but still valid: used as is, not refreshed
    assert (location.read_bytes(), location.stat().st_mtime_ns) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["OAuthSettings.txt"]


# ------------------------------------------------------------------------------------- processes and locks


def _keep_saving(location: str, key: str, start: int, ready: multiprocessing.synchronize.Event) -> None:
    os.environ[KEY_ENV_VAR] = key
    store = open_settings_store(_properties(location))
    ready.set()
    for number in range(start, start + 1_000_000):
        store.save(_settings(f"tok-{number}"))


def test_sigkill_at_random_points_of_writes_never_breaks_the_file(tmp_path: Path, settings_key: str) -> None:
    location = tmp_path / "OAuthSettings.txt"
    store = FileSettingsStore(str(location), settings_cipher(), store_id=STORE_ID, lock_timeout_s=5)
    store.save(_settings("tok-0"))
    fork = multiprocessing.get_context("fork")
    rng = random.Random(7)
    last, killed_mid_write = 0, 0

    for _ in range(100):
        ready = fork.Event()
        writer = fork.Process(target=_keep_saving, args=(str(location), settings_key, last + 1, ready), daemon=True)
        writer.start()
        assert ready.wait(10)
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(10)
        killed_mid_write += any(path.name.endswith(".tmp") for path in tmp_path.iterdir())

        saved = read_settings_file(str(location), settings_cipher())  # decrypts from scratch, no cache
        number = int(re.fullmatch(r"tok-(\d+)", saved.access_token).group(1))
        assert number >= last, "a later write was lost"
        last = number
        lock_wait = time.monotonic()
        with store.transaction() as transaction:  # the dead writer's lock is free at once
            assert transaction.current.access_token == saved.access_token
        assert time.monotonic() - lock_wait < 60  # free at once, not after the 120 s lock timeout

    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")], "orphan temp files remain"
    assert killed_mid_write > 0, "no kill landed inside a write; the test proved nothing"
    assert last > 100


def test_a_process_killed_while_holding_the_lock_does_not_block_the_others(tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    open_settings_store(_properties(location)).save(_settings())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store\n"
            "from airflow_provider_bigcommerce.core.properties import ConnectionProperties\n"
            "properties = ConnectionProperties.from_mapping({'AuthScheme': 'OAuth', 'StoreId': "
            f"{STORE_ID!r}, 'InitiateOAuth': 'REFRESH', 'OAuthSettingsLocation': {str(location)!r}}})\n"
            "with open_settings_store(properties).transaction():\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        waiting = FileSettingsStore(str(location), settings_cipher(), store_id=STORE_ID, lock_timeout_s=0.5)
        with pytest.raises(SettingsStoreError) as caught, waiting.transaction():
            pass
        assert caught.value.code == "lock_timeout"
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)

        with waiting.transaction() as transaction:
            transaction.save(_settings("tok-after"))
    finally:
        holder.kill()
        holder.wait()
    assert open_settings_store(_properties(location)).load().access_token == "tok-after"


def test_a_new_passphrase_file_is_stretched_outside_the_lock_and_once_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet's cold start: another process wrote a new file (a new salt) while this one waited for the lock.

    scrypt must not run while the lock is held, or 16 waiting processes stretch one after the other; and rewrites
    keep the salt, so the key is stretched once per process, not once per file version.
    """
    location = tmp_path / "OAuthSettings.txt"
    lock = str(location) + ".lock"
    stretched_under_lock: list[bool] = []
    real_scrypt = crypto.Scrypt

    def watched_scrypt(**parameters: int | bytes) -> object:
        stretched_under_lock.append(_held(lock))
        return real_scrypt(**parameters)

    monkeypatch.setattr(crypto, "Scrypt", watched_scrypt)
    save = "save(OAuthSettings(store_id=STORE_ID, client_id='client-1', access_token={!r}))"
    _in_another_process(location, save.format("tok-1"), passphrase="pass-secret-1")
    store = open_settings_store(_properties(location, OAuthSettingsPassphrase="pass-secret-1"))
    derivations_before = crypto.key_derivations()

    with store.transaction() as transaction:
        assert transaction.current.access_token == "tok-1"
        assert _held(lock)
    _in_another_process(location, save.format("tok-2"), passphrase="pass-secret-1")
    with store.transaction() as transaction:
        assert transaction.current.access_token == "tok-2"

    assert stretched_under_lock == [False]
    assert crypto.key_derivations() - derivations_before == 1


# ------------------------------------------------------------------------------------------------ helpers


def _in_another_process(location: Path | str, call: str, *, passphrase: str | None = None) -> str:
    """Call a method of the store for ``location`` in a new interpreter; returns what it printed."""
    code = (
        "from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings\n"
        "from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store\n"
        "from airflow_provider_bigcommerce.core.properties import ConnectionProperties\n"
        f"STORE_ID = {STORE_ID!r}\n"
        "properties = ConnectionProperties.from_mapping({'AuthScheme': 'OAuth', 'StoreId': STORE_ID, "
        f"'InitiateOAuth': 'REFRESH', 'OAuthClientId': 'client-1', 'OAuthSettingsLocation': {str(location)!r}, "
        f"'OAuthSettingsPassphrase': {passphrase!r}}})\n"
        f"print(open_settings_store(properties).{call})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _held(lock_path: str) -> bool:
    """Whether any process (this one included: flock is per open file) holds the lock on ``lock_path`` now."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
