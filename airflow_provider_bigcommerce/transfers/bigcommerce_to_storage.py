"""Copy one BigCommerce list into object storage as newline-delimited JSON, incrementally by the run's interval.

The work happens in ``core.export`` (plain Python); this operator maps the task's context onto it: the data
interval becomes the export window, the destination string becomes an ``ObjectStoragePath``, the connection
becomes the hook's REST client, and the manifest goes to XCom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_bigcommerce.core.export import Window


class BigCommerceToStorageOperator(BaseOperator):
    """Export ``resource`` to ``destination`` as ``{resource}/{resource}_{start}_{end}.ndjson[.gz]``.

    Resources: ``orders`` (line items inline), ``order_shipping_addresses``, ``products``, ``variants``,
    ``brands``, ``category_trees``, ``customers``; or any list named by ``path``. Orders, shipping addresses,
    products and customers are read incrementally: exactly the records with
    ``data_interval_start <= date_modified < data_interval_end``. The others are read whole on every run.
    Shipping addresses come from the orders' shipping consignments (one request per 250 orders, not one per
    order), one record per address with its ``order_id``; an order's addresses follow its ``date_modified``.
    A rerun of the same interval replaces the same file atomically. Returns the manifest (see ``core.export``).

    :param resource: a catalogue name, or the file prefix for a list given by ``path``.
    :param destination: folder for the files: a local path, or any ``ObjectStoragePath`` URL
        (``s3://aws_default@bucket/bigcommerce``) whose fsspec filesystem is installed. Templated.
    :param bigcommerce_conn_id: the BigCommerce connection.
    :param path: API path of a list outside the catalogue, with its version (``v2/coupons``).
    :param query_params: extra query parameters for the list (override the catalogue's). Templated.
    :param date_modified_params: with ``path``: the (minimum, maximum) ``date_modified`` filter parameter names,
        which makes that list incremental.
    :param incremental: ``False`` reads every record even where a date filter exists (a full snapshot).
    :param since: window start (ISO 8601); defaults to the run's ``data_interval_start``. Templated.
    :param until: window end, exclusive (ISO 8601); defaults to the run's ``data_interval_end``. Templated.
    :param compression: ``None`` or ``"gzip"``.
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
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        compression: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.resource = resource
        self.destination = destination
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.path = path
        self.query_params = query_params
        self.date_modified_params = tuple(date_modified_params) if date_modified_params else None
        self.incremental = incremental
        self.since = since
        self.until = until
        self.compression = compression

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk import ObjectStoragePath
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider_bigcommerce.core.errors import PropertyError
        from airflow_provider_bigcommerce.core.export import ExportError, export_resource, resource_for
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

        hook = BigCommerceHook(self.bigcommerce_conn_id)
        try:
            resource = resource_for(
                self.resource,
                path=self.path,
                params=self.query_params,
                date_modified_params=self.date_modified_params,
            )
            window = self._window(context)
            destination = ObjectStoragePath(self.destination)
            return export_resource(
                hook.client,
                resource,
                destination,
                window=window,
                incremental=self.incremental,
                compression=self.compression or None,  # a template may render "no compression" as ""
                log=self.log,
            )
        except (ExportError, PropertyError) as error:
            # Wrong arguments or connection properties: a retry would fail the same way.
            raise AirflowFailException(str(error)) from error
        finally:
            hook.close()

    def _window(self, context: Context) -> Window | None:
        from airflow_provider_bigcommerce.core.export import Window

        start = _moment(self.since, "since") or context.get("data_interval_start")
        end = _moment(self.until, "until") or context.get("data_interval_end")
        if start is None or end is None:
            return None
        return Window(start, end)


def _moment(value: str | datetime | None, name: str) -> datetime | None:
    from airflow_provider_bigcommerce.core.export import ExportError

    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ExportError(f"{name}='{value}' is not an ISO 8601 timestamp (2024-05-14T00:00:00+00:00).") from None
    if moment.tzinfo is None:
        raise ExportError(f"{name}='{value}' has no time zone; add one (+00:00) so the window is unambiguous.")
    return moment
