"""An Airflow connection's fields as BigCommerce connection properties (used by the hook and the CLI's --conn-id).

The standard ``host`` field is the API base URL; everything else lives in the extras, under the form's snake_case
names or the driver's own names. Empty values (a form field left blank) count as not given.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def connection_values(conn: Any) -> dict[str, Any]:
    """The raw property values of ``conn`` (anything with ``host``, ``port`` and ``extra_dejson``), not validated."""
    values = {key: value for key, value in (conn.extra_dejson or {}).items() if value not in (None, "")}
    if conn.host:
        host = conn.host if "://" in conn.host else f"https://{conn.host}"
        if conn.port and host.count(":") < 2:
            host = f"{host.rstrip('/')}:{conn.port}"
        values["host"] = host
    return values


def properties_from_airflow_connection(conn: Any) -> ConnectionProperties:
    """Validated properties of an Airflow connection; a PropertyError names any bad field."""
    return ConnectionProperties.from_mapping(connection_values(conn))


def airflow_fernet_key() -> str | None:
    """Airflow's ``[core] fernet_key`` when one is configured (a settings-file key source), masked; else None.

    The SDK returns the unexpanded ``{FERNET_KEY}`` placeholder when none is set.
    """
    from airflow.sdk import conf
    from airflow.sdk.log import mask_secret

    key = (conf.get("core", "fernet_key", fallback="") or "").strip()
    if not key or key.startswith("{"):
        return None
    mask_secret(key)
    return key
