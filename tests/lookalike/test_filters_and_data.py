"""Incremental filters, the date-only quirk, seeded deterministic data (docs/bigcommerce.md "Incremental filters")."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest


def _orders(client, **params) -> list[dict]:
    orders, page = [], 1
    while (response := client.get("v2/orders", limit=250, page=page, **params)).status_code == 200:
        orders += response.json()
        page += 1
    return orders


def _v2_time(order: dict) -> datetime:
    return parsedate_to_datetime(order["date_modified"])


def _v3_time(record: dict) -> datetime:
    return datetime.fromisoformat(record["date_modified"])


def test_data_time_range_spans_the_modified_dates(client):
    first, last = client.sb.data_time_range
    orders = _orders(client)

    assert first <= min(map(_v2_time, orders)) and max(map(_v2_time, orders)) <= last
    assert timedelta(days=80) < last - first <= timedelta(days=90)


@pytest.mark.parametrize("style", ["rfc2822", "iso8601"])
def test_v2_min_and_max_date_modified_select_an_inclusive_window(client, style):
    everything = _orders(client)
    low, high = _v2_time(everything[100]), _v2_time(everything[199])
    write = (lambda moment: format_datetime(moment)) if style == "rfc2822" else (lambda moment: moment.isoformat())

    selected = _orders(client, min_date_modified=write(low), max_date_modified=write(high))

    expected = [order["id"] for order in everything if low <= _v2_time(order) <= high]
    assert [order["id"] for order in selected] == expected and len(expected) >= 100


def test_v2_sort_by_date_modified_ascending_is_chronological(client):
    orders = client.get("v2/orders", limit=250, sort="date_modified:asc").json()
    descending = client.get("v2/orders", limit=5, sort="date_modified:desc").json()

    assert [_v2_time(order) for order in orders] == sorted(_v2_time(order) for order in orders)
    assert descending[0]["id"] == 399


def test_v2_bad_date_filter_is_400_with_v2_body(client):
    response = client.get("v2/orders", min_date_modified="yesterday-ish")

    assert response.status_code == 400 and response.json()[0]["status"] == 400


def test_v3_products_date_modified_min_with_full_timestamp(client):
    everything = client.get("v3/catalog/products", limit=250).json()["data"]
    bound = _v3_time(everything[60])

    selected = client.get("v3/catalog/products", limit=250, **{"date_modified:min": bound.isoformat()}).json()["data"]

    assert [product["id"] for product in selected] == [p["id"] for p in everything if _v3_time(p) >= bound]


def test_v3_date_only_min_gets_the_current_time_of_day_appended(make_sandbox, store_client):
    """The quirk: ``date_modified:min=2025-05-01`` means 2025-05-01 at *now*'s time of day, not midnight."""
    client = store_client(make_sandbox(products=3000))
    day = client.sb.data_time_range[0].date() + timedelta(days=30)

    before = time.time()
    date_only = client.get("v3/catalog/products", limit=250, **{"date_modified:min": day.isoformat()}).json()
    after = time.time()

    def count_from(moment: datetime) -> int:
        params = {"limit": 1, "date_modified:min": moment.isoformat()}
        return client.get("v3/catalog/products", **params).json()["meta"]["pagination"]["total"]

    midnight = datetime.combine(day, datetime.min.time(), UTC)
    earliest, latest = midnight + _time_of_day(before), midnight + _time_of_day(after)
    total = date_only["meta"]["pagination"]["total"]
    assert count_from(latest) <= total <= count_from(earliest)
    assert all(_v3_time(product) >= earliest for product in date_only["data"])
    if earliest - midnight > timedelta(hours=1):  # products are ~45 min apart; near midnight UTC both agree
        assert total < count_from(midnight)


def _time_of_day(epoch: float) -> timedelta:
    moment = datetime.fromtimestamp(epoch, UTC)
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second)


def test_v3_customers_date_modified_window(client):
    everything = client.get("v3/customers", limit=250).json()["data"]
    low, high = _v3_time(everything[20]), _v3_time(everything[80])
    params = {"limit": 250, "date_modified:min": low.isoformat(), "date_modified:max": high.isoformat()}

    selected = client.get("v3/customers", **params).json()

    assert [c["id"] for c in selected["data"]] == [c["id"] for c in everything if low <= _v3_time(c) <= high]
    assert selected["meta"]["pagination"]["total"] == len(selected["data"])


def test_same_seed_gives_the_same_store_and_another_seed_another(make_sandbox, store_client):
    def sample(seed: int) -> tuple:
        client = store_client(make_sandbox(seed=seed))
        orders = client.get("v2/orders", limit=20, include="consignments.line_items").json()
        customers = client.get("v3/customers", limit=20).json()["data"]
        return client.sb.store_id, client.sb.access_token, [_without_urls(order) for order in orders], customers

    first, again, other = sample(3), sample(3), sample(4)

    assert first == again
    assert other[0] != first[0] and other[2] != first[2] and other[3] != first[3]


def _without_urls(order: dict) -> dict:
    """Sub-resource urls contain the server's port, which differs between two running lookalikes."""
    return {
        key: value for key, value in order.items() if not isinstance(value, dict | list) or key == "billing_address"
    }


def test_orders_carry_line_items_shipping_address_and_customer(client):
    order = client.get("v2/orders", limit=1, include="consignments.line_items", consignment_structure="object").json()[
        0
    ]
    lines = client.get(f"v2/orders/{order['id']}/products").json()
    shipping = order["consignments"]["shipping"][0]

    assert shipping["line_items"] == lines
    assert sum(line["quantity"] for line in lines) == order["items_total"]
    assert order["billing_address"]["zip"] and shipping["zip"]


def test_consignments_without_object_structure_come_as_legacy_array(client):
    order = client.get("v2/orders", limit=1, include="consignments").json()[0]

    assert isinstance(order["consignments"], list)
    assert set(order["consignments"][0]["shipping"][0]["line_items"][0]) == {"url", "resource"}


def test_million_order_store_answers_deep_pages_and_filters_quickly(make_sandbox, store_client):
    client = store_client(make_sandbox(orders=1_000_000))
    started = time.perf_counter()

    last = client.get("v2/orders", limit=250, page=4000).json()
    past = client.get("v2/orders", limit=250, page=4001)
    middle = _v2_time(client.get("v2/orders/600100").json())
    window = client.get("v2/orders", limit=250, min_date_modified=middle.isoformat(), include="consignments.line_items")

    assert last[-1]["id"] == 1_000_099 and past.status_code == 204
    assert window.status_code == 200 and window.json()[0]["id"] <= 600100 <= window.json()[-1]["id"]
    assert time.perf_counter() - started < 60  # no million-record list is built (that takes minutes)


def test_generated_strings_need_no_json_escaping():
    """Templates insert strings as they are (json_template's contract): no quote, backslash, % or control."""
    from bigcommerce_lookalike import vocabulary

    strings = [
        value
        for name in dir(vocabulary)
        if name.isupper()
        for entry in getattr(vocabulary, name)
        for value in (entry if isinstance(entry, tuple) else (entry,))
        if isinstance(value, str)
    ]
    assert len(strings) > 100
    assert not [value for value in strings if set(value) & {'"', "\\", "%"} or any(ord(ch) < 32 for ch in value)]
