"""The JSON shapes of the v3 catalog (products, variants, brands, tree categories), as templates.

Field lists follow the official OpenAPI files; values are filled in by ``catalog.Catalog``. See
``json_template`` for why records are templates rather than dicts.
"""

from __future__ import annotations

from bigcommerce_lookalike.json_template import JsonTemplate, decimal, flag, integer, raw, text

# products_catalog.v3.yml ``product_Full`` (as listed without ``include``).
PRODUCT = JsonTemplate(
    {
        "id": integer("id"),
        "name": text("name"),
        "type": "physical",
        "sku": text("sku"),
        "description": text("description"),
        "weight": decimal("weight"),
        "width": decimal("width"),
        "depth": decimal("depth"),
        "height": decimal("height"),
        "price": decimal("price"),
        "cost_price": decimal("cost_price"),
        "retail_price": decimal("retail_price"),
        "sale_price": 0.0,
        "map_price": 0.0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "calculated_price": decimal("price"),
        "categories": raw("categories"),
        "brand_id": integer("brand_id"),
        "option_set_id": integer("option_set_id"),
        "option_set_display": "right",
        "inventory_level": integer("inventory_level"),
        "inventory_warning_level": 5,
        "inventory_tracking": "product",
        "reviews_rating_sum": 0,
        "reviews_count": 0,
        "total_sold": integer("total_sold"),
        "fixed_cost_shipping_price": 0.0,
        "is_free_shipping": False,
        "is_visible": flag("is_visible"),
        "is_featured": flag("is_featured"),
        "related_products": [-1],
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": "",
        "mpn": "",
        "gtin": "",
        "search_keywords": "",
        "availability": "available",
        "availability_description": "",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": False,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "date_created": text("date_created"),
        "date_modified": text("date_modified"),
        "view_count": integer("view_count"),
        "preorder_release_date": None,
        "preorder_message": "",
        "is_preorder_only": False,
        "is_price_hidden": False,
        "price_hidden_label": "",
        "custom_url": {"url": text("url"), "is_customized": False},
        "base_variant_id": integer("base_variant_id"),
        "open_graph_type": "product",
        "open_graph_title": "",
        "open_graph_description": "",
        "open_graph_use_meta_description": True,
        "open_graph_use_product_name": True,
        "open_graph_use_image": True,
    }
)

# product-variants_catalog.v3.yml ``/catalog/variants`` items.
VARIANT = JsonTemplate(
    {
        "id": integer("id"),
        "product_id": integer("product_id"),
        "sku": text("sku"),
        "sku_id": integer("id"),
        "price": decimal("price"),
        "calculated_price": decimal("price"),
        "sale_price": 0.0,
        "retail_price": 0.0,
        "map_price": 0.0,
        "weight": decimal("weight"),
        "width": 0.0,
        "height": 0.0,
        "depth": 0.0,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": 0.0,
        "calculated_weight": decimal("weight"),
        "purchasing_disabled": False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "cost_price": decimal("cost_price"),
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": integer("inventory_level"),
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": raw("option_values"),
    }
)

# brands_catalog.v3.yml ``brand_Full``.
BRAND = JsonTemplate(
    {
        "id": integer("id"),
        "name": text("name"),
        "page_title": text("name"),
        "meta_keywords": [],
        "meta_description": "",
        "image_url": "",
        "search_keywords": "",
        "custom_url": {"url": text("url"), "is_customized": False},
    }
)

# category-trees_catalog.v3.yml ``GetCategories``.
CATEGORY = JsonTemplate(
    {
        "category_id": integer("category_id"),
        "category_uuid": text("category_uuid"),
        "parent_id": integer("parent_id"),
        "tree_id": integer("tree_id"),
        "name": text("name"),
        "description": "",
        "views": integer("views"),
        "sort_order": integer("sort_order"),
        "page_title": text("name"),
        "search_keywords": "",
        "meta_keywords": [],
        "meta_description": "",
        "layout_file": "category.html",
        "is_visible": True,
        "default_product_sort": "use_store_settings",
        "url": {"path": text("path"), "is_customized": False},
        "image_url": "",
    }
)
