"""The settings file's encryption: key sources, rotation, the authenticated format."""

from __future__ import annotations

import base64
import json

import pytest

from airflow_provider_bigcommerce.core.auth.settings.crypto import (
    KEY_ENV_VAR,
    MAGIC,
    generate_key,
    settings_cipher,
)
from airflow_provider_bigcommerce.core.errors import SettingsStoreError
from airflow_provider_bigcommerce.messages.settings import settings_problem

pytestmark = pytest.mark.unit

PLAINTEXT = b'{"OAuthAccessToken":"tok-secret-123"}'


def test_the_file_is_one_authenticated_line_without_the_plaintext(assert_no_secret) -> None:
    data = settings_cipher(environ={KEY_ENV_VAR: generate_key()}).encrypt(PLAINTEXT)

    text = data.decode("ascii")
    assert text.startswith(MAGIC) and text.endswith("\n") and text.count("\n") == 1
    assert_no_secret(text, "tok-secret-123")


def test_a_passphrase_is_stretched_with_a_salt_of_each_file() -> None:
    cipher = settings_cipher("correct horse", environ={})

    first, second = cipher.encrypt(PLAINTEXT), cipher.encrypt(PLAINTEXT)

    assert _header(first)["kdf"] == "scrypt" and _header(first)["n"] >= 2**14
    assert _header(first)["salt"] != _header(second)["salt"]
    assert cipher.decrypt(first, "f")[0] == PLAINTEXT


def test_rotation_old_keys_still_decrypt_and_writes_use_the_new_one() -> None:
    old, new = generate_key(), generate_key()
    written_with_old = settings_cipher(environ={KEY_ENV_VAR: old}).encrypt(PLAINTEXT)
    rotating = settings_cipher(environ={KEY_ENV_VAR: f"{new},{old}"})

    plaintext, salt = rotating.decrypt(written_with_old, "f")
    rewritten = rotating.encrypt(plaintext, salt=salt)

    assert plaintext == PLAINTEXT
    assert settings_cipher(environ={KEY_ENV_VAR: new}).decrypt(rewritten, "f")[0] == PLAINTEXT
    with pytest.raises(SettingsStoreError) as caught:
        settings_cipher(environ={KEY_ENV_VAR: old}).decrypt(rewritten, "f")
    assert (caught.value.code, caught.value.facts["kind"]) == ("wrong_key", "key")


def test_airflow_fernet_key_is_used_when_nothing_else_is_configured() -> None:
    fernet_key = generate_key()

    data = settings_cipher(fernet_key=fernet_key, environ={}).encrypt(PLAINTEXT)

    assert settings_cipher(environ={"AIRFLOW__CORE__FERNET_KEY": fernet_key}).decrypt(data, "f")[0] == PLAINTEXT


def test_no_key_is_refused_rather_than_writing_plaintext() -> None:
    with pytest.raises(SettingsStoreError) as caught:
        settings_cipher(fernet_key="", environ={"AIRFLOW__CORE__FERNET_KEY": "  "})
    assert caught.value.code == "no_key"
    words = settings_problem(caught.value)
    assert "OAuthSettingsPassphrase" in words and KEY_ENV_VAR in words


def test_a_malformed_key_is_named_by_position_without_its_value(assert_no_secret) -> None:
    with pytest.raises(SettingsStoreError) as caught:
        settings_cipher(environ={KEY_ENV_VAR: f"{generate_key()},not-a-key-but-secret"})
    assert (caught.value.code, caught.value.facts) == (
        "malformed_key",
        {"location": None, "position": 2, "source": f"env {KEY_ENV_VAR}"},
    )
    assert_no_secret(f"{caught.value} {settings_problem(caught.value)}", "not-a-key-but-secret")


def test_a_changed_header_is_detected() -> None:
    cipher = settings_cipher(environ={KEY_ENV_VAR: generate_key()})
    data = cipher.encrypt(PLAINTEXT).decode()
    # The same values, laid out differently: the authenticated header text changed.
    reencoded = _b64(json.dumps(_header(data.encode()), indent=1).encode())
    forged = MAGIC + reencoded + "." + data.rstrip("\n").split(".")[-1]

    with pytest.raises(SettingsStoreError) as caught:
        cipher.decrypt((forged + "\n").encode(), "f")
    assert (caught.value.code, caught.value.facts["damage"]) == ("damaged", "altered")


def test_a_header_asking_for_a_huge_kdf_cost_is_refused_before_deriving() -> None:
    cipher = settings_cipher("pass", environ={})
    data = cipher.encrypt(PLAINTEXT).decode()
    header = _header(data.encode())
    header["n"] = 2**30
    forged = MAGIC + _b64(json.dumps(header).encode()) + "." + data.rstrip("\n").split(".")[-1] + "\n"

    with pytest.raises(SettingsStoreError) as caught:
        cipher.decrypt(forged.encode(), "f")
    assert (caught.value.code, caught.value.location) == ("kdf_too_costly", "f")


def _header(data: bytes) -> dict:
    encoded = data.decode().removeprefix(MAGIC).split(".")[0]
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
