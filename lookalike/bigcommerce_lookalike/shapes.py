"""Records drawn from a bounded pool of shapes, so a million of them cost what a thousand do.

A shape is everything about a record except its identity and its times: an order's customer, lines and
totals; a product's prices and brand; a customer's name and address. Record ``i`` of a store with more
records than ``SHAPE_POOL`` takes shape ``hash(seed, i) % SHAPE_POOL``; smaller stores give every record its
own shape. Each shape is built and rendered to a partial JSON document once (see ``json_template.Partial``),
kept in caches bounded by the pool size, and a record only fills in its id, its dates and what derives from
them. A page of 250 orders with their line items (1.7 MB) then costs about 10 ms of CPU, so the quota, not
the lookalike's CPU, is what limits a client, as against the real service.
"""

from __future__ import annotations

from bigcommerce_lookalike.seeded import Keys

SHAPE_POOL = 1024


class ShapePicker:
    """Which shape record ``index`` (of ``count`` records of a kind) takes."""

    __slots__ = ("_keys", "_pooled")

    def __init__(self, seed: int, kind: int, count: int) -> None:
        self._keys = Keys(seed, kind)
        self._pooled = count > SHAPE_POOL

    def __call__(self, index: int) -> int:
        return self._keys(index) % SHAPE_POOL if self._pooled else index
