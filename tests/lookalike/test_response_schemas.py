"""Every endpoint's answer matches the official OpenAPI file of that resource (docs/bigcommerce.md "OpenAPI files")."""

from __future__ import annotations

import pytest

# (request path, params, OpenAPI file, path in that file)
ENDPOINTS = [
    ("v2/time", {}, "store_information.v2.yml", "/time"),
    ("v2/store", {}, "store_information.v2.yml", "/store"),
    ("v2/orders", {"limit": 20}, "orders.v2.oas2.yml", "/orders"),
    ("v2/orders/count", {}, "orders.v2.oas2.yml", "/orders/count"),
    ("v2/orders/100/products", {}, "orders.v2.oas2.yml", "/orders/{order_id}/products"),
    ("v2/orders/101/shipping_addresses", {}, "orders.v2.oas2.yml", "/orders/{order_id}/shipping_addresses"),
    ("v3/catalog/products", {"limit": 120}, "products_catalog.v3.yml", "/catalog/products"),
    ("v3/catalog/variants", {"limit": 250}, "product-variants_catalog.v3.yml", "/catalog/variants"),
    ("v3/catalog/brands", {}, "brands_catalog.v3.yml", "/catalog/brands"),
    ("v3/catalog/trees/categories", {}, "category-trees_catalog.v3.yml", "/catalog/trees/categories"),
    ("v3/customers", {"limit": 100}, "customers.v3.yml", "/customers"),
    (
        "v3/customers",
        {"limit": 5, "include": "addresses,storecredit,attributes,formfields"},
        "customers.v3.yml",
        "/customers",
    ),
    ("v3/customers/addresses", {"limit": 100}, "customers.v3.yml", "/customers/addresses"),
    ("v2/coupons", {"limit": 250}, "marketing.v2.yml", "/coupons"),
    ("v2/coupons/count", {}, "marketing.v2.yml", "/coupons/count"),
    ("v3/channels", {}, "channels.v3.yml", "/channels"),
    ("v3/content/pages", {}, "pages.v3.yml", "/content/pages"),
    ("v3/pricelists", {}, "price_lists.v3.yml", "/pricelists"),
    ("v3/pricelists/2/records", {"limit": 250}, "price_lists.v3.yml", "/pricelists/{price_list_id}/records"),
    ("v3/inventory/items", {"limit": 250}, "inventory.v3.yml", "/inventory/items"),
    ("v3/catalog/categories", {"limit": 250}, "categories_catalog.v3.yml", "/catalog/categories"),
    ("v3/orders/payment_actions/refunds", {"limit": 250}, "orders.v3.yml", "/orders/payment_actions/refunds"),
    # the metafields of every collection, first pages and cursor pages
    ("v3/catalog/products/metafields", {"limit": 250}, "products_catalog.v3.yml", "/catalog/products/metafields"),
    ("v3/catalog/products/metafields", {"limit": 5, "after": "aWQ6NQ=="}, "products_catalog.v3.yml",
     "/catalog/products/metafields"),
    ("v3/catalog/variants/metafields", {"limit": 250}, "product-variants_catalog.v3.yml",
     "/catalog/variants/metafields"),
    ("v3/catalog/categories/metafields", {}, "categories_catalog.v3.yml", "/catalog/categories/metafields"),
    ("v3/catalog/brands/metafields", {}, "brands_catalog.v3.yml", "/catalog/brands/metafields"),
    ("v3/customers/metafields", {"limit": 250}, "customers.v3.yml", "/customers/metafields"),
    ("v3/orders/metafields", {"limit": 250}, "orders.v3.yml", "/orders/metafields"),
    ("v3/channels/metafields", {}, "channels.v3.yml", "/channels/metafields"),
    ("v3/inventory/locations/metafields", {}, "locations.v3.yml", "/inventory/locations/metafields"),
    ("v3/store/metafields", {}, "store_information.v3.yml", "/store/metafields"),
    ("v3/channels/1/listings", {"limit": 50}, "channels.v3.yml", "/channels/{channel_id}/listings"),
    ("v3/channels/2/listings", {"limit": 5, "after": "4"}, "channels.v3.yml", "/channels/{channel_id}/listings"),
    # customers and marketing
    ("v2/customer_groups", {}, "customers.v2.yml", "/customer_groups"),
    ("v2/customer_groups/count", {}, "customers.v2.yml", "/customer_groups/count"),
    ("v3/customers/subscribers", {"limit": 250}, "subscribers.v3.yml", "/customers/subscribers"),
    ("v3/customers/attributes", {}, "customers.v3.yml", "/customers/attributes"),
    ("v3/customers/attribute-values", {"limit": 250}, "customers.v3.yml", "/customers/attribute-values"),
    ("v3/segments", {}, "segments.v3.yml", "/segments"),
    ("v3/promotions", {}, "promotions.v3.yml", "/promotions"),
    ("v3/wishlists", {}, "wishlists.v3.yml", "/wishlists"),
    # store setup
    ("v3/inventory/locations", {}, "locations.v3.yml", "/inventory/locations"),
    ("v3/pickup/methods", {}, "pickup_methods.v3.yml", "/pickup/methods"),
    ("v2/shipping/zones", {}, "shipping.v2.yml", "/shipping/zones"),
    ("v2/shipping/zones/3/methods", {}, "shipping.v2.yml", "/shipping/zones/{zone_id}/methods"),
    ("v2/currencies", {}, "currencies.v2.yml", "/currencies"),
    ("v2/tax_classes", {}, "tax_classes.v2.yml", "/tax_classes"),
    ("v2/payments/methods", {}, "methods_payments.v2.yml", "/payments/methods"),
    ("v3/sites", {}, "sites.v3.yml", "/sites"),
    ("v3/storefront/redirects", {}, "redirects.v3.yml", "/storefront/redirects"),
    ("v2/countries", {}, "geography.v2.yml", "/countries"),
    ("v2/countries/count", {}, "geography.v2.yml", "/countries/count"),
    ("v2/blog/posts", {}, "store_content.v2.yml", "/blog/posts"),
    ("v2/blog/posts/count", {}, "store_content.v2.yml", "/blog/posts/count"),
    ("v3/store/systemlogs", {}, "store_logs.v3.yml", "/store/systemlogs"),
    # the children people ask for
    ("v3/catalog/products", {"include": "images,custom_fields", "limit": 50}, "products_catalog.v3.yml",
     "/catalog/products"),
    ("v3/catalog/products", {"include": "options,modifiers"}, "products_catalog.v3.yml", "/catalog/products"),
]  # fmt: skip
# One record by its path: what a deletion candidate is read back with.
SINGLE_RECORDS = [
    ("v2/customer_groups/2", "customers.v2.yml", "/customer_groups/{customer_group_id}"),
    ("v3/wishlists/3", "wishlists.v3.yml", "/wishlists/{wishlist_id}"),
    ("v3/sites/1", "sites.v3.yml", "/sites/{site_id}"),
    ("v2/blog/posts/4", "store_content.v2.yml", "/blog/posts/{id}"),
]
# Lists per parent record: (path template, parents, OpenAPI file, path in that file).
PER_PARENT = [
    ("v2/orders/{}/coupons", range(100, 160), "orders.v2.oas2.yml", "/orders/{order_id}/coupons"),
    ("v2/orders/{}/shipments", range(100, 160), "orders.v2.oas2.yml", "/orders/{order_id}/shipments"),
    ("v2/orders/{}/taxes", range(100, 160), "orders.v2.oas2.yml", "/orders/{order_id}/taxes"),
    (
        "v3/catalog/products/{}/reviews",
        range(1, 40),
        "products_catalog.v3.yml",
        "/catalog/products/{product_id}/reviews",
    ),
]


@pytest.mark.parametrize(("path", "params", "spec", "spec_path"), ENDPOINTS, ids=[e[0] + str(e[1]) for e in ENDPOINTS])
def test_endpoint_answer_matches_official_schema(client, openapi, path, params, spec, spec_path):
    response = client.get(path, **params)

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    openapi.assert_valid(openapi.response_validator(spec, spec_path), response.json())


@pytest.mark.parametrize(("path", "spec", "spec_path"), SINGLE_RECORDS, ids=[e[0] for e in SINGLE_RECORDS])
def test_one_record_by_its_path_matches_official_schema(client, openapi, path, spec, spec_path):
    response = client.get(path)

    assert response.status_code == 200, response.text
    openapi.assert_valid(openapi.response_validator(spec, spec_path), response.json())


@pytest.mark.parametrize(("template", "parents", "spec", "spec_path"), PER_PARENT, ids=[e[0] for e in PER_PARENT])
def test_lists_per_parent_match_official_schema_and_answer_nothing_with_204_or_an_empty_page(
    client, openapi, template, parents, spec, spec_path
):
    validator = openapi.response_validator(spec, spec_path)
    answered = 0
    for parent in parents:
        response = client.get(template.format(parent))
        if response.status_code == 204:
            assert response.content == b"" and template.startswith("v2/")
            continue
        assert response.status_code == 200, response.text
        openapi.assert_valid(validator, response.json())
        answered += bool(response.json() if template.startswith("v2/") else response.json()["data"])
    assert answered >= 5


def test_v2_order_with_inline_line_items_matches_official_schema(client, openapi):
    response = client.get("v2/orders", limit=50, include="consignments.line_items", consignment_structure="object")
    orders = response.json()

    openapi.assert_valid(openapi.response_validator("orders.v2.oas2.yml", "/orders"), orders)
    # The spec's oneOf alternatives overlap (see conftest), so also pin the exact shapes the API promises:
    consignments = openapi.schema_validator("orders.v2.oas2.yml", "orderConsignment_Get")
    line_item = openapi.schema_validator("orders.v2.oas2.yml", "orderProducts")  # additionalProperties: false
    for order in orders:
        openapi.assert_valid(consignments, order["consignments"])
        for shipping in order["consignments"]["shipping"]:
            assert shipping["line_items"], order["id"]
            for line in shipping["line_items"]:
                openapi.assert_valid(line_item, line)


def test_v3_transactions_answer_matches_official_schema(client, openapi):
    validator = openapi.response_validator("orders.v3.yml", "/orders/{order_id}/transactions")
    seen = 0
    for order_id in range(100, 140):
        response = client.get(f"v3/orders/{order_id}/transactions")
        if response.status_code == 200:
            openapi.assert_valid(validator, response.json())
            seen += 1
        else:
            assert response.status_code == 204 and response.content == b""
    assert seen > 10


def test_v2_order_single_matches_official_schema(client, openapi):
    response = client.get("v2/orders/150")

    assert response.status_code == 200
    openapi.assert_valid(openapi.schema_validator("orders.v2.oas2.yml", "order_Resp"), response.json())


def test_v2_bodies_write_money_as_strings_and_dates_in_rfc_2822(client):
    order = client.get("v2/orders", limit=1).json()[0]

    assert order["total_inc_tax"].count(".") == 1 and len(order["total_inc_tax"].split(".")[1]) == 4
    assert order["date_modified"].endswith(" +0000") and order["date_modified"][3:5] == ", "
    assert order["products"]["resource"] == f"/orders/{order['id']}/products"
    assert (
        order["products"]["url"] == f"{client.sb.base_url}/stores/{client.sb.store_id}/v2/orders/{order['id']}/products"
    )


def test_v3_bodies_write_dates_in_iso_8601_and_money_as_numbers(client):
    product = client.get("v3/catalog/products", limit=1).json()["data"][0]

    assert product["date_modified"].endswith("+00:00") and product["date_modified"][10] == "T"
    assert isinstance(product["price"], float)


def test_schema_check_rejects_a_record_that_breaks_the_spec(client, openapi):
    """The validation above has teeth: a v2 line item with a field the spec forbids, or money as a number."""
    line = client.get("v2/orders/100/products").json()[0]
    validator = openapi.schema_validator("orders.v2.oas2.yml", "orderProducts")

    assert list(validator.iter_errors({**line, "unexpected": 1}))
    assert list(validator.iter_errors({**line, "price_ex_tax": 12.5}))


def test_archived_orders_answer_matches_official_schema_and_say_so(sandbox, client, openapi):
    sandbox.changes.plan("v2/orders", after=0, delete=[104, 230])

    response = client.get(
        "v2/orders", is_deleted="true", include="consignments.line_items", consignment_structure="object"
    )

    assert response.status_code == 200
    orders = response.json()
    openapi.assert_valid(openapi.response_validator("orders.v2.oas2.yml", "/orders"), orders)
    assert [(order["id"], order["is_deleted"]) for order in orders] == [(104, True), (230, True)]
    assert 104 not in {order["id"] for order in client.get("v2/orders", limit=250).json()}


def _kinds_store(make_sandbox, reading):
    return make_sandbox(
        seed=7, orders=120, products=40, customers=40, consignment_kinds=True, digital_line_items=reading
    )


def _one_object_read_as_list(consignments):
    """The consignments with each download's and gift certificate's ``line_items`` object put back in a list:
    the shape the schema declares, so everything else about them is still checked against it."""
    digital = [*consignments["downloads"], *consignments["email"]["gift_certificates"]]
    for consignment in digital:
        assert isinstance(consignment["line_items"], dict), consignment
    return {
        **consignments,
        "downloads": [{**c, "line_items": [c["line_items"]]} for c in consignments["downloads"]],
        "email": {
            "gift_certificates": [
                {**c, "line_items": [c["line_items"]]} for c in consignments["email"]["gift_certificates"]
            ]
        },
    }


@pytest.mark.parametrize("reading", ["list", "object"])
@pytest.mark.parametrize("include", ["consignments.line_items", "consignments"])
def test_orders_with_every_consignment_kind_match_official_schema(
    make_sandbox, store_client, openapi, reading, include
):
    client = store_client(_kinds_store(make_sandbox, reading))
    orders = client.get("v2/orders", limit=250, include=include, consignment_structure="object").json()

    openapi.assert_valid(openapi.response_validator("orders.v2.oas2.yml", "/orders"), orders)
    consignments_schema = openapi.schema_validator("orders.v2.oas2.yml", "orderConsignment_Get")
    line_schema = openapi.schema_validator(
        "orders.v2.oas2.yml", "orderProducts" if include == "consignments.line_items" else "products_Resource"
    )
    kinds = set()
    for order in orders:
        consignments = order["consignments"]
        as_declared = _one_object_read_as_list(consignments) if reading == "object" else consignments
        openapi.assert_valid(consignments_schema, as_declared)
        held = {
            "shipping": consignments["shipping"],
            "pickups": consignments["pickups"],
            "downloads": as_declared["downloads"],
            "gift_certificates": as_declared["email"]["gift_certificates"],
        }
        for kind, found in held.items():
            for consignment in found:
                kinds.add(kind)
                for line in consignment["line_items"]:
                    openapi.assert_valid(line_schema, line)
        assert len(consignments["pickups"]) <= 1 and len(consignments["downloads"]) <= 1
    assert kinds == {"shipping", "pickups", "downloads", "gift_certificates"}


def test_the_spec_writes_digital_line_items_as_one_object_in_its_examples_and_as_a_list_in_its_schema(openapi):
    """Both readings of the lookalike's ``digital_line_items`` come from orders.v2.oas2.yml itself: its
    ``orderConsignment_Get`` examples give a download's and a gift certificate's ``line_items`` as one object,
    which its own schema (an array) rejects; the shipping and pickup examples are lists."""
    validator = openapi.schema_validator("orders.v2.oas2.yml", "orderConsignment_Get")
    examples = openapi.schema("orders.v2.oas2.yml", "orderConsignment_Get")["x-examples"]

    rejected = {
        name: sorted(tuple(error.absolute_path) for error in validator.iter_errors(example))
        for name, example in examples.items()
    }

    assert rejected == {
        "order with pickup consignments": [],
        "order with shipping consignments": [],
        "order with digital consignments": [("downloads", 0, "line_items")],
        "order with gift certificate consignments": [("email", "gift_certificates", 0, "line_items")],
    }


def test_line_items_of_every_kind_match_official_schema_and_only_shipped_orders_have_an_address(
    make_sandbox, store_client, openapi
):
    client = store_client(_kinds_store(make_sandbox, "list"))
    products = openapi.response_validator("orders.v2.oas2.yml", "/orders/{order_id}/products")
    types, shipped = set(), []
    for order_id in range(100, 130):
        lines = client.get(f"v2/orders/{order_id}/products").json()
        openapi.assert_valid(products, lines)
        types |= {
            (line["type"], bool(line["order_pickup_method_id"]), bool(line["gift_certificate_id"])) for line in lines
        }
        addresses = client.get(f"v2/orders/{order_id}/shipping_addresses")
        ships = any(line["type"] == "physical" and not line["order_pickup_method_id"] for line in lines)
        assert addresses.status_code == (200 if ships else 204), order_id
        shipped.append(ships)
    assert types == {
        ("physical", False, False),
        ("physical", True, False),
        ("digital", False, False),
        ("giftcertificate", False, True),
    }
    assert any(shipped) and not all(shipped)
