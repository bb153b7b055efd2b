"""Copy one BigCommerce list into object storage as newline-delimited JSON, incrementally run after run.

The work happens in ``core.export`` (plain Python); this operator maps the task's context onto it: the run's
window (its data interval, or for point-in-time runs the span since the task's previous success) becomes the
export window, the destination string becomes an ``ObjectStoragePath``, the connection becomes the hook's REST
client, and the manifest goes to XCom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_bigcommerce.transfers.run_window import INITIAL_LOADS, RunWindowMixin

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context, ObjectStoragePath


class BigCommerceToStorageOperator(RunWindowMixin, BaseOperator):
    """Export ``resource`` to ``destination`` as ``{resource}/{resource}_{start}_{end}.ndjson[.gz]``, or typed
    ``.parquet`` with ``file_format="parquet"``.

    Resources: ``orders`` (line items inline), ``order_shipping_addresses``, ``products``, ``variants``,
    ``brands``, ``category_trees``, ``customers``; or any list named by ``path``. Orders, shipping addresses,
    products and customers are read incrementally: exactly the records with ``start <= date_modified < end``
    of the run's window. The others are read whole on every run (the window only names their file).
    Shipping addresses come from the orders' shipping consignments (one request per 250 orders, not one per
    order), one record per address with its ``order_id``; an order's addresses follow its ``date_modified``.
    Returns the manifest (see ``core.export``); its ``window`` is the run's window.

    The window, under any schedule:

    - **Data-interval timetables** (``CronDataIntervalTimetable``, ``DeltaDataIntervalTimetable``): the run's
      data interval ``[data_interval_start, data_interval_end)``.
    - **Point-in-time runs** (Airflow 3's ``"@daily"`` or any cron string, ``schedule=None``, manual runs): from
      where the task's previous successful run ended to this run's logical date (a manual run without one:
      its ``run_after``). "Previous" is Airflow's record: the latest successful instance of this task (same map
      index) whose logical date is *before this run's*, and "where it ended" is the window end in its manifest.
      The first run starts at the DAG's ``start_date``, or with ``initial_load="full"`` reads a full snapshot.
    - A rerun or backfill of an old run gets the same window and file again, as long as the runs around it
      keep their states. It never reaches into a later run's window: when a later successful run already
      covers part of the span (it ran while this one had failed, or before a backfill), the window ends where
      that run's window starts, and a run left with an empty window is skipped.
    - While another run of the task between the previous and the next success is running, this try fails
      (and retries) instead of exporting the same span: run point-in-time exports one at a time
      (``max_active_runs=1``; ``airflow backfill create --max-active-runs 1``).
    - ``since`` / ``until`` replace either end; a window given this way is used as it is.
    - A window is read only once the connection's ``SettleSeconds`` (default 300) have passed since its end: records
      written in its last moments may be listed a little later (nothing promises read-after-write). A run that
      starts sooner, a manual run ending "now" say, defers until then, holding no worker slot, and resumes to
      export. Full snapshots do not wait.

    Assets and lineage: each run emits an asset event for ``bigcommerce://{store_id}/{resource}`` (the store
    of the connection) whose ``extra`` holds the window, the record count, the manifest's ``verification``, the
    files and the manifest file, so a DAG scheduled on that asset knows what arrived. Pass ``store_id`` to
    declare the asset at parse time too (the DAG's graph then shows it); otherwise, and for mapped exports, the
    event goes through the asset alias ``bigcommerce-export`` (``assets.bigcommerce.export_alias``), since
    Airflow drops events for assets no DAG declared. With the OpenLineage provider installed, the run reports the
    store's list as input and the written file as output, with the fields of the records.

    Runs without a logical date (``airflow dags trigger`` without ``--logical-date``) are not ordered by Airflow,
    so they do not chain with each other: give manual runs a logical date to make them incremental. Mapped
    exports find their previous run by map index: keep the expanded list's order. A rerun of the same window
    replaces the same file atomically.

    :param resource: a catalogue name, or the file prefix for a list given by ``path``.
    :param destination: folder for the files: a local path, or any ``ObjectStoragePath`` URL
        (``s3://aws_default@bucket/bigcommerce``) whose fsspec filesystem is installed. Templated.
    :param bigcommerce_conn_id: the BigCommerce connection.
    :param path: API path of a list outside the catalogue, with its version (``v2/coupons``).
    :param query_params: extra query parameters for the list (override the catalogue's). Templated.
    :param date_modified_params: with ``path``: the (minimum, maximum) ``date_modified`` filter parameter names,
        which makes that list incremental.
    :param incremental: ``False`` reads every record even where a date filter exists (a full snapshot).
    :param initial_load: what a point-in-time run with no previous success reads: ``"start_date"`` (default)
        the records modified since the DAG's ``start_date``; ``"full"`` a full snapshot (``{resource}_full``).
    :param since: window start (ISO 8601); replaces the start worked out above. Templated.
    :param until: window end, exclusive (ISO 8601); replaces the end worked out above. Templated.
    :param compression: ``None`` or ``"gzip"`` (NDJSON only: Parquet compresses inside).
    :param file_format: ``"ndjson"`` (default: the records as the API wrote them) or ``"parquet"``: typed columns
        from the resource's declared schema (ids integer, money exact ``decimal(20,4)``, dates UTC timestamps,
        nested values JSON text; README "Typed Parquet"), the same in every file; a field the schema does not know
        is kept in the ``_extra`` column and named in the manifest's ``extra``. Needs pyarrow (the ``[parquet]``
        extra). The asset event's ``extra`` and the OpenLineage facets then carry the typed schema. Templated.
    :param store_id: the connection's store hash, to declare the outlet asset when the DAG is parsed; a run
        whose connection names another store fails before reading.
    :param deletions: also write tombstones (``{resource}_deleted`` file, ``{"id", "_deleted_at"}`` records): the
        orders archived in the window, or the ids gone since the previous run's id snapshot. README "Resources"
        lists what each resource costs in requests.
    :param incomplete_orders: ``False`` leaves out orders in status Incomplete (0), checkouts stopped at the payment
        page; by default they are exported with the rest, whether or not the store's order list shows them
        (docs/open-questions.md "Orders count").
    """

    template_fields: Sequence[str] = (
        "resource",
        "destination",
        "bigcommerce_conn_id",
        "path",
        "query_params",
        "since",
        "until",
        "compression",
        "file_format",
    )
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        resource: str,
        destination: str | ObjectStoragePath,
        bigcommerce_conn_id: str = "bigcommerce_default",
        path: str | None = None,
        query_params: Mapping[str, Any] | None = None,
        date_modified_params: Sequence[str] | None = None,
        incremental: bool = True,
        initial_load: str = "start_date",
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        compression: str | None = None,
        store_id: str | None = None,
        deletions: bool = False,
        incomplete_orders: bool = True,
        file_format: str = "ndjson",
        **kwargs: Any,
    ) -> None:
        from airflow_provider_bigcommerce.assets.bigcommerce import create_asset, export_alias

        outlets = _as_list(kwargs.get("outlets"))
        self._given_outlet_uris = {uri for outlet in outlets if (uri := getattr(outlet, "uri", None))}
        self._store_outlet = bool(store_id and isinstance(resource, str) and "{{" not in resource)
        if self._store_outlet:
            kwargs["outlets"] = [*outlets, create_asset(store_id=store_id, name=resource)]
        elif export_alias() not in outlets:
            kwargs["outlets"] = [*outlets, export_alias()]
        super().__init__(**kwargs)
        self.store_id = store_id
        self._lineage: dict[str, Any] | None = None
        self.resource = resource
        self.destination = destination
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.path = path
        self.query_params = query_params
        self.date_modified_params = tuple(date_modified_params) if date_modified_params else None
        self.incremental = incremental
        if initial_load not in INITIAL_LOADS:
            from airflow_provider_bigcommerce.core.errors import ExportError

            raise ExportError("initial_load_unknown", initial_load=initial_load, choices=INITIAL_LOADS)
        self.initial_load = initial_load
        self.since = since
        self.until = until
        self.compression = compression
        self.deletions = deletions
        self.incomplete_orders = incomplete_orders
        self.file_format = file_format

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """``BaseOperator.partial`` with the export alias among the outlets. A mapped export is built only when it
        runs, so its store's asset cannot be declared when the DAG is parsed; the alias can, and must be: the
        first event through an alias Airflow has not stored fails when several tasks send one at once (its name is
        unique), as mapped exports do."""
        from airflow_provider_bigcommerce.assets.bigcommerce import export_alias

        outlets = _as_list(kwargs.get("outlets"))
        kwargs["outlets"] = outlets if export_alias() in outlets else [*outlets, export_alias()]
        return super().partial(**kwargs)

    def execute(self, context: Context, event: Any = None) -> dict[str, Any]:
        """Export the run's window; called again with the trigger's ``event`` once a deferred window has settled."""
        from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, ObjectStoragePath

        from airflow_provider_bigcommerce.core.errors import ExportError, PagingError, PropertyError
        from airflow_provider_bigcommerce.core.export.destination import DestinationError
        from airflow_provider_bigcommerce.core.export.resources import resource_for
        from airflow_provider_bigcommerce.core.export.run import export_resource
        from airflow_provider_bigcommerce.core.export.windows import WindowNotSettled
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook
        from airflow_provider_bigcommerce.messages.problems import api_problem

        try:
            resource = resource_for(
                self.resource,
                path=self.path,
                params=self.query_params,
                date_modified_params=self.date_modified_params,
            )
            window = self._window(context)
        except ExportError as error:
            # A rendered resource name that would leave the destination is refused here, before any request.
            raise AirflowFailException(api_problem(error, None)) from error
        # A first run told to load everything reads a snapshot; every other run reads its window.
        incremental = self.incremental and window is not None
        hook = BigCommerceHook(self.bigcommerce_conn_id)
        try:
            self._check_store(hook.properties.store_id)
            destination = ObjectStoragePath(self.destination)
            manifest = export_resource(
                hook.client,
                resource,
                destination,
                window=window,
                incremental=incremental,
                compression=self.compression or None,  # a template may render "no compression" as ""
                log=self.log,
                deletions=self.deletions,
                incomplete_orders=self.incomplete_orders,
                file_format=self.file_format or "ndjson",
            )
        except WindowNotSettled as wait:
            self._defer_until_settled(wait)
        except DestinationError as error:
            # The storage failed: nothing was published; a retry writes again (one that stays unwritable fails
            # once the retries are spent). A folder holding another store's files will not change by retrying.
            fails = AirflowFailException if error.code in ("other_store", "marker_unreadable") else AirflowException
            raise fails(hook.explain(error)) from error
        except (ExportError, PropertyError) as error:
            # Wrong arguments or connection properties: a retry would fail the same way.
            raise AirflowFailException(hook.explain(error)) from error
        except PagingError as error:
            # The list changed or misbehaved under the walk: nothing was published; a retry reads it again.
            raise AirflowException(hook.explain(error)) from error
        finally:
            hook.close()
        self._record_lineage(context, hook, manifest)
        return manifest

    def _check_store(self, store_id: str) -> None:
        from airflow.providers.common.compat.sdk import AirflowFailException

        if self.store_id and self.store_id != store_id:
            raise AirflowFailException(
                f"store_id='{self.store_id}' declares the asset of another store than connection "
                f"'{self.bigcommerce_conn_id}' reads (StoreId {store_id}); make them agree."
            )

    def _record_lineage(self, context: Context, hook: Any, manifest: dict[str, Any]) -> None:
        """The run's asset event with its metadata, the hook's lineage, and what OpenLineage asks for afterwards."""
        from airflow_provider_bigcommerce.assets.bigcommerce import AssetUriError, create_asset, export_alias
        from airflow_provider_bigcommerce.compat import add_alias_event
        from airflow_provider_bigcommerce.lineage import asset_event_extra

        store_id = hook.properties.store_id
        api_paths = [manifest["api_path"], *([manifest["child_path"]] if manifest.get("child_path") else [])]
        for path in api_paths:
            hook.add_input_lineage(path)
        self._lineage = {
            "store_id": store_id,
            "api_paths": api_paths,
            "files": [file["path"] for file in manifest["files"]],
            "records": manifest["records"],
            "compression": manifest.get("compression"),
            "schema": manifest.get("schema"),  # the typed columns of a Parquet export
            # Derived (line items) and fanned-out records have fields of their own, not the list's.
            "input_schema": self._resource_is_as_read(),
        }
        try:
            asset = create_asset(store_id=store_id, name=manifest["resource"])
        except AssetUriError as error:
            from airflow_provider_bigcommerce.messages.problems import api_problem

            self.log.warning("No asset event: %s", api_problem(error, None))
            return
        extra = asset_event_extra(manifest)
        if self._declared_when_parsed(asset.uri, context):
            context["outlet_events"][asset].extra = extra
            return
        # Airflow drops an event for an asset no DAG declared; through an alias it records it, creating the asset
        # (docs/airflow.md "Example DAGs and assets"). The alias is an outlet since the DAG was parsed (__init__,
        # partial). The outlets are read after execute: the undeclared asset goes, or it would get an empty event.
        alias = export_alias()
        self.outlets = [outlet for outlet in self.outlets if getattr(outlet, "uri", None) != asset.uri]
        add_alias_event(context["outlet_events"], alias, asset, extra)
        self.log.info(
            "Asset event for %s goes through the asset alias %r: the DAG did not declare the asset when parsed "
            "(pass store_id=%r to an unmapped export to show it in the DAG's graph).",
            asset.uri,
            alias.name,
            store_id,
        )

    def _declared_when_parsed(self, uri: str, context: Context) -> bool:
        """Whether the parsed DAG has ``uri`` as this task's outlet. A mapped task is built from its arguments
        only when it runs, so the asset ``store_id`` added then is not part of the parsed DAG."""
        return uri in self._given_outlet_uris or (self._store_outlet and context["ti"].map_index < 0)

    def _resource_is_as_read(self) -> bool:
        from airflow_provider_bigcommerce.core.export.resources import RESOURCES

        known = RESOURCES.get(self.resource) if self.path is None else None
        return known is None or (known.derive is None and known.fan_out is None)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage's listener calls this after a success: the store's list in, the written file out."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_bigcommerce.lineage import first_record, operator_lineage, record_fields

        facts = self._lineage
        if facts is None:
            return OperatorLineage()
        fields: list[tuple[str, str]] = []
        if facts.get("schema"):
            fields = [(column["name"], column["type"]) for column in facts["schema"]]
        elif facts["files"] and facts["records"]:
            from airflow.providers.common.compat.sdk import ObjectStoragePath

            fields = record_fields(first_record(ObjectStoragePath(facts["files"][0]), facts["compression"]))
        return operator_lineage(
            store_id=facts["store_id"],
            api_paths=facts["api_paths"],
            files=facts["files"],
            fields=fields,
            records=facts["records"],
            input_schema=facts["input_schema"],
        )


def _as_list(outlets: Any) -> list[Any]:
    """An operator's ``outlets`` argument as a list (it may be one asset, a list, a tuple or None)."""
    return [] if outlets is None else list(outlets) if isinstance(outlets, (list, tuple)) else [outlets]
