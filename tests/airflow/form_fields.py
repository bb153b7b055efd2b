"""The ``bigcommerce`` connection form as Airflow reads it: the ``conn-fields`` of ``get_provider_info()``, which is
generated from ``provider.yaml``."""

from __future__ import annotations

from airflow_provider_bigcommerce.get_provider_info import get_provider_info

(CONNECTION_TYPE,) = get_provider_info()["connection-types"]
CONN_FIELDS: dict[str, dict] = CONNECTION_TYPE["conn-fields"]
"""Form field name (also the extra JSON key) -> field definition."""
SECRET_CONN_FIELDS = frozenset(name for name, spec in CONN_FIELDS.items() if spec["schema"].get("format") == "password")
