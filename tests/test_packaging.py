"""The package's metadata: an SPDX license with its text shipped, the Airflow provider classifier, a changelog."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def test_the_license_is_an_spdx_expression_with_its_text_in_the_package() -> None:
    assert PROJECT["license"] == "Apache-2.0"  # a table here is deprecated by setuptools (PEP 639)
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (REPO_ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert not any(classifier.startswith("License ::") for classifier in PROJECT["classifiers"])


def test_pypi_finds_it_as_an_airflow_provider() -> None:
    assert "Framework :: Apache Airflow :: Provider" in PROJECT["classifiers"]
    assert {"airflow", "bigcommerce"} <= set(PROJECT["keywords"])
    assert PROJECT["urls"]


def test_the_changelog_has_an_entry_for_this_version() -> None:
    assert f"## {PROJECT['version']}" in (REPO_ROOT / "CHANGELOG.md").read_text()
