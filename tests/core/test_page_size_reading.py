"""A store may serve fewer records a page than the ``limit`` asked (docs/open-questions.md "Page size": a maximum of
250 is declared only for products and category trees). A short page is then the store's page size, learned from
its ``per_page``, its count or the next page, not the end of the list: every catalogue list exports exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bigcommerce_lookalike.readings import Readings

from airflow_provider_bigcommerce.core.export.resources import resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window
from tests.export_files import read_records

LISTS = [
    ("orders", "v2/orders", {}),  # keyset by id, a count without meta
    ("coupons", "v2/coupons", {}),  # by position, with a count
    ("products", "v3/catalog/products", {}),  # keyset by id, per_page in the meta
    ("variants", "v3/catalog/variants", {}),  # by position, per_page in the meta
    ("customers", "v3/customers", {}),  # cursor
]


@pytest.fixture(scope="module")
def truth(make_shared_sandbox):
    """Every record of each list as a store serving full pages answers it."""
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    store = make_shared_sandbox(seed=21, orders=520, products=260, customers=300)
    properties = ConnectionProperties.from_mapping(
        {"StoreId": store.store_id, "OAuthAccessToken": store.access_token, "URL": store.base_url}
    )
    with BigCommerceClient(properties, StaticTokenSource(store.access_token)) as client:
        return {path: sorted(record["id"] for record in client.paginate(path)) for _, path, _ in LISTS}


@pytest.mark.parametrize(("name", "path", "params"), LISTS)
def test_a_store_that_serves_fewer_than_asked_still_exports_every_record(
    make_sandbox, make_client, tmp_path, truth, name, path, params
):
    store = make_sandbox(seed=21, orders=520, products=260, customers=300, readings=Readings(page_cap=20))
    first, last = store.data_time_range
    window = Window(first - timedelta(days=400), last + timedelta(seconds=1))

    manifest = export_resource(make_client(store), resource_for(name), tmp_path, window=window, incremental=False)

    assert sorted(record["id"] for record in read_records(manifest["files"][0]["path"])) == truth[path]
    assert manifest["verification"]["verified"] in (True, None)
    assert len(truth[path]) > 20, "the list holds more than one served page"
