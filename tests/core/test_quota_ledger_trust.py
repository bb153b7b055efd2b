"""The quota ledger's folder gets the OAuth settings folder's rules: a folder another user could have made or can
write, or a link into somebody else's folder, is never used and never pruned; pruning deletes only files it can
prove are ledgers.

The tests are real: symlinks, modes, and files owned by a second user (``nobody``, uid 65534; they need root).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.errors import QuotaLedgerError
from airflow_provider_bigcommerce.core.http import quota_ledger
from airflow_provider_bigcommerce.core.http.quota_ledger import (
    FOLDER_ENV,
    MAX_WAIT_S,
    UNUSED_LEDGER_S,
    LedgerRateLimiter,
    prune_ledgers,
    store_limiter,
)
from airflow_provider_bigcommerce.core.http.rate_limit import RateLimitReading

STRANGER = 65534  # nobody
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")


def _name(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"


def _week_old(path: Path) -> None:
    then = time.time() - UNUSED_LEDGER_S - 60
    os.utime(path, (then, then), follow_symlinks=False)


def _learn(limiter: LedgerRateLimiter) -> None:
    reading = RateLimitReading(100, 99, 30_000, 30_000, None)
    limiter.note_response(limiter.acquire(), 200, reading, bare_429_backoff=lambda n: 0.1)


def _stalling_ledger(path: Path) -> None:
    """What another user rewriting the ledger keeps writing: the whole store blocked for the longest wait."""
    now = time.time()
    figures = {"quota": 100, "left": 0, "window_s": 30, "reset_at": now + 30, "blocked_until": now + 30}
    path.write_text(json.dumps(figures))


@pytest.fixture(autouse=True)
def _fresh_prune_memory():
    quota_ledger._PRUNED.clear()
    yield
    quota_ledger._PRUNED.clear()


def test_a_symlinked_ledger_folder_is_refused_and_the_folder_it_points_to_is_not_pruned(tmp_path, monkeypatch):
    victim = tmp_path / "someone-elses-folder"
    victim.mkdir()
    old_files = [victim / "report.json", victim / _name("http://a/stores/x")]
    for path in old_files:
        path.write_text(json.dumps({"quota": 100}))
        _week_old(path)
    link = tmp_path / "bigcommerce-quota-0"
    link.symlink_to(victim)
    monkeypatch.setenv(FOLDER_ENV, str(link))

    limiter = store_limiter(f"http://127.0.0.1:1/stores/linked{time.monotonic_ns()}")
    _learn(limiter)

    assert all(path.exists() for path in old_files)
    assert sorted(path.name for path in victim.iterdir()) == sorted(path.name for path in old_files)
    assert limiter.unusable.code == "folder_is_symlink"
    assert limiter.send_delay() == 0  # decides on its own figures


@needs_root
@pytest.mark.parametrize(
    ("folder_mode", "folder_owner", "code"),
    [(0o777, 0, "folder_open_to_all"), (0o700, STRANGER, "folder_of_another_user")],
    ids=["world-writable", "another-users"],
)
def test_a_ledger_another_user_can_rewrite_stalls_nothing(tmp_path, folder_mode, folder_owner, code):
    folder = tmp_path / "quota"
    folder.mkdir()
    ledger = folder / _name("store")
    _stalling_ledger(ledger)
    os.chown(ledger, STRANGER, STRANGER)
    os.chown(folder, folder_owner, folder_owner)
    folder.chmod(folder_mode)  # after chown, which may clear mode bits

    limiter = LedgerRateLimiter(str(ledger))

    assert limiter.send_delay() == 0
    assert limiter.unusable.code == code


@needs_root
def test_a_ledger_planted_by_another_user_in_a_shared_sticky_folder_is_refused(tmp_path):
    """A folder like /tmp (sticky, world-writable) as BIGCOMMERCE_QUOTA_FOLDER: strangers may create the
    predictable ledger name first, but their file is not ours."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    ledger = folder / _name("store")
    _stalling_ledger(ledger)
    os.chown(ledger, STRANGER, STRANGER)
    ledger.chmod(0o666)

    limiter = LedgerRateLimiter(str(ledger))

    assert limiter.send_delay() == 0
    assert limiter.unusable.code == "ledger_of_another_user"


def test_a_ledger_name_hard_linked_to_another_file_is_not_written_through(tmp_path):
    precious = tmp_path / "precious.json"
    precious.write_text('{"keep": "me"}')
    folder = tmp_path / "quota"
    folder.mkdir(mode=0o700)
    ledger = folder / _name("store")
    os.link(precious, ledger)

    limiter = LedgerRateLimiter(str(ledger))
    _learn(limiter)

    assert limiter.unusable.code == "ledger_linked"
    assert precious.read_text() == '{"keep": "me"}'


def test_a_sticky_shared_folder_is_used_for_this_users_own_ledger(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    first, second = (LedgerRateLimiter(str(folder / _name("store"))) for _ in range(2))
    _learn(first)
    for _ in range(89):
        first.acquire()

    assert second.send_delay() > 0
    assert first.unusable is None


def test_the_default_folder_is_made_for_this_user_alone(tmp_path, monkeypatch):
    monkeypatch.delenv(FOLDER_ENV, raising=False)
    monkeypatch.setattr(quota_ledger.tempfile, "tempdir", str(tmp_path))
    folder = Path(quota_ledger.ledger_folder())

    _learn(store_limiter(f"http://127.0.0.1:1/stores/default{time.monotonic_ns()}"))

    status = folder.lstat()
    assert folder.parent == tmp_path and str(os.getuid()) in folder.name
    assert (status.st_mode & 0o777, status.st_uid) == (0o700, os.geteuid())


def test_pruning_deletes_only_week_old_files_it_can_prove_are_ledgers(tmp_path):
    folder = tmp_path / "quota"
    folder.mkdir(mode=0o700)
    outside = tmp_path / "precious.json"
    outside.write_text(json.dumps({"quota": 100}))
    ledger, empty = folder / _name("a"), folder / _name("b")
    ledger.write_text(json.dumps({"quota": 100, "left": 3, "sends": []}))
    empty.write_text("")  # created, never written: a process died before its first decision
    kept = {
        "not a ledger's name": folder / "notes.json",
        "not a ledger's content": folder / _name("c"),
        "a list": folder / _name("d"),
        "a hard link to a file elsewhere": folder / _name("e"),
        "a symbolic link": folder / _name("f"),
    }
    kept["not a ledger's name"].write_text(json.dumps({"quota": 100}))
    kept["not a ledger's content"].write_text(json.dumps({"quota": 100, "invoice": 7}))
    kept["a list"].write_text("[1, 2]")
    os.link(outside, kept["a hard link to a file elsewhere"])
    kept["a symbolic link"].symlink_to(outside)
    for path in (ledger, empty, outside, *kept.values()):
        _week_old(path)

    removed = prune_ledgers(str(folder))

    assert removed == 2 and not ledger.exists() and not empty.exists()
    assert [reason for reason, path in kept.items() if not os.path.lexists(path)] == []
    assert outside.exists()


@needs_root
def test_pruning_keeps_another_users_file_that_looks_like_a_ledger(tmp_path):
    folder = tmp_path / "quota"
    folder.mkdir(mode=0o700)
    theirs = folder / _name("theirs")
    theirs.write_text(json.dumps({"quota": 100}))
    os.chown(theirs, STRANGER, STRANGER)
    _week_old(theirs)

    assert prune_ledgers(str(folder)) == 0
    assert theirs.exists()


def test_pruning_a_symlinked_folder_is_refused_with_its_code(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    old = victim / _name("x")
    old.write_text("{}")
    _week_old(old)
    (tmp_path / "link").symlink_to(victim)

    with pytest.raises(QuotaLedgerError) as caught:
        prune_ledgers(str(tmp_path / "link"))

    assert (caught.value.code, caught.value.path) == ("folder_is_symlink", str(tmp_path / "link"))
    assert old.exists()


@pytest.mark.parametrize(
    "figures",
    [
        {"quota": 100, "left": 10**400},
        {"quota": 10**400, "left": 5},
        {"quota": 100, "left": 5, "reset_at": -(10**400)},
        {"quota": 100, "left": 5, "assumed_since": 10**400},
    ],
    ids=["left", "quota", "reset_at", "assumed_since"],
)
def test_a_400_digit_figure_in_a_ledger_is_ignored_not_a_crash(tmp_path, figures):
    ledger = tmp_path / "quota" / _name("store")
    ledger.parent.mkdir()
    ledger.write_text(json.dumps(figures))

    delay = LedgerRateLimiter(str(ledger)).send_delay()

    assert 0 <= delay <= MAX_WAIT_S + 1
