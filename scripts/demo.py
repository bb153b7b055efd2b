"""`make demo`: the whole story against the local BigCommerce lookalike, in a throwaway AIRFLOW_HOME.

1. start the lookalike (a seeded store on loopback);
2. run the quickstart DAG with a store-level API token (AuthScheme=PersonalAccessToken);
3. authorize a custom app headlessly (headless option 1): the merchant's consent is given over HTTP, as a
   browser would, and the code becomes the connection's OAuthVerifier;
4. run the token refresh DAG (InitiateOAuth=REFRESH: the verifier is exchanged once and saved, encrypted);
5. run two daily intervals of the incremental export DAG with that app connection;
6. export more of the store without Airflow (``airflow-bigcommerce export``): a day of order line items, and
   coupons twice with a deletion between, which the second run reports as tombstones;
7. load every order into a local SQLite database with ``BigCommerceToSqlOperator`` (typed columns, one row per
   order) and answer a question in SQL from it: revenue by day;
8. print a summary table, and the steps that point the same DAGs at a real store.
Everything lands under ``demo-output/``. What it prints avoids the property names: a newcomer reads it first.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "demo-output"
AIRFLOW_HOME = OUTPUT / "airflow-home"
EXPORT_DIR = OUTPUT / "export"
SETTINGS_FILE = OUTPUT / "oauth" / "OAuthSettings.txt"
DATABASE = OUTPUT / "shop.db"

# Airflow reads its configuration on first import: set it before anything imports airflow.
shutil.rmtree(OUTPUT, ignore_errors=True)
AIRFLOW_HOME.mkdir(parents=True)
SETTINGS_FILE.parent.mkdir(parents=True)  # the "shared volume" every worker mounts
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags_examples"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        # Airflow's own warnings (e.g. about assets no scheduler has registered yet) are noise in a demo.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    }
)

from bigcommerce_lookalike import Sandbox, SandboxConfig  # noqa: E402

from airflow_provider_bigcommerce.core.auth.web_procedures import get_oauth_authorization_url  # noqa: E402
from airflow_provider_bigcommerce.core.properties import ConnectionProperties  # noqa: E402


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _connection_env(conn_id: str, host: str, extra: dict) -> None:
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
        {"conn_type": "bigcommerce", "host": host, "extra": extra}
    )


def _authorize_headlessly(sb: Sandbox, app_extra: dict) -> str:
    """Headless option 1: the consent is given elsewhere; only the code (verifier) reaches this machine."""
    properties = ConnectionProperties.from_mapping({**app_extra, "URL": sb.base_url})
    url = get_oauth_authorization_url(properties, state=secrets.token_urlsafe(16))
    redirect = sb.approve(url)
    return parse_qs(urlsplit(redirect).query)["code"][0]


def _run_dag(dag_id: str, logical_date: datetime | None = None):
    """``dag.test()`` of an example DAG; returns the DagRun."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO_ROOT / "dags_examples")).get_dag(dag_id)
    run = dag.test(logical_date=logical_date) if logical_date else dag.test()
    if run.state != "success":
        raise SystemExit(f"DAG {dag_id} ended {run.state}; see the log above.")
    return run


def _xcom(run, task_id: str) -> list:
    """The return values of ``task_id`` in ``run`` (one per mapped instance, in map order)."""
    from airflow import settings
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    query = (
        select(XComModel)
        .where(XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id, XComModel.task_id == task_id)
        .where(XComModel.key == "return_value")
        .order_by(XComModel.map_index)
    )
    with settings.Session() as session:
        values = [XComModel.deserialize_value(row) for row in session.scalars(query)]
    # Values written through the Task Execution API come back as JSON text.
    return [json.loads(value) if isinstance(value, str) else value for value in values]


def main() -> int:
    started = time.monotonic()
    config = SandboxConfig(seed=7, orders=12000, products=3000, customers=6000, latency_ms=5)
    with Sandbox(config) as sb:
        _step(f"Local BigCommerce lookalike at {sb.base_url}, store {sb.store_id}")
        subprocess.run([Path(sys.executable).with_name("airflow"), "db", "migrate"], check=True, capture_output=True)

        _step("Quickstart DAG, with a store-level API token: count what the store holds")
        _connection_env(
            "bigcommerce_default",
            sb.base_url,
            {"auth_scheme": "PersonalAccessToken", "store_id": sb.store_id, "oauth_access_token": sb.access_token},
        )
        _run_dag("bigcommerce_quickstart")  # its task prints the store's counts

        _step("Authorize a custom app (OAuth) on a machine without a browser")
        app = {
            "AuthScheme": "OAuth",
            "StoreId": sb.store_id,
            "OAuthClientId": sb.client_id,
            "OAuthClientSecret": sb.client_secret,
            "CallbackURL": sb.callback_url,
            "LoginURL": sb.login_url,
            "InitiateOAuth": "REFRESH",
            "OAuthSettingsLocation": str(SETTINGS_FILE),
            "OAuthSettingsPassphrase": secrets.token_urlsafe(24),
        }
        app["OAuthVerifier"] = _authorize_headlessly(sb, app)
        _connection_env("bigcommerce_app", sb.base_url, app)
        print(
            "The store owner approved the app in a browser elsewhere; the one-time code it returned is now in "
            "connection bigcommerce_app."
        )

        _step("Token DAG: trade the code for a token once, save it encrypted, check that it works")
        os.environ["AIRFLOW_VAR_BIGCOMMERCE_FLEET"] = json.dumps(["bigcommerce_app"])
        for status in _xcom(_run_dag("bigcommerce_token_refresh"), "refresh"):
            print("  " + _token_line(status))
        print(f"Tokens requested from the OAuth host: {sb.stats.token_requests} (later runs reuse the saved one)")

        _step("Export DAG: two days of orders, products and customers, only what changed each day")
        os.environ["AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID"] = "bigcommerce_app"
        os.environ["AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION"] = str(EXPORT_DIR)
        last_day = sb.data_time_range[1].replace(hour=0, minute=0, second=0, microsecond=0)
        rows = []
        for day in (last_day - timedelta(days=1), last_day):
            # A manual run of a data-interval timetable covers the day before its logical date.
            run = _run_dag("bigcommerce_incremental_export", logical_date=day + timedelta(days=1))
            for row in _xcom(run, "summarize")[0]:
                rows.append({"day": day.date().isoformat(), **row})

        _step("More of the store, without Airflow: order line items, and coupons with what was deleted")
        os.environ["BIGCOMMERCE_CONNECTION_STRING"] = (
            f"AuthScheme=PersonalAccessToken;StoreId={sb.store_id};OAuthAccessToken={sb.access_token};URL={sb.base_url}"
        )
        window = ["--since", last_day.isoformat(), "--until", (last_day + timedelta(days=1)).isoformat()]
        lines = _export_cli("order_line_items", *window)
        print(f"  order line items of {last_day.date()}: {lines['records']} in {lines['requests']} requests")
        first = _export_cli("coupons", "--deletions")
        sb.changes.plan("v2/coupons", after=0, delete=[3, 7])  # the merchant deletes two coupons
        second = _export_cli("coupons", "--deletions")
        tombstones = second["deletions"]
        print(f"  coupons: {first['records']}, then {second['records']} after two were deleted;")
        print(f'  the second run wrote {tombstones["records"]} tombstones ({{"id", "_deleted_at"}} records)')

        _step(f"Database DAG: every order into a local database ({DATABASE.name}, SQLite), typed, one row per order")
        os.environ["AIRFLOW_CONN_BIGCOMMERCE_WAREHOUSE"] = json.dumps({"conn_type": "sqlite", "host": str(DATABASE)})
        os.environ["AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID"] = "bigcommerce_default"  # the app has no coupon scope
        loaded = _xcom(_run_dag("bigcommerce_to_database"), "orders")[0]
        print(f"  {loaded['rows']['inserted']} orders loaded into table orders in {loaded['seconds']:.1f} s")

    _step(f"Summary (files under {EXPORT_DIR})")
    header = f"{'day':<11} {'resource':<10} {'records':>8} {'files':>5} {'requests':>8} {'429s':>5} {'seconds':>8}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['day']:<11} {row['resource']:<10} {row['records']:>8} {len(row['files']):>5} "
            f"{row['requests']:>8} {row['responses_429']:>5} {row['seconds']:>8.2f}"
        )

    _step(f"Revenue by day, answered in SQL from the orders table ({DATABASE})")
    _revenue_by_day()
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s. Files: {EXPORT_DIR}")

    _step("Next: point it at your store")
    print(NEXT_STEPS)
    return 0


NEXT_STEPS = """\
1. In the store's control panel: Settings > Store-level API accounts > Create API account. Copy the access token,
   and the store hash from the API path it shows (https://api.bigcommerce.com/stores/<store hash>/v3/).
2. Add the connection to your Airflow:
     airflow connections add bigcommerce_default --conn-json '{"conn_type": "bigcommerce",
       "extra": {"auth_scheme": "PersonalAccessToken", "store_id": "<store hash>", "oauth_access_token": "<token>"}}'
3. Test it:
     AIRFLOW__CORE__TEST_CONNECTION=Enabled airflow connections test bigcommerce_default
4. Copy the example DAGs into your DAGs folder and run one:
     cp dags_examples/*.py "$(airflow config get-value core dags_folder)/"
     airflow dags test bigcommerce_quickstart
docs/connection.md "Connecting" covers custom apps (OAuth) too."""


def _export_cli(resource: str, *arguments: str) -> dict:
    """``airflow-bigcommerce export``: the same core as the export operator; returns the manifest it prints."""
    command = [Path(sys.executable).with_name("airflow-bigcommerce"), "export", resource, *arguments]
    done = subprocess.run([*command, "--destination", str(EXPORT_DIR)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


REVENUE_BY_DAY = """
SELECT date(date_created) AS day, count(*) AS orders, round(sum(total_inc_tax), 2) AS revenue
FROM orders WHERE status_id NOT IN (0, 5) GROUP BY day ORDER BY day DESC LIMIT 7
"""


def _revenue_by_day() -> None:
    """A question answered in SQL from the loaded table: revenue of the last seven days with orders (Incomplete
    and Cancelled left out)."""
    import sqlite3

    with sqlite3.connect(DATABASE) as database:
        days = database.execute(REVENUE_BY_DAY).fetchall()
    print("  " + " ".join(REVENUE_BY_DAY.split()))
    print(f"  {'day':<11} {'orders':>6} {'revenue':>12}")
    for day, orders, revenue in days:
        print(f"  {day:<11} {orders:>6} {revenue:>12,.2f}")


def _token_line(status: dict) -> str:
    """One sentence for a token status (the DAG returns a dozen fields)."""
    done = {"exchanged": "traded the code for a token", "refreshed": "refreshed the token"}.get(
        status.get("action", ""), "kept the saved token"
    )
    expires = "it never expires" if status.get("expires") == "never" else f"it expires {status.get('expires')}"
    check = "works" if status.get("last_check_result") == "ok" else f"check: {status.get('last_check_result')}"
    return f"store {status['store']}: {done}, saved encrypted to {status['settings_location']}; {expires}; {check}."


if __name__ == "__main__":
    raise SystemExit(main())
