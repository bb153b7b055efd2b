"""A failed API call or list walk in a few words a person can act on: the CLI's stderr, the hook's task-log
lines and the Test button's toast all say it this way. The core raises the errors with their data only."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import (
    BigCommerceApiError,
    BigCommerceError,
    BigCommerceTransportError,
    PagingError,
)
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

_TRANSPORT_WORDS = {
    "ConnectionError": "the connection failed (nothing listens there, or the host name is unknown)",
    "ConnectTimeout": "connecting timed out",
    "ReadTimeout": "no answer came within Timeout",
    "AnswerTooSlow": "the answer kept trickling past its deadline",
    "AnswerTooLarge": "the answer was larger than 64 MiB",
}

# What each PagingError.reason saw, with its facts in braces (PagingError.REASONS lists them by code).
PAGING_WORDS = {
    "short_after_passes": "after {passes} reads the list still holds fewer records than its count says",
    "moved_under_position_reads": "the list kept moving under {passes} reads by position",
    "grew_past_ceiling": "the list kept answering new records past {ceiling}",
    "pages_past_ceiling": "the list kept answering pages, empty or already read, past {pages}",
    "object_for_list": "a page answered one object where a list was expected",
    "not_whole_number": "the answer's {name} is {value!r}, not a whole number",
    "no_count": "the count request answered without a count",
    "bound_not_whole": "the {name} parameter {value!r} is not a whole number",
    "id_not_whole": "a record has no whole-number id ({value!r})",
    "parent_id_not_whole": "a parent record has no whole-number id ({value!r})",
    "date_not_readable": "a record's date_modified is not a date with a time zone ({value!r})",
    "ids_out_of_order": "the list answered ids out of order or below the requested minimum",
    "ids_above_max": "the list answered ids above the requested maximum",
    "same_page_twice": "the list answered the same page twice",
    "page_repeats_previous": "page {page} repeated the page before it",
    "cursor_seen_before": "the list's cursors lead back to one already followed",
}

# What to do about it: a store that changed too fast settles; answers that break the paging rules are the store's.
_SETTLES = "The store changed faster than it could be read; a retry reads the list again."
_PAGING_NEXT = {"count_mismatch": _SETTLES, "list_unstable": _SETTLES}
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


def api_problem(error: BigCommerceError, properties: ConnectionProperties | None) -> str:
    """``error`` in a few words a person can act on (the hook's Test button uses it too)."""
    where = properties.api_url if properties is not None else "the API URL"
    if isinstance(error, PagingError):
        return paging_problem(error)
    if isinstance(error, BigCommerceTransportError):
        # requests' own text is a dozen lines of urllib3 internals: name the host and the kind of failure instead.
        kind = _TRANSPORT_WORDS.get(error.cause or "", error.cause or "the request failed")
        tries = f" ({error.attempts} attempts)" if error.attempts > 1 else ""
        return (
            f"Cannot reach BigCommerce at {where}: {kind}{tries}. Check the API URL (URL, the connection's host) "
            "and that this machine can reach it."
        )
    if isinstance(error, BigCommerceApiError) and error.status == 404 and properties is not None:
        return (
            f"{error} No store answers at {properties.store_api_url}: check StoreId (store_id) "
            f"'{properties.store_id}', the hash between 'stores/' and '/v3' of the API path, and the API URL."
        )
    return str(error)
