"""Every resource added for breadth (issue #20 part 1) exports through ``dag.test()``, one mapped task each, with an
exact count: the records each task wrote are the records an unfiltered read of its list through the client holds
(the window applied by the test, on the list's own date or its parent's)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, Resource
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.export_files import middle_third, read_records, record_moment
from tests.operators.dags.bc_test_export_breadth import ADDED

CONN_ID = "bc_export_breadth"
# The parts read inline with the products: the member of each product they come from.
INLINE = {"product_images": "images", "product_custom_fields": "custom_fields", "product_options": "options"}
INLINE |= {"product_modifiers": "modifiers"}


def _identity(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)


def _expected(client: BigCommerceClient, name: str, resource: Resource, window: Window) -> list[str]:
    """What the list holds for this window, read without any filter and filtered here."""
    if name in INLINE:
        products = client.paginate(resource.path, resource.params)
        return sorted(
            _identity({**part, "product_id": product["id"]}) for product in products for part in product[INLINE[name]]
        )
    claims = (
        (lambda record: window.claims(record_moment(record[resource.date_field]))) if resource.incremental else None
    )
    fan_out = resource.fan_out
    if fan_out is None:
        records = [r for r in client.paginate(resource.path) if claims is None or claims(r)]
        return sorted(map(_identity, records))
    parents = list(client.paginate(resource.path))
    if claims is not None and fan_out.filter_on == "parent":
        parents = [parent for parent in parents if claims(parent)]
        claims = None
    named = fan_out.parent_field  # a child that does not name its parent gets its id (a review, its product's)
    children = [
        {**child, named: child.get(named, parent["id"])} if named else child
        for parent in parents
        for child in client.paginate(fan_out.child.format(id=parent["id"]))
    ]
    return sorted(_identity(child) for child in children if claims is None or claims(child))


@pytest.mark.slow  # about a minute: 38 mapped exports
def test_every_added_resource_exports_through_dag_test_with_exact_counts(
    run_dag: Callable[..., Any], make_sandbox: Callable[..., Any], connection_env: Callable, tmp_path: Path
):
    # A store of its own whose quota does not pace the per-order and per-product reads (the runs' and the test's).
    sandbox = make_sandbox(seed=11, orders=240, products=60, customers=80, quota=100_000)
    extra = {
        "auth_scheme": "PersonalAccessToken",
        "store_id": sandbox.store_id,
        "oauth_access_token": sandbox.access_token,
    }
    window = middle_third(sandbox)
    conf = {
        "bigcommerce_conn_id": CONN_ID,
        "destination": str(tmp_path / "breadth"),
        "since": window.start.isoformat(),
        "until": window.end.isoformat(),
    }

    run = run_dag("bc_test_export_breadth", env=connection_env(CONN_ID, sandbox, extra), conf=conf)

    assert run.state == "success", run.failure()
    properties = ConnectionProperties.from_mapping(
        {"StoreId": sandbox.store_id, "OAuthAccessToken": sandbox.access_token, "URL": sandbox.base_url}
    )
    with BigCommerceClient(properties, token_source_for(properties)) as client:
        for index, name in enumerate(ADDED):
            manifest = run.xcom(f"export[{index}]")
            resource = RESOURCES[name]
            written = sorted(map(_identity, read_records(manifest["files"][0]["path"])))
            expected = _expected(client, name, resource, window)
            assert manifest["resource"] == name and written and written == expected, name
            assert manifest["records"] == len(expected), name
            assert manifest["mode"] == ("incremental" if resource.incremental else "full"), name
    assert len(ADDED) >= 21 and len(RESOURCES) >= 40
