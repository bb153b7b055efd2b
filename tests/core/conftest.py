"""What most of ``tests/core`` reads a store with: a client of the module's own ``store`` (each module sizes its
store), and the middle third of its data as the window. A module that needs another client or window defines its
own."""

from __future__ import annotations

import pytest

from airflow_provider_bigcommerce.core.export.windows import Window
from tests.export_files import middle_third


@pytest.fixture
def client(store, make_client):
    return make_client(store)


@pytest.fixture
def window(store) -> Window:
    return middle_third(store)
