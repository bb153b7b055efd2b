"""Which reading of each open question of BigCommerce's documents the lookalike plays.

The client and the lookalike were written from one reading of the documents, so on their own they agree by
construction. Where the official files leave a meaning open (docs/open-questions.md lists each question, its
readings and the evidence), the lookalike can play every reading, so tests can show the client right under each.
The defaults are the readings the lookalike played before these knobs existed. Change them at run time through
``Sandbox.readings`` (the same object the API reads on every request).
"""

from __future__ import annotations

from dataclasses import dataclass

DATE_BOUNDS = ("inclusive", "exclusive")
ID_BOUNDS = ("inclusive", "exclusive")
ORDERS_INCOMPLETE = ("listed", "count_only")
IS_DELETED_FILTER = ("honoured", "ignored")
REFUNDS_META = ("pagination", "none")
BRANDS_ORDER = ("id", "name")
NARROW_INCLUDE_LIMIT = ("cut", "refused")
COUNT_DATE_FILTERS = ("applied", "ignored")
INVERTED_DATES = ("empty", "refused")
MAX_COMMIT_LAG_MS = 3_600_000


@dataclass
class Readings:
    """One knob per open question.

    - ``date_bounds``: date filters include their bounds (``>=``/``<=``) or exclude them ("after"/"before").
    - ``date_fraction_ms``: the store keeps each record's time this many milliseconds past the whole second its
      date shows, and compares date filters with that time (a store with a finer resolution than its dates).
    - ``id_bounds``: v2 ``min_id``/``max_id`` (orders, coupons) include the id they name, or exclude it.
    - ``orders_incomplete``: Incomplete orders (status 0) are ``listed`` by ``GET /v2/orders`` like any other, or
      (``count_only``) counted by ``/v2/orders/count`` (total and per status) but left out of the list unless
      ``status_id=0`` is asked for.
    - ``orders_count_archived``: ``/v2/orders/count``'s total also counts archived orders (not its per-status
      breakdown, nor the list).
    - ``is_deleted_filter``: ``GET /v2/orders?is_deleted=true`` lists the archived orders (``honoured``), or the
      parameter, undeclared in orders.v2.oas2.yml, is ``ignored`` and the live orders come back.
    - ``page_cap``: the store answers at most this many records a page, whatever ``limit`` asks (v3 ``per_page``
      says so); ``None``: the ``limit`` asked, up to 250.
    - ``refunds_meta``: refunds answer ``meta.pagination`` or, as orders.v3.yml's schema has it, a meta ``none``.
    - ``brands_order``: brands come in id order, or by ``name`` (the only sort brands_catalog.v3.yml declares).
    - ``narrow_include_limit``: products asked with ``include=options`` or ``modifiers`` and a ``limit`` above 10
      ("results are limited to 10 per page", products_catalog.v3.yml 9667) get 10 a page (``cut``, ``per_page``
      says 10) or a 422 naming ``limit`` (``refused``).
    - ``category_trees``: how many category trees the store has (multi-storefront: one per channel group);
      ``trees_default_only``: ``/v3/catalog/trees/categories`` without ``tree_id:in`` answers the first tree only.
    - ``price_records_concurrency``: simultaneous ``GET /v3/pricelists/{id}/records`` the store serves before it
      answers 429 (price_lists.v3.yml: 10); ``None``: no limit.
    - ``commit_lag_ms``: a write becomes visible this many milliseconds after the time its ``date_modified`` shows
      (its commit, or its replica, lags its stamp; nothing promises read-after-write, docs/bigcommerce.md
      "Incremental filters"). Until the wall clock passes that moment, every dated list and count leaves the record
      out, so a read right after a window's end misses what was written in its last seconds; 0: visible at once.
    - ``count_date_filters``: a v2 ``/count`` (``/v2/orders/count``) applies the date filters orders.v2.oas2.yml
      declares on it (``applied``), or answers as if none were given (``ignored``): the count of every record
      under its other filters.
    - ``inverted_dates``: a v2 date range whose minimum is after its maximum selects nothing (``empty``), or is
      ``refused`` with a 400 (nothing in orders.v2.oas2.yml says which).
    """

    date_bounds: str = "inclusive"
    date_fraction_ms: int = 0
    id_bounds: str = "inclusive"
    orders_incomplete: str = "listed"
    orders_count_archived: bool = False
    is_deleted_filter: str = "honoured"
    page_cap: int | None = None
    refunds_meta: str = "pagination"
    brands_order: str = "id"
    narrow_include_limit: str = "cut"
    category_trees: int = 1
    trees_default_only: bool = False
    price_records_concurrency: int | None = 10
    commit_lag_ms: int = 0
    count_date_filters: str = "applied"
    inverted_dates: str = "empty"

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        choices = {
            "date_bounds": DATE_BOUNDS,
            "id_bounds": ID_BOUNDS,
            "orders_incomplete": ORDERS_INCOMPLETE,
            "is_deleted_filter": IS_DELETED_FILTER,
            "refunds_meta": REFUNDS_META,
            "brands_order": BRANDS_ORDER,
            "narrow_include_limit": NARROW_INCLUDE_LIMIT,
            "count_date_filters": COUNT_DATE_FILTERS,
            "inverted_dates": INVERTED_DATES,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"Readings.{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 0 <= self.date_fraction_ms < 1000:
            raise ValueError(f"Readings.date_fraction_ms must be in [0, 1000), got {self.date_fraction_ms}")
        if self.page_cap is not None and not 1 <= self.page_cap <= 250:
            raise ValueError(f"Readings.page_cap must be in [1, 250] or None, got {self.page_cap}")
        if self.category_trees < 1:
            raise ValueError(f"Readings.category_trees must be >= 1, got {self.category_trees}")
        if self.price_records_concurrency is not None and self.price_records_concurrency < 1:
            raise ValueError("Readings.price_records_concurrency must be >= 1 or None")
        if not 0 <= self.commit_lag_ms <= MAX_COMMIT_LAG_MS:
            raise ValueError(f"Readings.commit_lag_ms must be in [0, {MAX_COMMIT_LAG_MS}], got {self.commit_lag_ms}")

    def update(self, **changes: object) -> Readings:
        """Change some knobs, keep the others; an unknown name or a bad value changes nothing."""
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown readings: {', '.join(sorted(unknown))}")
        trial = Readings(**{**self.__dict__, **changes})
        self.__dict__.update(trial.__dict__)
        return self
