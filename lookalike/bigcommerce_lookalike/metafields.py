"""The collection-wide metafield lists: one list per collection (``/v3/catalog/products/metafields``,
``/v3/orders/metafields``, ...), each read by page or by cursor and filtered on ``date_modified:min/max``.

A collection's metafields are numbered from 1, their owners (``resource_id``) non-decreasing with the id, and
dated non-decreasing with it too (a ``Timeline``), so a date filter is an index range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.records import Records
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.timeline import Timeline

KIND_METAFIELD = 100  # + the collection's number
KIND_METAFIELD_TIME = 120  # + the collection's number
PER_TWO_OWNERS = 3  # three metafields for every two owners
FEWEST = 6  # and never fewer than six: a third of the data's time range always holds one (a Timeline's sixths)
_NAMESPACES = ("erp", "marketplace", "shipping", "reviews")
_KEYS = ("external_id", "color_code", "warehouse_bin", "season", "supplier", "sync_state")
# products_catalog.v3.yml ``metafield_Base.permission_set``.
_PERMISSIONS = ("app_only", "read", "write", "read_and_sf_access", "write_and_sf_access")


@dataclass(frozen=True)
class Collection:
    """One collection's list: its route ``key``, ``resource_type``, how many owners it has (asked only
    once the list is read: counting variants walks the catalog) and the id of the first (orders are numbered from
    100); ``string_ids``: store metafields write their ids as strings (store_information.v3.yml
    ``MetafieldResponse``)."""

    number: int
    key: str
    resource_type: str
    owners: Callable[[], int]
    first_owner: int = 1
    string_ids: bool = False


class Metafields:
    """The metafields of one collection; ``owner_id`` stands for the store's own id in store metafields."""

    def __init__(self, seed: int, collection: Collection, start: int, end: int, owner_id: int) -> None:
        self.seed = seed
        self.collection = collection
        self.start, self.end = start, end
        self._owner_id = owner_id
        self._client = Draws(seed, KIND_METAFIELD, 0).text(31, "abcdefghijklmnopqrstuvwxyz0123456789")

    @cached_property
    def owners(self) -> int:
        return self.collection.owners()

    @cached_property
    def count(self) -> int:
        return max(FEWEST, self.owners * PER_TWO_OWNERS // 2) if self.owners else 0

    @cached_property
    def timeline(self) -> Timeline:
        return Timeline(self.seed, KIND_METAFIELD_TIME + self.collection.number, self.count, self.start, self.end)

    @cached_property
    def records(self) -> Records:
        return Records(self.count, self.record, self.timeline)

    def owner(self, index: int) -> int:
        """The id of the record the metafield at ``index`` belongs to (every owner gets one or two)."""
        collection = self.collection
        if collection.string_ids:
            return self._owner_id
        return collection.first_owner + index * self.owners // self.count

    def record(self, index: int) -> dict[str, Any]:
        """products_catalog.v3.yml ``metafield_Full`` (and its siblings in the other collections' files)."""
        collection = self.collection
        draws = Draws(self.seed, KIND_METAFIELD + collection.number, index)
        modified = self.timeline.at(index)
        key = f"{draws.pick(_KEYS)}_{index + 1}"
        owner = self.owner(index)
        return {
            "id": str(index + 1) if collection.string_ids else index + 1,
            "namespace": draws.pick(_NAMESPACES),
            "key": key,
            "value": draws.hex(12),
            "permission_set": draws.pick(_PERMISSIONS),
            "resource_type": collection.resource_type,
            "resource_id": str(owner) if collection.string_ids else owner,
            "description": f"{key} of {collection.resource_type} {owner}",
            "date_created": iso8601(modified - draws.between(0, 30 * 86400)),
            "date_modified": iso8601(modified),
            "owner_client_id": self._client,
        }
