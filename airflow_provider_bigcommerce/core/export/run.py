"""Export one BigCommerce resource to newline-delimited JSON or typed Parquet: streamed page by page, replaced
atomically.

Plain Python, no Airflow: the transfer operator only turns a task's data interval and destination into the
arguments of :func:`export_resource`. Memory stays flat whatever the record count: one page (at most 250 records)
is held at a time and written through the optional gzip stream straight into the destination file; Parquet holds
at most one row group (``core.export.parquet``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_bigcommerce.core.export.files import (
    StoragePath,
    atomic_file,
    check_file_format,
    export_file_name,
    manifest_file_name,
    open_writer,
)
from airflow_provider_bigcommerce.core.export.reading import PROGRESS_EVERY_S, Log, ResourceRead
from airflow_provider_bigcommerce.core.export.resources import PagedClient, Resource
from airflow_provider_bigcommerce.core.export.store_marker import claim, unclaimed
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.schema.catalogue import schema_of

if TYPE_CHECKING:
    from airflow_provider_bigcommerce.core.schema.records import RecordTyper


def export_resource(
    client: PagedClient,
    resource: Resource,
    destination: StoragePath,
    *,
    window: Window | None = None,
    incremental: bool = True,
    compression: str | None = None,
    log: Log | None = None,
    progress_every_s: float = PROGRESS_EVERY_S,
    deletions: bool = False,
    incomplete_orders: bool = True,
    file_format: str = "ndjson",
) -> dict[str, Any]:
    """Read ``resource`` and write it under ``destination``; return the manifest (plain JSON types, no secret).

    ``file_format`` is ``"ndjson"`` (the records as the API wrote them) or ``"parquet"``: typed columns from the
    resource's declared schema (``core.schema.catalogue``); the manifest then holds the ``schema`` and, under
    ``extra``, the fields the schema does not know and the values it could not type, kept in ``_extra``.

    ``window`` names the file and, when ``incremental`` and the resource has a date filter, selects the records
    with ``window.start <= date_modified < window.end``; otherwise the whole list is read (a snapshot).
    ``deletions`` also writes the resource's tombstones (``core.tombstones``) and adds them to the manifest.
    ``incomplete_orders=False`` leaves out orders in status Incomplete (0): checkouts that reached the payment page
    and stopped there; by default they are exported with the rest (docs/open-questions.md "Orders count").

    A window read incrementally is read only once the connection's ``SettleSeconds`` have passed since its end;
    before that ``WindowNotSettled`` (``core.windows``) says when, and nothing was requested or written. A snapshot
    has no window edge to wait for.
    """
    log = log or logging.getLogger(__name__)
    read = ResourceRead(
        client,
        resource,
        window=window,
        incremental=incremental,
        deletions=deletions,
        incomplete_orders=incomplete_orders,
        log=log,
        progress_every_s=progress_every_s,
    )
    schema = schema_of(resource)
    check_file_format(file_format, compression, schema, resource.name)
    read.check_settled()
    store_id = client.properties.store_id
    mark_store = unclaimed(destination, store_id)
    target = destination / export_file_name(resource, window, compression, file_format)
    log.info("Exporting %s from %s (%s) to %s", resource.name, resource.path, read.describe(), target)
    with atomic_file(target) as raw:
        inner_name = target.name.removesuffix(".gz")
        writer = open_writer(raw, file_format, compression=compression, inner_name=inner_name, schema=schema)
        try:
            for records in read.pages():
                writer.write(records)
        finally:
            writer.close()
        size = raw.tell()
    if mark_store:
        claim(destination, store_id)
    manifest = {
        **read.facts(),
        "format": file_format,
        "compression": compression,
        "files": [{"path": str(target), "records": writer.records, "bytes": size}],
    }
    if schema is not None and file_format == "parquet":
        manifest["schema"] = schema.as_facet()
        manifest["extra"] = report_extra(writer.typer, log)
    if deletions:
        from airflow_provider_bigcommerce.core.export.tombstones import export_deletions  # it builds on this module

        manifest["deletions"] = export_deletions(
            client,
            resource,
            destination,
            window=window,
            compression=compression,
            exported_ids=read.exported_ids or (),
            file_format=file_format,
        )
    return publish_manifest(destination, resource, window, manifest)


def publish_manifest(
    destination: StoragePath, resource: Resource, window: Window | None, manifest: dict[str, Any]
) -> dict[str, Any]:
    """Write the window's manifest beside its files, atomically and after everything else; return it.

    A downstream job that finds the manifest knows the window is complete without asking Airflow: the files it
    names (data and tombstones) were in place before it, and a rerun replaces it only after replacing them.
    ``extracted_at`` is when the reading ended (the records are the store's as of then).
    """
    target = destination / manifest_file_name(resource, window)
    published = {**manifest, "extracted_at": datetime.now(UTC).isoformat(timespec="seconds"), "manifest": str(target)}
    with atomic_file(target) as raw:
        raw.write((json.dumps(published, indent=2) + "\n").encode())
    return published


def report_extra(typer: RecordTyper, log: Log, kept_in: str = "_extra") -> dict[str, Any]:
    """What the schema could not hold in this run, logged once: fields it does not know (kept in ``kept_in``),
    values it could not type (kept in ``_extra``)."""
    report = typer.report()
    if report["unknown_fields"]:
        log.warning(
            "%s: fields the schema does not know, kept in %s: %s",
            typer.schema.resource,
            kept_in,
            ", ".join(f"{name} ({count} records)" for name, count in report["unknown_fields"].items()),
        )
    if report["unconverted"]:
        log.warning(
            "%s: values their type cannot hold, kept in _extra: %s",
            typer.schema.resource,
            ", ".join(f"{name} ({count} records)" for name, count in report["unconverted"].items()),
        )
    return report
