"""Export arguments that would write outside the destination, leave the store's API, overflow a date, or hit storage
that cannot be written: each is a typed error with a code, never a traceback and never a file elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from upath import UPath

from airflow_provider_bigcommerce.core.export.destination import DestinationError
from airflow_provider_bigcommerce.core.export.files import atomic_file
from airflow_provider_bigcommerce.core.export.resources import ResourceNameError, resource_for
from airflow_provider_bigcommerce.core.export.windows import Window, WindowError
from airflow_provider_bigcommerce.messages.problems import api_problem


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../../x", "separator"),
        ("orders/../../x", "separator"),
        ("..\\x", "separator"),
        ("..", "dot_name"),
        (".", "dot_name"),
        ("/etc/cron.d/x", "absolute"),
        ("", "empty"),
        ("x\x00y", "control_character"),
    ],
)
@pytest.mark.parametrize("path", [None, "v2/coupons"], ids=["catalogue", "named-path"])
def test_a_resource_name_that_could_leave_the_destination_is_refused_with_its_code(name, code, path):
    with pytest.raises(ResourceNameError) as caught:
        resource_for(name, path=path)

    assert (caught.value.code, caught.value.name, caught.value.argument) == (code, name, "resource")
    assert repr(name) in api_problem(caught.value, None)


@pytest.mark.parametrize(
    "path", ["v2/../../x", "v3/catalog/./products", "v3/catalog/%2E%2e/x", "v2/..%2F..%2fx", "v2/..\\x"]
)
def test_an_api_path_with_dot_segments_is_refused_with_its_code(path):
    with pytest.raises(ResourceNameError) as caught:
        resource_for("mine", path=path)

    assert (caught.value.code, caught.value.name, caught.value.argument) == ("dot_segment", path, "path")


@pytest.mark.parametrize(
    ("start", "end", "bound"),
    [
        ("2024-01-01T00:00:00+00:00", "9999-12-31T23:00:00-05:00", "end"),
        ("0001-01-01T00:00:00+01:00", "2024-01-01T00:00:00+00:00", "start"),
    ],
)
def test_a_window_end_that_no_date_can_hold_is_a_typed_error(start, end, bound):
    with pytest.raises(WindowError) as caught:
        Window(datetime.fromisoformat(start), datetime.fromisoformat(end))

    assert (caught.value.code, caught.value.bound) == ("out_of_range", bound)


def test_the_last_moments_a_date_holds_are_still_window_ends():
    for end in (
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
    ):
        window = Window(datetime(2024, 1, 1, tzinfo=UTC), end)

        assert window.end_second == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_a_destination_folder_that_is_a_file_is_a_destination_error(tmp_path: Path):
    blocker = tmp_path / "export"
    blocker.write_text("a file, not a folder")
    target = blocker / "coupons" / "coupons_full.ndjson"

    with pytest.raises(DestinationError) as caught, atomic_file(target):
        pass

    assert (caught.value.code, caught.value.destination) == ("not_a_folder", str(target))
    assert blocker.read_text() == "a file, not a folder"


def test_a_destination_under_proc_is_a_destination_error():
    with pytest.raises(DestinationError) as caught, atomic_file(Path("/proc/bigcommerce-export/x/x.ndjson")):
        pass

    assert caught.value.code in ("not_found", "permission_denied")  # /proc answers ENOENT to root, EACCES to others


def test_an_s3_destination_without_credentials_is_a_destination_error(monkeypatch, unused_port):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{unused_port}")  # nothing leaves the machine
    target = UPath("s3://bigcommerce-exports/x", skip_instance_cache=True) / "coupons" / "coupons_full.ndjson"

    with pytest.raises(DestinationError) as caught, atomic_file(target) as raw:
        raw.write(b"{}\n")

    assert caught.value.code == "no_credentials"


def test_an_error_of_the_exports_own_work_is_not_taken_for_a_storage_error(tmp_path: Path):
    with pytest.raises(KeyError), atomic_file(tmp_path / "x.ndjson"):
        raise KeyError("not the storage's")
