"""The export core without Airflow: windows, filter timestamps, the atomic file, the NDJSON writer."""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from upath import UPath

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.files import STALE_PARTIAL_S, NdjsonWriter, atomic_file, export_file_name
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.windows import Window, filter_timestamp

DAY = Window(datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 2, tzinfo=UTC))


def test_a_window_claims_the_whole_seconds_from_its_start_up_to_its_end():
    assert (DAY.first_second, DAY.end_second) == (datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 2, tzinfo=UTC))
    fractional = Window(
        datetime(2025, 5, 1, 0, 0, 0, 500_000, tzinfo=UTC), datetime(2025, 5, 1, 0, 0, 10, 250_000, tzinfo=UTC)
    )
    # date_modified has whole seconds: 00:00:00 belongs to this window, 00:00:10 to the next.
    assert fractional.claims(datetime(2025, 5, 1, 0, 0, 0, tzinfo=UTC))
    assert fractional.claims(datetime(2025, 5, 1, 0, 0, 9, 999_000, tzinfo=UTC))
    assert not fractional.claims(datetime(2025, 5, 1, 0, 0, 10, tzinfo=UTC))


def test_v2_filters_are_rfc_2822_and_v3_filters_are_full_iso_timestamps_in_utc():
    moment = datetime(2025, 5, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))
    v2 = filter_timestamp("v2/orders", moment)
    assert v2 == "Thu, 01 May 2025 00:03:04 +0000"
    assert parsedate_to_datetime(v2) == moment
    v3 = filter_timestamp("v3/catalog/products", moment)
    assert v3 == "2025-05-01T00:03:04+00:00"  # never date-only: the server would append its current time


def test_incremental_resources_send_both_bounds_and_full_resources_none():
    orders = resource_for("orders").query(DAY)
    assert orders["min_date_modified"] == "Wed, 30 Apr 2025 23:59:59 +0000"
    assert orders["max_date_modified"] == "Fri, 02 May 2025 00:00:00 +0000"
    assert orders["include"] == "consignments.line_items"
    customers = resource_for("customers").query(DAY)
    assert customers["date_modified:min"] == "2025-04-30T23:59:59+00:00"
    assert customers["date_modified:max"] == "2025-05-02T00:00:00+00:00"
    assert resource_for("brands").query(DAY) == {}


def test_an_empty_window_is_refused_for_incremental_reads_only():
    point = Window(DAY.start, DAY.start)
    with pytest.raises(ExportError):
        resource_for("products").query(point)
    assert resource_for("brands").query(point) == {}


def test_user_named_paths_and_unknown_resources():
    coupons = resource_for("coupons", path="/v2/coupons/", params={"limit": 100})
    assert (coupons.path, coupons.params, coupons.incremental) == ("v2/coupons", {"limit": "100"}, False)
    pages = resource_for("pages", path="v3/content/pages", date_modified_params=["date_modified:min", "m:max"])
    assert pages.incremental
    with pytest.raises(ExportError) as unknown:
        resource_for("gift_certificates")
    assert (unknown.value.code, unknown.value.facts["resource"]) == ("unknown_resource", "gift_certificates")
    with pytest.raises(ExportError) as unversioned:
        resource_for("x", path="stores/abc/v3/x")
    assert (unversioned.value.code, unversioned.value.facts) == ("path_not_versioned", {"path": "stores/abc/v3/x"})


def test_file_names_depend_only_on_resource_window_and_compression():
    orders = resource_for("orders")
    assert export_file_name(orders, DAY, "gzip") == "orders/orders_20250501T000000Z_20250502T000000Z.ndjson.gz"
    assert export_file_name(orders, None, None) == "orders/orders_full.ndjson"


def test_atomic_file_replaces_the_target_and_leaves_no_partial(tmp_path: Path):
    target = tmp_path / "out" / "data.ndjson"
    with atomic_file(target) as raw:
        raw.write(b"first\n")
    with atomic_file(target) as raw:
        raw.write(b"second\n")
        assert target.read_bytes() == b"first\n"  # readers still see the complete old file
    assert target.read_bytes() == b"second\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["data.ndjson"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_partial(tmp_path: Path):
    target = tmp_path / "data.ndjson"
    target.write_bytes(b"complete\n")
    dead = tmp_path / ".data.ndjson.dead.partial"
    dead.write_bytes(b"left by a killed process")
    old = time.time() - STALE_PARTIAL_S - 60
    os.utime(dead, (old, old))  # untouched for longer than any live run leaves its partial file
    with pytest.raises(RuntimeError), atomic_file(target) as raw:
        raw.write(b"half")
        raise RuntimeError("connection lost")
    assert target.read_bytes() == b"complete\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".data.ndjson.dead.partial", "data.ndjson"]
    with atomic_file(target) as raw:
        raw.write(b"again\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.ndjson"]


def test_atomic_file_on_an_fsspec_object_store_replaces_and_cleans_up():
    target = UPath("memory://bc-export-test/out") / "data.ndjson"
    with atomic_file(target) as raw:
        raw.write(b"first\n")
    with pytest.raises(RuntimeError), atomic_file(target) as raw:
        raw.write(b"half")
        raise RuntimeError("connection lost")
    assert target.read_bytes() == b"first\n"
    with atomic_file(target) as raw:
        raw.write(b"second\n")
    assert target.read_bytes() == b"second\n"
    assert [path.name for path in target.parent.iterdir()] == ["data.ndjson"]


def test_ndjson_writer_gzip_round_trip_is_reproducible(tmp_path: Path):
    records = [{"id": 1, "name": "Café"}, {"id": 2, "nested": {"a": [1, 2]}}]
    outputs = []
    for attempt in range(2):
        path = tmp_path / f"{attempt}.ndjson.gz"
        with path.open("wb") as raw:
            writer = NdjsonWriter(raw, compression="gzip", inner_name="x.ndjson")
            writer.write(records[:1])
            writer.write([])
            writer.write(records[1:])
            writer.close()
        assert writer.records == 2
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    lines = gzip.decompress(outputs[0]).decode().splitlines()
    assert [json.loads(line) for line in lines] == records
    with pytest.raises(ExportError) as refused:
        NdjsonWriter(io.BytesIO(), compression="zip")
    assert (refused.value.code, refused.value.facts["compression"]) == ("compression_unsupported", "zip")
