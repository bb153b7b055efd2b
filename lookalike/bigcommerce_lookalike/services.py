"""Everything one running lookalike holds, wired together once its address is known."""

from __future__ import annotations

from datetime import datetime

from bigcommerce_lookalike.api import StoreApi
from bigcommerce_lookalike.changes import StoreChanges
from bigcommerce_lookalike.config import SandboxConfig
from bigcommerce_lookalike.extras_api import ExtrasApi
from bigcommerce_lookalike.faults import FaultInjector, FaultSettings
from bigcommerce_lookalike.gateway import ApiGateway
from bigcommerce_lookalike.jwt_mint import encode_hs256, signed_payload_claims
from bigcommerce_lookalike.more_api import MoreApi
from bigcommerce_lookalike.oauth import OAuthService
from bigcommerce_lookalike.rate_limit import FixedWindowRateLimiter
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.stats import SandboxStats
from bigcommerce_lookalike.store_data import StoreData
from bigcommerce_lookalike.tokens import TOKEN_ALPHABET, TokenRegistry

KIND_CREDENTIALS = 2
# The store-level API account every lookalike starts with: read access to what a pipeline reads.
DEFAULT_ACCOUNT_SCOPES = frozenset(
    (
        "store_v2_orders_read_only",
        "store_v2_products_read_only",
        "store_v2_customers_read_only",
        "store_v2_information_read_only",
        "store_v2_transactions_read_only",
        "store_v2_marketing_read_only",
        "store_v2_content_read_only",
        "store_channel_settings_read_only",
        "store_inventory_read_only",
    )
)


class Services:
    """Data, tokens, OAuth, quota, faults and counters of one lookalike store."""

    def __init__(self, config: SandboxConfig, base_url: str) -> None:
        self.config = config
        self.base_url = base_url
        self.stats = SandboxStats()
        self.data = StoreData(config, base_url)
        self.profile = self.data.profile
        self.tokens = TokenRegistry()
        self.limiter = FixedWindowRateLimiter(
            config.quota, config.window_ms, announced_window_ms=config.announced_window_ms
        )
        self.faults = FaultInjector(
            config.seed,
            FaultSettings(config.latency_ms, config.error_5xx_rate, config.bare_429_rate, config.drop_rate),
        )
        self.oauth = OAuthService(
            self.profile,
            self.tokens,
            self.stats,
            expiring_tokens=config.expiring_tokens,
            token_lifetime_s=config.token_lifetime_s,
        )
        self.changes = StoreChanges()
        api = StoreApi(self.data, self.changes, config.readings)
        api.add_routes(ExtrasApi(api, self.data.extras).table())
        api.add_routes(MoreApi(api, self.data.more).table())
        self.gateway = ApiGateway(api, self.profile.store_hash, self.limiter, self.faults, self.tokens, self.stats)
        # Credentials derive from the seed, so a restarted lookalike accepts what a client saved before.
        draws = Draws(config.seed, KIND_CREDENTIALS, 0)
        self.access_token = self.tokens.issue(DEFAULT_ACCOUNT_SCOPES, token=draws.text(31, TOKEN_ALPHABET)).token
        self.app = self.oauth.register_app(
            config.callback_url, client_id=draws.text(31, TOKEN_ALPHABET), client_secret=draws.hex(64)
        )

    def connection_info(self) -> dict[str, str]:
        """What a client needs to connect: the one JSON line the CLI prints."""
        return {
            "base_url": self.base_url,
            "login_url": self.base_url,
            "store_id": self.profile.store_hash,
            "access_token": self.access_token,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "callback_url": self.app.callback_url,
        }

    @property
    def data_time_range(self) -> tuple[datetime, datetime] | None:
        return self.data.time_range

    def mint_signed_payload_jwt(
        self,
        client_id: str | None = None,
        *,
        exp_delta: int = 86400,
        aud: str | None = None,
        secret: str | None = None,
        sub: str | None = None,
    ) -> str:
        app = self.oauth.app(client_id) if client_id else self.app
        if app is None:
            raise KeyError(f"no app with client_id {client_id!r}")
        owner = {"id": self.profile.owner_id, "email": self.profile.owner_email}
        claims = signed_payload_claims(
            client_id=app.client_id,
            store_hash=self.profile.store_hash,
            user={**owner, "locale": "en-US"},
            owner=owner,
            exp_delta=exp_delta,
            aud=aud,
            sub=sub,
        )
        return encode_hs256(claims, app.client_secret if secret is None else secret)
