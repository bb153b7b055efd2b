"""The change trigger's marker and the difference of two: what each change to a list looks like to it, where its
pages cannot see, and the export windows a run makes of the events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.change_marker import (
    difference,
    export_plan,
    is_marker,
    marker_of,
    modified_at,
    windows_of,
)
from airflow_provider_bigcommerce.core.errors import PagingError

pytestmark = pytest.mark.unit

T0 = datetime(2024, 3, 1, tzinfo=UTC)
PATH = "v3/catalog/products"


def at(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).isoformat()


def look(dates: dict[int, int], *, limit: int = 250, count: int | None = None) -> dict[str, Any]:
    """The marker of a list holding ``{id: minute modified}``, as a page of ``limit`` newest first would show it."""
    newest_first = sorted(dates, key=lambda record_id: (-dates[record_id], record_id))
    page = [{"id": record_id, "date_modified": at(dates[record_id])} for record_id in newest_first[:limit]]
    return marker_of("abc123", "products", PATH, page, limit=limit, count=len(dates) if count is None else count)


STORE = {record_id: record_id for record_id in range(1, 41)}  # id n modified at minute n


def test_a_short_page_is_the_whole_list_and_needs_no_count():
    records = [{"id": 2, "date_modified": "Tue, 05 Mar 2024 10:00:01 +0000"}, {"id": 1, "date_modified": at(0)}]
    marker = marker_of("abc123", "orders", "v2/orders", records, limit=250, count=None)
    assert marker["whole"] is True and marker["count"] == 2
    assert marker["newest"] == {"id": 2, "date_modified": "2024-03-05T10:00:01+00:00"}
    assert is_marker(marker) and not is_marker({"store": "abc123", "count": 2, "newest": None})


def test_a_full_page_without_a_count_or_a_record_without_a_date_is_refused():
    with pytest.raises(PagingError) as raised:
        marker_of("abc123", "orders", "v2/orders", [{"id": 1, "date_modified": at(0)}], limit=1, count=None)
    assert (raised.value.code, raised.value.reason) == ("bad_meta", "no_count")
    for value in (None, "yesterday", "2024-03-01T00:00:00", 17):
        with pytest.raises(PagingError) as raised:
            modified_at(PATH, {"id": 1, "date_modified": value})
        assert (raised.value.code, raised.value.reason) == ("bad_record", "date_not_readable")


def test_an_unchanged_list_makes_no_difference():
    assert difference(look(STORE), look(dict(STORE))) is None
    assert difference(look(STORE, limit=10), look(dict(STORE), limit=10)) is None


def test_a_new_record_is_named_with_a_window_of_its_own():
    change = difference(look(STORE), look({**STORE, 41: 50}))
    assert change == {
        "changed": [{"id": 41, "date_modified": at(50)}],
        "gone": [],
        "windows": [{"since": at(50), "until": (T0 + timedelta(minutes=50, seconds=1)).isoformat()}],
        "unnamed_until": None,
    }


def test_an_older_record_added_is_named_where_it_lies_not_after_the_newest():
    older = {**STORE, 41: 7}  # modified before 33 others: the newest is the same
    change = difference(look(STORE), look(older))
    assert change is not None
    assert change["changed"] == [{"id": 41, "date_modified": at(7)}]
    assert change["windows"] == [{"since": at(7), "until": (T0 + timedelta(minutes=7, seconds=1)).isoformat()}]


def test_a_deletion_and_an_older_record_restored_keep_the_count_and_are_both_named():
    before = {record_id: minute for record_id, minute in STORE.items() if record_id != 12}  # 12 archived earlier
    after = {record_id: minute for record_id, minute in STORE.items() if record_id != 30}  # 30 gone, 12 back
    change = difference(look(before), look(after))
    assert change is not None
    assert change["changed"] == [{"id": 12, "date_modified": at(12)}]
    assert change["gone"] == [{"id": 30, "date_modified": at(30)}]
    assert change["unnamed_until"] is None


def test_an_edited_record_is_named_at_its_new_date():
    change = difference(look(STORE), look({**STORE, 5: 60}))
    assert change is not None and change["changed"] == [{"id": 5, "date_modified": at(60)}] and not change["gone"]


def test_on_a_full_page_a_record_pushed_off_by_a_newer_one_is_not_gone():
    change = difference(look(STORE, limit=10), look({**STORE, 41: 50}, limit=10))
    assert change is not None
    assert [entry["id"] for entry in change["changed"]] == [41]
    assert change["gone"] == [] and change["unnamed_until"] is None


def test_on_a_full_page_a_deletion_is_named_and_the_record_that_slid_in_is_not():
    after = {record_id: minute for record_id, minute in STORE.items() if record_id != 35}
    change = difference(look(STORE, limit=10), look(after, limit=10))
    assert change is not None
    assert change["gone"] == [{"id": 35, "date_modified": at(35)}]
    assert change["changed"] == []  # 30, now on the page, sits at its edge: nothing says whether it is new
    assert change["unnamed_until"] is None  # one fewer, one named gone


def test_on_a_full_page_an_older_record_added_below_the_edge_is_seen_by_the_count_and_said_to_be_unnamed():
    change = difference(look(STORE, limit=10), look({**STORE, 41: 3}, limit=10))
    assert change is not None
    assert change["changed"] == [] and change["gone"] == []
    assert change["unnamed_until"] == at(31)  # the page's oldest: records modified up to then may have changed


def test_what_the_pages_cannot_see_a_deletion_and_a_restore_both_below_the_edge():
    """The documented limit (docs/triggers.md "What it sees, and what it cannot"): equal numbers gone and back below
    a full page."""
    before = {record_id: minute for record_id, minute in STORE.items() if record_id != 4}
    after = {record_id: minute for record_id, minute in STORE.items() if record_id != 9}
    assert difference(look(before, limit=10), look(after, limit=10)) is None
    assert difference(look(before), look(after)) is not None  # a page that holds the list sees it


def test_records_tied_at_the_edge_answered_in_another_order_are_no_change():
    newer = [{"id": record_id, "date_modified": at(10 + record_id)} for record_id in range(11, 5, -1)]
    tied = {record_id: {"id": record_id, "date_modified": at(1)} for record_id in range(1, 6)}  # five at minute 1

    def page(*edge_ids: int) -> dict[str, Any]:
        return marker_of("abc123", "products", PATH, [*newer, *(tied[i] for i in edge_ids)], limit=8, count=11)

    assert difference(page(1, 2), page(4, 5)) is None  # the server filled the page's end with other tied records


def test_windows_run_over_changed_records_with_no_unchanged_one_between():
    page = look(STORE)["page"]
    windows = windows_of(page, {40, 39, 20, 10, 11})
    assert [(window["since"], window["until"]) for window in windows] == [
        (at(10), (T0 + timedelta(minutes=11, seconds=1)).isoformat()),
        (at(20), (T0 + timedelta(minutes=20, seconds=1)).isoformat()),
        (at(39), (T0 + timedelta(minutes=40, seconds=1)).isoformat()),
    ]


def test_an_export_plan_merges_the_events_windows_and_reads_from_the_start_where_a_change_went_unnamed():
    start = T0 - timedelta(days=30)
    first = {"windows": [{"since": at(5), "until": at(6)}], "gone": [], "unnamed_until": None}
    second = {"windows": [{"since": at(6), "until": at(8)}, {"since": at(30), "until": at(31)}], "gone": []}
    plan = export_plan([first, second], start=start, limit=16)
    assert plan == {"windows": [{"since": at(5), "until": at(8)}, {"since": at(30), "until": at(31)}], "gone": []}

    unnamed = {"windows": [{"since": at(30), "until": at(31)}], "gone": [], "unnamed_until": at(20)}
    plan = export_plan([unnamed], start=start, limit=16)
    assert plan["windows"] == [
        {"since": start.isoformat(), "until": (T0 + timedelta(minutes=20, seconds=1)).isoformat()},
        {"since": at(30), "until": at(31)},
    ]


def test_an_export_plan_joins_the_closest_windows_beyond_its_limit_and_places_deletions_where_they_were():
    windows = [{"since": at(minute), "until": at(minute + 1)} for minute in (0, 10, 12, 30)]
    plan = export_plan([{"windows": windows}], start=T0, limit=3)
    assert [(window["since"], window["until"]) for window in plan["windows"]] == [
        (at(0), at(1)),
        (at(10), at(13)),
        (at(30), at(31)),
    ]
    gone_only = {"windows": [], "gone": [{"id": 9, "date_modified": at(9)}, {"id": 3, "date_modified": at(3)}]}
    plan = export_plan([gone_only], start=T0, limit=3)
    assert plan == {
        "windows": [{"since": at(3), "until": (T0 + timedelta(minutes=9, seconds=1)).isoformat()}],
        "gone": [3, 9],
    }
