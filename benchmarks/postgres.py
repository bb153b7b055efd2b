"""A throwaway PostgreSQL server: the database of the load tests (tests/conftest.py ``postgres_server``) and of the
warehouse benchmark.

Debian's ``postgresql`` package (``make postgresql`` installs it): ``initdb`` into a fresh temporary folder, then
``postgres`` itself on 127.0.0.1 and a free port, its socket in that folder, trust authentication for loopback only.
Run as root, both run as the ``postgres`` user (the server refuses root). fsync is off: the tests kill clients, never
the server, and a lost server only loses throwaway data. ``stop`` ends the server it started and removes the folder.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (``make postgresql`` installs Debian's)."""


def server_binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding ``initdb`` and ``postgres``, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """``with PostgresServer() as server:``; ``server.uri`` to connect, ``server.airflow_connection()`` for Airflow."""

    def __init__(self) -> None:
        self.port = 0
        self.folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def uri(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def airflow_connection(self) -> str:
        """The ``AIRFLOW_CONN_*`` value (JSON) of a ``postgres`` connection to this server."""
        return json.dumps(
            {"conn_type": "postgres", "host": "127.0.0.1", "port": self.port, "login": "postgres", "schema": "postgres"}
        )

    def connect(self, **options: Any) -> Any:
        """A psycopg (3) connection, the driver Airflow's PostgreSQL provider uses under SQLAlchemy 2."""
        import psycopg

        return psycopg.connect(self.uri, connect_timeout=10, **options)

    def start(self) -> None:
        binaries = server_binaries()
        if binaries is None:
            raise PostgresUnavailable(
                "no /usr/lib/postgresql/*/bin/initdb: make postgresql (apt-get install postgresql)"
            )
        as_user = {"user": "postgres"} if os.geteuid() == 0 else {}
        self.folder = Path(tempfile.mkdtemp(prefix="bc-postgres-"))
        if as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        subprocess.run(
            [binaries / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
            **as_user,
        )
        self.port = _free_port()
        settings = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        command = [binaries / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(self.port), "-k", self.folder]
        with (self.folder / "server.log").open("wb") as log:
            self._process = subprocess.Popen([*command, *settings], stdout=log, stderr=subprocess.STDOUT, **as_user)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self.connect().close()
                return
            except Exception as error:  # psycopg.OperationalError until it accepts connections
                if self._process is None or self._process.poll() is not None or time.monotonic() > deadline:
                    log = (self.folder / "server.log").read_text(errors="replace")[-2000:] if self.folder else ""
                    self.stop()
                    raise RuntimeError(f"PostgreSQL did not start ({type(error).__name__}): {log}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: a client left open does not hold it
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)
        if self.folder is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.folder)
            self.folder = None
