"""The export under point-in-time schedules (``@daily``, ``schedule=None``) through dag.test() on the lookalike.

Each run's window runs from where the task's previous success ended to the run's logical date; the first run
starts at the DAG's start_date. Reruns and backfills keep their window and never reach into a later run's.
The DAGs are in ``dags/bc_test_point_in_time.py``, one per test, so the runs of one test never meet another's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from tests.export_files import read_records

CONN_ID = "bc_pit_pat"
PATHS = {"orders": "v2/orders", "customers": "v3/customers"}
START = datetime(2025, 5, 1, tzinfo=UTC)  # the test DAGs' start_date


def may(day: int) -> datetime:
    return datetime(2025, 5, day, tzinfo=UTC)


def _modified(record: dict[str, Any]) -> datetime:
    value = record["date_modified"]
    return parsedate_to_datetime(value) if value[:1].isalpha() else datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def store_records(sandbox: Any) -> dict[str, list[dict[str, Any]]]:
    """Every order and customer of the lookalike, read without any filter: the truth to compare with."""
    properties = ConnectionProperties.from_mapping(
        {"StoreId": sandbox.store_id, "OAuthAccessToken": sandbox.access_token, "URL": sandbox.base_url}
    )
    with BigCommerceClient(properties, token_source_for(properties)) as client:
        return {name: list(client.paginate(path)) for name, path in PATHS.items()}


@pytest.fixture
def destination(tmp_path: Path) -> Path:
    return tmp_path / "export"


@pytest.fixture
def export_env(sandbox: Any, pat_extra: dict[str, str], destination: Path, connection_env: Callable) -> dict[str, str]:
    return {
        **connection_env(CONN_ID, sandbox, pat_extra),
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": CONN_ID,
        "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_DESTINATION": str(destination),
    }


def _windows(run: Any) -> dict[str, tuple[datetime, datetime]]:
    """Resource -> the (start, end) window its manifest reports, for both mapped exports of a run."""
    assert run.state == "success", run.failure()
    found = {}
    for index in range(len(PATHS)):
        manifest = run.xcom(f"export[{index}]")
        window = manifest["window"]
        found[manifest["resource"]] = (datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"]))
    return found


def _same_window_for_all(run: Any) -> tuple[datetime, datetime]:
    windows = set(_windows(run).values())
    assert len(windows) == 1, windows
    return windows.pop()


def _tree(folder: Path) -> dict[str, bytes]:
    """The data files under ``folder``; not the windows' manifests (``_..._manifest.json``), which record when they
    were written, so a rerun's differ."""
    paths = [path for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.endswith("_manifest.json")]
    return {str(path.relative_to(folder)): path.read_bytes() for path in paths}


def _assert_exact(run: Any, store_records: dict[str, list[dict[str, Any]]]) -> None:
    """Each file holds exactly the records modified in its window, under the window's name."""
    for index in range(len(PATHS)):
        manifest = run.xcom(f"export[{index}]")
        name = manifest["resource"]
        start, end = (datetime.fromisoformat(manifest["window"][key]) for key in ("start", "end"))
        [file] = manifest["files"]
        assert file["path"].endswith(f"{name}/{name}_{start:%Y%m%dT%H%M%SZ}_{end:%Y%m%dT%H%M%SZ}.ndjson")
        expected = sorted(r["id"] for r in store_records[name] if start <= _modified(r) < end)
        assert sorted(record["id"] for record in read_records(file["path"])) == expected
        assert manifest["mode"] == "incremental"


def test_daily_runs_start_at_start_date_then_where_the_previous_success_ended(
    run_dag: Callable[..., Any], export_env: dict[str, str], store_records: dict[str, list[dict[str, Any]]]
):
    first = run_dag("bc_test_pit_daily", env=export_env, logical_date=may(3).isoformat())
    second = run_dag("bc_test_pit_daily", env=export_env, logical_date=may(4).isoformat())
    # May 5 never ran (catchup=False, the scheduler was down): the next run picks up its span too.
    third = run_dag("bc_test_pit_daily", env=export_env, logical_date=may(6).isoformat())

    assert first.data_interval_start == first.data_interval_end  # @daily gives point-in-time runs in Airflow 3
    assert _same_window_for_all(first) == (START, may(3))
    assert _same_window_for_all(second) == (may(3), may(4))
    assert _same_window_for_all(third) == (may(4), may(6))
    for run in (first, second, third):
        _assert_exact(run, store_records)
    assert any(r for r in store_records["orders"] if may(4) <= _modified(r) < may(6)), "no orders to export"


def test_an_unmapped_export_on_a_cron_string_chains_its_runs_too(
    run_dag: Callable[..., Any], export_env: dict[str, str]
):
    six = timedelta(hours=6)
    first = run_dag("bc_test_pit_unmapped", env=export_env, logical_date=(may(3) + six).isoformat())
    second = run_dag("bc_test_pit_unmapped", env=export_env, logical_date=(may(4) + six).isoformat())

    assert second.state == "success", second.failure()
    assert first.xcom("export")["window"] == {"start": START.isoformat(), "end": (may(3) + six).isoformat()}
    assert second.xcom("export")["window"] == {"start": (may(3) + six).isoformat(), "end": (may(4) + six).isoformat()}
    assert second.xcom("export")["files"][0]["path"].endswith("customers_20250503T060000Z_20250504T060000Z.ndjson.gz")


def test_a_rerun_of_an_old_run_gets_the_same_window_and_rewrites_the_same_files(
    run_dag: Callable[..., Any], export_env: dict[str, str], destination: Path
):
    dag_id = "bc_test_pit_daily_rerun"
    runs = {day: run_dag(dag_id, env=export_env, logical_date=may(day).isoformat()) for day in (3, 4, 5)}
    assert [_same_window_for_all(runs[day]) for day in (3, 4, 5)] == [
        (START, may(3)),
        (may(3), may(4)),
        (may(4), may(5)),
    ]
    files_before = _tree(destination)

    # "Previous success" of the rerun is the latest success before May 4 (May 3), not the latest (May 5).
    rerun = run_dag(dag_id, env=export_env, logical_date=may(4).isoformat())
    again = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())

    assert _same_window_for_all(rerun) == (may(3), may(4))
    assert _same_window_for_all(again) == (may(4), may(5))
    assert _tree(destination) == files_before  # same names, same bytes, nothing added
    assert len(files_before) == 3 * len(PATHS) + 1  # and the marker naming the store


def test_a_backfill_into_a_span_a_later_run_already_exported_is_skipped_and_writes_nothing(
    run_dag: Callable[..., Any], export_env: dict[str, str], destination: Path
):
    dag_id = "bc_test_pit_daily_backfill"
    first = run_dag(dag_id, env=export_env, logical_date=may(10).isoformat())
    assert _same_window_for_all(first) == (START, may(10))
    files_after_first = _tree(destination)

    backfill = [run_dag(dag_id, env=export_env, logical_date=may(day).isoformat()) for day in (4, 5)]
    following = run_dag(dag_id, env=export_env, logical_date=may(11).isoformat())

    for run in backfill:
        assert run.state == "success", run.failure()
        assert {run.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"skipped"}
    assert _tree(destination).keys() - files_after_first.keys() == {
        f"{name}/{name}_20250510T000000Z_20250511T000000Z.ndjson" for name in PATHS
    }
    assert _same_window_for_all(following) == (may(10), may(11))  # skipped runs do not move the chain


def test_a_failed_run_covered_by_the_next_success_is_skipped_on_rerun_and_that_success_keeps_its_window(
    run_dag: Callable[..., Any], export_env: dict[str, str], destination: Path
):
    dag_id = "bc_test_pit_daily_gap"
    broken = {**export_env, "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": "bc_pit_no_such_connection"}
    run_dag(dag_id, env=export_env, logical_date=may(3).isoformat())
    failed = run_dag(dag_id, env=broken, logical_date=may(4).isoformat())
    assert {failed.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"failed"}
    covering = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())
    assert _same_window_for_all(covering) == (may(3), may(5))  # May 4's span too: its run failed
    files_before = _tree(destination)

    retried = run_dag(dag_id, env=export_env, logical_date=may(4).isoformat())
    covering_again = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())
    after = run_dag(dag_id, env=export_env, logical_date=may(6).isoformat())

    assert {retried.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"skipped"}
    assert _same_window_for_all(covering_again) == (may(3), may(5))
    assert _same_window_for_all(after) == (may(5), may(6))
    assert {path: data for path, data in _tree(destination).items() if path in files_before} == files_before
    assert len(_tree(destination)) == len(files_before) + len(PATHS)


def _set_task_state(runs_env: dict[str, str], dag_id: str, day: datetime, state: str) -> str:
    """Put the export's instances of one run in ``state`` in the metadata DB, as a worker running them would.

    Returns the run's id.
    """
    database = runs_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        [(run_id,)] = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? AND logical_date LIKE ?", (dag_id, f"{day:%Y-%m-%d} %")
        ).fetchall()
        changed = db.execute(
            "UPDATE task_instance SET state = ? WHERE dag_id = ? AND run_id = ? AND task_id = 'export'",
            (state, dag_id, run_id),
        ).rowcount
    assert changed == len(PATHS)
    return run_id


def test_a_run_stops_while_a_neighbouring_run_of_the_task_is_running_and_goes_ahead_once_it_is_not(
    run_dag: Callable[..., Any], export_env: dict[str, str], airflow_runs_home: dict[str, str]
):
    dag_id = "bc_test_pit_daily_busy"
    broken = {**export_env, "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": "bc_pit_no_such_connection"}
    run_dag(dag_id, env=export_env, logical_date=may(3).isoformat())
    run_dag(dag_id, env=broken, logical_date=may(4).isoformat())
    busy = _set_task_state(airflow_runs_home, dag_id, may(4), "running")  # as if May 4 were exporting now

    blocked = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())
    assert {blocked.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"failed"}
    assert f"Run {busy} of export is running" in blocked.output

    _set_task_state(airflow_runs_home, dag_id, may(4), "failed")
    ahead = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())
    assert _same_window_for_all(ahead) == (may(3), may(5))

    # The other way round: May 5 running, a retry of May 4 must not read the span May 5 is exporting.
    ahead_id = _set_task_state(airflow_runs_home, dag_id, may(5), "running")
    retried = run_dag(dag_id, env=export_env, logical_date=may(4).isoformat())
    assert {retried.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"failed"}
    assert f"Run {ahead_id} of export is running" in retried.output
    _set_task_state(airflow_runs_home, dag_id, may(5), "success")
    retried_again = run_dag(dag_id, env=export_env, logical_date=may(4).isoformat())
    assert {retried_again.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"skipped"}


def test_a_run_stops_while_a_neighbouring_run_waits_deferred_for_its_window_to_settle(
    run_dag: Callable[..., Any], export_env: dict[str, str], airflow_runs_home: dict[str, str]
):
    # A deferred run resumes and exports its window: it is as busy as a running one.
    dag_id = "bc_test_pit_daily_deferred"
    broken = {**export_env, "AIRFLOW_VAR_BIGCOMMERCE_EXPORT_CONN_ID": "bc_pit_no_such_connection"}
    run_dag(dag_id, env=export_env, logical_date=may(3).isoformat())
    run_dag(dag_id, env=broken, logical_date=may(4).isoformat())
    waiting = _set_task_state(airflow_runs_home, dag_id, may(4), "deferred")

    blocked = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())
    assert {blocked.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"failed"}
    assert f"Run {waiting} of export is deferred until its window settles" in blocked.output

    _set_task_state(airflow_runs_home, dag_id, may(4), "failed")
    ahead = run_dag(dag_id, env=export_env, logical_date=may(5).isoformat())
    assert _same_window_for_all(ahead) == (may(3), may(5))


def test_initial_load_full_reads_a_snapshot_first_and_the_next_run_starts_at_its_logical_date(
    run_dag: Callable[..., Any], export_env: dict[str, str], store_records: dict[str, list[dict[str, Any]]]
):
    dag_id = "bc_test_pit_full_first"
    first = run_dag(dag_id, env=export_env, logical_date=may(3).isoformat())
    second = run_dag(dag_id, env=export_env, logical_date=may(4).isoformat())
    backfill = run_dag(dag_id, env=export_env, logical_date=may(2).isoformat())

    assert first.state == "success", first.failure()
    # The snapshot holds every record up to its run: a backfill before it has nothing left to add.
    assert {backfill.task_state(f"export[{i}]") for i in range(len(PATHS))} == {"skipped"}
    for index in range(len(PATHS)):
        manifest = first.xcom(f"export[{index}]")
        name = manifest["resource"]
        assert (manifest["mode"], manifest["window"]) == ("full", None)
        assert manifest["files"][0]["path"].endswith(f"{name}/{name}_full.ndjson")
        assert sorted(r["id"] for r in read_records(manifest["files"][0]["path"])) == sorted(
            r["id"] for r in store_records[name]
        )
    assert _same_window_for_all(second) == (may(3), may(4))
    _assert_exact(second, store_records)


def test_manual_runs_of_an_unscheduled_dag_chain_by_logical_date(
    run_dag: Callable[..., Any], export_env: dict[str, str], store_records: dict[str, list[dict[str, Any]]]
):
    first = run_dag("bc_test_pit_manual", env=export_env, logical_date=may(3).isoformat())
    second = run_dag(
        "bc_test_pit_manual", env=export_env, logical_date=datetime(2025, 5, 5, 9, 30, tzinfo=UTC).isoformat()
    )

    assert _same_window_for_all(first) == (START, may(3))
    assert _same_window_for_all(second) == (may(3), datetime(2025, 5, 5, 9, 30, tzinfo=UTC))
    _assert_exact(second, store_records)


def test_a_manual_run_without_a_logical_date_ends_at_its_run_after(
    run_dag: Callable[..., Any],
    sandbox: Any,
    pat_extra: dict[str, str],
    connection_env: Callable,
    export_env: dict[str, str],
    store_records: dict[str, list[dict[str, Any]]],
):
    # Its window ends now: it waits SettleSeconds after that (tests/operators/test_settle.py), here one second.
    settling = {**export_env, **connection_env(CONN_ID, sandbox, {**pat_extra, "settle_seconds": 1})}
    before = datetime.now(UTC)
    run = run_dag("bc_test_pit_manual_no_date", env=settling, logical_date=None)
    after = datetime.now(UTC)

    start, end = _same_window_for_all(run)
    assert start == START and before - timedelta(seconds=1) <= end <= after
    _assert_exact(run, store_records)


def test_a_data_interval_timetable_exports_its_interval_whatever_ran_before(
    run_dag: Callable[..., Any], export_env: dict[str, str]
):
    # The example DAG uses CronDataIntervalTimetable: a run exports the day before its logical date, and an
    # earlier success (May 4's) does not stretch a later run's window back to it.
    run_dag("bigcommerce_incremental_export", env=export_env, logical_date=may(5).isoformat())
    later = run_dag("bigcommerce_incremental_export", env=export_env, logical_date=may(8).isoformat())

    assert later.state == "success", later.failure()
    assert (later.data_interval_start, later.data_interval_end) == (may(7).isoformat(), may(8).isoformat())
    for index in range(3):
        assert later.xcom(f"export[{index}]")["window"] == {"start": may(7).isoformat(), "end": may(8).isoformat()}


def test_a_first_run_with_no_start_date_to_begin_from_fails_without_retrying(
    run_dag: Callable[..., Any], export_env: dict[str, str], destination: Path, sandbox: Any
):
    requests_before = sandbox.stats.requests
    run = run_dag("bc_test_pit_no_start_date", env=export_env, logical_date=may(3).isoformat())

    assert run.state == "failed"
    assert (run.task_state("export"), run.tasks["export"]["try_number"]) == ("failed", 1)  # retries=2 unused
    assert "initial_load='full'" in run.output  # the error names the ways out
    assert sandbox.stats.requests == requests_before and not destination.exists()


def test_an_unknown_initial_load_is_refused_when_the_dag_is_parsed():
    from airflow_provider_bigcommerce.core.errors import ExportError
    from airflow_provider_bigcommerce.transfers.bigcommerce_to_storage import BigCommerceToStorageOperator

    with pytest.raises(ExportError):
        BigCommerceToStorageOperator(task_id="export", resource="orders", destination="/tmp", initial_load="all")
