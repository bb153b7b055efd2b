"""An Airflow connection's fields as BigCommerce connection properties (used by the hook and the CLI's --conn-id).

The standard ``host`` field is the API base URL; everything else lives in the extras, under the form's snake_case
names or the driver's own names. Empty values (a form field left blank) count as not given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import DEFAULT_API_URL, ConnectionProperties

_DEFAULT_PORTS = {"https": 443, "http": 80}


def connection_values(conn: Any) -> dict[str, Any]:
    """The raw property values of ``conn`` (anything with ``host``, ``port`` and ``extra_dejson``), not validated.

    ``port`` belongs to the API URL (the host, or the default one). It may repeat the URL's own port or the
    scheme's (443): Airflow 3.3.2's Test button on the connection list works only for a connection that stores
    one (docs/airflow.md "The Test button"). A scheme's own port is left out of the URL, so every
    spelling of one store reaches the same quota ledger.
    """
    values = {key: value for key, value in (conn.extra_dejson or {}).items() if value not in (None, "")}
    if conn.host:
        host = conn.host if "://" in conn.host else f"https://{conn.host}"
        values["host"] = _with_port(host, int(conn.port)) if conn.port else host
    elif conn.port and (url := _with_port(DEFAULT_API_URL, int(conn.port))) != DEFAULT_API_URL:
        values["host"] = url
    return values


def _with_port(url: str, port: int) -> str:
    try:
        parts = urlsplit(url)
        given = parts.port
    except ValueError:
        return url  # malformed: the URL property's own check names it
    if given is not None and given != port:
        raise PropertyError("port_conflict", "URL", "host", url_port=given, port=port)
    if given is not None or port == _DEFAULT_PORTS.get(parts.scheme):
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))


def properties_from_airflow_connection(conn: Any) -> ConnectionProperties:
    """Validated properties of an Airflow connection; a PropertyError names any bad field."""
    return ConnectionProperties.from_mapping(connection_values(conn))


def airflow_fernet_key() -> str | None:
    """Airflow's ``[core] fernet_key`` when one is configured (a settings-file key source), masked; else None.

    The SDK returns the unexpanded ``{FERNET_KEY}`` placeholder when none is set.
    """
    from airflow.providers.common.compat.sdk import conf, mask_secret

    key = (conf.get("core", "fernet_key", fallback="") or "").strip()
    if not key or key.startswith("{"):
        return None
    mask_secret(key)
    return key
