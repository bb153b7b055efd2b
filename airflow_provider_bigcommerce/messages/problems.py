"""A failed API call, list walk or export in a few words a person can act on: the CLI's stderr, the hook's
task-log lines and the Test button's toast all say it this way. The core raises the errors with their data only."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import (
    AuthorizationRequiredError,
    BigCommerceApiError,
    BigCommerceError,
    BigCommerceTransportError,
    PagingError,
    PropertyError,
    QuotaLedgerError,
)
from airflow_provider_bigcommerce.core.export.destination import DestinationError
from airflow_provider_bigcommerce.core.export.resources import ResourceNameError
from airflow_provider_bigcommerce.core.export.windows import WindowError
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.messages.commands import airflow_next_step
from airflow_provider_bigcommerce.messages.http import api_error_problem, quota_ledger_problem, transport_problem
from airflow_provider_bigcommerce.messages.paging import paging_problem
from airflow_provider_bigcommerce.messages.properties import property_problem

# What is wrong with a refused resource name or API path (ResourceNameError.code).
NAME_WORDS = {
    "empty": "is empty",
    "absolute": "is an absolute path",
    "separator": "holds a '/' or '\\'",
    "dot_name": "is '.' or '..'",
    "control_character": "holds a control character",
    "dot_segment": "has a '.' or '..' segment",
}

# Why the destination could not be written (DestinationError.code).
DESTINATION_WORDS = {
    "not_a_folder": "a file stands where a folder is needed",
    "is_a_folder": "a folder stands where the file goes",
    "permission_denied": "this process may not write there",
    "not_found": "its folder cannot be created there (a path under /proc or /sys, a missing mount or bucket?)",
    "read_only": "the storage is read-only",
    "full": "the storage is full, or over a quota or a file size limit",
    "no_credentials": "no credentials for the object store were found (this machine's AWS settings: env, profile "
    "or role, or the connection named in the URL)",
    "storage_error": "the storage failed ({cause})",
    "other_store": "it holds the files of store {claimed}, and this connection reads store {store_id}",
    "marker_unreadable": "its store marker (_bigcommerce_store.json) is not one this package wrote",
}
_DESTINATION_NEXT = {
    "other_store": "Give each store a destination of its own; nothing was written.",
    "marker_unreadable": "Look at that file; delete it only if the folder holds one store's files. Nothing written.",
}


def name_problem(error: ResourceNameError) -> str:
    """A refused resource name or API path, and what a good one looks like."""
    seen = NAME_WORDS[error.code]
    if error.argument == "path":
        return (
            f"The path {error.name!r} {seen}: it names a list under /stores/{{StoreId}}/, e.g. v2/coupons or "
            "v3/catalog/brands. Nothing was read or written."
        )
    return (
        f"The resource name {error.name!r} {seen}: it becomes a folder and a file name under the destination, so "
        "it must be one plain name, e.g. coupons. Nothing was read or written."
    )


def destination_problem(error: DestinationError) -> str:
    """Why the destination could not be written, and that nothing was published."""
    seen = DESTINATION_WORDS[error.code].format(cause=error.cause, claimed=error.claimed, store_id=error.store_id)
    next_step = _DESTINATION_NEXT.get(
        error.code,
        "Choose another destination or fix its storage; nothing was published there, and a previous file stays "
        "as it was.",
    )
    return f"Cannot write {error.destination}: {seen}. {next_step}"


def window_problem(error: WindowError) -> str:
    if error.code != "out_of_range":
        return str(error)
    return (
        f"The export window's {error.bound} {error.value} lies outside the dates that can be named to the second "
        f"in UTC (years 1 to 9999). Give a {error.bound} within them."
    )


def api_problem(error: BigCommerceError, properties: ConnectionProperties | None) -> str:
    """``error`` in a few words a person can act on (the hook's Test button uses it too)."""
    if isinstance(error, PropertyError):
        return property_problem(error)
    if isinstance(error, PagingError):
        return paging_problem(error)
    if isinstance(error, ResourceNameError):
        return name_problem(error)
    if isinstance(error, WindowError):
        return window_problem(error)
    if isinstance(error, DestinationError):
        return destination_problem(error)
    if isinstance(error, BigCommerceTransportError):
        return transport_problem(error, properties)
    if isinstance(error, BigCommerceApiError):
        return api_error_problem(error, properties)
    if isinstance(error, QuotaLedgerError):
        return quota_ledger_problem(error)
    return str(error)


def explain(error: BaseException, properties: ConnectionProperties | None = None, *, conn_id: str | None = None) -> str:
    """``error`` in words for a task log or a trigger's event: its type, then what went wrong and what to do, with
    the commands for Airflow connection ``conn_id`` when a person has to authorize."""
    if isinstance(error, AuthorizationRequiredError):
        # The code and step in brackets let a log search or a test tell the cases apart without reading prose.
        words = api_problem(error, properties)
        return f"{type(error).__name__} [{error.code}, {error.next_step}]: {words} {airflow_next_step(error, conn_id)}"
    if isinstance(error, BigCommerceError):
        return f"{type(error).__name__}: {api_problem(error, properties)}"
    return f"{type(error).__name__}: {error}"
