"""The lookalike plays the changes the change trigger must see, over real HTTP: an order that shows up dated before
the newest one, and an order archived while an older one is restored (count and newest as they were)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

NEWEST_FIRST = {"sort": "date_modified:desc", "limit": "250"}


def _listed(client: Any) -> list[dict[str, Any]]:
    """Every order, newest first (the default store holds 300: two pages of 250)."""
    orders: list[dict[str, Any]] = []
    for page in (1, 2):
        answer = client.get("v2/orders", page=str(page), **NEWEST_FIRST)
        orders += answer.json() if answer.status_code == 200 else []
    return orders


def _count(client: Any) -> int:
    return client.get("v2/orders/count").json()["count"]


def _archived(client: Any) -> list[int]:
    answer = client.get("v2/orders", is_deleted="true")
    return [order["id"] for order in answer.json()] if answer.status_code == 200 else []


def test_an_order_inserted_later_shows_up_at_its_own_older_date(sandbox: Any, client: Any):
    older = 150
    sandbox.changes.plan("v2/orders", after=10**9, insert=[older])  # not listed yet
    before = _listed(client)
    assert older not in [order["id"] for order in before] and _count(client) == len(before) == 299

    sandbox.changes.plan("v2/orders", after=0, insert=[older])
    after = _listed(client)
    ids = [order["id"] for order in after]
    assert _count(client) == len(after) == 300
    assert after[0] == before[0]  # the newest is the same
    position = ids.index(older)
    dates = [parsedate_to_datetime(order["date_modified"]) for order in after]
    assert dates[position + 1] <= dates[position] <= dates[position - 1] < dates[0]  # in date order, not first


def test_an_order_archived_and_an_older_one_restored_keep_the_count_and_the_newest(sandbox: Any, client: Any):
    restored, archived = 150, 320
    sandbox.changes.plan("v2/orders", after=0, delete=[restored])
    before = _listed(client)
    assert _archived(client) == [restored] and _count(client) == 299

    sandbox.changes.plan("v2/orders", after=0, delete=[archived], insert=[restored])
    after = _listed(client)
    ids = [order["id"] for order in after]
    assert _count(client) == len(after) == 299 and after[0] == before[0]
    assert restored in ids and archived not in ids
    assert _archived(client) == [archived]
    original = parsedate_to_datetime(next(order for order in after if order["id"] == restored)["date_modified"])
    assert original < parsedate_to_datetime(after[0]["date_modified"])  # restored with its own, older date
