"""A tombstone deletes a row downstream, so one is written only from the store's own evidence: a record that says
it is deleted, or an id gone from a read and confirmed gone when read by id. A snapshot is checked before it is
believed, the ids a run exported join its snapshot, and a destination holds one store."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bigcommerce_lookalike.changes import Misbehaviour
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.export.destination import DestinationError
from airflow_provider_bigcommerce.core.export.id_snapshot import read_snapshot
from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.tombstones import export_deletions, snapshot_file_name
from airflow_provider_bigcommerce.core.export.windows import Window
from tests.export_files import read_records

NEVER = 10**9  # a plan "after" this many requests never applies: it only hides the ids it inserts


def _tombstone_ids(result: dict[str, Any]) -> list[int]:
    return [tombstone["id"] for tombstone in read_records(result["path"])]


@pytest.fixture
def store(make_sandbox):
    return make_sandbox(seed=11, orders=300, products=600, customers=50, quota=20000)


def _paged_by_ten(name: str):
    resource = resource_for(name)
    return replace(resource, deletions=replace(resource.deletions, params={**resource.deletions.params, "limit": "10"}))


@pytest.mark.parametrize(("name", "key"), [("coupons", "v2/coupons"), ("variants", "v3/catalog/variants")])
def test_a_balanced_delete_and_insert_during_a_read_by_position_tombstones_only_the_deleted_record(
    store, make_client, tmp_path, name, key
):
    client = make_client(store, max_concurrency=1)  # one page at a time: the change lands between pages 1 and 2
    resource = _paged_by_ten(name)
    store.changes.plan(key, after=NEVER, insert=[30])  # record 30 does not exist yet
    export_deletions(client, resource, tmp_path)
    # Once the next read has answered its first page (ids 1-10): record 3 goes, record 30 comes. The total stays,
    # and every later position moves by one, so the read by position never meets record 11.
    asked = store.stats.requests_by_path[key]
    store.changes.plan(key, after=asked + 1, delete=[3], insert=[30])

    shifted = export_deletions(client, resource, tmp_path)
    assert shifted["candidates"] == 1 and shifted["found_alive"] == 1, "record 11 was skipped, read by id, found"
    assert _tombstone_ids(shifted) == [], "record 3 was read before it went: the next run reports it"
    following = export_deletions(client, resource, tmp_path)

    assert _tombstone_ids(following) == [3]
    snapshot = read_snapshot(tmp_path / snapshot_file_name(resource), store_id=store.store_id, resource=name)
    assert 11 in snapshot and 30 in snapshot and 3 not in snapshot


def test_a_store_that_ignores_is_deleted_gets_no_tombstone_for_a_live_order(make_sandbox, make_client, tmp_path):
    store = make_sandbox(seed=11, orders=300, products=40, readings=Readings(is_deleted_filter="ignored"))
    client = make_client(store)
    first, last = store.data_time_range
    window = Window(first, last + timedelta(seconds=1))

    first_run = export_resource(client, resource_for("orders"), tmp_path, window=window, deletions=True)

    assert first_run["deletions"]["records"] == 0 and first_run["deletions"]["method"] == "ids"
    assert first_run["deletions"]["baseline"]
    store.changes.plan("v2/orders", after=0, delete=[150])
    second_run = export_resource(client, resource_for("orders"), tmp_path, window=window, deletions=True)
    assert _tombstone_ids(second_run["deletions"]) == [150]


def test_a_stale_low_count_with_empty_pages_after_the_first_tombstones_no_live_product(store, client, tmp_path):
    resource = resource_for("products")
    export_deletions(client, resource, tmp_path)
    # The count says 250 and the pages after the first come back empty (the read's slice past its first page,
    # asked twice; the list counts its requests from here): the read looks complete. The reads by id that follow
    # are answered truthfully.
    blank = frozenset({2, 3})
    store.changes.misbehave("v3/catalog/products", Misbehaviour(stale_count=350, blank_requests=blank))

    result = export_deletions(client, resource, tmp_path)

    assert result["records"] == 0
    assert result["candidates"] == 350 and result["found_alive"] == 350
    assert result["requests"] <= 10, "the candidates are read back 200 at a time"


def test_a_record_exported_then_deleted_before_the_id_read_is_reported_by_the_next_run(store, client, tmp_path):
    first, last = store.data_time_range
    window = Window(first, last + timedelta(seconds=1))
    store.changes.plan("v3/catalog/products", after=NEVER, insert=[600])
    export_resource(client, resource_for("products"), tmp_path, window=window, deletions=True)
    store.changes.plan("v3/catalog/products", after=0, insert=[600])  # product 600 is created
    asked = store.stats.requests_by_path["v3/catalog/products"]
    # ...exported by the next run, and deleted before that run reads the ids
    store.changes.plan("v3/catalog/products", after=asked + 4, delete=[600])

    second = export_resource(client, resource_for("products"), tmp_path, window=window, deletions=True)

    assert 600 in {product["id"] for product in read_records(second["files"][0]["path"])}
    assert second["deletions"]["records"] == 0
    third = export_resource(client, resource_for("products"), tmp_path, window=window, deletions=True)
    assert _tombstone_ids(third["deletions"]) == [600]


def _snapshot_with(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / snapshot_file_name(resource_for(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (gzip.compress(b""), "empty"),
        (b"not gzip", "unreadable"),
        (gzip.compress(b"".join(f"{n}\n".encode() for n in range(30, 0, -1))), "not_ascending"),
        (gzip.compress(b"1\n2\n2\n3\n"), "not_ascending"),
        (gzip.compress(b"1\n2\nthree\n"), "not_a_number"),
        (gzip.compress(b"1\n" + b"9" * 400 + b"\n"), "out_of_bounds"),
    ],
)
def test_a_snapshot_that_fails_a_check_is_never_used_for_deletions(client, tmp_path, content, code):
    _snapshot_with(tmp_path, "coupons", content)

    result = export_deletions(client, resource_for("coupons"), tmp_path)

    assert result["snapshot_rejected"] == code
    assert result["records"] == 0 and result["baseline"], "a new snapshot starts; nothing is guessed from the old"


def test_a_snapshot_of_another_store_or_with_edited_ids_is_rejected(make_sandbox, make_client, tmp_path):
    other = make_sandbox(seed=12)
    export_deletions(make_client(other), resource_for("coupons"), tmp_path / "other")
    store = make_sandbox(seed=11)
    client = make_client(store)
    copied = (tmp_path / "other" / snapshot_file_name(resource_for("coupons"))).read_bytes()
    _snapshot_with(tmp_path / "mine", "coupons", copied)

    assert export_deletions(client, resource_for("coupons"), tmp_path / "mine")["snapshot_rejected"] == "other_store"

    path = tmp_path / "mine" / snapshot_file_name(resource_for("coupons"))
    header, *ids = gzip.decompress(path.read_bytes()).decode().splitlines()
    edited = "\n".join([header, *[i for i in ids if i != "5"], ""]).encode()
    path.write_bytes(gzip.compress(edited.replace(b'"count":30', b'"count":29')))
    assert export_deletions(client, resource_for("coupons"), tmp_path / "mine")["snapshot_rejected"] == (
        "checksum_mismatch"
    )


def test_a_snapshot_written_before_snapshots_had_a_header_is_still_used(store, client, tmp_path):
    _snapshot_with(tmp_path, "coupons", gzip.compress(b"".join(f"{n}\n".encode() for n in range(1, 32))))

    result = export_deletions(client, resource_for("coupons"), tmp_path)

    assert "snapshot_rejected" not in result
    assert _tombstone_ids(result) == [31], "id 31 is not in the store: confirmed gone"


def test_a_destination_holds_one_store(make_sandbox, make_client, tmp_path):
    first = make_sandbox(seed=11)
    second = make_sandbox(seed=12)
    kept = export_resource(make_client(first), resource_for("coupons"), tmp_path, incremental=False)
    before = Path(kept["files"][0]["path"]).read_bytes()

    with pytest.raises(DestinationError) as refused:
        export_resource(make_client(second), resource_for("coupons"), tmp_path, incremental=False)

    assert (refused.value.code, refused.value.claimed, refused.value.store_id) == (
        "other_store",
        first.store_id,
        second.store_id,
    )
    assert Path(kept["files"][0]["path"]).read_bytes() == before
