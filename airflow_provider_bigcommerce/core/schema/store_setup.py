"""The declared schemas of the store's setup: locations, pickup methods, shipping zones and methods, currencies,
tax classes, payment methods, sites, redirects, countries, blog posts, system logs (merged into
``catalogue.SCHEMAS``; type rules there)."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.schema.declare import declared
from airflow_provider_bigcommerce.core.schema.records import RecordSchema, SpecSource

_SHIPPING = "shipping.v2.yml"

STORE_SETUP_SCHEMAS: tuple[RecordSchema, ...] = (
    declared(
        "locations",
        SpecSource("locations.v3.yml", "/inventory/locations"),
        integer="id",
        timestamp="created_at updated_at",
        boolean="enabled managed_by_external_source storefront_visibility",
        string="code label description type_id time_zone",
        json="address operating_hours special_hours",
    ),
    declared(
        "pickup_methods",
        SpecSource("pickup_methods.v3.yml", "/pickup/methods"),
        integer="id location_id location_identity",
        timestamp="date_created date_modified",
        string="display_name collection_instructions collection_time_description",
    ),
    declared(
        "shipping_zones",
        SpecSource(_SHIPPING, "/shipping/zones"),
        integer="id",
        boolean="enabled",
        string="name type",
        json="locations free_shipping handling_fees",
    ),
    declared(
        "shipping_methods",
        SpecSource(_SHIPPING, "/shipping/zones/{zone_id}/methods"),
        # A method does not name its zone: the export adds it (core/export/resources.py). shipping.v2.yml does not
        # say a method's id is unique beyond its zone (every path to one names the zone), so the zone is in the key.
        key=("zone_id", "id"),
        added="zone_id",
        integer="zone_id id",
        boolean="enabled is_fallback",
        string="name type",
        json="settings handling_fees channel_ids",
    ),
    declared(
        "currencies",
        SpecSource("currencies.v2.yml", "/currencies"),
        integer="id decimal_places",
        timestamp="last_updated",
        rate="currency_exchange_rate",  # v2 text (``"0.849"``, the lookalike ``"1.0000000000"``): exact
        boolean="is_default auto_update enabled is_transactional use_default_name",
        string="name currency_code country_iso2 token token_location decimal_token thousands_token",
        json="default_for_country_codes",
    ),
    declared(
        "tax_classes",
        # tax_classes.v2.yml writes the id as text (``'1'``); products and orders name a tax class by an integer
        # (``tax_class_id``), so it is one here too and joins them.
        SpecSource("tax_classes.v2.yml", "/tax_classes"),
        integer="id",
        timestamp="created_at updated_at",
        string="name",
    ),
    declared(
        "payment_methods",
        SpecSource("methods_payments.v2.yml", "/payments/methods"),
        key=("code",),  # a method has no id: its code (``squarev2``) tells it apart
        boolean="test_mode",
        string="code name",
    ),
    declared(
        "sites",
        SpecSource("sites.v3.yml", "/sites"),
        integer="id channel_id",
        timestamp="created_at updated_at",  # ISO 8601 in the file's examples (``2022-01-04T04:15:50.000Z``)
        boolean="is_checkout_url_customized",
        string="url ssl_status",
        json="urls",
    ),
    declared(
        "redirects",
        SpecSource("redirects.v3.yml", "/storefront/redirects"),
        integer="id site_id",
        string="from_path to_url",
        json="to",
    ),
    declared(
        "countries",
        SpecSource("geography.v2.yml", "/countries"),
        integer="id",
        string="country country_iso2 country_iso3",
        json="states",  # a link to the country's states ({url, resource}), not the states
    ),
    declared(
        "blog_posts",
        SpecSource("store_content.v2.yml", "/blog/posts"),
        integer="id",
        # ISO 8601 in the file's responses (``2018-05-18T13:26:42+0000``); its field example (``5/18/2023
        # 1:26:42 PM``) is not, and a value written that way is kept in _extra, not guessed at.
        timestamp="published_date_iso8601",
        boolean="is_published",
        string="title url preview_url body summary meta_description meta_keywords author thumbnail_path",
        json="tags published_date",
    ),
    declared(
        "store_logs",
        SpecSource("store_logs.v3.yml", "/store/systemlogs"),
        integer="id",
        timestamp="date_created",
        # severity is text in the record (store_logs.v3.yml), though ``severity:min`` filters it as an integer
        string="type module severity summary message",
    ),
)
