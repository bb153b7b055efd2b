"""The declared schemas of the customer and marketing lists: customer groups, subscribers, customer attributes and
their values, segments, promotions, wish lists (merged into ``catalogue.SCHEMAS``; type rules there)."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.schema.declare import declared
from airflow_provider_bigcommerce.core.schema.records import RecordSchema, SpecSource

CUSTOMERS_MARKETING_SCHEMAS: tuple[RecordSchema, ...] = (
    declared(
        "customer_groups",
        SpecSource("customers.v2.yml", "/customer_groups"),
        integer="id",
        # customers.v2.yml writes them without an offset (``2023-07-17 06:30:41``); read as UTC, as the window
        # filter reads them (core/export/windows.py ``record_moment``): the store's time zone is not stated.
        timestamp="date_created date_modified",
        boolean="is_default is_group_for_guests",
        string="name",
        json="category_access discount_rules",
    ),
    declared(
        "subscribers",
        SpecSource("subscribers.v3.yml", "/customers/subscribers"),
        integer="id order_id channel_id",
        timestamp="date_created date_modified",
        string="email first_name last_name source",
        json="consents",
    ),
    declared(
        "customer_attributes",
        SpecSource("customers.v3.yml", "/customers/attributes"),
        integer="id",
        timestamp="date_created date_modified",
        string="name type",
    ),
    declared(
        "customer_attribute_values",
        SpecSource("customers.v3.yml", "/customers/attribute-values"),
        integer="id attribute_id customer_id",
        timestamp="date_created date_modified",
        string="attribute_value",  # "always a string, regardless of the attribute's type" (customers.v3.yml)
    ),
    declared(
        "segments",
        SpecSource("segments.v3.yml", "/segments"),
        timestamp="created_at updated_at",
        string="id name description",  # a UUID (segments.v3.yml ``format: uuid``)
    ),
    declared(
        "promotions",
        SpecSource("promotions.v3.yml", "/promotions"),
        integer="id current_uses max_uses",
        timestamp="start_date end_date",  # ISO 8601 in the file's examples (``2005-12-30T01:02:03+00:00``)
        boolean="stop can_be_used_with_other_promotions coupon_overrides_other_promotions "
        "coupon_overrides_automatic_when_offering_higher_discounts",
        string="name display_name redemption_type status currency_code coupon_type created_from",
        json="channels customer rules notifications shipping_address schedule codes multiple_codes",
    ),
    declared(
        "wishlists",
        SpecSource("wishlists.v3.yml", "/wishlists"),
        integer="id customer_id",
        boolean="is_public",
        string="name token",
        json="items",
    ),
)
