"""``provider.yaml`` is the source of the provider's metadata: ``get_provider_info.py`` is generated from it (as
Airflow's own providers do), and its form repeats what the core's properties accept."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce import __version__
from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import (
    API_ACCOUNTS_MENU,
    DEFAULT_API_URL,
    AuthScheme,
    ConnectionProperties,
    InitiateOAuth,
)
from airflow_provider_bigcommerce.get_provider_info import get_provider_info
from scripts import generate_provider_info as generator

REPO_ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")
PROVIDER_YAML = generator.load_provider_yaml()
(CONNECTION_TYPE,) = PROVIDER_YAML["connection-types"]
FORM = CONNECTION_TYPE["conn-fields"]
GIVEN = {"store_id": "abc123", "oauth_access_token": "t" * 20}  # what every connection needs


def _generated_function(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "get_provider_info.py", "exec"), namespace)
    return namespace["get_provider_info"]()


def test_get_provider_info_py_is_exactly_what_provider_yaml_generates() -> None:
    committed = generator.GENERATED.read_text(encoding="utf-8")

    assert generator.render(PROVIDER_YAML) == committed, "run: python scripts/generate_provider_info.py"
    assert generator.main(["--check"]) == 0


def test_airflow_gets_the_dict_provider_yaml_holds() -> None:
    assert get_provider_info() == PROVIDER_YAML


def test_an_edit_of_provider_yaml_not_yet_generated_is_caught() -> None:
    edited = {**PROVIDER_YAML, "description": PROVIDER_YAML["description"] + " Edited."}

    assert generator.render(edited) != generator.GENERATED.read_text(encoding="utf-8")


def test_the_generated_literal_holds_any_text_and_number_exactly_and_is_ruff_clean() -> None:
    awkward = {
        "single": "it's a 'quote', tab\there, line\nbreak, bell\x07, caf\u00e9 \u2713",
        "double": 'it\'s "quoted" "twice" and back\\slashed',
        "long": " ".join(f"word{index}" for index in range(60)) + "  two  spaces ",
        "dotted": "airflow_provider_bigcommerce." + "a_module_name_without_any_space." * 5 + "function",
        "numbers": [0, -1, 0.1, 30.0, 1767225600, True, False, None],
        "nested": [{"a": [1, 2]}, [], {}],
    }

    source = generator.render(awkward)

    assert _generated_function(source) == awkward
    for check in (["format", "--check"], ["check"]):
        ruff = subprocess.run(
            [str(RUFF), *check, "--stdin-filename", "get_provider_info.py", "-"],
            input=source,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    too_long = [line for line in source.splitlines() if len(line) > generator.LINE_LENGTH]
    assert [line.strip() for line in too_long] == [f'"dotted": "{awkward["dotted"]}",  # noqa: E501']


def test_versions_start_with_the_packages_version() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]

    assert PROVIDER_YAML["versions"][0] == __version__ == project["version"]


def test_the_forms_defaults_are_what_an_empty_field_means_to_the_core() -> None:
    properties = ConnectionProperties.from_mapping(GIVEN)
    defaults = {name: spec["schema"]["default"] for name, spec in FORM.items() if "default" in spec["schema"]}

    assert set(defaults) == {"auth_scheme", "callback_url", "scope", "initiate_oauth", "login_url"} | {
        "timeout",
        "reserve",
        "settle_seconds",
    }
    for name, default in defaults.items():
        assert getattr(properties, name) == default, name
    assert CONNECTION_TYPE["ui-field-behaviour"]["placeholders"]["host"] == DEFAULT_API_URL == properties.api_url


def test_the_forms_choices_are_the_cores() -> None:
    assert FORM["auth_scheme"]["schema"]["enum"] == [scheme.value for scheme in AuthScheme]
    assert FORM["initiate_oauth"]["schema"]["enum"] == [mode.value for mode in InitiateOAuth]
    assert API_ACCOUNTS_MENU in FORM["auth_scheme"]["description"]


@pytest.mark.parametrize("name", sorted(name for name, spec in FORM.items() if "minimum" in spec["schema"]))
def test_the_forms_number_ranges_are_what_the_core_accepts(name: str) -> None:
    schema = FORM[name]["schema"]
    low, high = schema["minimum"], schema["maximum"]

    for accepted in (low, high):
        assert getattr(ConnectionProperties.from_mapping({**GIVEN, name: accepted}), name) == accepted
    for refused in (low - 0.01, high + 0.01):
        with pytest.raises(PropertyError):
            ConnectionProperties.from_mapping({**GIVEN, name: refused})
