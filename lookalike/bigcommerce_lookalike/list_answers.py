"""How the simpler lists answer, over records numbered from 1 and rendered on demand: v3 pages
(``meta.pagination``), v3 pages that also carry cursors (the metafield lists), v2 arrays (204 past the end), a v2
``/count``, and one record by its own path (404 once it is deleted).

Deletions and lies come from ``StoreChanges`` under each list's route key; a date filter is an index range over
a ``Moments``, since each list's records are dated non-decreasing with their id.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bigcommerce_lookalike import api as store_api
from bigcommerce_lookalike.errors import not_found
from bigcommerce_lookalike.json_template import encode, join_array
from bigcommerce_lookalike.paging import Selection, cursor_meta, cursor_window, offset_meta, v2_window, v3_limit
from bigcommerce_lookalike.records import Records

if TYPE_CHECKING:
    from bigcommerce_lookalike.api import ApiResult, StoreApi
    from bigcommerce_lookalike.changes import View

V3_DATES = ("date_modified:min", "date_modified:max")


class ListAnswers:
    """The answers of one store's simpler lists (``StoreApi``'s changes, readings and paging)."""

    def __init__(self, store: StoreApi) -> None:
        self.store = store

    def selection(self, key: str, query: Mapping[str, str], records: Records) -> Selection | View:
        """The records of list ``key`` its date filter (``date_modified:min/max``, when it has one) selects, as
        the changed store serves them."""
        low, high, moments = 0, records.count, records.moments
        if moments is not None:
            low, high = self.store.date_range(moments, query, *V3_DATES, low, high, time.time())
        return self.store._changed(key, Selection(low, high), query, V3_DATES if moments is not None else ())

    def v3(self, key: str, query: Mapping[str, str], records: Records, *, id_param: str | None = None) -> ApiResult:
        """A v3 list read by page; ``id:in``/``id`` pick records, and so does ``{id_param}:in`` where the list names
        its id filter otherwise (locations.v3.yml ``location_id:in``)."""
        selection = self.selection(key, query, records)
        if id_param is not None:
            selection = store_api._by_ids(selection, query, id_param)
        return self.store._offset_list(key, query, selection, lambda index: encode(records.render(index)))

    def v3_cursor(self, key: str, query: Mapping[str, str], records: Records) -> ApiResult:
        """A v3 list read by page or by cursor, as customers are (``paging``): the first page carries both
        ``pagination`` and ``cursor_pagination``, a cursor request only the latter. Cursors name record ids."""
        self.store._misbehaviour(key)  # counts the request, so changes planned "after n requests" apply
        selection = self.selection(key, query, records)
        limit = v3_limit(query, self.store.readings.page_cap)
        window = cursor_window(query, selection, limit)
        indexes = selection.indexes(window.start, window.stop)
        meta: dict[str, Any] = {}
        if window.with_offset_meta:
            meta["pagination"] = offset_meta(query, len(selection), window.start // limit + 1, limit)
        if window.with_cursor_meta:
            meta["cursor_pagination"] = cursor_meta(query, selection, window, [index + 1 for index in indexes], limit)
        data = join_array([encode(records.render(index)) for index in indexes])
        return store_api.ApiResult(200, f'{{"data":{data},"meta":{encode(meta)}}}')

    def v2(self, key: str, query: Mapping[str, str], records: Records) -> ApiResult:
        """A v2 array read by ``page``/``limit``; 204 past the last page."""
        ordinal, lies = self.store._misbehaviour(key)
        selection = self.selection(key, query, records)
        offset, limit = v2_window(query, self.store.readings.page_cap)
        indexes = selection.indexes(offset, offset + limit)
        if not indexes or ordinal in lies.blank_requests:
            return store_api.NO_CONTENT
        return store_api.ApiResult(200, join_array([encode(records.render(index)) for index in indexes]))

    def v2_whole(self, key: str, query: Mapping[str, str], records: Records) -> ApiResult:
        """A v2 array that takes no paging parameters: the whole list in one answer (shipping.v2.yml)."""
        self.store._misbehaviour(key)
        selection = self.selection(key, query, records)
        indexes = selection.indexes(0, len(selection))
        return store_api.ApiResult(200, join_array([encode(records.render(index)) for index in indexes]))

    def v2_count(self, key: str, query: Mapping[str, str], records: Records) -> ApiResult:
        """``{"count": N}`` of the whole list (these counts take no filters)."""
        selection = self.selection(key, self.store.count_query(query), records)
        stale = self.store.changes.misbehaviour(key).stale_count
        return store_api.ApiResult(200, encode({"count": max(0, len(selection) - stale)}))

    def one(self, key: str, args: tuple[str, ...], records: Records, *, v3: bool) -> ApiResult:
        """One record of list ``key`` by its id (the first path argument); 404 when there is none, or it is
        deleted."""
        index = int(args[0]) - 1
        if not 0 <= index < records.count or index in self.store.changes.deleted(key):
            raise not_found()
        record = encode(records.render(index))
        return store_api.ApiResult(200, f'{{"data":{record},"meta":{{}}}}' if v3 else record)
