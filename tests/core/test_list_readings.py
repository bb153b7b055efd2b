"""Lists whose paging the official files leave open (docs/open-questions.md) export exactly under every reading:
refunds whatever their meta says, brands in whatever order they come, the categories of every category tree,
products with their options or modifiers whether a larger page is cut to 10 or refused, and price-list records never
more than the 10 simultaneous requests price_lists.v3.yml allows."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.tombstones import export_deletions
from airflow_provider_bigcommerce.core.export.windows import Window
from tests.export_files import read_records


def _everything(store) -> Window:
    first, last = store.data_time_range
    return Window(first - timedelta(days=400), last + timedelta(days=400))


@pytest.mark.parametrize("meta", ["pagination", "none"])
def test_refunds_are_read_past_the_first_page_whatever_their_meta_says(make_sandbox, make_client, tmp_path, meta):
    store = make_sandbox(seed=4, orders=1500, products=40, customers=50, readings=Readings(refunds_meta=meta))
    client = make_client(store)
    every = sorted(store.services.data.extras.refunded_orders)
    small_pages = resource_for("order_refunds", params={"limit": "20"})

    manifest = export_resource(client, small_pages, tmp_path, window=_everything(store))

    written = read_records(manifest["files"][0]["path"])
    assert len(written) == len(every) > 20, "more refunds than one page holds"
    assert len({refund["id"] for refund in written}) == len(written)


@pytest.mark.parametrize("order", ["id", "name"])
def test_brands_export_exactly_whatever_order_they_come_in(make_sandbox, make_client, tmp_path, order):
    store = make_sandbox(seed=4, orders=0, products=40, customers=0, brands=60, readings=Readings(brands_order=order))
    client = make_client(store)
    small_pages = resource_for("brands", params={"limit": "25"})

    manifest = export_resource(client, small_pages, tmp_path, incremental=False, deletions=True)
    assert sorted(brand["id"] for brand in read_records(manifest["files"][0]["path"])) == list(range(1, 61))
    assert manifest["verification"]["verified"]
    store.changes.plan("v3/catalog/brands", after=0, delete=[17])
    again = export_resource(client, small_pages, tmp_path, incremental=False, deletions=True)

    assert [tombstone["id"] for tombstone in read_records(again["deletions"]["path"])] == [17]


@pytest.mark.parametrize("default_only", [False, True], ids=["all-trees", "default-tree-only"])
def test_categories_of_every_category_tree_are_exported_and_none_is_taken_for_deleted(
    make_sandbox, make_client, tmp_path, default_only
):
    readings = Readings(category_trees=3, trees_default_only=default_only)
    store = make_sandbox(seed=4, orders=0, products=10, customers=0, categories=90, readings=readings)
    client = make_client(store)

    manifest = export_resource(client, resource_for("categories"), tmp_path, incremental=False)
    baseline = export_deletions(client, resource_for("categories"), tmp_path)
    store.changes.plan("v3/catalog/trees/categories", after=0, delete=[80])
    second = export_deletions(client, resource_for("categories"), tmp_path)

    written = read_records(manifest["files"][0]["path"])
    assert sorted(category["category_id"] for category in written) == list(range(1, 91))
    assert {category["tree_id"] for category in written} == {1, 2, 3}
    assert baseline["ids_seen"] == 90
    assert [tombstone["id"] for tombstone in read_records(second["path"])] == [80]


@pytest.mark.parametrize("reading", ["cut", "refused"])
@pytest.mark.parametrize("name", ["product_options", "product_modifiers"])
def test_products_with_options_or_modifiers_are_asked_ten_a_page_whether_more_is_cut_or_refused(
    make_sandbox, make_client, tmp_path, reading, name
):
    store = make_sandbox(seed=4, orders=0, products=45, customers=0, readings=Readings(narrow_include_limit=reading))
    client = make_client(store)
    logged = len(store.stats.request_log())

    manifest = export_resource(client, resource_for(name), tmp_path, incremental=False)

    parts = store.services.data.more.parts
    member = getattr(parts, name.removeprefix("product_"))
    expected = sorted(part["id"] for product_id in range(1, 46) for part in member(product_id))
    written = read_records(manifest["files"][0]["path"])
    assert expected and sorted(part["id"] for part in written) == expected
    assert manifest["requests"] == len(store.stats.request_log()) - logged <= math.ceil(45 / 10) + 2
    assert manifest["verification"]["verified"]


def test_price_list_records_never_exceed_the_simultaneous_requests_the_store_allows(make_sandbox, make_client):
    store = make_sandbox(seed=4, orders=0, products=60, customers=0, quota=100_000, latency_ms=40)
    client = make_client(store, max_concurrency=16)  # the walk would have 16 pages in flight at once
    records_of = [client.request("GET", "v3/pricelists/1/records")["meta"]["pagination"]["total"]]

    walk = client.walk("v3/pricelists/1/records", {"limit": 5})
    read = [record for page in walk for record in page.records]

    assert len(read) == records_of[0] > 10 * 5, "more pages than the store serves at once"
    assert walk.outcome.verified and store.stats.responses_429 == 0
    assert store.stats.most_in_flight["v3/pricelists/{price_list_id}/records"] == 10


@pytest.mark.parametrize("bounds", ["inclusive", "exclusive"])
def test_orders_and_coupons_are_exact_whichever_way_min_id_and_max_id_read(make_sandbox, make_client, tmp_path, bounds):
    store = make_sandbox(seed=4, orders=1200, products=40, customers=50, readings=Readings(id_bounds=bounds))
    client = make_client(store)

    orders = export_resource(client, resource_for("orders"), tmp_path, window=_everything(store))
    export_deletions(client, resource_for("coupons"), tmp_path)
    store.changes.plan("v2/coupons", after=0, delete=[7, 8])
    coupons = export_deletions(client, resource_for("coupons"), tmp_path)

    assert sorted(order["id"] for order in read_records(orders["files"][0]["path"])) == list(range(100, 1300))
    assert orders["verification"]["verified"]
    assert [tombstone["id"] for tombstone in read_records(coupons["path"])] == [7, 8]
