"""Late commits (``Readings.commit_lag_ms``): a write shows up some time after the date it carries, as nothing in
BigCommerce's documents promises read-after-write (docs/bigcommerce.md "Incremental filters"). ``newest_order_at``
puts an order at a chosen second, so a test can have one written "just now"."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from bigcommerce_lookalike import SandboxConfig
from bigcommerce_lookalike.readings import Readings


def _orders(client) -> list[dict]:
    response = client.get("v2/orders", limit=250, sort="date_modified:asc")
    return response.json() if response.status_code == 200 else []


def _whole_second_now() -> datetime:
    return datetime.fromtimestamp(int(time.time()), UTC)


def test_newest_order_at_dates_the_newest_order_exactly_that_second(make_sandbox, store_client):
    moment = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    client = store_client(make_sandbox(seed=5, orders=40, newest_order_at=moment))

    orders = _orders(client)

    assert len(orders) == 40
    assert max(parsedate_to_datetime(order["date_modified"]) for order in orders) == moment
    assert parsedate_to_datetime(orders[-1]["date_modified"]) == moment


def test_reference_time_and_newest_order_at_are_one_or_the_other():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not both"):
        SandboxConfig(reference_time=moment, newest_order_at=moment)


def test_a_late_commit_is_out_of_the_list_and_the_count_until_its_lag_has_passed(make_sandbox, store_client):
    written = _whole_second_now()
    lag = timedelta(milliseconds=1500)
    store = make_sandbox(seed=5, orders=40, newest_order_at=written, readings=Readings(commit_lag_ms=1500))
    client = store_client(store)

    early = _orders(client)
    early_count = client.get("v2/orders/count").json()["count"]
    time.sleep(max(0.0, (written + lag - datetime.now(UTC)).total_seconds()) + 0.05)
    late = _orders(client)

    newest = late[-1]
    assert parsedate_to_datetime(newest["date_modified"]) == written
    assert [order["id"] for order in early] == [order["id"] for order in late[:-1]]
    assert early_count == len(early) == 39
    assert client.get("v2/orders/count").json()["count"] == len(late) == 40


def test_every_dated_list_leaves_out_what_its_lag_hides(make_sandbox, store_client):
    # The data ends a little after the newest order, so products and customers are dated up to a day ahead.
    store = make_sandbox(seed=5, orders=40, newest_order_at=_whole_second_now(), readings=Readings(commit_lag_ms=2000))
    client = store_client(store)

    for path, every in (("v3/catalog/products", 120), ("v3/customers", 200)):
        response = client.get(path, limit=250).json()
        answered = time.time()
        dates = [datetime.fromisoformat(record["date_modified"]).timestamp() for record in response["data"]]
        assert dates and max(dates) <= answered - 2.0
        assert response["meta"]["pagination"]["total"] == len(dates) < every
