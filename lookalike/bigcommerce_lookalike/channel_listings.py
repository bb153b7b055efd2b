"""``GET /v3/channels/{channel_id}/listings``: the products listed on each channel, paged by ``after``, the last
listing id read (channels.v3.yml ``getChannelListings``: ``limit``, ``after``, ``date_modified:min/max``; no
``page``), with ``meta.pagination`` (``total``, ``count``, ``total_pages``, ``links``).

Channel ``c`` lists every ``c``-th product (the storefront all of them), in an order of its own. Listing ids run on
from channel to channel and are dated by a timeline of their own: a listing's ``date_modified`` is when the product
was assigned to (or changed on) the channel, which the product's own ``date_modified`` does not show.
"""

from __future__ import annotations

import math
from typing import Any

from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.timeline import Timeline

KIND_LISTING_TIME = 140  # + the channel id


class ChannelListings:
    """The listings of channels ``1..channels`` over the catalog's products."""

    def __init__(self, seed: int, catalog: Catalog, channels: int, start: int, end: int) -> None:
        self.seed, self.catalog, self.channels = seed, catalog, channels
        self.start, self.end = start, end

    def count(self, channel_id: int) -> int:
        return self.catalog.product_count // channel_id if 1 <= channel_id <= self.channels else 0

    def first_id(self, channel_id: int) -> int:
        """The listing id before the channel's first one: ids run on across channels."""
        return sum(self.count(channel) for channel in range(1, channel_id))

    def product_of(self, channel_id: int, index: int) -> int:
        """The product of a channel's listing at ``index``: the channel's products, each once, in an order of the
        channel's own (a step through them coprime with their count), so listings and products are dated apart."""
        count = self.count(channel_id)
        step = next(step for step in (7, 11, 13, 17, 19, 23) if math.gcd(step, count) == 1)
        return (index * step % count + 1) * channel_id

    def timeline(self, channel_id: int) -> Timeline:
        return Timeline(self.seed, KIND_LISTING_TIME + channel_id, self.count(channel_id), self.start, self.end)

    def record(self, channel_id: int, index: int, modified: int) -> dict[str, Any]:
        """channels.v3.yml ``Listing``: the product and each of its variants, all in state ``active``."""
        product_id = self.product_of(channel_id, index)
        name = self.catalog.facts(product_id).name
        first_variant, variants = self.catalog.variant_span(product_id - 1)
        dates = {"date_created": iso8601(modified - 86400), "date_modified": iso8601(modified)}
        return {
            "channel_id": channel_id,
            "listing_id": self.first_id(channel_id) + index + 1,
            "external_id": f"ext-{channel_id}-{product_id}",
            "product_id": product_id,
            "state": "active",
            "name": name,
            "description": name,
            **dates,
            "variants": [
                {
                    "channel_id": channel_id,
                    "product_id": product_id,
                    "variant_id": variant_id,
                    "external_id": f"ext-{channel_id}-{product_id}-{variant_id}",
                    "state": "active",
                    "name": name,
                    "description": name,
                    **dates,
                }
                for variant_id in range(first_variant, first_variant + variants)
            ],
        }
