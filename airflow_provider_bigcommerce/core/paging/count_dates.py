"""Whether a store's v2 counts apply the date filters they are given, found out once per client.

orders.v2.oas2.yml declares ``min_date_created``/``max_date_created``/``min_date_modified``/``max_date_modified``
on ``/orders/count`` (284-301), but nothing says the store applies them (docs/open-questions.md "Count date
filters"). A store that ignores them answers the count of every order under the other filters, which no windowed
list matches. So before a count with a date filter is believed, one probe asks the count with nothing but a date
range that holds nothing under any reading (its start after its end, both before any store existed; no other
filter, so a store ignoring the dates counts every order): a count above zero shows the dates ignored, and lists
filtered by date are then walked as lists without a count.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_bigcommerce.core.errors import BigCommerceApiError
from airflow_provider_bigcommerce.core.paging.rules import CountCompanion, count_figures

log = logging.getLogger("airflow_provider_bigcommerce.paging")

# orders.v2.oas2.yml ``/orders/count``: the date filters among the count's parameters (296-299).
DATE_FILTERS = frozenset(("min_date_created", "max_date_created", "min_date_modified", "max_date_modified"))
# Empty under inclusive and exclusive bounds alike (the start is a day after the end), in the RFC 2822 form the
# client sends its own windows in (orders.v2.oas2.yml 1309-1351), long before any order's date.
PROBE = {"min_date_modified": "Sat, 02 Jan 1999 00:00:00 +0000", "max_date_modified": "Fri, 01 Jan 1999 00:00:00 +0000"}
# A store refusing the probe itself (400/422) gives no evidence that its counts apply dates: they are not believed.
REFUSED = frozenset((400, 422))

Get = Callable[[str, dict[str, Any]], Any]
"""GET ``path`` with these query parameters; the parsed body."""


class CountDates:
    """What one client learnt of its store's v2 counts: per count path, whether date filters are applied.

    At most one probe per count path for the client's life (a lock keeps parallel walks from probing twice); a
    count without a date filter needs none. A store without a single order answers 0 to the probe under both
    readings and is taken as applying them; should it ignore them and orders arrive outside a window during the
    client's life, the walk's count check fails that read (``count_mismatch``, nothing written), never a record lost.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._applied: dict[str, bool] = {}

    def believed(self, companion: CountCompanion, count_params: Mapping[str, Any], get: Get) -> bool:
        """Whether the count ``companion`` under ``count_params`` counts what the list under the same filters holds,
        as far as its date filters go: True without one, else what the probe showed (probing the first time)."""
        if not DATE_FILTERS & set(count_params):
            return True
        with self._lock:
            if companion.path not in self._applied:
                self._applied[companion.path] = _probe(companion, get)
            return self._applied[companion.path]


def _probe(companion: CountCompanion, get: Get) -> bool:
    try:
        body = get(companion.path, dict(PROBE))
    except BigCommerceApiError as error:
        if error.status not in REFUSED:
            raise
        log.warning("%s: count date probe refused (%s); not used", companion.path, error.status)
        return False
    kept, apart = count_figures(companion, {}, body)
    counted = kept + (apart or 0)
    if counted:
        log.warning("%s: count ignores dates (probe counted %s); not used", companion.path, counted)
        return False
    log.info("%s: count applies dates (probe counted 0)", companion.path)
    return True
