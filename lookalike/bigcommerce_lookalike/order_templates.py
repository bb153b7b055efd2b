"""The JSON shapes of v2 orders and their parts, and of v3 order transactions, as templates.

Field lists follow the official OpenAPI files (orders.v2.oas2.yml, orders.v3.yml); values are filled in by
``orders.OrderBook``. See ``json_template`` for why records are templates rather than dicts.
"""

from __future__ import annotations

from bigcommerce_lookalike.customers import Person
from bigcommerce_lookalike.json_template import JsonTemplate, decimal, flag, integer, raw, text

ZERO = "0.0000"


def resource(prefix: str) -> dict:
    """A v2 sub-resource link ``{"url", "resource"}``; its values are slots named ``{prefix}_url/_resource``."""
    return {"url": text(f"{prefix}_url"), "resource": text(f"{prefix}_resource")}


def address(prefix: str) -> dict:
    """The v2 address fields of a person (``shippingAddress_Base``), as slots."""
    return {
        "first_name": text(f"{prefix}first_name"),
        "last_name": text(f"{prefix}last_name"),
        "company": text(f"{prefix}company"),
        "street_1": text(f"{prefix}street_1"),
        "street_2": "",
        "city": text(f"{prefix}city"),
        "state": text(f"{prefix}state"),
        "zip": text(f"{prefix}zip"),
        "country": text(f"{prefix}country"),
        "country_iso2": text(f"{prefix}country_iso2"),
        "phone": text(f"{prefix}phone"),
        "email": text(f"{prefix}email"),
    }


def address_values(person: Person, prefix: str) -> dict:
    return {
        f"{prefix}first_name": person.first_name,
        f"{prefix}last_name": person.last_name,
        f"{prefix}company": person.company,
        f"{prefix}street_1": person.street_1,
        f"{prefix}city": person.city,
        f"{prefix}state": person.state,
        f"{prefix}zip": person.zip,
        f"{prefix}country": person.country,
        f"{prefix}country_iso2": person.country_iso2,
        f"{prefix}phone": person.phone,
        f"{prefix}email": person.email,
    }


# orders.v2.oas2.yml ``order_Resp`` (the fields of the spec's example response, in its order).
ORDER = JsonTemplate(
    {
        "id": integer("id"),
        "customer_id": integer("customer_id"),
        "date_created": text("date_created"),
        "date_modified": text("date_modified"),
        "date_shipped": text("date_shipped"),
        "status_id": integer("status_id"),
        "status": text("status"),
        "custom_status": text("status"),
        "subtotal_ex_tax": text("subtotal_ex_tax"),
        "subtotal_inc_tax": text("subtotal_inc_tax"),
        "subtotal_tax": text("tax"),
        "base_shipping_cost": text("shipping"),
        "shipping_cost_ex_tax": text("shipping"),
        "shipping_cost_inc_tax": text("shipping"),
        "shipping_cost_tax": ZERO,
        "shipping_cost_tax_class_id": 2,
        "base_handling_cost": ZERO,
        "handling_cost_ex_tax": ZERO,
        "handling_cost_inc_tax": ZERO,
        "handling_cost_tax": ZERO,
        "handling_cost_tax_class_id": 2,
        "base_wrapping_cost": ZERO,
        "wrapping_cost_ex_tax": ZERO,
        "wrapping_cost_inc_tax": ZERO,
        "wrapping_cost_tax": ZERO,
        "wrapping_cost_tax_class_id": 3,
        "total_ex_tax": text("total_ex_tax"),
        "total_inc_tax": text("total_inc_tax"),
        "total_tax": text("tax"),
        "is_tax_inclusive_pricing": False,
        "items_total": integer("items_total"),
        "items_shipped": integer("items_shipped"),
        "payment_method": text("payment_method"),
        "payment_provider_id": "",
        "payment_status": text("payment_status"),
        "refunded_amount": text("refunded_amount"),
        "order_is_digital": flag("order_is_digital"),
        "store_credit_amount": ZERO,
        "gift_certificate_amount": ZERO,
        "ip_address": text("ip_address"),
        "ip_address_v6": "",
        "geoip_country": text("billing_country"),
        "geoip_country_iso2": text("billing_country_iso2"),
        "currency_id": 1,
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": "USD",
        "store_default_currency_code": "USD",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": "",
        "customer_message": "",
        "discount_amount": ZERO,
        "coupon_discount": ZERO,
        "shipping_address_count": integer("shipping_address_count"),
        "is_deleted": False,
        "ebay_order_id": "0",
        "cart_id": text("cart_id"),
        "billing_address": {**address("billing_"), "form_fields": []},
        "is_email_opt_in": False,
        "credit_card_type": None,
        "order_source": "www",
        "channel_id": 1,
        "external_source": None,
        "products": resource("products"),
        "shipping_addresses": resource("shipping_addresses"),
        "coupons": resource("coupons"),
        "external_id": None,
        "external_merchant_id": None,
        "tax_provider_id": "BasicTaxProvider",
        "customer_locale": "en",
        "external_order_id": "",
    }
)

# orders.v2.oas2.yml ``orderProducts`` (additionalProperties: false, so nothing beyond the spec).
LINE = JsonTemplate(
    {
        "id": integer("id"),
        "order_id": integer("order_id"),
        "product_id": integer("product_id"),
        "variant_id": integer("variant_id"),
        "order_pickup_method_id": integer("order_pickup_method_id"),
        "order_address_id": integer("order_address_id"),
        "name": text("name"),
        "name_customer": text("name"),
        "name_merchant": text("name"),
        "sku": text("sku"),
        "upc": "",
        "type": text("type"),
        "base_price": text("price_ex_tax"),
        "price_ex_tax": text("price_ex_tax"),
        "price_inc_tax": text("price_inc_tax"),
        "price_tax": text("price_tax"),
        "base_total": text("total_ex_tax"),
        "total_ex_tax": text("total_ex_tax"),
        "total_inc_tax": text("total_inc_tax"),
        "total_tax": text("total_tax"),
        "quantity": integer("quantity"),
        "base_cost_price": text("cost_price"),
        "cost_price_inc_tax": text("cost_price"),
        "cost_price_ex_tax": text("cost_price"),
        "cost_price_tax": ZERO,
        "weight": decimal("weight"),
        "width": ZERO,
        "height": ZERO,
        "depth": ZERO,
        "is_refunded": flag("is_refunded"),
        "quantity_refunded": integer("quantity_refunded"),
        "refund_amount": ZERO,
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": None,
        "base_wrapping_cost": ZERO,
        "wrapping_cost_ex_tax": ZERO,
        "wrapping_cost_inc_tax": ZERO,
        "wrapping_cost_tax": ZERO,
        "wrapping_message": "",
        "quantity_shipped": integer("quantity_shipped"),
        "event_name": None,
        "event_date": None,
        "fixed_shipping_cost": ZERO,
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": "",
        "external_id": None,
        "brand": text("brand"),
        "applied_discounts": [],
        "product_options": [],
        "configurable_fields": [],
        "gift_certificate_id": raw("gift_certificate_id"),
        "discounted_total_inc_tax": text("total_inc_tax"),
    }
)

# orders.v2.oas2.yml ``orderShippingAddress``.
SHIPPING_ADDRESS = JsonTemplate(
    {
        "id": integer("id"),
        "order_id": integer("order_id"),
        **address(""),
        "items_total": integer("items_total"),
        "items_shipped": integer("items_shipped"),
        "shipping_method": text("shipping_method"),
        "base_cost": text("cost"),
        "cost_ex_tax": text("cost"),
        "cost_inc_tax": text("cost"),
        "cost_tax": ZERO,
        "cost_tax_class_id": 2,
        "base_handling_cost": ZERO,
        "handling_cost_ex_tax": ZERO,
        "handling_cost_inc_tax": ZERO,
        "handling_cost_tax": ZERO,
        "handling_cost_tax_class_id": 2,
        "shipping_zone_id": integer("shipping_zone_id"),
        "shipping_zone_name": text("shipping_zone_name"),
        "form_fields": [],
        "shipping_quotes": resource("shipping_quotes"),
    }
)

# orders.v2.oas2.yml ``orderConsignment_Get``: each kind a list of consignments, gift certificates under ``email``.
CONSIGNMENTS = JsonTemplate(
    {
        "pickups": raw("pickups"),
        "shipping": raw("shipping"),
        "downloads": raw("downloads"),
        "email": {"gift_certificates": raw("gift_certificates")},
    }
)

# orders.v2.oas2.yml ``shippingConsignment_Get`` (costs are numbers here).
SHIPPING_CONSIGNMENT = JsonTemplate(
    {
        "id": integer("id"),
        **address(""),
        "form_fields": [],
        "line_items": raw("line_items"),
        "items_total": integer("items_total"),
        "items_shipped": integer("items_shipped"),
        "shipping_method": text("shipping_method"),
        "base_cost": decimal("cost"),
        "cost_ex_tax": decimal("cost"),
        "cost_inc_tax": decimal("cost"),
        "cost_tax": 0,
        "cost_tax_class_id": 2,
        "base_handling_cost": 0,
        "handling_cost_ex_tax": 0,
        "handling_cost_inc_tax": 0,
        "handling_cost_tax": 0,
        "handling_cost_tax_class_id": 2,
        "shipping_zone_id": integer("shipping_zone_id"),
        "shipping_zone_name": text("shipping_zone_name"),
        "shipping_quotes": resource("shipping_quotes"),
    }
)

# orders.v2.oas2.yml ``pickupConsignmentLocation_Base``, the order of ``vocabulary.PICKUP_LOCATIONS``.
PICKUP_LOCATION_FIELDS = (
    "name",
    "code",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "postal_code",
    "country_alpha2",
    "email",
    "phone",
)

# orders.v2.oas2.yml ``pickupConsignment_Get`` with its ``pickupConsignmentLocation_Get``.
PICKUP_CONSIGNMENT = JsonTemplate(
    {
        "id": integer("id"),
        "pickup_method_id": integer("pickup_method_id"),
        "pickup_method_display_name": text("pickup_method_display_name"),
        "collection_instructions": text("collection_instructions"),
        "collection_time_description": text("collection_time_description"),
        "location": {
            "id": integer("location_id"),
            **{name: text(f"location_{name}") for name in PICKUP_LOCATION_FIELDS},
        },
        "line_items": raw("line_items"),
    }
)

# orders.v2.oas2.yml ``digitalConsignment_Get`` and ``giftCertificateConsignment_Get``: the same two fields.
RECIPIENT_CONSIGNMENT = JsonTemplate({"recipient_email": text("recipient_email"), "line_items": raw("line_items")})

LINE_RESOURCE = JsonTemplate(resource("line"))

# orders.v3.yml ``Transaction``.
TRANSACTION = JsonTemplate(
    {
        "id": integer("id"),
        "order_id": text("order_id"),
        "event": text("event"),
        "method": text("method"),
        "amount": decimal("amount"),
        "currency": "USD",
        "gateway": text("gateway"),
        "gateway_transaction_id": text("gateway_transaction_id"),
        "payment_method_id": text("payment_method_id"),
        "date_created": text("date_created"),
        "test": False,
        "status": "ok",
        "fraud_review": False,
        "reference_transaction_id": integer("reference_transaction_id"),
        "offline": None,
        "custom": None,
        "payment_instrument_token": None,
        "provider_instrument_token": None,
        "provider_customer_id": None,
        "avs_result": {
            "code": "Y",
            "message": "Street address and postal code match",
            "street_match": "Y",
            "postal_match": "Y",
        },
        "cvv_result": {"code": "M", "message": "CVV matches"},
        "gift_certificate": None,
        "store_credit": None,
    }
)
