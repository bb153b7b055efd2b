"""The store an ``OAuthSettingsLocation`` names: ``memory://id`` for one process, a file on shared storage, or an
object store URL (``s3://bucket/key``)."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.auth.settings.crypto import settings_cipher
from airflow_provider_bigcommerce.core.auth.settings.file_store import (
    MEMORY_PREFIX,
    FileSettingsStore,
    MemorySettingsStore,
    SettingsStore,
)
from airflow_provider_bigcommerce.core.auth.settings.object_store import open_object_store
from airflow_provider_bigcommerce.core.auth.token_source import SecretSink
from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def open_settings_store(
    properties: ConnectionProperties, *, fernet_key: str | None = None, on_secret: SecretSink | None = None
) -> SettingsStore:
    """The store ``OAuthSettingsLocation`` names, bound to this connection's StoreId and OAuthClientId."""
    location = properties.settings_location
    if not location or location == MEMORY_PREFIX:
        code = "missing" if not location else "no_memory_id"
        raise PropertyError(code, "OAuthSettingsLocation", "oauth_settings_location", needed_for="oauth_token_source")
    binding = {"store_id": properties.store_id, "client_id": properties.oauth_client_id, "on_secret": on_secret}
    if location.startswith(MEMORY_PREFIX):
        return MemorySettingsStore(location, **binding)
    cipher = settings_cipher(properties.oauth_settings_passphrase, fernet_key=fernet_key, on_secret=on_secret)
    scheme, separator, _ = location.partition("://")
    if separator and scheme.isalnum():  # object storage: s3://bucket/key
        return open_object_store(location, cipher, **binding)
    return FileSettingsStore(location, cipher, **binding)
