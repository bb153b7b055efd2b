"""A product's sub-resources read inline with the products list (``include=images`` and its siblings), one exported
record each.

products_catalog.v3.yml ``getProducts`` takes ``include`` (``IncludeParamBase``: ``images``, ``custom_fields``,
``options``, ``modifiers``, ...), so the parts of 250 products come in one request instead of one more per product
(10 products a page with ``options`` or ``modifiers``, as the parameter's description says).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any


def parts_of(member: str) -> Callable[[Mapping[str, Any]], Iterator[Mapping[str, Any]]]:
    """The records of ``product[member]``, each carrying its product's id as ``product_id`` (a custom field has
    none of its own: ``productCustomField_Full``); a product without the member has no parts."""

    def derive(product: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        parts = product.get(member)
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, Mapping):
                yield {**part, "product_id": part.get("product_id", product.get("id"))}

    derive.__name__ = f"{member}_of"
    return derive
