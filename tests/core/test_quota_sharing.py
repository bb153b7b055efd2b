"""One store's quota shared by a fleet: the ledger file every process decides on, and the ``Reserve`` property.

Two ``LedgerRateLimiter`` objects on one path stand for two processes (each opens the file itself, and ``flock``
excludes open files, not processes); the last test runs real processes against the lookalike.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.errors import PropertyError, QuotaLedgerError
from airflow_provider_bigcommerce.core.http import quota_ledger
from airflow_provider_bigcommerce.core.http.quota_ledger import (
    FOLDER_ENV,
    MAX_SENDS,
    STALE_SEND_S,
    UNUSED_LEDGER_S,
    LedgerRateLimiter,
    ledger_folder,
    prune_ledgers,
    store_limiter,
)
from airflow_provider_bigcommerce.core.http.rate_limit import (
    DEFAULT_RESERVE,
    MAX_WAIT_S,
    MIN_WINDOW_S,
    Permit,
    RateLimiter,
    RateLimitReading,
)
from airflow_provider_bigcommerce.core.properties import ConnectionProperties


def _headers(quota=100, left=100, window_ms=30_000, reset_ms=30_000) -> dict[str, str]:
    return {
        "X-Rate-Limit-Requests-Quota": str(quota),
        "X-Rate-Limit-Requests-Left": str(left),
        "X-Rate-Limit-Time-Window-Ms": str(window_ms),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
    }


def _answer(limiter: RateLimiter, permit: Permit, status: int = 200, **figures: int) -> float:
    reading = RateLimitReading.from_headers(_headers(**figures))
    return limiter.note_response(permit, status, reading, bare_429_backoff=lambda n: 0.1)


def _ledger_name(key: str) -> str:
    """What ``store_limiter`` names the ledger of the store at ``key``; pruning deletes only such names."""
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "quota" / _ledger_name("store")


def test_a_second_process_sees_the_firsts_sends_in_flight_and_waits(ledger):
    first, second = LedgerRateLimiter(str(ledger)), LedgerRateLimiter(str(ledger))
    _answer(first, first.acquire(), quota=100, left=100)
    burst = [first.acquire() for _ in range(90)]  # up to the reserve (10 of 100)

    assert [permit.waited_s for permit in burst] == [0] * 90
    assert second.send_delay() > 0


def test_without_a_ledger_the_same_two_processes_would_both_burst(ledger):
    """What the ledger prevents: each process alone sees the whole quota left."""
    first, second = RateLimiter(), RateLimiter()
    for limiter in (first, second):
        _answer(limiter, limiter.acquire(), quota=100, left=100)
    for _ in range(90):
        first.acquire()

    assert second.send_delay() == 0


def test_an_answer_in_one_process_ends_its_send_in_flight_for_the_fleet(ledger):
    first, second = LedgerRateLimiter(str(ledger)), LedgerRateLimiter(str(ledger))
    _answer(first, first.acquire(), quota=100, left=100)
    burst = [first.acquire() for _ in range(90)]
    for number, permit in enumerate(burst[:30], start=2):
        _answer(first, permit, quota=100, left=100 - number)

    assert json.loads(ledger.read_text())["sends"] == [permit.sent_at for permit in burst[30:]]
    assert second.send_delay() > 0  # 68 left, 60 in flight: within the reserve


def test_ledgers_unused_for_a_week_are_pruned_when_a_process_first_opens_the_folder(ledger):
    folder = ledger.parent
    folder.mkdir(parents=True)
    old, recent = folder / _ledger_name("old-store"), folder / _ledger_name("recent-store")
    for path in (old, recent):
        path.write_text(json.dumps({"quota": 100, "left": 5}))
    week_ago = time.time() - UNUSED_LEDGER_S - 60
    os.utime(old, (week_ago, week_ago))
    quota_ledger._PRUNED.discard(str(folder))

    limiter = LedgerRateLimiter(str(ledger))
    _answer(limiter, limiter.acquire(), quota=100, left=99)

    assert sorted(path.name for path in folder.iterdir()) == sorted([recent.name, ledger.name])


def test_a_process_holding_a_pruned_ledger_moves_to_the_fleets_new_one(ledger):
    first = LedgerRateLimiter(str(ledger))
    _answer(first, first.acquire(), quota=100, left=100)
    assert prune_ledgers(str(ledger.parent), unused_for_s=-1) == 1  # as if a week had passed

    second = LedgerRateLimiter(str(ledger))  # a new process: a new file at the path
    _answer(second, second.acquire(), quota=100, left=100)
    for _ in range(90):
        second.acquire()

    assert first.send_delay() > 0  # it sees the new file's sends in flight, not its deleted file's figures
    assert ledger.exists()


def test_a_429_in_one_process_pauses_the_other(ledger):
    first, second = LedgerRateLimiter(str(ledger)), LedgerRateLimiter(str(ledger))
    _answer(first, first.acquire(), quota=100, left=100)

    pause = _answer(first, first.acquire(), 429, quota=100, left=0, reset_ms=2000)

    assert 2 <= pause <= 2.5
    assert second.send_delay() == pytest.approx(pause, abs=0.1)


def test_the_reserve_is_not_burst_into(ledger):
    limiter = LedgerRateLimiter(str(ledger), reserve=0.3)
    _answer(limiter, limiter.acquire(), quota=100, left=100)

    burst = [limiter.acquire() for _ in range(70)]

    assert [permit.waited_s for permit in burst] == [0] * 70
    assert limiter.send_delay() > 0


def test_connections_to_one_store_with_different_reserves_get_the_largest(monkeypatch, tmp_path):
    monkeypatch.setenv(FOLDER_ENV, str(tmp_path))
    key = f"http://127.0.0.1:1/stores/reserve{time.monotonic_ns()}"

    assert store_limiter(key, reserve=0.3).reserve == 0.3
    assert store_limiter(key, reserve=0.1).reserve == 0.3
    assert isinstance(store_limiter(key), LedgerRateLimiter)


def test_folder_off_keeps_every_process_on_its_own(monkeypatch):
    monkeypatch.setenv(FOLDER_ENV, "off")
    key = f"http://127.0.0.1:1/stores/alone{time.monotonic_ns()}"

    assert ledger_folder() is None
    assert type(store_limiter(key)) is RateLimiter


UNWRITABLE_LEDGER = """
import logging, resource, signal, sys
from airflow_provider_bigcommerce.core.http.quota_ledger import LedgerRateLimiter
from airflow_provider_bigcommerce.core.http.rate_limit import RateLimitReading

logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (8, 8))
limiter = LedgerRateLimiter(sys.argv[1])
reading = RateLimitReading(100, 99, 30_000, 30_000, None)
limiter.note_response(limiter.acquire(), 200, reading, bare_429_backoff=lambda n: 0.1)
permits = [limiter.acquire() for _ in range(5)]
print("sent", 1 + len(permits), "waited", max(permit.waited_s for permit in permits))
"""


def test_a_ledger_that_cannot_be_written_leaves_the_process_on_its_own_figures_with_one_warning(ledger):
    done = subprocess.run(
        [sys.executable, "-c", UNWRITABLE_LEDGER, str(ledger)], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    sent, waited = done.stdout.split()[1], float(done.stdout.split()[3])
    assert sent == "6" and waited < 1
    assert done.stderr.count("quota ledger") == 1, done.stderr
    assert "partly_written (" in done.stderr, done.stderr  # a code and its facts; messages/ words it


def test_a_damaged_ledger_is_taken_for_empty_and_rewritten(ledger):
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"\x00{not json")
    limiter = LedgerRateLimiter(str(ledger))

    _answer(limiter, limiter.acquire(), quota=100, left=99)

    assert json.loads(ledger.read_text())["quota"] == 100


@pytest.mark.parametrize(
    "garbage",
    [
        {"quota": 100, "left": 0, "reset_at": 1e300, "window_s": 30},
        {"quota": 100, "left": 50, "blocked_until": 1e18, "window_s": 30},
        {"quota": 100, "left": 50, "last_send": 1e18, "window_s": 1e9},
        {"quota": True, "left": "x", "reset_at": "soon", "sends": "many"},
        {"quota": -5, "sends": [1e300, -1, "x", None]},
        [1, 2, 3],
    ],
)
def test_figures_from_a_ledger_never_make_a_wait_longer_than_the_window(ledger, garbage):
    ledger.parent.mkdir(parents=True)
    ledger.write_text(json.dumps(garbage))

    delay = LedgerRateLimiter(str(ledger)).send_delay()

    assert 0 <= delay <= MAX_WAIT_S + 1


def test_sends_of_a_process_that_died_stop_counting_after_the_longest_call(ledger):
    ledger.parent.mkdir(parents=True)
    now = time.time()
    died = [now - STALE_SEND_S - 1] * 95
    ledger.write_text(json.dumps({"quota": 100, "left": 100, "window_s": 30, "reset_at": now + 20, "sends": died}))
    limiter = LedgerRateLimiter(str(ledger))

    assert limiter.send_delay() == 0
    assert json.loads(ledger.read_text())["sends"] == []


def test_a_ledger_holding_a_1_ms_window_and_more_sends_than_the_quota_is_read_as_one_second_and_the_newest_sends(
    ledger,
):
    """Pacing never lets more than the quota be in flight: more sends in the file are damage, the newest count."""
    ledger.parent.mkdir(parents=True)
    now = time.time()
    sends = [now - 60 + index / 1000 for index in range(500)]  # fresh: 60 s is within STALE_SEND_S
    ledger.write_text(json.dumps({"quota": 100, "left": 0, "window_s": 0.001, "reset_at": now, "sends": sends}))
    limiter = LedgerRateLimiter(str(ledger))

    delay = limiter.send_delay()  # one decision: the ledger is read, then written back
    saved = json.loads(ledger.read_text())

    assert (saved["window_s"], saved["sends"]) == (MIN_WINDOW_S, sends[-100:])
    assert 0 < delay <= MIN_WINDOW_S  # the 100 in flight fill the quota: a wait, bounded by the window


def test_a_ledger_without_a_quota_keeps_at_most_max_sends_and_stays_readable(ledger):
    """Past ``MAX_SENDS`` a ledger would outgrow what is read of it and be taken for damaged."""
    ledger.parent.mkdir(parents=True)
    now = time.time()
    sends = [now - 60 + index / 1000 for index in range(MAX_SENDS + 500)]  # about 50 KB
    ledger.write_text(json.dumps({"sends": sends}))

    LedgerRateLimiter(str(ledger)).send_delay()

    assert json.loads(ledger.read_text())["sends"] == sends[-MAX_SENDS:]


def test_a_ledger_locked_past_the_lock_timeout_leaves_the_process_on_its_own_figures(ledger, caplog):
    ledger.parent.mkdir(parents=True)
    with ledger.open("a") as holder:  # another process of the fleet, stuck while holding the lock
        fcntl.flock(holder, fcntl.LOCK_EX)
        limiter = LedgerRateLimiter(str(ledger), lock_timeout_s=0.05)

        delay = limiter.send_delay()

    assert delay == 0
    assert isinstance(limiter.unusable, QuotaLedgerError)
    assert (limiter.unusable.code, limiter.unusable.facts["waited_s"]) == ("lock_timeout", 0.05)
    assert [record.args[1] for record in caplog.records] == [str(limiter.unusable)]


def test_a_ledger_that_cannot_be_opened_leaves_the_process_on_its_own_figures(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    limiter = LedgerRateLimiter(str(blocker / "store.json"))  # its folder is a file

    _answer(limiter, limiter.acquire(), quota=100, left=100)

    assert limiter.send_delay() == 0
    assert [record.levelname for record in caplog.records] == ["WARNING"]


@pytest.mark.parametrize("value", ["-0.1", "0.95", "1", "abc", "nan", "inf", True, [0.1]])
def test_a_bad_reserve_is_a_property_error(value):
    with pytest.raises(PropertyError) as caught:
        ConnectionProperties.from_mapping({"StoreId": "abc", "OAuthAccessToken": "t" * 20, "Reserve": value})

    assert (caught.value.property_name, caught.value.field_name) == ("Reserve", "reserve")


@pytest.mark.parametrize(("value", "expected"), [(None, DEFAULT_RESERVE), ("0", 0.0), ("0.25", 0.25), (0.9, 0.9)])
def test_reserve_accepts_fractions_up_to_nine_tenths(value, expected):
    properties = ConnectionProperties.from_mapping({"StoreId": "abc", "OAuthAccessToken": "t" * 20, "reserve": value})

    assert properties.reserve == expected


_READER = """
import json, os, sys
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties
from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource

info = json.loads(sys.argv[1])
properties = ConnectionProperties.from_mapping(
    {"StoreId": info["store_id"], "OAuthAccessToken": info["token"], "URL": info["base_url"]}
)
statuses = []
with BigCommerceClient(properties, StaticTokenSource(info["token"])) as client:
    client.session.hooks["response"].append(lambda response, *args, **kwargs: statuses.append(response.status_code))
    records = sum(1 for _ in client.paginate("v3/catalog/products"))
print(json.dumps({"records": records, "statuses": statuses}))
"""


def test_four_processes_reading_one_store_draw_no_429_on_a_shared_ledger(make_sandbox, tmp_path):
    """A quota of 10 per second, below the 4 x 8 read-ahead threads of 4 processes reading at once: not one 429."""
    sandbox = make_sandbox(orders=0, products=2500, customers=0, quota=10, window_ms=1000, latency_ms=100)
    info = json.dumps({"store_id": sandbox.store_id, "token": sandbox.access_token, "base_url": sandbox.base_url})
    env = {**os.environ, FOLDER_ENV: str(tmp_path)}
    readers = [
        subprocess.Popen([sys.executable, "-c", _READER, info], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    try:
        reports = [json.loads(reader.communicate(timeout=120)[0]) for reader in readers]
    finally:
        for reader in readers:
            if reader.poll() is None:
                reader.kill()
                reader.wait(10)

    assert [report["records"] for report in reports] == [2500] * 4
    assert sum(report["statuses"].count(429) for report in reports) == 0
    assert sandbox.stats.responses_429 == 0
