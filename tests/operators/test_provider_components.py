"""What get_provider_info declares beyond the connection: operators, sensors, triggers, transfers and the
``bigcommerce://`` asset scheme."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import airflow
import jsonschema
import pytest

from airflow_provider_bigcommerce.get_provider_info import get_provider_info

EXPECTED_CLASSES = {
    "operators": {"airflow_provider_bigcommerce.operators.refresh_token": "BigCommerceRefreshTokenOperator"},
    "sensors": {"airflow_provider_bigcommerce.sensors.token": "BigCommerceTokenSensor"},
    "triggers": {
        "airflow_provider_bigcommerce.triggers.token": "BigCommerceTokenTrigger",
        "airflow_provider_bigcommerce.triggers.changes": "BigCommerceChangeTrigger",
    },
}

TRANSFER_CLASSES = {
    "airflow_provider_bigcommerce.transfers.bigcommerce_to_storage": "BigCommerceToStorageOperator",
    "airflow_provider_bigcommerce.transfers.bigcommerce_to_sql": "BigCommerceToSqlOperator",
}


def test_provider_info_with_its_components_matches_airflows_schemas():
    info = get_provider_info()
    for schema_file in ("provider.yaml.schema.json", "provider_info.schema.json"):
        jsonschema.validate(info, json.loads((Path(airflow.__file__).parent / schema_file).read_text()))


def test_every_listed_module_imports_and_holds_its_class_under_a_declared_integration():
    info = get_provider_info()
    integrations = {integration["integration-name"] for integration in info["integrations"]}
    for kind, classes in EXPECTED_CLASSES.items():
        modules = [module for entry in info[kind] for module in entry["python-modules"]]
        assert sorted(modules) == sorted(classes), kind
        assert {entry["integration-name"] for entry in info[kind]} <= integrations
        for module, name in classes.items():
            assert hasattr(importlib.import_module(module), name), f"{module}.{name}"
    transfers = {transfer["python-module"]: transfer for transfer in info["transfers"]}
    assert sorted(transfers) == sorted(TRANSFER_CLASSES)
    for module, name in TRANSFER_CLASSES.items():
        assert transfers[module]["source-integration-name"] in integrations
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


def test_airflow_registers_the_bigcommerce_asset_scheme_normalizer_and_openlineage_converter():
    from airflow.sdk import Asset
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    from airflow_provider_bigcommerce.assets import bigcommerce

    manager = ProvidersManagerTaskRuntime()
    assert manager.asset_uri_handlers["bigcommerce"] is bigcommerce.sanitize_uri
    assert manager.asset_factories["bigcommerce"] is bigcommerce.create_asset
    assert manager.asset_to_openlineage_converters["bigcommerce"] is bigcommerce.convert_asset_to_openlineage
    assert Asset(uri="bigcommerce://abc123/orders/").uri == "bigcommerce://abc123/orders"
    for bad in ("bigcommerce:///orders", "bigcommerce://abc123/", "bigcommerce://abc-123/orders"):
        with pytest.raises(bigcommerce.AssetUriError) as raised:
            Asset(uri=bad)
        assert raised.value.uri.startswith("bigcommerce://")


def test_an_asset_of_the_store_becomes_an_openlineage_dataset_named_by_store_and_list():
    pytest.importorskip("airflow.providers.openlineage")
    from airflow.providers.openlineage.utils.utils import translate_airflow_asset
    from airflow.sdk import Asset

    dataset = translate_airflow_asset(Asset(uri="bigcommerce://abc123/v2/orders"), None)
    assert (dataset.namespace, dataset.name) == ("bigcommerce://abc123", "v2/orders")


def test_airflow_lists_the_providers_triggers():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "providers", "triggers", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    ours = {row["class"] for row in json.loads(result.stdout) if row["package_name"] == "airflow-provider-bigcommerce"}
    assert ours == set(EXPECTED_CLASSES["triggers"])


def test_hook_lineage_names_the_list_without_its_query_and_skips_a_path_no_uri_can_name(
    monkeypatch: pytest.MonkeyPatch,
):
    from airflow.sdk.lineage import HookLineageCollector

    from airflow_provider_bigcommerce.assets.bigcommerce import asset_uri
    from airflow_provider_bigcommerce.hooks import bigcommerce as hook_module

    extra = {"auth_scheme": "PersonalAccessToken", "store_id": "abc123", "oauth_access_token": "not-used"}
    monkeypatch.setenv("AIRFLOW_CONN_BC_LINEAGE", json.dumps({"conn_type": "bigcommerce", "extra": extra}))
    collector = HookLineageCollector()
    monkeypatch.setattr("airflow.sdk.lineage.get_hook_lineage_collector", lambda: collector)
    hook = hook_module.BigCommerceHook("bc_lineage")

    hook.add_input_lineage("v3/catalog/products?include=variants")
    hook.add_input_lineage("v3/no such list")

    assert asset_uri("abc123", "v2/orders?limit=1") == "bigcommerce://abc123/v2/orders"
    assert [entry.asset.uri for entry in collector.collected_assets.inputs] == [
        "bigcommerce://abc123/v3/catalog/products"
    ]


def test_an_export_that_cannot_declare_its_stores_asset_declares_the_export_alias_when_parsed():
    """A mapped export (built only when it runs) or one without store_id emits through the alias, which must be an
    outlet of the parsed DAG: the first events of mapped tasks through an alias Airflow has not stored yet race on
    its unique name and fail all but one task."""
    from datetime import UTC, datetime

    from airflow.sdk import DAG

    from airflow_provider_bigcommerce.assets.bigcommerce import create_asset, export_alias
    from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator as Export

    with DAG("bc_outlets", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=UTC)):
        mapped = Export.partial(task_id="mapped", destination="/x", store_id="abc123").expand(resource=["orders"])
        mapped_own = Export.partial(task_id="own", destination="/x", outlets=[export_alias()]).expand(resource=["a"])
        undeclared = Export(task_id="undeclared", resource="orders", destination="/x")
        declared = Export(task_id="declared", resource="orders", destination="/x", store_id="abc123")

    assert mapped.outlets == mapped_own.outlets == undeclared.outlets == [export_alias()]
    assert declared.outlets == [create_asset(store_id="abc123", name="orders")]
