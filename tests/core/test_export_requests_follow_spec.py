"""Every request the catalogue's exports send is one the official OpenAPI files declare: a GET path template of
that list's file, and only query parameters that GET declares (``date_modified:min`` style names included).

The lookalike logs each request it receives (``SandboxStats.request_log``); the checks here read that log, so
they see what went over the wire, counts and retries included, not what the client meant to send.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_provider_bigcommerce.core.errors import BigCommerceApiError
from airflow_provider_bigcommerce.core.export.resources import RESOURCES, resource_for
from airflow_provider_bigcommerce.core.export.run import export_resource
from airflow_provider_bigcommerce.core.export.windows import Window
from airflow_provider_bigcommerce.core.paging.rules import with_paging


@pytest.fixture(scope="module")
def store(make_shared_sandbox):
    return make_shared_sandbox(seed=11, orders=300, products=40, customers=60, quota=100_000)


@pytest.mark.parametrize("name", list(RESOURCES))
def test_every_request_of_a_catalogue_export_is_declared_in_the_official_file_of_its_list(
    name, store, make_client, openapi, tmp_path
):
    first, last = store.data_time_range
    window = Window(first, last + timedelta(seconds=1))  # every record, through the date filter where there is one
    client = make_client(store)
    store.reset_stats()

    manifest = export_resource(client, resource_for(name), tmp_path, window=window)

    log = store.stats.request_log()
    assert manifest["records"] > 0 and len(log) == store.stats.requests == manifest["requests"]
    assert openapi.undeclared(log) == []


def test_the_check_flags_an_undeclared_parameter_and_an_undeclared_path(store, make_client, openapi):
    """The check above has teeth: ``limit`` on an order's transactions, ``page`` on the store profile, and a
    path no file declares are each reported; declared names pass, and ``v2/orders/count`` is matched as the
    literal path, not as ``v2/orders/{order_id}`` (which does not take ``min_id``)."""
    client = make_client(store)
    store.reset_stats()
    client.request("GET", "v3/orders/101/transactions", params={"limit": 250})
    client.request("GET", "v2/store", params={"page": 1})
    client.request("GET", "v3/catalog/products", params={"date_modified:min": "2025-01-01T00:00:00+00:00"})
    client.request("GET", "v2/orders/count", params={"min_id": 100})

    client.request("GET", "v3/orders/101/transactions", params={"limit": 250})
    with pytest.raises(BigCommerceApiError):
        client.request("GET", "v3/orders/101/everything")

    assert openapi.undeclared(store.stats.request_log()) == [
        ("v2/store", ("page",)),
        ("v3/orders/101/everything", ()),
        ("v3/orders/{order_id}/transactions", ("limit",)),
    ]


def test_the_walk_leaves_out_paging_exactly_where_the_official_file_declares_none(openapi):
    """``page_rules.UNPAGED`` against the files: every list the catalogue reads (fan-out children included), and
    the single-object endpoints, takes ``limit`` and ``page`` unless its GET declares neither."""
    paths = {"v2/time"}
    for resource in RESOURCES.values():
        paths.add(resource.path)
        if resource.fan_out is not None:
            paths.add(resource.fan_out.child.format(id=101))
    for path in sorted(paths):
        declared = frozenset().union(*(get.query for get in openapi.declared_get(path)))
        sent = set(with_paging(path, {}, limit=250, page=1))
        assert sent == {"limit", "page"} & declared, path
