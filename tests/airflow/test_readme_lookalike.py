"""The README's "Try it against the lookalike" section, pasted as it is into a fresh Airflow home.

The lookalike starts in-process instead of in a second terminal, on a free port that replaces the README's 8765.
``oauth login`` needs a person at a browser: the test authorizes the same connection headlessly instead
(``authorize-url``, the merchant's Approve over HTTP, ``exchange``), then runs the README's next line.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_provider_bigcommerce.sandbox import Sandbox, SandboxConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
README_PORT = "8765"
pytestmark = pytest.mark.slow


def _section(title: str) -> str:
    text = (REPO_ROOT / "README.md").read_text()
    start = text.index(f"\n## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture
def readme_lookalike():
    """What ``airflow-bigcommerce sandbox`` serves with its defaults (seed 1), on a free port."""
    with Sandbox(SandboxConfig()) as store:
        yield store


@pytest.fixture
def fresh_airflow(tmp_path: Path) -> dict[str, str]:
    """The environment of a new Airflow home: its own SQLite database, no DAGs folder chosen yet."""
    home = tmp_path / "airflow-home"
    home.mkdir()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("AIRFLOW__CORE__DAGS_FOLDER")
    return env


def test_the_readme_lookalike_walkthrough_works_as_pasted(readme_lookalike, fresh_airflow, tmp_path: Path) -> None:
    section = _section("Try it against the lookalike")
    (start,) = [line for line in _blocks(section, "bash")[0].splitlines() if line.strip()]
    (printed,) = _blocks(section, "json")
    _, connect, oauth_app = _blocks(section, "bash")
    port = str(urlsplit(readme_lookalike.base_url).port)

    def pasted(block: str) -> str:
        return block.replace(README_PORT, port).replace("/tmp/bigcommerce", str(tmp_path / "bigcommerce"))

    def bash(script: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", "-c", script], cwd=REPO_ROOT, env=fresh_airflow, capture_output=True, text=True, timeout=600
        )
        assert not check or done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    # The line the README says the lookalike prints, key for key (the seed fixes everything but the port).
    assert shlex.split(start)[:2] == ["airflow-bigcommerce", "sandbox"] and "--seed" not in start
    assert json.loads(pasted(printed)) == readme_lookalike.connection_info

    quickstart = bash("set -euo pipefail\n" + pasted(connect))
    assert "Connection success!" in quickstart.stdout
    assert f"({readme_lookalike.store_id}): 300 orders, 120 products, 200 customers" in quickstart.stdout

    lines = [line for line in pasted(oauth_app).split("\n") if line]
    login = next(index for index, line in enumerate(lines) if line.startswith("airflow-bigcommerce oauth login"))
    before, after = "\n".join(lines[: login - 1]), lines[login + 1 :]
    status = lines[login - 1].split("#")[0]
    assert status.strip() == "airflow-bigcommerce oauth status --conn-id bigcommerce_app"

    bash("set -euo pipefail\n" + before)
    nothing_saved = bash(status, check=False)
    assert nothing_saved.returncode == 3 and "airflow-bigcommerce oauth login --conn-id bigcommerce_app" in (
        nothing_saved.stderr
    )
    url = bash("airflow-bigcommerce oauth authorize-url --conn-id bigcommerce_app").stdout.strip()
    code = parse_qs(urlsplit(readme_lookalike.approve(url)).query)["code"][0]
    bash(f"airflow-bigcommerce oauth exchange --conn-id bigcommerce_app --verifier {shlex.quote(code)}")
    tested = bash("set -euo pipefail\n" + "\n".join(after))
    assert "Connection success!" in tested.stdout
