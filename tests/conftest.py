"""Suite-wide setup: a throwaway AIRFLOW_HOME (SQLite) configured before anything imports Airflow.

Airflow reads its configuration when first imported, so the environment is set at collection time, here.
Tests that need the metadata database ask for the ``airflow_db`` fixture; core tests never touch it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO_ROOT / "dags_examples"

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="bc-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
# A fixed key, so every process of the suite can decrypt the connections another one stored.
os.environ["AIRFLOW__CORE__FERNET_KEY"] = "dGVzdC1zdWl0ZS1mZXJuZXQta2V5LTMyLWJ5dGVzISE="
os.environ.setdefault("BIGCOMMERCE_OPENAPI_DIR", str(REPO_ROOT.parent / "shared" / "bigcommerce" / "openapi"))


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The suite's AIRFLOW_HOME folder (SQLite metadata DB, logs)."""
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """A migrated metadata database, made once per test session with the real ``airflow db migrate``."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    return airflow_home
