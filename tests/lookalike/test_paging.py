"""The three kinds of paging, with their quirks (docs/bigcommerce.md "Listing and paging")."""

from __future__ import annotations

from urllib.parse import parse_qs


def test_v2_orders_default_page_holds_50_in_id_order(client):
    orders = client.get("v2/orders").json()

    assert [order["id"] for order in orders] == list(range(100, 150))


def test_v2_orders_returns_204_past_last_page(client):
    last = client.get("v2/orders", limit=250, page=2)
    past = client.get("v2/orders", limit=250, page=3)

    assert last.status_code == 200 and len(last.json()) == 50
    assert past.status_code == 204 and past.content == b""


def test_v2_orders_limit_over_250_is_413_with_v2_body(client):
    response = client.get("v2/orders", limit=251)

    assert response.status_code == 413
    assert response.json() == [
        {"status": 413, "message": "The specified limit exceeds the maximum allowed.", "details": {"max_limit": 250}}
    ]


def test_v2_sweep_returns_every_order_exactly_once(client):
    ids, page = [], 1
    while (response := client.get("v2/orders", limit=250, page=page)).status_code == 200:
        ids += [order["id"] for order in response.json()]
        page += 1

    assert response.status_code == 204
    assert ids == list(range(100, 400))


def test_v2_order_products_page_and_end_with_204(client):
    first = client.get("v2/orders/100/products", limit=1)
    past = client.get("v2/orders/100/products", limit=250, page=2)

    assert first.status_code == 200 and len(first.json()) == 1
    assert past.status_code == 204


def test_v2_shipping_addresses_served_under_both_spellings(client):
    order = client.get("v2/orders/120").json()
    underscored = client.get("v2/orders/120/shipping_addresses").json()
    legacy = client.get(f"v2{order['shipping_addresses']['resource']}").json()  # "shippingaddresses", as written

    assert underscored == legacy and underscored[0]["order_id"] == 120


def test_v3_offset_meta_and_relative_links(client):
    body = client.get("v3/catalog/products", limit=50, page=2).json()
    pagination = body["meta"]["pagination"]

    assert [product["id"] for product in body["data"]] == list(range(51, 101))
    assert pagination == {
        "total": 120,
        "count": 50,
        "per_page": 50,
        "current_page": 2,
        "total_pages": 3,
        "links": {"current": "?page=2&limit=50", "previous": "?page=1&limit=50", "next": "?page=3&limit=50"},
    }


def test_v3_offset_last_page_has_no_next_link(client):
    pagination = client.get("v3/catalog/products", limit=50, page=3).json()["meta"]["pagination"]

    assert pagination["count"] == 20 and "next" not in pagination["links"]


def test_v3_offset_links_keep_the_request_filters(client):
    links = client.get("v3/catalog/products", limit=10, **{"date_modified:min": "2020-01-01T00:00:00Z"}).json()["meta"][
        "pagination"
    ]["links"]

    assert parse_qs(links["next"][1:]) == {
        "page": ["2"],
        "limit": ["10"],
        "date_modified:min": ["2020-01-01T00:00:00Z"],
    }


def test_v3_limit_over_250_is_served_as_250(make_sandbox, store_client):
    client = store_client(make_sandbox(products=300))
    body = client.get("v3/catalog/products", limit=1000).json()

    assert len(body["data"]) == 250 and body["meta"]["pagination"]["per_page"] == 250


def test_v3_variants_page_through_every_variant_once(client):
    total = client.get("v3/catalog/variants", limit=1).json()["meta"]["pagination"]["total"]
    ids, page = [], 1
    while data := client.get("v3/catalog/variants", limit=100, page=page).json()["data"]:
        ids += [variant["id"] for variant in data]
        page += 1

    assert ids == list(range(1, total + 1)) and total >= 120


def test_v3_category_tree_is_one_tree_whose_parents_exist(client):
    categories = client.get("v3/catalog/trees/categories", limit=250).json()["data"]
    ids = {category["category_id"] for category in categories}

    assert len(categories) == 30 and {category["tree_id"] for category in categories} == {1}
    assert all(category["parent_id"] == 0 or category["parent_id"] in ids for category in categories)
    assert any(category["parent_id"] for category in categories)


def test_v3_customers_first_page_carries_both_meta_blocks(client):
    meta = client.get("v3/customers", limit=50).json()["meta"]

    assert set(meta) == {"pagination", "cursor_pagination"}
    assert meta["cursor_pagination"]["count"] == 50 and "next" in meta["cursor_pagination"]["links"]


def test_v3_customers_cursor_request_carries_only_cursor_meta_and_ignores_page(client):
    end_cursor = client.get("v3/customers", limit=50).json()["meta"]["cursor_pagination"]["end_cursor"]
    body = client.get("v3/customers", limit=50, page=4, after=end_cursor).json()

    assert set(body["meta"]) == {"cursor_pagination"}
    assert [customer["id"] for customer in body["data"]] == list(range(51, 101))


def test_v3_customers_offset_page_after_first_carries_only_offset_meta(client):
    meta = client.get("v3/customers", limit=50, page=2).json()["meta"]

    assert set(meta) == {"pagination"}


def test_v3_customers_cursor_sweep_ends_when_next_link_is_absent(client):
    ids, params = [], {"limit": 64}
    while True:
        body = client.get("v3/customers", **params).json()
        ids += [customer["id"] for customer in body["data"]]
        cursor = body["meta"]["cursor_pagination"]
        if "next" not in cursor["links"]:
            break
        params = {"limit": 64, "after": cursor["end_cursor"]}

    assert ids == list(range(1, 201))
    assert cursor["count"] == 200 - 3 * 64


def test_v3_customers_cursor_past_the_end_is_an_empty_page_without_next(client):
    body = client.get("v3/customers", limit=50, after="aWQ6MjAw").json()  # base64 "id:200", the last customer

    assert body["data"] == [] and body["meta"]["cursor_pagination"]["count"] == 0
    assert "next" not in body["meta"]["cursor_pagination"]["links"]


def test_v3_customers_before_cursor_returns_the_previous_page(client):
    second = client.get("v3/customers", limit=50, after="aWQ6NTA=").json()  # base64 "id:50"
    cursor = second["meta"]["cursor_pagination"]
    first = client.get("v3/customers", limit=50, before=cursor["start_cursor"]).json()

    assert [c["id"] for c in second["data"]] == list(range(51, 101)) and "previous" in cursor["links"]
    assert [c["id"] for c in first["data"]] == list(range(1, 51))
    assert "previous" not in first["meta"]["cursor_pagination"]["links"]


def test_v3_customers_bad_cursor_is_422(client):
    response = client.get("v3/customers", after="not-a-cursor")

    assert response.status_code == 422 and response.json()["status"] == 422
