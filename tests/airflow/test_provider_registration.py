"""The provider registers with a real Airflow: schema-valid provider.yaml and provider info, found by the CLI, hook
importable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import airflow
import jsonschema
import pytest

from airflow_provider_bigcommerce.get_provider_info import get_provider_info
from scripts.generate_provider_info import load_provider_yaml

AIRFLOW_CLI = Path(sys.executable).with_name("airflow")
HOOK_CLASS = "airflow_provider_bigcommerce.hooks.bigcommerce.BigCommerceHook"


def _airflow_json(*args: str) -> list[dict]:
    result = subprocess.run(
        [str(AIRFLOW_CLI), *args, "--output", "json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("source", ["provider.yaml", "get_provider_info()"])
def test_provider_yaml_and_the_info_generated_from_it_match_airflows_provider_yaml_schema(source: str):
    schema = json.loads((Path(airflow.__file__).parent / "provider.yaml.schema.json").read_text())
    info = load_provider_yaml() if source == "provider.yaml" else get_provider_info()
    jsonschema.validate(info, schema)


def test_provider_info_matches_airflows_runtime_schema():
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_connection_type_and_hook_class_agree():
    from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

    (connection_type,) = get_provider_info()["connection-types"]
    assert connection_type["connection-type"] == BigCommerceHook.conn_type == "bigcommerce"
    assert connection_type["hook-class-name"] == f"{BigCommerceHook.__module__}.{BigCommerceHook.__qualname__}"
    assert connection_type["hook-name"] == BigCommerceHook.hook_name == "BigCommerce"
    assert BigCommerceHook.conn_name_attr == "bigcommerce_conn_id"
    assert BigCommerceHook.default_conn_name == "bigcommerce_default"


def test_airflow_providers_list_finds_the_provider():
    providers = {row["package_name"]: row for row in _airflow_json("providers", "list")}
    assert "airflow-provider-bigcommerce" in providers
    assert providers["airflow-provider-bigcommerce"]["version"] == get_provider_info()["versions"][0]


def test_airflow_providers_hooks_finds_the_hook():
    hooks = {row["connection_type"]: row for row in _airflow_json("providers", "hooks")}
    assert hooks["bigcommerce"]["class"] == HOOK_CLASS
    assert hooks["bigcommerce"]["package_name"] == "airflow-provider-bigcommerce"
    assert hooks["bigcommerce"]["conn_id_attribute_name"] == "bigcommerce_conn_id"
    assert hooks["bigcommerce"]["hook_name"] == "BigCommerce"


def test_importing_the_hook_module_leaves_requests_and_the_client_unloaded():
    code = (
        "import sys, airflow_provider_bigcommerce.hooks.bigcommerce; "
        "print(sorted(m for m in sys.modules if m in ('requests', 'airflow_provider_bigcommerce.core.http.client')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
