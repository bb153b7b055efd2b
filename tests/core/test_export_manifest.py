"""Each window's manifest beside its files: what a downstream job reads to know the window is complete."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.files import manifest_file_name
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window


@pytest.fixture
def store(make_sandbox):
    return make_sandbox(seed=7, orders=400, products=60, customers=120, quota=5000)


def _manifest_path(tmp_path: Path, name: str, window: Window | None) -> Path:
    return tmp_path / manifest_file_name(resource_for(name), window)


def test_each_window_leaves_a_manifest_beside_its_files_naming_them_and_when_they_were_read(client, tmp_path, window):
    before = datetime.now(UTC).replace(microsecond=0)

    returned = export_resource(
        client, resource_for("orders"), tmp_path, window=window, compression="gzip", deletions=True
    )

    path = _manifest_path(tmp_path, "orders", window)
    assert path.name == f"_orders_{window.label()}_manifest.json" and path.parent == tmp_path / "orders"
    written = json.loads(path.read_text())
    assert written == returned and written["manifest"] == str(path)
    assert before <= datetime.fromisoformat(written["extracted_at"]) <= datetime.now(UTC)
    assert written["window"] == {"start": window.start.isoformat(), "end": window.end.isoformat()}
    named = [Path(file["path"]) for file in written["files"]] + [Path(written["deletions"]["path"])]
    assert all(file.parent == path.parent and file.is_file() for file in named)
    assert written["records"] == written["files"][0]["records"] > 0
    assert not [leftover.name for leftover in path.parent.glob(".*.partial")]


def test_a_snapshot_gets_its_own_manifest_and_a_rerun_replaces_it(client, tmp_path):
    first = export_resource(client, resource_for("brands"), tmp_path, incremental=False)
    again = export_resource(client, resource_for("brands"), tmp_path, incremental=False)

    path = _manifest_path(tmp_path, "brands", None)
    assert path.name == "_brands_full_manifest.json"
    assert json.loads(path.read_text()) == again and again["files"] == first["files"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["_brands_full_manifest.json", "brands_full.ndjson"]


def test_no_manifest_while_a_file_of_the_window_failed_so_its_presence_means_complete(client, tmp_path):
    # The pages' data file is written, then their tombstones cannot be: a folder stands where their file goes.
    (tmp_path / "pages" / "pages_deleted_full.ndjson").mkdir(parents=True)

    with pytest.raises(ExportError):
        export_resource(client, resource_for("pages"), tmp_path, incremental=False, deletions=True)

    assert (tmp_path / "pages" / "pages_full.ndjson").is_file()
    assert not _manifest_path(tmp_path, "pages", None).exists()
