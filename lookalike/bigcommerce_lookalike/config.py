"""What a lookalike store looks like: data sizes, rate limit, faults, OAuth behaviour, where it listens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bigcommerce_lookalike.readings import Readings

DEFAULT_CALLBACK_URL = "http://localhost:33333"
# Anchor of the generated timeline. Data does not follow the wall clock, so the same seed gives the same
# dates in every run; pass ``reference_time`` to place the data elsewhere. The command line passes "now", so
# that a newcomer's first scheduled export finds records.
_REFERENCE_ANCHOR = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
LINE_ITEMS_READINGS = ("list", "object")


@dataclass
class SandboxConfig:
    """Settings of one lookalike store. Defaults: a small Standard-plan store (150 requests per 30 s).

    ``reference_time`` is the latest ``date_modified`` of the data (records spread over the 90 days before
    it); ``None`` derives a fixed moment from the seed. ``newest_order_at`` instead places the same data so that
    the newest order is dated exactly that second (products and customers keep their places beside the orders,
    so some may be dated later): a test can have an order written "just now" (with ``Readings.commit_lag_ms``, one
    that is not visible yet).

    ``consignment_kinds``: orders fulfil their lines by every kind orders.v2.oas2.yml ``orderConsignment_Get``
    names (shipping, one pickup with its location, one download, a gift certificate per recipient), not only by
    shipping. ``digital_line_items`` is how a download or gift-certificate consignment carries its ``line_items``:
    ``"list"`` as its schema says, or ``"object"``, one line item, as the same file's examples write it.

    ``announced_window_ms``: what ``X-Rate-Limit-Time-Window-Ms`` says, when the store misreports its window
    (None: the true ``window_ms``); the quota is still counted over ``window_ms``.
    """

    seed: int = 1
    orders: int = 300
    products: int = 120
    customers: int = 200
    brands: int = 20
    categories: int = 30
    quota: int = 150
    window_ms: int = 30000
    announced_window_ms: int | None = None
    latency_ms: float = 0
    error_5xx_rate: float = 0.0
    bare_429_rate: float = 0.0
    drop_rate: float = 0.0
    expiring_tokens: bool = False
    token_lifetime_s: int = 3600
    host: str = "127.0.0.1"
    port: int = 0
    callback_url: str = DEFAULT_CALLBACK_URL
    reference_time: datetime | None = None
    newest_order_at: datetime | None = None
    readings: Readings = field(default_factory=Readings)  # which reading of each open question (``readings``)
    consignment_kinds: bool = False
    digital_line_items: str = "list"

    def __post_init__(self) -> None:
        for name in ("orders", "products", "customers", "brands", "categories"):
            if getattr(self, name) < 0:
                raise ValueError(f"SandboxConfig.{name} must be >= 0, got {getattr(self, name)}")
        if self.orders and not self.products:
            raise ValueError("SandboxConfig.products must be >= 1 when there are orders (orders need line items)")
        if self.quota < 1 or self.window_ms < 1:
            raise ValueError("SandboxConfig.quota and window_ms must be >= 1")
        if self.announced_window_ms is not None and self.announced_window_ms < 0:
            raise ValueError("SandboxConfig.announced_window_ms must be >= 0")
        if self.latency_ms < 0 or self.token_lifetime_s < 1:
            raise ValueError("SandboxConfig.latency_ms must be >= 0 and token_lifetime_s >= 1")
        if self.digital_line_items not in LINE_ITEMS_READINGS:
            raise ValueError(
                f"SandboxConfig.digital_line_items must be one of {LINE_ITEMS_READINGS}, "
                f"got {self.digital_line_items!r}"
            )
        check_fault_rates(self.error_5xx_rate, self.bare_429_rate, self.drop_rate)
        if isinstance(self.readings, dict):  # dataclasses.asdict() of a config, or JSON
            self.readings = Readings(**self.readings)
        if self.reference_time is not None and self.newest_order_at is not None:
            raise ValueError("SandboxConfig takes reference_time or newest_order_at, not both")
        if self.newest_order_at is not None and not self.orders:
            raise ValueError("SandboxConfig.newest_order_at needs orders >= 1")
        for name in ("reference_time", "newest_order_at"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                setattr(self, name, moment.replace(tzinfo=UTC))

    def data_end(self) -> datetime:
        """The latest ``date_modified`` any generated record may carry."""
        if self.reference_time is not None:
            return self.reference_time
        return _REFERENCE_ANCHOR - timedelta(days=self.seed % 180)


def check_fault_rates(error_5xx_rate: float, bare_429_rate: float, drop_rate: float) -> None:
    """Each rate is a probability per API request; together they may not exceed 1."""
    rates = {"error_5xx_rate": error_5xx_rate, "bare_429_rate": bare_429_rate, "drop_rate": drop_rate}
    for name, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be a probability between 0 and 1, got {rate}")
    if sum(rates.values()) > 1.0:
        raise ValueError(f"the fault rates add up to more than 1: {rates}")
