"""Only what pyproject.toml cannot say: the example DAGs live in dags_examples/ at the top of the repository
and ship inside the package as ``airflow_provider_bigcommerce.example_dags``."""

from setuptools import find_packages, setup

EXAMPLE_DAGS = "airflow_provider_bigcommerce.example_dags"

setup(
    packages=[*find_packages(include=["airflow_provider_bigcommerce", "airflow_provider_bigcommerce.*"]), EXAMPLE_DAGS],
    package_dir={EXAMPLE_DAGS: "dags_examples"},
)
