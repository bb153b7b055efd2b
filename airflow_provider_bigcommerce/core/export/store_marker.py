"""A destination folder holds the files of one store: the first export writes ``_bigcommerce_store.json`` naming
the store, and an export of another store into the same folder is refused. File names carry the resource and the
window, not the store, so two stores in one folder would replace each other's files, and the id snapshot of one
would report the other's live records as deleted."""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_bigcommerce.core.export.destination import DestinationError, storage_error
from airflow_provider_bigcommerce.core.export.files import atomic_file

MARKER = "_bigcommerce_store.json"
_MAX_MARKER_BYTES = 4096


def unclaimed(destination: Any, store_id: str) -> bool:
    """Refuse ``destination`` (a storage path) unless it holds ``store_id``'s files only; True when it holds no
    store's yet (``claim`` it once something is written)."""
    marker = destination / MARKER
    where = str(destination)
    try:
        with marker.open("rb") as raw:
            data = raw.read(_MAX_MARKER_BYTES + 1)
    except FileNotFoundError:
        return True
    except Exception as error:  # the storage's (a file where the folder should be, no credentials, ...)
        raise storage_error(marker, error) from error
    try:
        claimed = json.loads(data.decode()) if len(data) <= _MAX_MARKER_BYTES else None
    except (UnicodeDecodeError, ValueError):
        claimed = None
    if not isinstance(claimed, dict) or not isinstance(claimed.get("store_id"), str):
        raise DestinationError("marker_unreadable", destination=where, store_id=store_id)
    if claimed["store_id"] != store_id:
        raise DestinationError("other_store", destination=where, store_id=store_id, claimed=claimed["store_id"])
    return False


def claim(destination: Any, store_id: str) -> None:
    """Mark ``destination`` as ``store_id``'s."""
    with atomic_file(destination / MARKER) as raw:
        raw.write(json.dumps({"store_id": store_id}).encode())
