"""Quickstart: read the store behind ``bigcommerce_default`` and count its orders, products and customers.

Any connection of type ``bigcommerce`` works: a real store with a store-level API token, or the local lookalike
(``airflow-bigcommerce sandbox`` prints the three values). For a one-off run without a scheduler, from a checkout:
``dag.test()`` runs a DAG found in the DAGs folder and records the run in the metadata database, so point the one
at this folder and create the other first::

    export AIRFLOW__CORE__DAGS_FOLDER="$PWD/dags_examples"
    airflow db migrate
    export AIRFLOW_CONN_BIGCOMMERCE_DEFAULT='{"conn_type": "bigcommerce", "host": "<base_url>",
        "extra": {"auth_scheme": "PersonalAccessToken", "store_id": "<store_id>", "oauth_access_token": "<token>"}}'
    python dags_examples/bigcommerce_quickstart.py

Or copy this file into your DAGs folder and run it from there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.providers.common.compat.sdk import dag, task  # airflow.sdk on 3.x, airflow.decorators on 2.11

# What to count, and the list endpoint holding it (path includes the API version).
RESOURCES = {
    "orders": "v2/orders",
    "products": "v3/catalog/products",
    "customers": "v3/customers",
}


@dag(
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["bigcommerce", "example"],
    doc_md=__doc__,
)
def bigcommerce_quickstart():
    @task
    def count_store_records(bigcommerce_conn_id: str = "bigcommerce_default") -> dict:
        """Return the store's name and a record count per resource: facts only, nothing secret goes to XCom."""
        from airflow_provider_bigcommerce.hooks.bigcommerce import BigCommerceHook

        # [START howto_hook_bigcommerce]
        hook = BigCommerceHook(bigcommerce_conn_id)
        try:
            store = hook.request("GET", "v2/store")
            counts = {name: sum(1 for _ in hook.paginate(path)) for name, path in RESOURCES.items()}
        finally:
            hook.close()
        # [END howto_hook_bigcommerce]
        summary = {"store_name": store["name"], "store_id": hook.properties.store_id, "counts": counts}
        print(summary_line(summary))
        return summary

    count_store_records()


def summary_line(summary: dict) -> str:
    """``Store 'Name' (abc123): 300 orders, 120 products, 200 customers``."""
    counts = ", ".join(f"{count} {name}" for name, count in summary["counts"].items())
    return f"Store {summary['store_name']!r} ({summary['store_id']}): {counts}"


quickstart = bigcommerce_quickstart()

if __name__ == "__main__":
    import sys
    from pathlib import Path

    from airflow.configuration import conf

    here = Path(__file__).resolve()
    dags_folder = Path(conf.get("core", "dags_folder")).expanduser().resolve()
    if dags_folder not in here.parents:
        # dag.test() would fail later with "the dag is not serialized": say what to change instead.
        sys.exit(
            f"The DAGs folder is {dags_folder}, which does not hold {here.name}; dag.test() only runs DAGs from it. "
            f'Run `export AIRFLOW__CORE__DAGS_FOLDER="{here.parent}"` (or copy this file there) and try again.'
        )
    run = quickstart.test()
    if run.state != "success":
        sys.exit(f"The run ended {run.state}; the task's log above says why.")
    # Airflow logs the run at length: the result again, last, where it cannot be missed.
    result = run.get_task_instance("count_store_records").xcom_pull(task_ids="count_store_records")
    print(f"\n{summary_line(result)}")
