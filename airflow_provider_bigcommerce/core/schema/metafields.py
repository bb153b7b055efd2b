"""The metafields of nine collections (``product_metafields``, ..., ``store_metafields``): one record shape,
declared once, each documented by its own collection-wide list.

Every file writes the same ``metafield_Full`` fields; store_information.v3.yml alone declares ``id`` and
``resource_id`` as strings (``resource_id: '0'``, the store). They are ids, so integers everywhere (a string of
digits is read as one, ``core.schema.types``), and every metafield table has the same columns.
"""

from __future__ import annotations

from airflow_provider_bigcommerce.core.schema.declare import declared
from airflow_provider_bigcommerce.core.schema.records import RecordSchema, SpecSource

_METAFIELD = dict(
    integer="id resource_id",
    timestamp="date_created date_modified",
    string="namespace key value description permission_set resource_type owner_client_id",
)

# The list each collection's metafields are read from (core/export/resources.py ``_METAFIELDS``).
_LISTS = {
    "product_metafields": SpecSource("products_catalog.v3.yml", "/catalog/products/metafields"),
    "variant_metafields": SpecSource("product-variants_catalog.v3.yml", "/catalog/variants/metafields"),
    "category_metafields": SpecSource("categories_catalog.v3.yml", "/catalog/categories/metafields"),
    "brand_metafields": SpecSource("brands_catalog.v3.yml", "/catalog/brands/metafields"),
    "customer_metafields": SpecSource("customers.v3.yml", "/customers/metafields"),
    "order_metafields": SpecSource("orders.v3.yml", "/orders/metafields"),
    "channel_metafields": SpecSource("channels.v3.yml", "/channels/metafields"),
    "location_metafields": SpecSource("locations.v3.yml", "/inventory/locations/metafields"),
    "store_metafields": SpecSource("store_information.v3.yml", "/store/metafields"),
}

METAFIELD_SCHEMAS: tuple[RecordSchema, ...] = tuple(
    declared(resource, source, **_METAFIELD) for resource, source in _LISTS.items()
)
