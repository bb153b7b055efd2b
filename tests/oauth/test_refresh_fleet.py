"""A fleet on one settings file: 16 real processes, expiring tokens, one token request per expiry, zero failures."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_bigcommerce.core.auth.sources import token_source_for

WORKERS = 16
RUN_S = 6.0

# One worker: the real token source and REST client, as a task on an Airflow worker would use them.
WORKER = """
import hashlib, json, os, sys, time
from airflow_provider_bigcommerce.core.auth.sources import token_source_for
from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
from airflow_provider_bigcommerce.core.properties import ConnectionProperties

values, go_file, run_s = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])
properties = ConnectionProperties.from_mapping(values)
source = token_source_for(properties)
client = BigCommerceClient(properties, source, max_concurrency=1)
print("ready", flush=True)
while not os.path.exists(go_file):
    time.sleep(0.002)
deadline, calls, failures, seen = time.monotonic() + run_s, 0, [], []
while time.monotonic() < deadline:
    try:
        client.request("GET", "v2/time")
        calls += 1
        digest = hashlib.sha256(source.access_token().encode()).hexdigest()[:12]
        if digest not in seen:
            seen.append(digest)
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}"[:300])
    time.sleep(0.1)
client.close()
print(json.dumps({"calls": calls, "failures": failures, "tokens": seen}))
"""


@pytest.mark.slow  # sixteen processes
def test_sixteen_processes_at_once_make_one_refresh_per_expiry_and_never_fail(expiring_oauth, tmp_path: Path) -> None:
    location = tmp_path / "OAuthSettings.txt"
    code = expiring_oauth.approved_code(expiring_oauth.properties(location))
    first = token_source_for(expiring_oauth.properties(location, OAuthVerifier=code))
    first_token, lifetime_s = first.access_token(), first.store.load().expires_in
    refreshes_before = expiring_oauth.token_requests("refresh_token")
    exchanges_before = expiring_oauth.token_requests("authorization_code")
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(expiring_oauth.values(location)), str(go), str(RUN_S)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()

    go.touch()  # by now the first token is inside its refresh margin: all 16 want a new one at once
    finished = [worker.communicate(timeout=120) for worker in workers]

    results = []
    for worker, (output, errors) in zip(workers, finished, strict=True):
        assert worker.returncode == 0, errors
        results.append(json.loads(output))
    assert [failure for result in results for failure in result["failures"]] == []
    assert all(result["calls"] >= RUN_S for result in results)
    refreshes = expiring_oauth.token_requests("refresh_token") - refreshes_before
    tokens = {hashlib.sha256(first_token.encode()).hexdigest()[:12]}
    tokens.update(token for result in results for token in result["tokens"])
    # Each refresh made exactly one new token, and every new token came from exactly one refresh.
    assert len(tokens) == refreshes + 1
    assert RUN_S / lifetime_s <= refreshes <= RUN_S / (lifetime_s / 2) + 2  # refreshed at half the lifetime
    assert expiring_oauth.token_requests("authorization_code") == exchanges_before
