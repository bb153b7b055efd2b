"""The whole generated store: profile, catalog, customers and orders, all from one seed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.config import SandboxConfig
from bigcommerce_lookalike.customers import CustomerBook
from bigcommerce_lookalike.more_store import MoreStore
from bigcommerce_lookalike.orders import KIND_ORDER_TIME, OrderBook
from bigcommerce_lookalike.store_extras import StoreExtras
from bigcommerce_lookalike.store_profile import StoreProfile
from bigcommerce_lookalike.timeline import Timeline

HISTORY = timedelta(days=90)  # records are modified over the 90 days before the reference time


class StoreData:
    """Read-only store contents. Nothing is generated until a record is asked for."""

    def __init__(self, config: SandboxConfig, base_url: str) -> None:
        self.profile = StoreProfile.from_seed(config.seed, config.quota)
        end = _data_end(config)
        start = end - int(HISTORY.total_seconds())
        seed = config.seed
        self.catalog = Catalog(
            seed, config.products, config.brands, config.categories, start, end, trees=config.readings.category_trees
        )
        self.customers = CustomerBook(seed, config.customers, start, end)
        api_root = f"{base_url}/stores/{self.profile.store_hash}/v2"
        self.orders = OrderBook(
            seed,
            config.orders,
            start,
            end,
            self.catalog,
            self.customers,
            api_root,
            consignment_kinds=config.consignment_kinds,
            digital_line_items=config.digital_line_items,
        )
        self.extras = StoreExtras(seed, start, end, self.catalog, self.customers, self.orders)
        self.more = MoreStore(
            seed, start, end, self.profile, api_root, self.catalog, self.customers, self.orders, self.extras
        )

    @property
    def time_range(self) -> tuple[datetime, datetime] | None:
        """Earliest and latest ``date_modified`` of any order, product or customer (``None`` if empty).

        Tests pick incremental windows from it, since the data does not follow the wall clock.
        """
        moments = []
        for timeline in (self.orders.timeline, self.catalog.timeline, self.customers.timeline):
            if timeline.count:
                moments += [timeline.at(0), timeline.at(timeline.count - 1)]
        if not moments:
            return None
        return datetime.fromtimestamp(min(moments), UTC), datetime.fromtimestamp(max(moments), UTC)


def _data_end(config: SandboxConfig) -> int:
    """The data's end (epoch seconds): ``config.data_end()``, or where it must be for the newest order to be dated
    ``config.newest_order_at``. A record's offset from the start depends only on the seed, its kind, the count and
    the span, so it is read from a timeline starting at 0."""
    if config.newest_order_at is None:
        return int(config.data_end().timestamp())
    history = int(HISTORY.total_seconds())
    newest = Timeline(config.seed, KIND_ORDER_TIME, config.orders, 0, history).at(config.orders - 1)
    return int(config.newest_order_at.timestamp()) + history - newest
