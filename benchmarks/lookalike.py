"""The lookalike store in its own process, and a log of what went over the wire.

Benchmarks run the lookalike as a separate process so its CPU does not share the client's GIL. It binds
127.0.0.1 on a free port, prints one JSON line (its URLs and credentials) and serves until stopped; we wait for
that line and for the port to accept connections, and always stop it (terminate, then kill).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

READY_TIMEOUT_S = 60.0


class LookalikeProcess:
    """``with LookalikeProcess(orders=40_000, latency_ms=50, quota=150, window_ms=3000) as store: store.base_url``.

    Keyword options become command-line flags of ``python -m bigcommerce_lookalike``
    (``latency_ms=50`` -> ``--latency-ms 50``).
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._process: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+", prefix="bc-bench-lookalike-")  # noqa: SIM115 - closed in __exit__
        self.info: dict[str, Any] = {}

    def __enter__(self) -> LookalikeProcess:
        args = [sys.executable, "-m", "bigcommerce_lookalike", "--port", "0", "--host", "127.0.0.1"]
        for name, value in self._options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self._process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        try:
            self.info = self._read_first_line()
            # Keep draining stdout so the server never blocks on a full pipe.
            threading.Thread(target=self._drain, daemon=True).start()
            _wait_for_port(self.base_url, READY_TIMEOUT_S)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: object = None, *exc_info: object) -> None:
        if exc_type is not None:  # what the lookalike said helps to tell its failure from the client's
            self._stderr.seek(0)
            sys.stderr.write(f"--- lookalike stderr (tail) ---\n{self._stderr.read()[-3000:]}\n---\n")
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._stderr.close()

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"]).rstrip("/")

    @property
    def store_id(self) -> str:
        return str(self.info["store_id"])

    @property
    def access_token(self) -> str:
        return str(self.info["access_token"])

    def stats(self) -> dict[str, Any]:
        """The lookalike's own counters (``/_sandbox/stats``): requests, responses_429, token_requests, ..."""
        return requests.get(f"{self.base_url}/_sandbox/stats", timeout=30).json()

    def sandbox_info(self) -> dict[str, Any]:
        """What the lookalike serves (``/_sandbox/info``): its data time range, sizes and knobs."""
        return requests.get(f"{self.base_url}/_sandbox/info", timeout=30).json()

    def reset_stats(self) -> None:
        requests.post(f"{self.base_url}/_sandbox/reset", timeout=30).raise_for_status()

    def _read_first_line(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self._process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(READY_TIMEOUT_S)
        if not box or not box[0].strip():
            self._stderr.seek(0)
            raise RuntimeError(f"the lookalike did not start: {self._stderr.read()[-2000:]}")
        return json.loads(box[0])

    def _drain(self) -> None:
        process = self._process
        if process is not None and process.stdout is not None:
            for _ in process.stdout:
                pass


def _wait_for_port(base_url: str, timeout_s: float) -> None:
    parts = urlsplit(base_url)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass(frozen=True)
class Exchange:
    """One HTTP answer as the client saw it: when (monotonic s), its status, and the announced window reset."""

    at: float
    status: int
    reset_ms: int | None


class WireLog:
    """Records every answer a ``requests.Session`` gets (a response hook), whoever drives the session.

    Counting on the wire rather than in the client under test keeps the figures comparable across contenders.
    """

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def attach(self, session: requests.Session) -> requests.Session:
        session.hooks["response"].append(self._record)
        return session

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        reset = response.headers.get("X-Rate-Limit-Time-Reset-Ms")
        self.exchanges.append(
            Exchange(time.monotonic(), response.status_code, int(reset) if reset and reset.isdigit() else None)
        )

    @property
    def requests(self) -> int:
        return len(self.exchanges)

    def count(self, status: int) -> int:
        return sum(1 for exchange in self.exchanges if exchange.status == status)


def store_api(base_url: str, store_id: str, path: str) -> str:
    """``{base}/stores/{id}/{path}`` with ``path`` like ``v2/orders``."""
    return f"{base_url.rstrip('/')}/stores/{store_id}/{path.lstrip('/')}"
