"""A window is read only once its records are committed: ``SettleSeconds`` after the end of its last claimed second.

Nothing promises read-after-write (docs/bigcommerce.md "Incremental filters"): the lookalike's ``commit_lag_ms``
plays a store whose writes show up after the date they carry, and ``newest_order_at`` puts an order "just now".
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window, WindowNotSettled, check_settled, ready_at

ORDERS = 40
ORDER_IDS = list(range(100, 100 + ORDERS))  # the lookalike numbers orders from 100; the newest is the last


def _ids(manifest: dict) -> list[int]:
    lines = Path(manifest["files"][0]["path"]).read_text().splitlines()
    return sorted(json.loads(line)["id"] for line in lines)


def _just_now() -> datetime:
    return datetime.fromtimestamp(int(time.time()), UTC)


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.05)


def test_a_window_is_ready_settle_seconds_after_the_end_of_its_last_claimed_second():
    window = Window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, 12, 0, 0, 830_000, tzinfo=UTC))
    ready = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)  # its last claimed second is 11:59:59

    assert ready_at(window, 5) == ready
    with pytest.raises(WindowNotSettled) as early:
        check_settled(window, 5, now=ready - timedelta(microseconds=1))
    assert (early.value.code, early.value.ready_at, early.value.window, early.value.settle_s) == (
        "not_settled",
        ready,
        window,
        5,
    )
    check_settled(window, 5, now=ready)
    check_settled(window, 0, now=window.end_second)


def test_a_fresh_window_is_not_read_before_it_settles_and_costs_no_request(make_sandbox, make_client, tmp_path):
    store = make_sandbox(seed=5, orders=ORDERS)
    client = make_client(store, settle_seconds=60)
    end = datetime.now(UTC)

    with pytest.raises(WindowNotSettled) as wait:
        export_resource(client, resource_for("orders"), tmp_path / "out", window=Window(end - timedelta(days=1), end))

    assert wait.value.ready_at == end.replace(microsecond=0) + timedelta(seconds=60)
    assert store.stats.requests == 0 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("name", "incremental"), [("orders", False), ("brands", True)])
def test_a_snapshot_has_no_window_edge_to_wait_for(make_sandbox, make_client, tmp_path, name, incremental):
    client = make_client(make_sandbox(seed=5, orders=ORDERS), settle_seconds=3600)
    end = datetime.now(UTC)

    manifest = export_resource(
        client, resource_for(name), tmp_path, window=Window(end - timedelta(days=1), end), incremental=incremental
    )

    assert manifest["mode"] == "full" and manifest["records"] > 0


def test_read_right_after_its_end_a_window_misses_a_late_commit_when_nothing_settles(
    make_sandbox, make_client, tmp_path
):
    # What SettleSeconds is for: with 0, the order written in the window's last second is not listed yet.
    written = _just_now()
    store = make_sandbox(seed=5, orders=ORDERS, newest_order_at=written, readings=Readings(commit_lag_ms=3000))
    window = Window(written - timedelta(days=100), written + timedelta(seconds=1))
    _sleep_until(window.end)

    manifest = export_resource(make_client(store, settle_seconds=0), resource_for("orders"), tmp_path, window=window)

    assert _ids(manifest) == ORDER_IDS[:-1]


def test_a_late_commit_lands_in_its_window_once_the_window_has_settled(make_sandbox, make_client, tmp_path):
    written = _just_now()
    store = make_sandbox(seed=5, orders=ORDERS, newest_order_at=written, readings=Readings(commit_lag_ms=1500))
    client = make_client(store, settle_seconds=2)
    window = Window(written - timedelta(days=100), written + timedelta(seconds=1))

    with pytest.raises(WindowNotSettled) as wait:
        export_resource(client, resource_for("orders"), tmp_path, window=window)
    _sleep_until(wait.value.ready_at)
    manifest = export_resource(client, resource_for("orders"), tmp_path, window=window)

    assert wait.value.ready_at == written + timedelta(seconds=3)
    assert _ids(manifest) == ORDER_IDS  # the order written in the window's last second included
    assert store.stats.requests == manifest["requests"]  # waiting cost no request
