"""A list walk that could not prove it read every record exactly once, in words: the list, what was seen, the
figures, and whether a retry or BigCommerce support is the cure. Written from ``PagingError``'s code, reason and
facts."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import PagingError

# What each PagingError.reason saw, with its facts in braces (PagingError.REASONS lists them by code).
PAGING_WORDS = {
    "short_after_passes": "each of {passes} reads met fewer records than the store's own count for the same filter",
    "moved_under_position_reads": "the list kept moving under {passes} reads by position",
    "grew_past_ceiling": "the list kept answering new records past {ceiling}",
    "pages_past_ceiling": "the list kept answering pages, empty or already read, past {pages}",
    "object_for_list": "a page answered one object where a list was expected",
    "not_whole_number": "the answer's {name} is {value!r}, not a whole number",
    "no_count": "the count request answered without a count",
    "breakdown_malformed": "the count's per-status breakdown is not a list of counts",
    "bound_not_whole": "the {name} parameter {value!r} is not a whole number",
    "id_not_whole": "a record has no whole-number id ({value!r})",
    "parent_id_not_whole": "a parent record has no whole-number id ({value!r})",
    "consignments_malformed": "order {order_id}'s {where} is not shaped as orders.v2.oas2.yml declares",
    "date_not_readable": "a record's date_modified is not a date with a time zone ({value!r})",
    "ids_out_of_order": "the list answered ids out of order or below the requested minimum",
    "ids_above_max": "the list answered ids above the requested maximum",
    "same_page_twice": "the list answered the same page twice",
    "page_repeats_previous": "page {page} repeated the page before it",
    "cursor_seen_before": "the list's cursors lead back to one already followed",
}

# What to do about it: a list that moved settles; answers that break the paging rules are the store's. A count the
# list keeps falling short of is said as seen: the list ended early, or the count covers records the list leaves out.
_SETTLES = "The store changed faster than it could be read; a retry reads the list again."
_SHORT = (
    "Either pages ended early or the count covers records the list leaves out; a retry reads the list again. If it "
    "persists, compare the list with its count and report both to BigCommerce support."
)
_PAGING_NEXT = {"count_mismatch": _SHORT, "list_unstable": _SETTLES}
_PAGING_NEXT_DEFAULT = (
    "The store's answers broke BigCommerce's paging rules; a retry may get good ones. If it persists, report the "
    "list and this message to BigCommerce support."
)


def paging_problem(error: PagingError) -> str:
    """``error`` in words: the list, what was seen, the figures, what to do; nothing was returned as complete."""
    seen = PAGING_WORDS[error.reason].format(**error.facts)
    figures = f" (expected {error.expected}, read {error.read})" if error.expected is not None else ""
    next_step = _PAGING_NEXT.get(error.code, _PAGING_NEXT_DEFAULT)
    return f"Reading {error.path} failed ({error.code}): {seen}{figures}. Nothing was written. {next_step}"
