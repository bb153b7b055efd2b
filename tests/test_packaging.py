"""The package's metadata: an SPDX license with its text shipped, the Airflow provider classifier, a changelog;
and what `make dist` builds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
_NOT_PACKAGED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "test-artifacts", "demo-*")


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


@pytest.mark.slow
def test_make_dist_builds_a_wheel_and_sdist_that_pass_twine_check_and_keep_the_example_dags_out_of_the_wheel(
    tmp_path: Path,
) -> None:
    """``make dist`` as the README says, on a copy of the checkout (a build writes *.egg-info into its source tree),
    with this interpreter's build and twine. An ``example_dags`` folder in the installed package would be loaded by
    Airflow as a bundle while ``[core] load_examples`` is on, beside a copy in the DAGs folder: the same DAG ids
    twice. The sdist keeps the examples, the docs and the constraints a user installs with."""
    source = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*_NOT_PACKAGED))

    made = subprocess.run(
        ["make", "dist", f"BIN={Path(sys.executable).parent}", "STAMP="],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert made.stdout.count("PASSED") == 2, made.stdout[-2000:]  # twine check --strict, one line per file
    version = PROJECT["version"]
    wheel = source / "dist" / f"airflow_provider_bigcommerce-{version}-py3-none-any.whl"
    sdist = source / "dist" / f"airflow_provider_bigcommerce-{version}.tar.gz"
    assert sorted(path.name for path in (source / "dist").iterdir()) == sorted([wheel.name, sdist.name])

    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert "airflow_provider_bigcommerce/triggers/changes.py" in in_wheel
    assert "airflow_provider_bigcommerce/provider.yaml" in in_wheel  # the metadata's source, as Airflow ships it
    # Only what Airflow components run: no example DAGs, no tests, and not the lookalike (a distribution of its own)
    assert not [
        name
        for name in in_wheel
        if "example_dags" in name or "lookalike" in name or name.startswith(("dags_examples/", "tests/"))
    ]
    metadata = next(name for name in in_wheel if name.endswith(".dist-info/METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines() if "Requires-Dist" in line]
    assert "Requires-Dist: apache-airflow<4,>=2.11" in requires  # tested on 2.11 and 3.0 to 3.3 (docs/compatibility.md)
    assert "Requires-Dist: apache-airflow-providers-common-compat>=1.23" in requires

    prefix = f"airflow_provider_bigcommerce-{version}/"
    with tarfile.open(sdist) as packed:
        in_sdist = {name.removeprefix(prefix) for name in packed.getnames()}
    examples = {f"dags_examples/{path.name}" for path in (REPO_ROOT / "dags_examples").glob("*.py")}
    assert examples and examples <= in_sdist
    assert {"constraints.txt", "CHANGELOG.md", "LICENSE", "README.md", "docs/airflow.md"} <= in_sdist
    assert {f"constraints/airflow-{line}.txt" for line in ("2.11", "3.0", "3.1", "3.2")} <= in_sdist
    assert "airflow_provider_bigcommerce/provider.yaml" in in_sdist
    assert {f"docs/{page}.md" for page in ("connection", "exporting", "deployment", "security")} <= in_sdist
    assert {"lookalike/pyproject.toml", "lookalike/bigcommerce_lookalike/cli.py"} <= in_sdist  # pip install ./lookalike
