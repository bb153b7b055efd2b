"""The store's further lists, all derived from the seed and the rest of the store, built when first read:
metafields of every collection, channel listings, shopper and marketing lists, the store's setup and storefront,
an order's coupons, shipments and taxes, a product's parts and reviews."""

from __future__ import annotations

from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.channel_listings import ChannelListings
from bigcommerce_lookalike.customers import CustomerBook
from bigcommerce_lookalike.metafields import Collection, Metafields
from bigcommerce_lookalike.order_children import OrderChildren
from bigcommerce_lookalike.orders import FIRST_ORDER_ID, OrderBook
from bigcommerce_lookalike.product_parts import ProductParts
from bigcommerce_lookalike.shoppers import Shoppers
from bigcommerce_lookalike.store_extras import LOCATIONS, StoreExtras
from bigcommerce_lookalike.store_profile import StoreProfile
from bigcommerce_lookalike.store_setup import StoreSetup
from bigcommerce_lookalike.storefront import Storefront


class MoreStore:
    """The further lists of one store."""

    def __init__(
        self,
        seed: int,
        start: int,
        end: int,
        profile: StoreProfile,
        api_root: str,
        catalog: Catalog,
        customers: CustomerBook,
        orders: OrderBook,
        extras: StoreExtras,
    ) -> None:
        self.parts = ProductParts(seed, catalog)
        self.listings = ChannelListings(seed, catalog, extras.channel_count, start, end)
        self.shoppers = Shoppers(seed, customers, catalog, start, end)
        self.setup = StoreSetup(seed, start, end, api_root)
        self.storefront = Storefront(seed, catalog, f"{profile.store_hash}.lookalike.example", start, end)
        self.order_children = OrderChildren(seed, orders, extras)
        collections = (
            Collection(1, "v3/catalog/products/metafields", "product", lambda: catalog.product_count),
            Collection(2, "v3/catalog/variants/metafields", "variant", lambda: catalog.variant_total),
            Collection(3, "v3/catalog/categories/metafields", "category", lambda: catalog.category_count),
            Collection(4, "v3/catalog/brands/metafields", "brand", lambda: catalog.brand_count),
            Collection(5, "v3/customers/metafields", "customer", lambda: customers.count),
            Collection(6, "v3/orders/metafields", "order", lambda: orders.count, FIRST_ORDER_ID),
            Collection(7, "v3/channels/metafields", "channel", lambda: extras.channel_count),
            Collection(8, "v3/inventory/locations/metafields", "location", lambda: len(LOCATIONS)),
            Collection(9, "v3/store/metafields", "store", lambda: 1, string_ids=True),
        )
        store_number = 1_000_000 + profile.owner_id  # the store's own id (``StoreProfile.information``)
        self.metafields = [Metafields(seed, collection, start, end, store_number) for collection in collections]
