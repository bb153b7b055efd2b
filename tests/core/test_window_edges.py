"""Window edges do not depend on how the store reads its date bounds (docs/open-questions.md "Date bounds").

Adjacent windows are cut exactly at records' times and at sub-second moments; under inclusive and exclusive
bounds, and a store that keeps times finer than the whole seconds its dates show, every record of the span lands
in exactly one window: the one whose claimed seconds hold its date's second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window, record_moment
from tests.export_files import read_records

SECOND = timedelta(seconds=1)


READINGS = [
    pytest.param(Readings(), id="inclusive"),
    pytest.param(Readings(date_bounds="exclusive"), id="exclusive"),
    pytest.param(Readings(date_fraction_ms=600), id="inclusive-subsecond"),
    pytest.param(Readings(date_bounds="exclusive", date_fraction_ms=999), id="exclusive-subsecond"),
]
LISTS = [("orders", "v2/orders"), ("products", "v3/catalog/products"), ("customers", "v3/customers")]


def _cuts(times: list[datetime]) -> list[datetime]:
    """Window boundaries that sit exactly on records' seconds, one second before one, and inside one's second."""
    middle = times[len(times) // 2]
    later = times[len(times) // 2 + 3]
    return sorted(
        {
            times[0] - SECOND,
            middle,  # a record exactly at a window's start (and at the previous one's end)
            later + SECOND,  # a record one second before a window's end
            later + timedelta(seconds=5, microseconds=830_880),  # a point-in-time run's sub-second end
            times[-1] + SECOND,
        }
    )


@pytest.mark.parametrize("readings", READINGS)
@pytest.mark.parametrize(("name", "path"), LISTS)
def test_adjacent_windows_export_every_record_once_whatever_the_bounds_and_resolution(
    make_sandbox, make_client, tmp_path, readings, name, path
):
    store = make_sandbox(seed=3, orders=120, products=80, customers=80, quota=10000, readings=readings)
    client = make_client(store)
    every = {record["id"]: record_moment(record["date_modified"]) for record in client.paginate(path)}
    times = sorted(every.values())
    cuts = _cuts(times)

    exported: dict[Any, list[int]] = {}
    for number, (start, end) in enumerate(zip(cuts, cuts[1:], strict=False)):
        manifest = export_resource(client, resource_for(name), tmp_path / str(number), window=Window(start, end))
        for record in read_records(manifest["files"][0]["path"]):
            exported.setdefault(record["id"], []).append(number)

    assert sorted(exported) == sorted(every), "each record of the span is exported"
    assert all(len(windows) == 1 for windows in exported.values()), "and by one window only"
    for record_id, (number,) in exported.items():
        start, end = cuts[number], cuts[number + 1]
        second = every[record_id].astimezone(UTC).replace(microsecond=0)
        assert start.replace(microsecond=0) <= second < end.replace(microsecond=0)


def test_a_window_ending_inside_a_second_leaves_that_second_to_the_next_window():
    end = datetime(2025, 5, 1, 20, 11, 51, 830_880, tzinfo=UTC)
    earlier, later = Window(end - timedelta(hours=1), end), Window(end, end + timedelta(hours=1))
    record = datetime(2025, 5, 1, 20, 11, 51, tzinfo=UTC)

    assert not earlier.claims(record) and later.claims(record)
    assert earlier.end_second == later.first_second


def test_the_query_asks_one_second_beyond_each_claimed_edge():
    window = Window(datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 2, tzinfo=UTC))
    orders = resource_for("orders").query(window)
    assert orders["min_date_modified"] == "Wed, 30 Apr 2025 23:59:59 +0000"
    assert orders["max_date_modified"] == "Fri, 02 May 2025 00:00:00 +0000"
    products = resource_for("products").query(window)
    assert (products["date_modified:min"], products["date_modified:max"]) == (
        "2025-04-30T23:59:59+00:00",
        "2025-05-02T00:00:00+00:00",
    )
