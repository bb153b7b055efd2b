"""The declared record schema of every catalogue resource (``SCHEMAS``), field by field from the official files.

Each schema names the list it is documented by (``SpecSource``); tests/core/test_schema_spec.py checks every one
against that list's response schema: every documented field declared, none invented, each type one the file's
type allows. How the types are chosen:

- ids and counts are ``integer``, also where a file declares a ``number`` (v2 ``customer_id``, ``items_total``)
  or a ``string`` (the v3 transactions' ``order_id``);
- money is ``decimal(20,4)``: v2 strings have 4 decimals (``"336.3200"``); v3 numbers are the same amounts; v2
  exchange rates (``"1.0000000000"``) are ``decimal(28,10)``; measures that are not money (weight, width) are
  ``number``, except v2 dimensions, written like money (``"1.0000"``), which stay exact;
- dates are ``timestamp`` (UTC), an order line's ``event_date`` (``format: date``) a ``date``;
- nested objects and lists are ``json`` (``core.schema.types`` says why).

Columns come in the order declared: the key first, then by type. The lists added to the catalogue later are
declared by subject and merged here: ``metafields`` (nine collections, one shape), ``customers_marketing``,
``store_setup``, ``children`` (an order's, a channel's and a product's lists).
"""

from __future__ import annotations

from airflow_provider_bigcommerce.core.export.resources import RESOURCES, Resource
from airflow_provider_bigcommerce.core.schema.children import CHILDREN_SCHEMAS
from airflow_provider_bigcommerce.core.schema.customers_marketing import CUSTOMERS_MARKETING_SCHEMAS
from airflow_provider_bigcommerce.core.schema.declare import declared
from airflow_provider_bigcommerce.core.schema.metafields import METAFIELD_SCHEMAS
from airflow_provider_bigcommerce.core.schema.records import RecordSchema, SpecSource
from airflow_provider_bigcommerce.core.schema.store_setup import STORE_SETUP_SCHEMAS

_ORDERS = SpecSource("orders.v2.oas2.yml", "/orders")
# The line items every kind of consignment carries inline are the same orderProducts record (orders.v2.oas2.yml).
_LINE_ITEM = dict(
    integer="id order_id product_id variant_id order_pickup_method_id order_address_id quantity quantity_refunded "
    "quantity_shipped return_id wrapping_id option_set_id parent_order_product_id gift_certificate_id",
    money="base_price price_ex_tax price_inc_tax price_tax base_total total_ex_tax total_inc_tax total_tax "
    "base_cost_price cost_price_inc_tax cost_price_ex_tax cost_price_tax refund_amount base_wrapping_cost "
    "wrapping_cost_ex_tax wrapping_cost_inc_tax wrapping_cost_tax fixed_shipping_cost discounted_total_inc_tax "
    "weight width height depth",
    date="event_date",
    boolean="is_refunded is_bundled_product",
    string="name sku type wrapping_name wrapping_message event_name ebay_item_id ebay_transaction_id "
    "bin_picking_number external_id brand upc name_customer name_merchant consignment_kind",
    json="applied_discounts product_options configurable_fields pickup_location",
)

SCHEMAS: dict[str, RecordSchema] = {
    schema.resource: schema
    for schema in (
        declared(
            "orders",
            _ORDERS,
            integer="id customer_id status_id channel_id currency_id default_currency_id shipping_cost_tax_class_id "
            "handling_cost_tax_class_id wrapping_cost_tax_class_id shipping_address_count items_total items_shipped",
            timestamp="date_created date_modified date_shipped",
            money="subtotal_ex_tax subtotal_inc_tax subtotal_tax base_shipping_cost shipping_cost_ex_tax "
            "shipping_cost_inc_tax shipping_cost_tax base_handling_cost handling_cost_ex_tax handling_cost_inc_tax "
            "handling_cost_tax base_wrapping_cost wrapping_cost_ex_tax wrapping_cost_inc_tax wrapping_cost_tax "
            "total_ex_tax total_inc_tax total_tax refunded_amount store_credit_amount gift_certificate_amount "
            "discount_amount coupon_discount",
            rate="currency_exchange_rate store_default_to_transactional_exchange_rate",
            boolean="is_deleted is_tax_inclusive_pricing is_email_opt_in order_is_digital",
            string="status payment_status payment_method payment_provider_id cart_id currency_code "
            "default_currency_code store_default_currency_code order_source customer_message staff_notes "
            "ebay_order_id external_id external_merchant_id external_source external_order_id geoip_country "
            "geoip_country_iso2 ip_address ip_address_v6 tax_provider_id customer_locale",
            json="billing_address consignments fees products shipping_addresses coupons",
        ),
        declared(
            "order_shipping_addresses",
            SpecSource(_ORDERS.file, _ORDERS.path, ("consignments", "shipping")),
            added="order_id",
            omitted="line_items",
            integer="id order_id cost_tax_class_id handling_cost_tax_class_id shipping_zone_id items_total "
            "items_shipped",
            money="base_cost cost_ex_tax cost_inc_tax cost_tax base_handling_cost handling_cost_ex_tax "
            "handling_cost_inc_tax handling_cost_tax",
            string="first_name last_name company street_1 street_2 city zip country country_iso2 state email phone "
            "shipping_method shipping_zone_name",
            json="form_fields shipping_quotes",
        ),
        declared(
            "order_line_items",
            SpecSource(_ORDERS.file, _ORDERS.path, ("consignments", "shipping", "line_items")),
            added="consignment_kind pickup_location",
            **_LINE_ITEM,
        ),
        declared(
            "order_transactions",
            SpecSource("orders.v3.yml", "/orders/{order_id}/transactions"),
            key=("order_id", "id"),
            integer="order_id id reference_transaction_id",
            timestamp="date_created",
            money="amount",
            boolean="test fraud_review",
            string="event method currency gateway gateway_transaction_id status payment_method_id "
            "payment_instrument_token provider_instrument_token provider_customer_id",
            json="offline custom avs_result cvv_result credit_card gift_certificate store_credit "
            "custom_provider_field_result",
        ),
        declared(
            "order_refunds",
            SpecSource("orders.v3.yml", "/orders/payment_actions/refunds"),
            integer="id order_id user_id",
            timestamp="created",
            money="total_amount total_tax",
            boolean="uses_merchant_override_values",
            string="reason",
            json="items payments",
        ),
        declared(
            "products",
            SpecSource("products_catalog.v3.yml", "/catalog/products"),
            integer="id brand_id tax_class_id inventory_level inventory_warning_level sort_order "
            "order_quantity_minimum order_quantity_maximum view_count reviews_rating_sum reviews_count total_sold "
            "base_variant_id option_set_id",
            timestamp="date_created date_modified date_last_imported preorder_release_date",
            money="price cost_price retail_price sale_price map_price calculated_price fixed_cost_shipping_price",
            number="weight width depth height",
            boolean="is_visible is_featured is_free_shipping is_condition_shown is_preorder_only is_price_hidden "
            "open_graph_use_meta_description open_graph_use_product_name open_graph_use_image",
            string="name type sku description product_tax_code inventory_tracking warranty bin_picking_number "
            "layout_file upc gtin mpn search_keywords availability availability_description "
            "gift_wrapping_options_type condition page_title meta_description preorder_message price_hidden_label "
            "open_graph_type open_graph_title open_graph_description option_set_display",
            json="categories channels related_products gift_wrapping_options_list meta_keywords custom_url "
            "custom_fields bulk_pricing_rules images primary_image videos parent_relations options modifiers",
        ),
        declared(
            "variants",
            SpecSource("product-variants_catalog.v3.yml", "/catalog/variants"),
            integer="id product_id sku_id inventory_level inventory_warning_level",
            money="price cost_price sale_price retail_price calculated_price fixed_cost_shipping_price",
            number="weight width height depth",
            boolean="is_free_shipping purchasing_disabled",
            string="sku upc bin_picking_number purchasing_disabled_message",
            json="option_values",
        ),
        declared(
            "brands",
            SpecSource("brands_catalog.v3.yml", "/catalog/brands"),
            integer="id",
            string="name page_title meta_description search_keywords image_url",
            json="meta_keywords custom_url",
        ),
        declared(
            "categories",
            SpecSource("category-trees_catalog.v3.yml", "/catalog/trees/categories"),
            key=("category_id",),
            integer="category_id tree_id parent_id views sort_order",
            boolean="is_visible",
            string="name category_uuid description page_title meta_description layout_file image_url "
            "search_keywords default_product_sort",
            json="meta_keywords url",
        ),
        declared(
            "category_trees",
            SpecSource("category-trees_catalog.v3.yml", "/catalog/trees"),
            integer="id",
            string="name",
            json="channels",
        ),
        declared(
            "customers",
            SpecSource("customers.v3.yml", "/customers"),
            integer="id customer_group_id origin_channel_id address_count attribute_count",
            timestamp="date_created date_modified",
            boolean="accepts_product_review_abandoned_cart_emails",
            string="email first_name last_name company phone registration_ip_address notes tax_exempt_category",
            json="authentication addresses attributes form_fields store_credit_amounts channel_ids",
        ),
        declared(
            "customer_addresses",
            SpecSource("customers.v3.yml", "/customers/addresses"),
            integer="id customer_id",
            string="first_name last_name company address1 address2 city state_or_province postal_code country "
            "country_code phone address_type",
            json="form_fields",
        ),
        declared(
            "coupons",
            SpecSource("marketing.v2.yml", "/coupons"),
            integer="id num_uses max_uses max_uses_per_customer",
            timestamp="date_created expires",
            money="amount min_purchase",
            boolean="enabled",
            string="name type code",
            json="applies_to restricted_to shipping_methods",
        ),
        declared(
            "channels",
            SpecSource("channels.v3.yml", "/channels"),
            integer="id",
            timestamp="date_created date_modified",
            boolean="is_listable_from_ui is_enabled is_visible",
            string="name type platform status external_id icon_url",
        ),
        declared(
            "price_lists",
            SpecSource("price_lists.v3.yml", "/pricelists"),
            integer="id",
            timestamp="date_created date_modified",
            boolean="active",
            string="name",
        ),
        declared(
            "price_list_records",
            SpecSource("price_lists.v3.yml", "/pricelists/{price_list_id}/records"),
            key=("price_list_id", "variant_id", "currency"),  # a record has no id of its own
            integer="price_list_id variant_id product_id",
            timestamp="date_created date_modified",
            money="price sale_price retail_price map_price calculated_price",
            string="currency sku",
            json="bulk_pricing_tiers",
        ),
        declared(
            "inventory",
            SpecSource("inventory.v3.yml", "/inventory/items", ("identity",)),
            SpecSource("inventory.v3.yml", "/inventory/items", ("locations",)),
            key=("variant_id", "location_id"),
            integer="variant_id location_id product_id sku_id available_to_sell total_inventory_onhand",
            boolean="location_enabled",
            string="sku location_code location_name",
            json="settings",
        ),
        declared(
            "pages",
            SpecSource("pages.v3.yml", "/content/pages"),
            integer="id channel_id parent_id sort_order",
            boolean="is_visible is_homepage is_customers_only",
            string="name type url link meta_title meta_keywords meta_description search_keywords email "
            "contact_fields body content_type",
        ),
        declared(
            "store_information",
            SpecSource("store_information.v2.yml", "/store"),
            integer="store_id default_channel_id default_site_id decimal_places dimension_decimal_places",
            boolean="plan_is_trial is_price_entered_with_tax",
            string="id account_uuid domain secure_url control_panel_base_url status name first_name last_name "
            "address country country_code infrastructure_region phone admin_email order_email favicon_url language "
            "currency currency_symbol decimal_separator thousands_separator currency_symbol_location weight_units "
            "dimension_units dimension_decimal_token dimension_thousands_token plan_name plan_level industry",
            json="timezone logo active_comparison_modules features",
        ),
        *METAFIELD_SCHEMAS,
        *CUSTOMERS_MARKETING_SCHEMAS,
        *STORE_SETUP_SCHEMAS,
        *CHILDREN_SCHEMAS,
    )
}


def schema_of(resource: Resource) -> RecordSchema | None:
    """The declared schema of ``resource``: a catalogue resource read as the catalogue reads it (extra query
    parameters allowed); None for a list named by path, whose records nothing declares."""
    known = RESOURCES.get(resource.name)
    if known is None or (known.path, known.derive, known.fan_out) != (resource.path, resource.derive, resource.fan_out):
        return None
    return SCHEMAS.get(resource.name)
