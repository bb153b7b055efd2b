"""The OAuth settings location in words: why it cannot be read, decrypted, trusted or written, the property, key or
folder to fix, and that it was left unchanged. Written from ``SettingsStoreError``'s code and facts."""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.core.auth.settings.crypto import KEY_ENV_VAR, PASSPHRASE, RAW_KEY
from airflow_provider_bigcommerce.core.errors import SettingsStoreError
from airflow_provider_bigcommerce.messages.commands import PASSPHRASE_ENV, PROGRAM

_UNCHANGED = "The file was left unchanged."
_NOT_SAFE = (
    "so the OAuth settings cannot be kept there safely. Remove it, or set OAuthSettingsLocation to a regular file in "
    "a folder only this service can write. Nothing was changed."
)
_GENERATE_KEY = (
    'python -c "from airflow_provider_bigcommerce.core.auth.settings.crypto import generate_key; print(generate_key())"'
)

# By SettingsStoreError.code; facts in braces, {location} the file or object concerned.
SETTINGS_WORDS = {
    "no_key": "No key is configured for the OAuth settings location, which is always encrypted: it can be neither "
    "read nor written. Set OAuthSettingsPassphrase (oauth_settings_passphrase) on the connection, or env "
    f"{KEY_ENV_VAR} to a key (see generate_key()), or Airflow's [core] fernet_key.",
    "malformed_key": "Entry {position} of {source} is not a key (expected urlsafe base64 of 32 bytes, the Fernet key "
    f"format). Generate one with: {_GENERATE_KEY}",
    "not_settings_file": "{location} is not an OAuth settings file written by this provider (it lacks its header). "
    "Settings files of other tools cannot be read: move it aside, then authorize again or import a settings file "
    f"with '{PROGRAM} oauth import'.",
    "damaged": "{location} is {damage}: it cannot be decrypted. It was left unchanged so nothing is lost; restore it "
    "from a copy, or move it aside and authorize again.",
    "kdf_too_costly": "{location} asks for scrypt parameters far above what this provider writes (n, r, p at most "
    "{n}, {r}, {p}); deriving its key could hang or exhaust memory, so it was not tried. If a newer version of this "
    f"provider wrote it, upgrade here too; otherwise restore the file from a copy. {_UNCHANGED}",
    "key_missing": "{location} was encrypted with {missing}",
    "wrong_key": "{location} was encrypted with a different {kind} than the ones configured here ({configured}). "
    f"{{fix}}, or authorize again into another location. {_UNCHANGED}",
    "empty_file": "{location} is empty (0 bytes): something truncated it. It was left unchanged so it can be looked "
    "into; restore it from a copy, or remove it and authorize again.",
    "not_json": f"{{location}} decrypts but is not valid JSON. {_UNCHANGED}",
    "not_settings": f"{{location}} decrypts but holds no OAuth settings. {_UNCHANGED}",
    "newer_format": "{location} was written by a newer version of this provider (format {version}). Upgrade "
    "airflow-provider-bigcommerce here too.",
    "other_store": "{location} holds OAuth settings for store '{saved}', but StoreId is '{store_id}'. Give each store "
    f"its own OAuthSettingsLocation, or correct StoreId. {_UNCHANGED}",
    "other_client": "{location} holds a token issued to the app with client id '{saved}', but OAuthClientId is "
    f"'{{client_id}}'. Give each app its own OAuthSettingsLocation, or correct OAuthClientId. {_UNCHANGED}",
    "os_error": "Cannot {doing} {location}: {reason}. {fix} The saved settings were left unchanged.",
    "location_is_symlink": f"{{path}} became a symbolic link after it was resolved, {_NOT_SAFE}",
    "not_regular_file": f"{{path}} is not a regular file (a FIFO, device or folder?), {_NOT_SAFE}",
    "lock_is_symlink": f"{{path}} is a symbolic link, {_NOT_SAFE}",
    "lock_not_regular": f"{{path}} is not a regular file, {_NOT_SAFE}",
    "unsafe_folder": "The folder {folder} of {location} is writable by every user and lacks the sticky bit, so anyone "
    "could replace or delete the OAuth settings. Run 'chmod o-w {folder}' (or 'chmod +t'), or choose another folder. "
    "Nothing was changed.",
    "locks_unsupported": "The storage of {location} does not support file locks ({reason}), so workers cannot share "
    "it safely. Use local disk or NFSv4 with working locks (see docs/deployment.md, 'Where the lock holds'), or "
    "refresh from a single process.",
    "lock_timeout": "Waited {waited_s:.0f} s for the {held} on {location}: another process holds it (an exchange or "
    "refresh in progress{hung}). Try again; {then}",
    "concurrent_write": "{location} was changed by another process since it was read, so this write was refused "
    "(compare-and-swap) and the other process's settings were kept. Try again; if it persists, something writes the "
    "object without holding its lease.",
    "object_store_error": "Cannot {doing} {location}: {reason}. Check the bucket, the credentials (AWS settings of "
    "this worker) and that the store supports conditional writes. The saved settings were left unchanged.",
    "s3_unsupported": "{location} is on S3, which needs the s3fs package: pip install s3fs (or "
    "apache-airflow-providers-amazon).",
}
# What a damaged file is ("damaged": damage).
DAMAGE_WORDS = {
    "truncated": "truncated",
    "corrupt": "corrupt",
    "altered": "altered or corrupt",
    "not_text": "corrupt (not text)",
}
# What was being done ("os_error", "object_store_error": action).
ACTION_WORDS = {
    "read": "read",
    "write": "write",
    "create_lock": "create the lock file for",
    "open": "open",
    "get_object": "get object",
    "put_object": "put object",
    "delete_object": "delete object",
}
# Why an object store request failed, when it is not the store's own error ("object_store_error": reason).
_OBJECT_STORE_REASONS = {
    "not_found": "the bucket or object does not exist",
    "fsspec_missing": "fsspec is not installed",
}
_WRONG_KEY_FIXES = {
    PASSPHRASE: "Set OAuthSettingsPassphrase to the passphrase it was written with (to change it, re-encrypt the "
    f"file with '{PROGRAM} oauth export --to-passphrase-env NAME' and import that copy)",
    RAW_KEY: "Configure the key it was written with; while rotating, list the old key after the new one (env "
    f"{KEY_ENV_VAR}=NEW,OLD)",
}
_MISSING_KEYS = {
    PASSPHRASE: "a passphrase, but OAuthSettingsPassphrase (oauth_settings_passphrase) is not set here (configured: "
    f"{{configured}}). Set the passphrase it was written with. {_UNCHANGED}",
    RAW_KEY: f"a key (env {KEY_ENV_VAR} or Airflow's [core] fernet_key), but only {{configured}} is configured here. "
    f"Configure the key it was written with. {_UNCHANGED}",
}


def settings_problem(error: SettingsStoreError, *, command_line: bool = False) -> str:
    """What is wrong with the settings location and what to do; ``command_line`` adds where the CLI takes a key."""
    facts = error.facts
    words: dict[str, Any] = {**facts, "doing": ACTION_WORDS.get(facts.get("action", ""), facts.get("action"))}
    if error.code == "damaged":
        words["damage"] = DAMAGE_WORDS[facts["damage"]]
    elif error.code == "key_missing":
        words["missing"] = _MISSING_KEYS[facts["kind"]].format(**facts)
    elif error.code == "wrong_key":
        words["fix"] = _WRONG_KEY_FIXES[facts["kind"]]
    elif error.code == "os_error":
        words["fix"] = _os_error_fix(facts)
    elif error.code == "object_store_error":
        words["reason"] = _OBJECT_STORE_REASONS.get(facts["reason"], facts["reason"])
    elif error.code == "lock_timeout":
        words.update(_lock_timeout_words(facts))
    text = SETTINGS_WORDS[error.code].format(**words)
    if command_line and error.code == "no_key":
        text += f" From the command line: a passphrase in env {PASSPHRASE_ENV}."
    return text


def import_key_problem(path: str, cipher_description: str) -> str:
    """``oauth import`` could not decrypt ``path`` with this machine's keys: say how to pass the export's own."""
    return (
        f"{path} cannot be decrypted with {cipher_description}. Pass what it was exported with: --from-passphrase-env "
        "NAME (its passphrase in env NAME) or --from-key-env NAME (its key in env NAME). Nothing was imported."
    )


def _os_error_fix(facts: dict[str, Any]) -> str:
    folder = facts["folder"]
    if facts.get("folder_missing"):
        return f"The folder {folder} does not exist: create it (or mount the shared volume) first."
    if facts.get("errno") in ("EACCES", "EPERM", "EROFS"):
        return f"OAuthSettingsLocation must be readable and writable by this process: fix the permissions of {folder}."
    return "Check the OAuthSettingsLocation property and the storage behind it."


def _lock_timeout_words(facts: dict[str, Any]) -> dict[str, str]:
    if facts.get("lease_s") is not None:  # an object store's lease
        return {
            "held": "lease",
            "hung": "",
            "then": f"a lease of a dead process expires {facts['lease_s']:.0f} s after it was taken.",
        }
    lock_path = facts["lock_path"]
    return {
        "held": "lock",
        "hung": ", or a hung process",
        "then": f"if it persists, find the process holding {lock_path} (e.g. with 'fuser {lock_path}').",
    }
