"""Who the lookalike store is: its hash, account, owner, and the ``GET /v2/store`` body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bigcommerce_lookalike.seeded import Draws

KIND_STORE = 1
BASE36 = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class StoreProfile:
    """Identity of the store; everything derives from the seed so a restart keeps the same store."""

    seed: int
    store_hash: str
    account_uuid: str
    owner_id: int
    owner_email: str
    plan_name: str

    @classmethod
    def from_seed(cls, seed: int, quota: int) -> StoreProfile:
        draws = Draws(seed, KIND_STORE, 0)
        store_hash = "sbx" + draws.text(5, BASE36)
        account_uuid = str(uuid.UUID(int=draws.next() << 64 | draws.next(), version=4))
        # Quotas per 30 s window by plan: Standard and Plus 150, Pro 450 (docs/bigcommerce.md "Rate limits").
        plan_name = "Pro" if quota >= 450 else "Standard"
        return cls(seed, store_hash, account_uuid, draws.between(1000, 99999), f"owner@{store_hash}.example", plan_name)

    @property
    def context(self) -> str:
        """The OAuth ``context`` of this store (docs/bigcommerce.md "App OAuth")."""
        return f"stores/{self.store_hash}"

    @property
    def name(self) -> str:
        return f"Lookalike Store {self.store_hash}"

    def information(self) -> dict:
        """The ``GET /v2/store`` body (store_information.v2.yml ``StoreInformation``)."""
        domain = f"{self.store_hash}.lookalike.example"
        return {
            "id": self.store_hash,
            "account_uuid": self.account_uuid,
            "domain": domain,
            "secure_url": f"https://{domain}",
            "control_panel_base_url": f"https://store-{self.store_hash}.mybigcommerce.com",
            "status": "live",
            "name": self.name,
            "first_name": "Jane",
            "last_name": "Doe",
            "address": "123 Main Street, Austin, Texas 78751",
            "country": "United States",
            "country_code": "US",
            "infrastructure_region": "us-central1",
            "phone": "555-123-4567",
            "admin_email": self.owner_email,
            "order_email": f"orders@{domain}",
            "favicon_url": f"https://{domain}/favicon.ico",
            "timezone": {
                "name": "America/Chicago",
                "raw_offset": -21600,
                "dst_offset": -18000,
                "dst_correction": True,
                "date_format": {"display": "M jS Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"},
            },
            "language": "en",
            "currency": "USD",
            "currency_symbol": "$",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "decimal_places": 2,
            "currency_symbol_location": "left",
            "weight_units": "Ounces",
            "dimension_units": "Inches",
            "dimension_decimal_places": 2,
            "dimension_decimal_token": ".",
            "dimension_thousands_token": ",",
            "plan_name": self.plan_name,
            "plan_level": self.plan_name,
            "plan_is_trial": False,
            "industry": "Home & Garden",
            "logo": [],
            "is_price_entered_with_tax": False,
            "store_id": 1000000 + self.owner_id,
            "default_channel_id": 1,
            "default_site_id": 1000,
            "active_comparison_modules": [],
            "features": {
                "stencil_enabled": True,
                "sitewidehttps_enabled": True,
                "facebook_catalog_id": "",
                "checkout_type": "optimized",
                "wishlists_enabled": False,
                "graphql_storefront_api_enabled": True,
                "shopper_consent_tracking_enabled": True,
                "multi_storefront_enabled": False,
                "storefront_limits": {"active": 1, "total_including_inactive": 1},
            },
        }
