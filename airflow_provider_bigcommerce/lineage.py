"""Lineage of an export: the asset event's metadata and the OpenLineage datasets. OpenLineage loads lazily.

The provider works without the OpenLineage provider: nothing here imports it at module level, and
:func:`operator_lineage` is only called by OpenLineage's listener, which exists only where it is installed.
Naming follows OpenLineage's conventions: the store's list is ``bigcommerce://{store_id}`` / ``v2/orders``,
a local file ``file`` / its absolute path, an object ``s3://bucket`` / its key (the ``conn_id@`` of an
``ObjectStoragePath`` URL is dropped: it names a connection, not a place).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_bigcommerce.assets.bigcommerce import SCHEME

FIRST_LINE_LIMIT = 1 << 20  # the schema comes from the first record; a longer line is not read whole
_JSON_TYPES = (
    (bool, "boolean"),  # before int: a bool is an int in Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def asset_event_extra(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What a downstream DAG learns from the asset event: the window, the counts, the files and the manifest file,
    and for typed files their format and schema (``[{"name", "type"}]``)."""
    verification = manifest.get("verification") or {}
    extra = {
        "resource": manifest["resource"],
        "mode": manifest.get("mode"),
        "window": manifest.get("window"),
        "records": manifest["records"],
        "verification": {key: verification.get(key) for key in ("expected", "read", "verified", "passes")},
        "files": [file["path"] for file in manifest.get("files", ())],
        "manifest": manifest.get("manifest"),
    }
    if manifest.get("schema"):
        extra.update(format=manifest.get("format"), schema=manifest["schema"])
    return extra


def store_namespace(store_id: str) -> str:
    return f"{SCHEME}://{store_id}"


def file_dataset_name(path: str) -> tuple[str, str]:
    """(namespace, name) of a written file under OpenLineage's naming."""
    parts = urlsplit(path)
    if parts.scheme in ("", "file", "local"):
        return "file", parts.path if parts.scheme else path
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}", parts.path.lstrip("/")


def record_fields(first_record: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(field, JSON type) of each top-level field of a record, in file order."""
    fields = []
    for name, value in (first_record or {}).items():
        kind = next((label for python, label in _JSON_TYPES if isinstance(value, python)), "null")
        fields.append((str(name), kind))
    return fields


def first_record(path: Any, compression: str | None) -> dict[str, Any] | None:
    """The first record of an NDJSON file (``ObjectStoragePath`` or ``pathlib.Path``); None when empty or unreadable."""
    try:
        with path.open("rb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if compression == "gzip" else raw
            line = stream.readline(FIRST_LINE_LIMIT)
    except (OSError, EOFError, ValueError):
        return None
    try:
        record = json.loads(line) if line.strip() else None
    except ValueError:  # a first line longer than the limit
        return None
    return record if isinstance(record, dict) else None


def operator_lineage(
    *,
    store_id: str,
    api_paths: list[str],
    files: list[str],
    fields: list[tuple[str, str]],
    records: int,
    input_schema: bool,
) -> Any:
    """The ``OperatorLineage`` of one export: the store's lists in, the written files out, with the record schema.

    The files' schema is their typed schema (Parquet), or else that of their first record. The input gets it too
    when the export writes the API's records as they come (``input_schema``); derived records (line items,
    addresses) have fields of their own.
    """
    from airflow.providers.common.compat.openlineage.facet import (
        Dataset,
        OutputDataset,
        OutputStatisticsOutputDatasetFacet,
        SchemaDatasetFacet,
        SchemaDatasetFacetFields,
    )
    from airflow.providers.openlineage.extractors import OperatorLineage

    facets = {}
    if fields:
        facets["schema"] = SchemaDatasetFacet(
            fields=[SchemaDatasetFacetFields(name=name, type=kind) for name, kind in fields]
        )
    inputs = [
        Dataset(namespace=store_namespace(store_id), name=path, facets=dict(facets) if input_schema else {})
        for path in api_paths
    ]
    outputs = []
    for path in files:
        namespace, name = file_dataset_name(path)
        statistics = OutputStatisticsOutputDatasetFacet(rowCount=records) if len(files) == 1 else None
        outputs.append(
            OutputDataset(
                namespace=namespace,
                name=name,
                facets=dict(facets),
                outputFacets={"outputStatistics": statistics} if statistics else {},
            )
        )
    return OperatorLineage(inputs=inputs, outputs=outputs)
