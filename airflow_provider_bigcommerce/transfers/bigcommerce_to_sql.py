"""Load one BigCommerce list into a database table, exactly once per window, run after run.

The work happens in ``core.load`` (plain Python, any DB-API connection); this operator maps the task's context
onto it: the run's window as the export operator works it out (``run_window``), the BigCommerce connection to the
hook's REST client, and ``sql_conn_id`` to a DB-API connection through Airflow's own hook for it (``common.sql``'s
``DbApiHook``, from the connection's provider: ``PostgresHook``, ``SqliteHook``). The load's summary goes to XCom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_bigcommerce.transfers.run_window import INITIAL_LOADS, RunWindowMixin

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context


class BigCommerceToSqlOperator(RunWindowMixin, BaseOperator):
    """Load ``resource`` into ``table`` of the database ``sql_conn_id`` reaches: a typed, deduplicated,
    deletion-applied copy of the store's list.

    Each run reads its window exactly as ``BigCommerceToStorageOperator`` does (the data interval, or since the
    task's previous success; ``since``/``until``; ``incremental=False`` for a full read; it defers while the window
    settles) and, in one database transaction:

    - creates ``table`` from the resource's typed schema when it is missing (PostgreSQL: ``bigint`` ids,
      ``numeric(20,4)`` money, ``timestamptz`` dates, ``jsonb`` nested values; primary key the resource's key);
    - adds a column for each field the table lacks: a field new to the schema (typed), or one the API sends that
      the schema does not know (``jsonb``); what a declared type cannot hold unchanged goes to ``_extra``;
    - merges the window's records by primary key: new keys inserted, rows whose values changed updated,
      the others left alone (``INSERT ... ON CONFLICT ... DO UPDATE``);
    - with ``deletions``, deletes the records the store deleted (found as the export finds its tombstones, the
      table's keys standing for the previous run's id snapshot);
    - commits. A failure anywhere rolls back: the table is as it was, and a retry or rerun loads the window again;
      a second load of the same records changes nothing, so each record is in the table exactly once.

    Databases: PostgreSQL and SQLite (``core.load.dialects``); another is refused before any request.
    Returns the summary: the read's facts (window, records, verification, requests) and ``rows`` (read, inserted,
    updated, unchanged, deleted), ``columns_added``, ``extra``, ``deletions``.

    :param resource: a catalogue resource (its declared schema makes the table).
    :param sql_conn_id: the database connection (``postgres``, ``sqlite``).
    :param table: ``name`` or ``schema.name``. Templated.
    :param bigcommerce_conn_id: the BigCommerce connection.
    :param query_params: extra query parameters for the list. Templated.
    :param incremental: ``False`` reads every record even where a date filter exists (a full snapshot).
    :param initial_load: what a point-in-time run with no previous success reads: ``"start_date"`` or ``"full"``.
    :param since: window start (ISO 8601). Templated.
    :param until: window end, exclusive (ISO 8601). Templated.
    :param deletions: delete the rows of records the store deleted (README "Resources" lists what it costs).
    :param incomplete_orders: ``False`` leaves out orders in status Incomplete (0).
    """

    template_fields: Sequence[str] = (
        "resource",
        "table",
        "sql_conn_id",
        "bigcommerce_conn_id",
        "query_params",
        "since",
        "until",
    )
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        resource: str,
        sql_conn_id: str,
        table: str,
        bigcommerce_conn_id: str = "bigcommerce_default",
        query_params: Mapping[str, Any] | None = None,
        incremental: bool = True,
        initial_load: str = "start_date",
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        deletions: bool = False,
        incomplete_orders: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if initial_load not in INITIAL_LOADS:
            from airflow_provider_bigcommerce.core.errors import ExportError

            raise ExportError("initial_load_unknown", initial_load=initial_load, choices=INITIAL_LOADS)
        self.resource = resource
        self.sql_conn_id = sql_conn_id
        self.table = table
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.query_params = query_params
        self.incremental = incremental
        self.initial_load = initial_load
        self.since = since
        self.until = until
        self.deletions = deletions
        self.incomplete_orders = incomplete_orders

    def execute(self, context: Context, event: Any = None) -> dict[str, Any]:
        """Load the run's window; called again with the trigger's ``event`` once a deferred window has settled."""
        from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

        from airflow_provider_bigcommerce.core.errors import ExportError, PagingError, PropertyError
        from airflow_provider_bigcommerce.core.export.resources import resource_for
        from airflow_provider_bigcommerce.core.export.windows import WindowNotSettled
        from airflow_provider_bigcommerce.core.load.dialects import dialect_for
        from airflow_provider_bigcommerce.core.load.run import ResourceLoad
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook
        from airflow_provider_bigcommerce.messages.problems import api_problem

        try:
            resource = resource_for(self.resource, params=self.query_params)
            window = self._window(context)
            database = self._database_hook()
            dialect = dialect_for(database.dialect_name)
        except ExportError as error:
            raise AirflowFailException(api_problem(error, None)) from error
        incremental = self.incremental and window is not None
        hook = BigCommerceHook(self.bigcommerce_conn_id)
        connection = None
        try:
            load = ResourceLoad(
                hook.client,
                resource,
                self.table,
                window=window,
                incremental=incremental,
                deletions=self.deletions,
                incomplete_orders=self.incomplete_orders,
                log=self.log,
            )
            load.check_settled()  # before the database: a window that must wait does not open a connection
            connection = database.get_conn()
            summary = load.into(connection, dialect)
        except WindowNotSettled as wait:
            self._defer_until_settled(wait)
        except (ExportError, PropertyError) as error:
            # Wrong arguments or connection properties: a retry would fail the same way.
            raise AirflowFailException(hook.explain(error)) from error
        except PagingError as error:
            # The list changed or misbehaved under the read: nothing was merged; a retry reads it again.
            raise AirflowException(hook.explain(error)) from error
        finally:
            if connection is not None:
                connection.close()
            hook.close()
        return summary

    def _database_hook(self) -> Any:
        """Airflow's hook for ``sql_conn_id``, from the connection's own provider; it must be a ``DbApiHook``."""
        from airflow.providers.common.compat.sdk import BaseHook
        from airflow.providers.common.sql.hooks.sql import DbApiHook

        from airflow_provider_bigcommerce.core.load.dialects import DIALECTS
        from airflow_provider_bigcommerce.core.load.errors import LoadError

        database = BaseHook.get_connection(self.sql_conn_id).get_hook()
        if not isinstance(database, DbApiHook):
            raise LoadError("unsupported_database", database=type(database).__name__, supported=sorted(DIALECTS))
        return database
