"""The declared schemas of the lists read per parent or inline with it: an order's coupons, shipments and taxes, a
channel's listings, a product's images, custom fields, options, modifiers and reviews (merged into
``catalogue.SCHEMAS``; type rules there)."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.schema.declare import declared
from airflow_provider_bigcommerce.core.schema.records import RecordSchema, SpecSource

_ORDERS_V2 = "orders.v2.oas2.yml"
_PRODUCTS = SpecSource("products_catalog.v3.yml", "/catalog/products")

CHILDREN_SCHEMAS: tuple[RecordSchema, ...] = (
    declared(
        "channel_listings",
        SpecSource("channels.v3.yml", "/channels/{channel_id}/listings"),
        # channels.v3.yml does not say a listing's id is unique beyond its channel: the channel is in the key
        key=("channel_id", "listing_id"),
        integer="channel_id listing_id product_id",
        timestamp="date_created date_modified",
        string="external_id state name description",
        json="variants",
    ),
    declared(
        "order_coupons",
        SpecSource(_ORDERS_V2, "/orders/{order_id}/coupons"),
        integer="id coupon_id order_id type",
        money="amount discount",  # amount: number or text (``format: float``); discount: a number (``2.7``)
        string="code",
    ),
    declared(
        "order_shipments",
        SpecSource(_ORDERS_V2, "/orders/{order_id}/shipments"),
        integer="id order_id customer_id order_address_id",
        timestamp="date_created",
        money="merchant_shipping_cost",
        string="tracking_number shipping_method shipping_provider shipping_provider_display_name tracking_carrier "
        "tracking_link generated_tracking_link comments",
        json="billing_address shipping_address items",
    ),
    declared(
        "order_taxes",
        SpecSource(_ORDERS_V2, "/orders/{order_id}/taxes"),
        # priority and order_pickup_method_id are numbers in the file, order_product_id text (``"1"``): whole
        # numbers all, read as integers
        integer="id order_id order_address_id tax_rate_id tax_class_id order_pickup_method_id order_product_id "
        "priority",
        # rate is a percentage written like money (``"8.0000"``): kept exact at the same scale
        money="rate priority_amount line_amount",
        string="name class sales_tax_id line_item_type",
    ),
    declared(
        "product_images",
        SpecSource(_PRODUCTS.file, _PRODUCTS.path, ("images",)),
        integer="id product_id sort_order",
        timestamp="date_modified",
        boolean="is_thumbnail",
        string="description image_url url_zoom url_standard url_thumbnail url_tiny",
    ),
    declared(
        "product_custom_fields",
        SpecSource(_PRODUCTS.file, _PRODUCTS.path, ("custom_fields",)),
        # a custom field does not name its product (``productCustomField_Full``): core/export/product_parts.py adds it
        added="product_id",
        integer="id product_id",
        string="name value",
    ),
    declared(
        "product_options",
        SpecSource(_PRODUCTS.file, _PRODUCTS.path, ("options",)),
        integer="id product_id sort_order",
        string="display_name type",
        json="config option_values",
    ),
    declared(
        "product_modifiers",
        SpecSource(_PRODUCTS.file, _PRODUCTS.path, ("modifiers",)),
        integer="id product_id sort_order",
        boolean="required",
        string="name display_name type",
        json="config option_values",
    ),
    declared(
        "product_reviews",
        SpecSource(_PRODUCTS.file, "/catalog/products/{product_id}/reviews"),
        added="product_id",  # a review does not name its product: the export adds it (core/export/resources.py)
        integer="id product_id rating",
        timestamp="date_reviewed date_created date_modified",
        string="title text status email name",
    ),
)
