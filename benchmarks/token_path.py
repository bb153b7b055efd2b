"""Token path: what reading the token from the OAuth settings store costs per API call, and a fleet's cold start.

1. Steady state. The client asks its token source once per call. The OAuth source reads the encrypted settings
   file through an in-process cache keyed by the file's identity (one ``stat()``, no decryption); the static
   source returns a string. Both are timed side by side in alternating blocks; the difference is set against a
   50 ms API call. A second, noisier view times whole ``GET v2/time`` calls through two clients that differ only
   in their token source (lookalike with no latency, alternating blocks, the fastest block of each).
2. Cold start. 16 processes start at once against a settings file that holds nothing yet while their properties
   carry one pending ``OAuthVerifier`` (the headless first exchange); all must end with the same token, and the
   token endpoint must see one request. The same again with a raw key (``BIGCOMMERCE_OAUTH_SETTINGS_KEY``, HKDF)
   instead of the passphrase (scrypt), to show what key stretching costs a fleet that takes turns at the lock.
   Then an expiring token that every process wants to refresh at once.
   The children import and open the store first, then wait at a start line so they really race.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from benchmarks.report import BenchmarkResult, Check

NAME = "token_path"
API_CALL_S = 0.050
TARGET_FRACTION = 0.01
PASSPHRASE = "benchmark passphrase, not a secret"
_PROPERTIES_ENV = "BC_BENCH_TOKEN_PROPERTIES"
_START_LINE_ENV = "BC_BENCH_TOKEN_START_LINE"


def _sandbox(**options: Any) -> Any:
    from bigcommerce_lookalike import Sandbox, SandboxConfig

    return Sandbox(SandboxConfig(**options))


def _oauth_properties(sandbox: Any, location: str, verifier: str | None) -> dict[str, Any]:
    return {
        "AuthScheme": "OAuth",
        "InitiateOAuth": "REFRESH",
        "StoreId": sandbox.store_id,
        "OAuthClientId": sandbox.client_id,
        "OAuthClientSecret": sandbox.client_secret,
        "OAuthVerifier": verifier,
        "OAuthSettingsLocation": location,
        "OAuthSettingsPassphrase": PASSPHRASE,
        "LoginURL": sandbox.login_url,
        "URL": sandbox.base_url,
    }


def _token_source(values: dict[str, Any]) -> Any:
    from airflow_provider_bigcommerce.core.auth.sources import token_source_for
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    return token_source_for(ConnectionProperties.from_mapping(values))


def _approved_code(sandbox: Any) -> str:
    """A fresh authorization code: the merchant approves the consent page, the redirect carries the code."""
    from airflow_provider_bigcommerce.core.auth.oauth_client import OAuthClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    properties = ConnectionProperties.from_mapping(_oauth_properties(sandbox, "memory://code", None))
    url = OAuthClient.from_properties(properties).authorization_url(
        redirect_uri=properties.callback_url, scope=properties.scope, context=properties.context
    )
    return parse_qs(urlsplit(sandbox.approve(url)).query)["code"][0]


def _token_requests(sandbox: Any) -> int:
    stats = sandbox.stats
    return int(stats["token_requests"] if isinstance(stats, dict) else stats.token_requests)


def _per_call_s(call: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def side_by_side(
    contenders: dict[str, Callable[[], object]],
    *,
    blocks: int,
    calls: int,
    statistic: Callable[[list[float]], float] = statistics.median,
) -> dict[str, float]:
    """Seconds per call of each contender over ``blocks`` alternating blocks of ``calls`` calls (median of blocks)."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for block in range(blocks):
        for name in names if block % 2 == 0 else reversed(names):
            samples[name].append(_per_call_s(contenders[name], calls))
    return {name: statistic(values) for name, values in samples.items()}


@contextlib.contextmanager
def _fleet(
    count: int, values: dict[str, Any], extra_env: dict[str, str]
) -> Iterator[tuple[list[subprocess.Popen[str]], Path]]:
    """``count`` children, each imported and waiting at the start line (a file that does not exist yet)."""
    folder = Path(tempfile.mkdtemp(prefix="bc-bench-fleet-"))
    start_line = folder / "go"
    env = {**os.environ, **extra_env, _PROPERTIES_ENV: json.dumps(values), _START_LINE_ENV: str(start_line)}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH", "")])
    children = [
        subprocess.Popen(
            [sys.executable, "-c", "from benchmarks.token_path import child_main; child_main()"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(
                    f"a fleet process did not start: {line}{child.stderr.read() if child.stderr else ''}"
                )
        yield children, start_line
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
            child.wait()
            for stream in (child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
        shutil.rmtree(folder, ignore_errors=True)


def child_main() -> None:
    """One fleet process: open the token source, say ready, wait for the start line, get a token, report."""
    values = json.loads(os.environ[_PROPERTIES_ENV])
    start_line = Path(os.environ[_START_LINE_ENV])
    source = _token_source(values)
    print("ready", flush=True)
    while not start_line.exists():
        time.sleep(0.001)
    started = time.perf_counter()
    try:
        token = source.access_token()
        outcome = {"ok": True, "token": hashlib.sha256(token.encode()).hexdigest()[:16]}
    except Exception as error:  # reported to the parent, which counts failures
        outcome = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    outcome["seconds"] = time.perf_counter() - started
    print(json.dumps(outcome), flush=True)


def cold_start(
    sandbox: Any,
    values: dict[str, Any],
    processes: int,
    before_start: Callable[[], None],
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Race ``processes`` children for a token; returns failures, distinct tokens, token requests, waits."""
    with _fleet(processes, values, extra_env or {}) as (children, start_line):
        before_start()
        requests_before = _token_requests(sandbox)
        start_line.touch()
        outcomes = []
        for child in children:
            out, err = child.communicate(timeout=180)
            lines = [line for line in out.splitlines() if line.startswith("{")]
            outcomes.append(json.loads(lines[-1]) if lines else {"ok": False, "error": err[-300:], "seconds": 0.0})
        token_requests = _token_requests(sandbox) - requests_before
    failures = [outcome["error"] for outcome in outcomes if not outcome["ok"]]
    return {
        "failures": failures,
        "tokens": len({outcome["token"] for outcome in outcomes if outcome["ok"]}),
        "token_requests": token_requests,
        "slowest_s": max(outcome["seconds"] for outcome in outcomes),
        "median_s": statistics.median(outcome["seconds"] for outcome in outcomes),
    }


def run(
    *, processes: int = 16, blocks: int = 20, calls: int = 5000, api_calls: int = 40, token_lifetime_s: int = 30
) -> BenchmarkResult:
    """``token_lifetime_s``: of the expiring tokens in the second cold start. The fleet waits until the saved token
    is within its refresh margin (half its lifetime); the refreshed one must not be again before all are done."""
    from airflow_provider_bigcommerce.core.auth.settings.crypto import KEY_ENV_VAR, generate_key
    from airflow_provider_bigcommerce.core.auth.token_source import StaticTokenSource
    from airflow_provider_bigcommerce.core.http.client import BigCommerceClient
    from airflow_provider_bigcommerce.core.properties import ConnectionProperties

    started = time.perf_counter()
    result = BenchmarkResult(NAME, "token lookup per API call, and a fleet's cold start")
    folder = Path(tempfile.mkdtemp(prefix="bc-bench-token-"))
    try:
        # 1. steady state: a token exchanged once into a settings file, then read per call.
        with _sandbox(quota=10**9, window_ms=30_000) as sandbox:
            values = _oauth_properties(sandbox, str(folder / "steady.txt"), _approved_code(sandbox))
            oauth_source = _token_source(values)
            token = oauth_source.access_token()
            static_source = StaticTokenSource(token)
            per_call = side_by_side(
                {"static": static_source.access_token, "settings store": oauth_source.access_token},
                blocks=blocks,
                calls=calls,
            )
            properties = ConnectionProperties.from_mapping(values)
            with (
                BigCommerceClient(properties, static_source) as static_client,
                BigCommerceClient(properties, oauth_source) as oauth_client,
            ):
                for client in (static_client, oauth_client):
                    client.request("GET", "v2/time")
                per_request = side_by_side(
                    {
                        "static": lambda: static_client.request("GET", "v2/time"),
                        "settings store": lambda: oauth_client.request("GET", "v2/time"),
                    },
                    blocks=blocks,
                    calls=api_calls,
                    statistic=min,  # whole calls through a loaded machine: the least disturbed block
                )

            # 2a. cold start on BigCommerce's own tokens (they never expire): one pending verifier, raced.
            pending = _oauth_properties(sandbox, str(folder / "fleet.txt"), _approved_code(sandbox))
            first = cold_start(sandbox, pending, processes, lambda: None)
            # The same with a raw key instead of the passphrase: shows what the passphrase's scrypt costs the fleet.
            raw_key = _oauth_properties(sandbox, str(folder / "fleet-raw-key.txt"), _approved_code(sandbox))
            raw_key.pop("OAuthSettingsPassphrase")
            with_raw_key = cold_start(sandbox, raw_key, processes, lambda: None, {KEY_ENV_VAR: generate_key()})

        # 2b. an expiring token the whole fleet wants to refresh at once (a token endpoint that does expire them).
        with _sandbox(expiring_tokens=True, token_lifetime_s=token_lifetime_s, quota=10**9) as sandbox:
            location = str(folder / "expiring.txt")
            _token_source(_oauth_properties(sandbox, location, _approved_code(sandbox))).access_token()
            within_margin_at = time.time() + token_lifetime_s / 2 + 0.5  # refreshed within min(300 s, lifetime / 2)
            second = cold_start(
                sandbox,
                _oauth_properties(sandbox, location, None),
                processes,
                lambda: time.sleep(max(0.0, within_margin_at - time.time())),
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    added_s = per_call["settings store"] - per_call["static"]
    added_request_s = per_request["settings store"] - per_request["static"]
    result.columns = ["measure", "static token", "settings store", "added per call", "of a 50 ms call"]
    result.rows = [
        [
            f"access_token() (median of {blocks} blocks x {calls})",
            f"{per_call['static'] * 1e6:.2f} us",
            f"{per_call['settings store'] * 1e6:.2f} us",
            f"{added_s * 1e6:.2f} us",
            f"{added_s / API_CALL_S * 100:.4f} %",
        ],
        [
            f"client.request GET v2/time, no latency (fastest of {blocks} blocks x {api_calls})",
            f"{per_request['static'] * 1e3:.3f} ms",
            f"{per_request['settings store'] * 1e3:.3f} ms",
            f"{added_request_s * 1e6:.1f} us",
            f"{added_request_s / API_CALL_S * 100:.3f} %",
        ],
    ]
    result.checks = [
        Check(
            "added time per API call, settings store vs static token",
            f"{added_s * 1e6:.2f} us",
            f"< {TARGET_FRACTION * API_CALL_S * 1e3:.1f} ms (1 % of 50 ms)",
            added_s < TARGET_FRACTION * API_CALL_S,
            baseline=f"{per_call['static'] * 1e6:.2f} us",
            ratio=f"{added_s / API_CALL_S * 100:.4f} % of 50 ms",
        ),
        Check(
            "same, on whole API calls (noisy cross-check)",
            f"{added_request_s * 1e6:.0f} us",
            "info",
            None,
            baseline=f"{per_request['static'] * 1e3:.2f} ms/call",
        ),
    ]
    fleets = (
        ("pending verifier", first),
        ("pending verifier, raw key (HKDF) instead of passphrase (scrypt)", with_raw_key),
        ("expiring token", second),
    )
    for label, outcome in fleets:
        ok = processes - len(outcome["failures"])
        result.checks.append(
            Check(
                f"{processes}-process cold start, {label}: token endpoint requests",
                str(outcome["token_requests"]),
                "1",
                outcome["token_requests"] == 1 and not outcome["failures"] and outcome["tokens"] == 1,
                baseline=f"{processes} processes",
                ratio=f"{ok}/{processes} got a token, {outcome['tokens']} distinct",
            )
        )
        result.notes.append(
            f"cold start, {label}: processes waited {outcome['median_s']:.2f} s (median), "
            f"{outcome['slowest_s']:.2f} s (slowest) for their token"
        )
        result.notes += [f"cold start, {label}: failure: {failure}" for failure in outcome["failures"][:3]]
    result.figures = {
        "static_us": per_call["static"] * 1e6,
        "settings_store_us": per_call["settings store"] * 1e6,
        "added_us": added_s * 1e6,
        "added_fraction_of_call": added_s / API_CALL_S,
        "added_request_us": added_request_s * 1e6,
        "verifier_token_requests": float(first["token_requests"]),
        "verifier_failures": float(len(first["failures"])),
        "verifier_slowest_s": first["slowest_s"],
        "raw_key_slowest_s": with_raw_key["slowest_s"],
        "refresh_token_requests": float(second["token_requests"]),
        "refresh_failures": float(len(second["failures"])),
    }
    result.seconds = time.perf_counter() - started
    return result


FULL = {"processes": 16}
QUICK = {"processes": 16, "blocks": 10, "calls": 2000, "api_calls": 20}
