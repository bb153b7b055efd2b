"""A feature the running Airflow line lacks, in words (``compat.AirflowFeatureUnavailable``)."""

from __future__ import annotations

from airflow_provider_bigcommerce.compat import AirflowFeatureUnavailable

# What the feature is, by AirflowFeatureUnavailable.feature.
FEATURE_WORDS = {
    "change_trigger": "Watching a store's list for changes (watched_asset, an AssetWatcher)",
    "point_in_time_window": "An export in a run without a data interval (a point-in-time window)",
    "shared_stream": "The change trigger's acknowledged shared stream",
    "asset_state_store": "Keeping the change trigger's marker in the asset's state store",
}

# What a user on an older line does instead, by feature.
INSTEAD_WORDS = {
    "change_trigger": "Schedule the DAG on a timetable and export incrementally instead.",
    "point_in_time_window": "Give the DAG a data-interval timetable (CronDataIntervalTimetable), or pass since "
    "and until.",
    "shared_stream": "The trigger polls in its own run() there.",
    "asset_state_store": "The trigger keeps the marker in memory there.",
}


def feature_problem(error: AirflowFeatureUnavailable) -> str:
    return (
        f"{FEATURE_WORDS[error.feature]} needs Apache Airflow {error.needs} or later; this is Airflow "
        f"{error.running}. {INSTEAD_WORDS[error.feature]} (docs/compatibility.md)"
    )
