"""The catalog: products (v3), their variants, brands and the category tree, built on demand from the seed."""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple

from bigcommerce_lookalike import vocabulary as words
from bigcommerce_lookalike.catalog_templates import BRAND, CATEGORY, PRODUCT, VARIANT
from bigcommerce_lookalike.formats import amount, iso8601
from bigcommerce_lookalike.json_template import Partial, later
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.shapes import SHAPE_POOL, ShapePicker
from bigcommerce_lookalike.timeline import Timeline

KIND_PRODUCT_SHAPE = 10
KIND_PRODUCT_TIME = 11
KIND_PRODUCT_PICK = 12
KIND_CATEGORY = 13
KIND_CATEGORY_DETAIL = 14
ROOT_CATEGORY_NAMES = ("Shop All", "Kitchen", "Bath", "Garden", "Publications", "Utility")


class ProductShape(NamedTuple):
    """A product without its id and dates."""

    kind_of_thing: str  # "Linen Apron"; the product's name adds its id
    price_cents: int
    cost_cents: int
    weight: float
    width: float
    depth: float
    height: float
    brand_id: int
    category_ids: tuple[int, ...]
    variant_count: int
    variant_stock: tuple[int, ...]
    inventory_level: int
    total_sold: int
    is_visible: bool
    is_featured: bool
    view_count: int
    age_s: int  # how long before its last modification the product was created


class ProductFacts(NamedTuple):
    """What orders need to know about a product."""

    id: int
    name: str
    sku: str
    price_cents: int
    cost_cents: int
    weight: float
    brand: str
    base_variant_id: int


def _numbered(names: tuple[str, ...], number: int) -> str:
    """``names`` cycled, with a suffix once they run out, so every generated name is unique."""
    base = names[(number - 1) % len(names)]
    round_ = (number - 1) // len(names)
    return f"{base} {round_ + 1}" if round_ else base


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


class Catalog:
    """Products ``1..products``, brands ``1..brands``, categories ``1..categories`` (one tree)."""

    def __init__(
        self, seed: int, products: int, brands: int, categories: int, start: int, end: int, *, trees: int = 1
    ) -> None:
        self.seed = seed
        self.product_count = products
        self.brand_count = brands
        self.category_count = categories
        self.trees = max(1, min(trees, categories or 1))  # category trees (multi-storefront), ids split evenly
        self.timeline = Timeline(seed, KIND_PRODUCT_TIME, products, start, end)
        self.shape = lru_cache(maxsize=SHAPE_POOL)(self._shape)
        self._shape_number = ShapePicker(seed, KIND_PRODUCT_PICK, products)
        self.facts = lru_cache(maxsize=16384)(self._facts)
        self._product_partial = lru_cache(maxsize=SHAPE_POOL)(self._render_product_partial)
        self._variant_partial = lru_cache(maxsize=SHAPE_POOL)(self._render_variant_partial)
        self._variant_ends: array | None = None
        self._lock = threading.Lock()

    # -- products ---------------------------------------------------------------------------------------------

    def shape_of(self, product_id: int) -> ProductShape:
        return self.shape(self._shape_number(product_id - 1))

    def _shape(self, number: int) -> ProductShape:
        draws = Draws(self.seed, KIND_PRODUCT_SHAPE, number)
        price_cents = draws.between(399, 24999)
        if self.category_count:
            first = draws.between(1, self.category_count)
            second = draws.between(1, self.category_count)
            category_ids = (first,) if first == second else tuple(sorted((first, second)))
        else:
            category_ids = ()
        variant_count = 1 if draws.chance(0.5) else draws.between(2, len(words.SIZES))
        return ProductShape(
            kind_of_thing=f"{draws.pick(words.ADJECTIVES)} {draws.pick(words.NOUNS)}",
            price_cents=price_cents,
            cost_cents=price_cents * draws.between(35, 65) // 100,
            weight=draws.between(1, 200) / 10,
            width=float(draws.between(1, 40)),
            depth=float(draws.between(1, 40)),
            height=float(draws.between(1, 40)),
            brand_id=draws.between(1, self.brand_count) if self.brand_count and not draws.chance(0.1) else 0,
            category_ids=category_ids,
            variant_count=variant_count,
            variant_stock=tuple(draws.between(0, 200) for _ in range(variant_count)),
            inventory_level=draws.between(0, 500),
            total_sold=draws.between(0, 2000),
            is_visible=not draws.chance(0.05),
            is_featured=draws.chance(0.1),
            view_count=draws.between(0, 10000),
            age_s=draws.between(0, 400 * 86400),
        )

    def _facts(self, product_id: int) -> ProductFacts:
        shape = self.shape_of(product_id)
        return ProductFacts(
            id=product_id,
            name=f"{shape.kind_of_thing} {product_id}",
            sku=f"SKU-{product_id:06d}",
            price_cents=shape.price_cents,
            cost_cents=shape.cost_cents,
            weight=shape.weight,
            brand=self.brand_name(shape.brand_id),
            base_variant_id=self.variant_span(product_id - 1)[0],
        )

    def _render_product_partial(self, shape: ProductShape) -> Partial:
        document = PRODUCT.render(
            id=later("id"),
            name=later("name"),
            sku=later("sku"),
            description=later("description"),
            weight=shape.weight,
            width=shape.width,
            depth=shape.depth,
            height=shape.height,
            price=amount(shape.price_cents),
            cost_price=amount(shape.cost_cents),
            retail_price=amount(shape.price_cents * 12 // 10),
            categories=f"[{','.join(map(str, shape.category_ids))}]",
            brand_id=shape.brand_id,
            option_set_id=later("option_set_id"),
            inventory_level=shape.inventory_level,
            total_sold=shape.total_sold,
            is_visible=shape.is_visible,
            is_featured=shape.is_featured,
            date_created=later("date_created"),
            date_modified=later("date_modified"),
            view_count=shape.view_count,
            url=later("url"),
            base_variant_id=later("base_variant_id"),
        )
        return Partial(document)

    def product_json(self, index: int) -> str:
        """The v3 product at 0-based ``index`` (products_catalog.v3.yml ``product_Full``)."""
        product_id = index + 1
        shape = self.shape_of(product_id)
        name = f"{shape.kind_of_thing} {product_id}"
        modified = self.timeline.at(index)
        return self._product_partial(shape).fill(
            {
                "id": product_id,
                "name": name,
                "sku": f"SKU-{product_id:06d}",
                "description": f"<p>{name}, made to last.</p>",
                "option_set_id": 0 if shape.variant_count == 1 else product_id,
                "date_created": iso8601(modified - shape.age_s),
                "date_modified": iso8601(modified),
                "url": f"/{_slug(name)}/",
                "base_variant_id": self.variant_span(index)[0],
            }
        )

    # -- variants ---------------------------------------------------------------------------------------------

    def _ends(self) -> array:
        """Running total of variants per product; built once, 4 bytes per product."""
        if self._variant_ends is None:
            with self._lock:
                if self._variant_ends is None:
                    ends = array("L")
                    total = 0
                    for product_id in range(1, self.product_count + 1):
                        total += self.shape_of(product_id).variant_count
                        ends.append(total)
                    self._variant_ends = ends
        return self._variant_ends

    @property
    def variant_total(self) -> int:
        ends = self._ends()
        return ends[-1] if ends else 0

    def variant_span(self, index: int) -> tuple[int, int]:
        """``(first variant id, count)`` of the product at 0-based ``index``; variant ids are consecutive."""
        ends = self._ends()
        start = ends[index - 1] if index else 0
        return start + 1, ends[index] - start

    def _render_variant_partial(self, shape: ProductShape, number: int) -> Partial:
        document = VARIANT.render(
            id=later("id"),
            product_id=later("product_id"),
            sku=later("sku"),
            price=amount(shape.price_cents),
            weight=shape.weight,
            cost_price=amount(shape.cost_cents),
            inventory_level=shape.variant_stock[number],
            option_values=later("option_values"),
        )
        return Partial(document)

    def variant_json(self, position: int) -> str:
        """The v3 variant at 0-based ``position`` of all variants in id order (with its option values)."""
        ends = self._ends()
        index = bisect_right(ends, position)
        number = position - (ends[index - 1] if index else 0)
        product_id = index + 1
        shape = self.shape_of(product_id)
        sku, option_values = f"SKU-{product_id:06d}", "[]"
        if shape.variant_count > 1:
            size = words.SIZES[number]
            sku = f"{sku}-{size}"
            option_values = (
                f'[{{"id":{product_id * 10 + number},"label":"{size}",'
                f'"option_id":{product_id},"option_display_name":"Size"}}]'
            )
        return self._variant_partial(shape, number).fill(
            {
                "id": position + 1,
                "product_id": product_id,
                "sku": sku,
                "option_values": option_values,
            }
        )

    # -- brands and categories (small: rendered directly) -----------------------------------------------------

    def brand_name(self, brand_id: int) -> str:
        return _numbered(words.BRAND_NAMES, brand_id) if brand_id else ""

    def brand_json(self, index: int) -> str:
        """The v3 brand at 0-based ``index`` (brands_catalog.v3.yml ``brand_Full``)."""
        brand_id = index + 1
        name = self.brand_name(brand_id)
        return BRAND.render(id=brand_id, name=name, url=f"/brands/{_slug(name)}.html")

    def tree_of(self, category_id: int) -> int:
        """The tree (1-based) holding a category: the ids are split into ``trees`` runs of (almost) equal size."""
        return 1 + (category_id - 1) * self.trees // max(self.category_count, 1)

    def _first_of_tree(self, tree: int) -> int:
        return next(c for c in range(1, self.category_count + 1) if self.tree_of(c) == tree)

    def category_parent(self, category_id: int) -> int:
        """The first few categories of a tree are roots; each later one hangs under an earlier one of its tree."""
        first = 1 if self.trees == 1 else self._first_of_tree(self.tree_of(category_id))
        if category_id - first < len(ROOT_CATEGORY_NAMES):
            return 0
        return Draws(self.seed, KIND_CATEGORY, category_id).between(first, category_id - 1)

    def tree_json(self, index: int) -> dict:
        """Category tree ``index + 1`` (category-trees_catalog.v3.yml ``CategoryTree``): one channel each."""
        return {"id": index + 1, "name": f"Storefront {index + 1}", "channels": [index + 1]}

    def category_json(self, index: int) -> str:
        """The category at 0-based ``index`` of tree 1 (category-trees_catalog.v3.yml ``GetCategories``)."""
        category_id = index + 1
        if category_id <= len(ROOT_CATEGORY_NAMES):
            name = ROOT_CATEGORY_NAMES[index]
        else:
            name = _numbered(words.CATEGORY_NAMES, category_id - len(ROOT_CATEGORY_NAMES))
        draws = Draws(self.seed, KIND_CATEGORY_DETAIL, category_id)
        uid = draws.hex(32)
        return CATEGORY.render(
            category_id=category_id,
            category_uuid=f"{uid[:8]}-{uid[8:12]}-4{uid[13:16]}-a{uid[17:20]}-{uid[20:]}",
            parent_id=self.category_parent(category_id),
            name=name,
            views=draws.between(0, 5000),
            sort_order=index,
            path=f"/{_slug(name)}-{category_id}/",
            tree_id=self.tree_of(category_id),
        )
