"""Which Airflow line has what: the one module of this provider that knows (docs/compatibility.md has the matrix).

Names that only moved between lines (``BaseHook``, ``BaseOperator``, ``Asset``/``Dataset``, ``mask_secret``, the
exceptions, ...) come from ``apache-airflow-providers-common-compat`` (``airflow.providers.common.compat.sdk``),
imported where they are used. Features that arrived in a given line are here, found by import (or signature)
rather than by version number, except one behaviour no import shows (2.11's alias events, ``add_alias_event``): each
is Airflow's own where the running line has it, and otherwise a stand-in that raises
``AirflowFeatureUnavailable``, naming the line it needs, when it is used. A module that defines one of them still
imports on an older line, so a DAG that does not use the feature parses and runs.
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any

from airflow import __version__ as AIRFLOW_VERSION
from airflow.providers.common.compat.sdk import AirflowOptionalProviderFeatureException

from airflow_provider_bigcommerce.core.errors import BigCommerceError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

NEEDS: dict[str, str] = {
    # feature -> the first Airflow line that has what it is built on
    "change_trigger": "3.0",  # AssetWatcher and BaseEventTrigger
    "point_in_time_window": "3.2",  # RuntimeTaskInstance.get_previous_ti: a run without a data interval
    "shared_stream": "3.3",  # airflow.triggers.shared_stream: acknowledged polling streams in the triggerer
    "asset_state_store": "3.3",  # AssetStateStoreAccessor: a watched asset's key-value store
}


class AirflowFeatureUnavailable(BigCommerceError, AirflowOptionalProviderFeatureException):
    """A feature this Airflow line lacks: ``feature`` (a key of ``NEEDS``) needs Airflow ``needs``; this is
    ``running``. An ``AirflowOptionalProviderFeatureException`` too, Airflow's type for exactly this."""

    CODES = frozenset(("needs_newer_airflow",))

    def __init__(self, feature: str) -> None:
        super().__init__("needs_newer_airflow", feature=feature, needs=NEEDS[feature], running=AIRFLOW_VERSION)
        self.feature = feature
        self.needs = NEEDS[feature]
        self.running = AIRFLOW_VERSION


# ---------------------------------------------------------------------------------------------- event triggers

try:
    from airflow.triggers.base import BaseEventTrigger
except ImportError:  # Airflow 2.11: no event triggers; asset_watcher() refuses, the trigger class still defines
    from airflow.triggers.base import BaseTrigger

    BaseEventTrigger = BaseTrigger

try:
    from airflow.sdk import AssetWatcher
except ImportError:
    AssetWatcher = None


def asset_watcher(name: str, trigger: Any) -> Any:
    """Airflow's ``AssetWatcher(name=..., trigger=...)`` (3.0+)."""
    if AssetWatcher is None:
        raise AirflowFeatureUnavailable("change_trigger")
    return AssetWatcher(name=name, trigger=trigger)


# ---------------------------------------------------------------------------------------------- shared streams

try:
    from airflow.triggers.shared_stream import SharedStreamProducer

    HAS_SHARED_STREAMS = True
except ImportError:  # before 3.3 the triggerer never asks a trigger for a stream: it runs the trigger's run()
    HAS_SHARED_STREAMS = False

    class SharedStreamProducer:  # type: ignore[no-redef]
        """Stands in for Airflow 3.3's base class, so a producer still defines; making one raises."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise AirflowFeatureUnavailable("shared_stream")

        def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:
            raise AirflowFeatureUnavailable("shared_stream")


def require_shared_streams() -> None:
    if not HAS_SHARED_STREAMS:
        raise AirflowFeatureUnavailable("shared_stream")


# ---------------------------------------------------------------------------------------------- asset state store


def _state_store_accessor() -> Any | None:
    """Airflow 3.3's ``AssetStateStoreAccessor``, or None. Looked up when used: its module loads the SDK's DAG
    machinery, which a hook or the command line should not pay for on import."""
    try:
        from airflow.sdk.execution_time.context import AssetStateStoreAccessor
    except ImportError:
        return None
    return AssetStateStoreAccessor


def asset_state_store(asset_uri: str) -> Any:
    """The state store of the asset ``asset_uri``, written through the supervisor (3.3+)."""
    accessor = _state_store_accessor()
    if accessor is None:
        raise AirflowFeatureUnavailable("asset_state_store")
    return accessor(uri=asset_uri)


def trigger_state_store(trigger: Any) -> Any | None:
    """The state store Airflow 3.3 gives a trigger that watches an asset; None where the line has none."""
    return trigger.asset_state_store if _state_store_accessor() is not None else None


# ---------------------------------------------------------------------------------------------- runs and lineage


def require_previous_runs(ti: Any) -> None:
    """A task instance that can look up its task's earlier runs by date and map index (``get_previous_ti``, 3.2+;
    2.11's method of that name takes neither)."""
    lookup = getattr(ti, "get_previous_ti", None)
    if lookup is None or "map_index" not in inspect.signature(lookup).parameters:
        raise AirflowFeatureUnavailable("point_in_time_window")


def add_alias_event(outlet_events: Any, alias: Any, asset: Any, extra: dict[str, Any]) -> None:
    """An event for ``asset`` through ``alias``. Airflow 2.11 keys an alias's events by ``frozenset(extra.items())``,
    so there a nested value (a dict or list) goes as JSON text; Airflow 3 keeps the extra as it is."""
    from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS

    if not AIRFLOW_V_3_0_PLUS:
        extra = {
            key: json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
            for key, value in extra.items()
        }
    outlet_events[alias].add(asset, extra=extra)


def add_input_lineage(context: Any, uri: str) -> None:
    """Report ``uri`` as read to Airflow's hook lineage collector (an asset on 3.x, a dataset on 2.11)."""
    from airflow.providers.common.compat.sdk import get_hook_lineage_collector

    collector = get_hook_lineage_collector()
    add = getattr(collector, "add_input_asset", None) or collector.add_input_dataset
    add(context=context, uri=uri)
