"""What the export tests read back: an export's NDJSON file (gzipped or not), a record's date as the API wrote it
(v2 RFC 2822, v3 ISO 8601), the window most resource tests export (the middle third of the data), and an export of
a catalogue resource by name."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from airflow_provider_bigcommerce.core.export.windows import Window


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Every record of an export's NDJSON file, ``.gz`` or plain."""
    data = Path(path).read_bytes()
    if str(path).endswith(".gz"):
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode().splitlines()]


def record_moment(value: str) -> datetime:
    """A record's date: v2 writes RFC 2822 (``Tue, 20 Nov 2012 00:00:00 +0000``), v3 ISO 8601."""
    return parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)


def middle_third(store: Any) -> Window:
    """A third of the store's data time range, in its middle."""
    first, last = store.data_time_range
    third = (last - first) / 3
    return Window(first + third, first + 2 * third)


def export_named(client: Any, name: str, folder: Path, window: Window | None = None, **options: Any) -> dict[str, Any]:
    """Export the catalogue resource ``name`` into ``folder``; its manifest."""
    from airflow_provider_bigcommerce.core.export.resources import resource_for
    from airflow_provider_bigcommerce.core.export.run import export_resource

    return export_resource(client, resource_for(name), folder, window=window, **options)
