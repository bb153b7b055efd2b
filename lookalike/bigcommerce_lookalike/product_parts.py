"""A product's parts: images, custom fields, options and modifiers (inline with the products list when ``include``
names them, products_catalog.v3.yml ``IncludeParamBase``) and its reviews (``/catalog/products/{id}/reviews``).

Everything derives from the seed and the product's id. The options are the "Size" option its variants already name
(``Catalog.variant_json``: option id = product id, value ids ``product_id * 10 + n``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bigcommerce_lookalike import vocabulary as words
from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.json_template import encode, with_member
from bigcommerce_lookalike.records import Records
from bigcommerce_lookalike.seeded import Draws

KIND_PARTS = 200
KIND_REVIEW = 201
INCLUDES = frozenset(("images", "custom_fields", "options", "modifiers"))
# products_catalog.v3.yml ``include``: "When you specify options or modifiers, results are limited to 10 per page."
NARROW_INCLUDES = frozenset(("options", "modifiers"))
NARROW_PAGE = 10
_FIELDS = (("Material", ("Cotton", "Linen", "Stoneware")), ("Origin", ("Portugal", "Japan", "Denmark")))
_REVIEW_TITLES = ("Love it", "Does the job", "Smaller than expected", "Beautiful finish")


class ProductParts:
    """The parts of the products of a ``Catalog``."""

    def __init__(self, seed: int, catalog: Catalog) -> None:
        self.seed, self.catalog = seed, catalog

    def with_parts(self, product: str, product_id: int, includes: Iterable[str]) -> str:
        """The product's JSON text with each member ``includes`` names (``INCLUDES``) added."""
        for member in sorted(set(includes) & INCLUDES):
            product = with_member(product, member, encode(getattr(self, member)(product_id)))
        return product

    def _modified(self, product_id: int) -> str:
        return iso8601(self.catalog.timeline.at(product_id - 1))

    def images(self, product_id: int) -> list[dict[str, Any]]:
        """``productImage_Full``: one to three, the first the thumbnail."""
        count = 1 + Draws(self.seed, KIND_PARTS, product_id).below(3)
        base = f"https://cdn.lookalike.example/products/{product_id}"
        return [
            {
                "id": product_id * 3 + number,
                "product_id": product_id,
                "is_thumbnail": number == 0,
                "sort_order": number,
                "description": f"View {number + 1}",
                "image_url": f"{base}/{number}.jpg",
                "url_zoom": f"{base}/{number}.1280.jpg",
                "url_standard": f"{base}/{number}.500.jpg",
                "url_thumbnail": f"{base}/{number}.220.jpg",
                "url_tiny": f"{base}/{number}.44.jpg",
                "date_modified": self._modified(product_id),
            }
            for number in range(count)
        ]

    def custom_fields(self, product_id: int) -> list[dict[str, Any]]:
        """``productCustomField_Full``: none, one or two (it names no product: the export adds ``product_id``)."""
        draws = Draws(self.seed, KIND_PARTS + 1, product_id)
        count = draws.below(3)
        return [
            {"id": product_id * 2 + number, "name": name, "value": draws.pick(values)}
            for number, (name, values) in enumerate(_FIELDS[:count])
        ]

    def options(self, product_id: int) -> list[dict[str, Any]]:
        """The "Size" option of a product with more than one variant (``productOption_Full``)."""
        variants = self.catalog.shape_of(product_id).variant_count
        if variants == 1:
            return []
        values = [
            {"id": product_id * 10 + number, "label": words.SIZES[number], "sort_order": number, "is_default": False}
            for number in range(variants)
        ]
        return [
            {
                "id": product_id,
                "product_id": product_id,
                "display_name": "Size",
                "type": "rectangles",
                "sort_order": 0,
                "option_values": values,
            }
        ]

    def modifiers(self, product_id: int) -> list[dict[str, Any]]:
        """A gift message, on about one product in four (``productModifier_Full``)."""
        if not Draws(self.seed, KIND_PARTS + 2, product_id).chance(0.25):
            return []
        return [
            {
                "id": product_id,
                "product_id": product_id,
                "name": f"Gift message {product_id}",
                "display_name": "Gift message",
                "type": "text",
                "required": False,
                "sort_order": 0,
                "config": {"text_characters_limited": True, "text_min_length": 0, "text_max_length": 120},
                "option_values": [],
            }
        ]

    def reviews(self, product_id: int) -> Records:
        """``productReview_Full``: none to three per product, ids running on across products."""
        count = Draws(self.seed, KIND_REVIEW, product_id).below(4)
        modified = self.catalog.timeline.at(product_id - 1)

        def review(index: int) -> dict[str, Any]:
            draws = Draws(self.seed, KIND_REVIEW, product_id * 4 + index + 1)
            return {
                "id": product_id * 4 + index,
                "title": draws.pick(_REVIEW_TITLES),
                "text": "As described.",
                "status": draws.pick(("approved", "approved", "pending")),
                "rating": draws.between(1, 5),
                "email": f"reviewer{product_id}.{index}@example.com",
                "name": draws.pick(words.FIRST_NAMES),
                "date_reviewed": iso8601(modified - 86400 * (index + 1)),
                "date_created": iso8601(modified - 86400 * (index + 1)),
                "date_modified": iso8601(modified - 86400 * index),
            }

        return Records(count, review)
