"""An export that cannot run, in words: the argument, name, window or destination at fault, what to give instead,
and that nothing was written. Written from ``ExportError`` and its kinds (``ResourceNameError``, ``WindowError``,
``DestinationError``, ``SnapshotError``) and from ``WindowNotSettled``."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import ExportError
from airflow_provider_bigcommerce.core.export.destination import DestinationError
from airflow_provider_bigcommerce.core.export.id_snapshot import SnapshotError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, ResourceNameError
from airflow_provider_bigcommerce.core.export.windows import WindowError, WindowNotSettled
from airflow_provider_bigcommerce.core.load.errors import LoadError
from airflow_provider_bigcommerce.messages.commands import PROGRAM

_FULL_READ = "or set incremental=False for a full read"

# An export's arguments that cannot work (ExportError.code), facts in braces; the kinds below have their own.
EXPORT_WORDS = {
    "unknown_resource": "Unknown resource '{resource}'. Use one of {resources}, or name the list to read by its API "
    "path (v2/... or v3/...) with path='v2/...'.",
    "date_params_for_named": "date_modified_params only applies with path=...; '{resource}' has its filter built in "
    "(or none).",
    "path_not_versioned": "path '{path}' must start with v2/ or v3/ (the part after /stores/{{StoreId}}/).",
    "date_params_not_two": "date_modified_params takes two names, the minimum and the maximum filter parameter, not "
    "{count}.",
    "empty_window": "The export window starts where it ends ({start}): an incremental export of {resource} would "
    f"read nothing. Pass a since earlier than until, {_FULL_READ}.",
    "no_interval": "{resource} is read incrementally, but this run has no data interval. Pass since/until, "
    f"{_FULL_READ}.",
    "no_deletions": "{resource} has no way to find deleted records; export it without deletions (line items and "
    "addresses follow their order's tombstones, price list records their price list's).",
    "compression_unsupported": "compression '{compression}' is not supported; use None or one of {choices}.",
    "confirm_unset": "A catalogue resource's Confirm names no way to read ids (param, path or span); this is a bug, "
    "please report it.",
    "initial_load_unknown": "initial_load='{initial_load}' is not one of {choices}.",
    "no_start_date": "{task_id} has no previous successful run and its DAG has no start_date to begin from. Give "
    "the DAG a start_date, set initial_load='full', or pass since.",
    "later_runs_past_limit": "More than {limit} successful runs follow this one's logical date ({moment}); pass "
    "since and until to export an old span explicitly.",
    "moment_not_iso": "{name}='{value}' is not an ISO 8601 timestamp (2024-05-14T00:00:00+00:00).",
    "moment_naive": "{name}='{value}' has no time zone; add one (+00:00) so the window is unambiguous.",
    "unknown_format": "file_format '{file_format}' is not one of {choices}.",
    "compression_with_parquet": "compression '{compression}' applies to NDJSON; Parquet files are compressed inside "
    "(zstd).",
    "no_schema": "{resource} has no declared schema to type its columns: export it as NDJSON, or load a catalogue "
    "resource.",
    "parquet_unavailable": "Parquet needs pyarrow: pip install 'airflow-provider-bigcommerce[parquet]'.",
    "half_window": "{given} is given without {missing}: give both ends of the window, or neither for a full read.",
    "parallel_tasks_out_of_range": "parallel_tasks={value} is not a number of tasks from {low} to {high}.",
}
# Why a database load cannot run (LoadError.code).
LOAD_WORDS = {
    "unsupported_database": "Loading into {database} is not supported; the load knows {supported}.",
    "bad_table_name": "The table name {table!r} is refused: give name or schema.name, without quotes or control "
    "characters.",
    "table_name_too_long": "The table name {table!r} is longer than the {limit} bytes {database} keeps of a name "
    "(it would cut it, and two names could become one table): give a shorter name.",
    "no_schema": "{resource} has no declared schema to create its table from: load a catalogue resource.",
}
# The command line's own way to read any list (the CLI's words for "unknown_resource").
_UNKNOWN_RESOURCE_CLI = (
    "Unknown resource '{resource}'. Use one of {resources}, or read any list by its API path: "
    f"{PROGRAM} export NAME --path v2/... (or v3/...)."
)

# What is wrong with a refused resource name or API path (ResourceNameError.code).
NAME_WORDS = {
    "empty": "is empty",
    "absolute": "is an absolute path",
    "separator": "holds a '/' or '\\'",
    "dot_name": "is '.' or '..'",
    "control_character": "holds a control character",
    "dot_segment": "has a '.' or '..' segment",
}

# Why a window cannot be read (WindowError.code).
WINDOW_WORDS = {
    "window_naive": "The export window needs timezone-aware start and end datetimes ({start}, {end}): add a time "
    "zone (+00:00).",
    "window_reversed": "The export window starts ({start}) after it ends ({end}): give a start before the end.",
    "out_of_range": "The export window [{start}, {end}) cannot be read: its {bound} {value} lies outside the dates "
    "that can be named to the second in UTC (years 1 to 9999). Move its {bound} within them.",
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
    "marker_unreadable": "its store marker (_bigcommerce_store.json) is not one this package wrote, so nothing says "
    "whether it holds store {store_id}'s files",
}
_DESTINATION_NEXT = {
    "other_store": "Give each store a destination of its own; nothing was written.",
    "marker_unreadable": "Look at that file; delete it only if the folder holds one store's files. Nothing written.",
}

# Why an id snapshot was not believed (SnapshotError.code); the run then starts a new one.
SNAPSHOT_WORDS = {
    "unreadable": "is not gzip, is cut short, or is not text",
    "empty": "is empty, which no run writes",
    "bad_header": "has a first line that is not the snapshot header",
    "other_store": "was written for another store",
    "other_resource": "was written for another resource",
    "not_a_number": "has a line that is not a whole number",
    "out_of_bounds": "has an id below 0 or too large to be one",
    "not_ascending": "has ids out of order or repeated",
    "count_mismatch": "holds more or fewer ids than its header says",
    "checksum_mismatch": "holds other ids than the ones written",
}


def export_problem(error: ExportError, *, command_line: bool = False) -> str:
    """``error`` in words; ``command_line`` says it as to a user of ``airflow-bigcommerce export``."""
    if isinstance(error, ResourceNameError):
        return name_problem(error)
    if isinstance(error, WindowError):
        return WINDOW_WORDS[error.code].format(**error.facts)
    if isinstance(error, DestinationError):
        return destination_problem(error)
    if isinstance(error, SnapshotError):
        line = f" (line {error.line})" if error.line else ""
        return (
            f"The id snapshot {error.path} {SNAPSHOT_WORDS[error.code]}{line}; it is not used, and this run's ids "
            "start a new one (no tombstones until the next run)."
        )
    if isinstance(error, LoadError):
        return LOAD_WORDS[error.code].format(**error.facts)
    words = _UNKNOWN_RESOURCE_CLI if command_line and error.code == "unknown_resource" else EXPORT_WORDS[error.code]
    facts = {name: ", ".join(value) if isinstance(value, tuple) else value for name, value in error.facts.items()}
    return words.format(**facts, resources=", ".join(RESOURCES))


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


def not_settled_problem(error: WindowNotSettled) -> str:
    """A window too fresh to read: when it can be, and why it waits."""
    return (
        f"The export window [{error.facts['start']}, {error.facts['end']}) may be read from {error.facts['ready_at']} "
        f"on: records written in its last moments may be listed up to SettleSeconds ({error.settle_s:g} s) late. "
        "Nothing was read or written; run it then."
    )
