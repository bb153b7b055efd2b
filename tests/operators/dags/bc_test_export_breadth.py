"""Test DAG: every resource added for breadth (from ``product_metafields`` on in the catalogue), one mapped export.
``since``/``until`` (conf) give the incremental ones their window; the others read their whole list."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Param, dag

from airflow_provider_bigcommerce.core.export.resources import RESOURCES
from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator

NAMES = list(RESOURCES)
ADDED = NAMES[NAMES.index("product_metafields") :]


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    params={
        "bigcommerce_conn_id": Param("bigcommerce_default"),
        "destination": Param("/tmp/bc-test-export-breadth"),
        "since": Param(""),
        "until": Param(""),
    },
)
def bc_test_export_breadth():
    BigCommerceToStorageOperator.partial(
        task_id="export",
        bigcommerce_conn_id="{{ params.bigcommerce_conn_id }}",
        destination="{{ params.destination }}",
        since="{{ params.since }}",
        until="{{ params.until }}",
    ).expand(resource=ADDED)


bc_test_export_breadth()
