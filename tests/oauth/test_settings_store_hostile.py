"""A hostile or broken OAuthSettingsLocation: symlinks, special files, unsafe folders, empty and costly files.

Each case is a SettingsStoreError with a ``code`` and the ``location`` concerned, the file left as it was, and
no open() that blocks.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import threading
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.auth.settings import crypto
from airflow_provider_bigcommerce.core.auth.settings.crypto import MAGIC, settings_cipher
from airflow_provider_bigcommerce.core.auth.settings.file_store import read_settings_file
from airflow_provider_bigcommerce.core.auth.settings.location import open_settings_store
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings
from airflow_provider_bigcommerce.core.errors import SettingsStoreError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

STORE_ID = "abc123"


def _store(location: Path | str, **extra: str):
    """A store as InitiateOAuth=REFRESH opens it (no app credentials needed for that)."""
    values = {
        "AuthScheme": "OAuth",
        "StoreId": STORE_ID,
        "InitiateOAuth": "REFRESH",
        "OAuthSettingsLocation": str(location),
    }
    return open_settings_store(ConnectionProperties.from_mapping({**values, **extra}))


def _settings(token: str = "tok-secret-1") -> OAuthSettings:
    return OAuthSettings(store_id=STORE_ID, client_id="client-1", access_token=token)


def _refused(action, code: str) -> SettingsStoreError:
    with pytest.raises(SettingsStoreError) as caught:
        action()
    assert caught.value.code == code
    return caught.value


# ---------------------------------------------------------------------------------------------------- symlinks


def test_a_symlink_at_the_lock_file_is_refused_and_its_target_never_created(tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    target = tmp_path / "elsewhere" / "planted"
    target.parent.mkdir()
    Path(f"{location}.lock").symlink_to(target)

    error = _refused(lambda: _store(location).save(_settings()), "lock_is_symlink")

    assert error.location == os.path.realpath(location)
    assert not target.exists() and not location.exists()


def test_a_symlinked_location_is_resolved_once_the_link_kept_and_the_real_file_locked(tmp_path: Path) -> None:
    real = tmp_path / "real" / "OAuthSettings.txt"
    real.parent.mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(real)

    _store(link).save(_settings("tok-1"))
    _store(real).save(_settings("tok-2"))

    assert link.is_symlink() and os.readlink(link) == str(real)
    assert _store(link).location == os.path.realpath(real)
    assert _store(link).load().access_token == "tok-2"
    assert Path(f"{real}.lock").exists() and not Path(f"{link}.lock").exists()


def test_a_symlinked_folder_is_resolved_too(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)

    _store(tmp_path / "alias" / "OAuthSettings.txt").save(_settings())

    assert (tmp_path / "real" / "OAuthSettings.txt.lock").exists()
    assert _store(tmp_path / "real" / "OAuthSettings.txt").load().access_token == "tok-secret-1"


# ----------------------------------------------------------------------------------------------- special files


def _in_a_thread_with_deadline(action, seconds: float = 10):
    """Run ``action`` on a daemon thread; fail (instead of hanging the suite) if it does not finish in time."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the settings store blocked"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


@pytest.mark.parametrize("operation", ["load", "save"])
def test_a_fifo_location_is_refused_without_blocking(tmp_path: Path, operation: str) -> None:
    location = tmp_path / "OAuthSettings.txt"
    os.mkfifo(location)
    store = _store(location)
    action = store.load if operation == "load" else lambda: store.save(_settings())

    error = _refused(lambda: _in_a_thread_with_deadline(action), "not_regular_file")

    assert error.location == os.path.realpath(location)
    assert stat.S_ISFIFO(os.lstat(location).st_mode)


def test_a_folder_or_device_as_location_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a-folder").mkdir()

    _refused(_store(tmp_path / "a-folder").load, "not_regular_file")
    _refused(lambda: read_settings_file("/dev/zero", settings_cipher()), "not_regular_file")


def test_importing_from_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "import.txt"
    os.mkfifo(fifo)

    _refused(
        lambda: _in_a_thread_with_deadline(lambda: read_settings_file(str(fifo), settings_cipher())), "not_regular_file"
    )


def test_a_fifo_at_the_lock_file_is_refused(tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    os.mkfifo(f"{location}.lock")

    _refused(lambda: _in_a_thread_with_deadline(lambda: _store(location).save(_settings())), "lock_not_regular")


# ------------------------------------------------------------------------------------------------------ folders


def test_a_world_writable_folder_without_sticky_bit_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)

    error = _refused(lambda: _store(folder / "OAuthSettings.txt").save(_settings()), "unsafe_folder")

    assert error.location == os.path.realpath(folder / "OAuthSettings.txt")
    assert list(folder.iterdir()) == []


def test_a_world_writable_folder_with_the_sticky_bit_is_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "sticky"
    folder.mkdir()
    folder.chmod(0o1777)

    _store(folder / "OAuthSettings.txt").save(_settings())

    assert (folder / "OAuthSettings.txt").exists()


def test_a_group_writable_folder_is_accepted_with_a_warning(tmp_path: Path, caplog) -> None:
    folder = tmp_path / "group"
    folder.mkdir()
    folder.chmod(0o770)

    with caplog.at_level(logging.WARNING, logger="airflow_provider_bigcommerce.core.auth.settings.file_format"):
        _store(folder / "OAuthSettings.txt").save(_settings())

    assert (folder / "OAuthSettings.txt").exists()
    assert any("group-writable" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------------------------------------- empty and costly


def test_an_empty_file_is_an_error_and_never_overwritten(tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    location.write_bytes(b"")
    store = _store(location)

    for action in (store.load, lambda: store.save(_settings()), lambda: store.load(fresh=True)):
        error = _refused(action, "empty_file")
        assert error.location == os.path.realpath(location)
    _refused(lambda: read_settings_file(str(location), settings_cipher()), "empty_file")

    assert location.read_bytes() == b""


def _passphrase_file(location: Path, **scrypt: int) -> bytes:
    """A settings file written with a passphrase, its header then changed to ask for other scrypt parameters."""
    _store(location, OAuthSettingsPassphrase="pass-secret-1").save(_settings())
    prefix, payload = location.read_text().rstrip("\n")[len(MAGIC) :].split(".")
    header = json.loads(base64.urlsafe_b64decode(prefix + "=" * (-len(prefix) % 4)))
    header.update(scrypt)
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    data = f"{MAGIC}{encoded}.{payload}\n".encode()
    location.write_bytes(data)
    return data


@pytest.mark.parametrize("scrypt", [{"n": 2**18}, {"r": 64}, {"p": 16}, {"n": 2**20, "r": 16, "p": 4}])
def test_scrypt_parameters_far_above_ours_are_refused_before_deriving(
    tmp_path: Path, scrypt: dict, assert_no_secret
) -> None:
    location = tmp_path / "OAuthSettings.txt"
    data = _passphrase_file(location, **scrypt)
    store = _store(location, OAuthSettingsPassphrase="pass-secret-1")
    derivations = crypto.key_derivations()

    error = _refused(store.load, "kdf_too_costly")
    _refused(lambda: store.save(_settings()), "kdf_too_costly")

    assert error.location == os.path.realpath(location)
    assert_no_secret(str(error), "pass-secret-1")
    assert crypto.key_derivations() == derivations
    assert location.read_bytes() == data


@pytest.mark.parametrize("scrypt", [{"n": 1000}, {"n": 1}, {"r": 0}, {"p": "1"}, {"n": True}])
def test_malformed_scrypt_parameters_are_a_damaged_file_not_a_crash(tmp_path: Path, scrypt: dict) -> None:
    location = tmp_path / "OAuthSettings.txt"
    _passphrase_file(location, **scrypt)

    _refused(_store(location, OAuthSettingsPassphrase="pass-secret-1").load, "damaged")
