"""Why a destination cannot take an export (``DestinationError``): what its storage raised, put as a code, or a
folder holding another store's files (``store_marker``)."""

from __future__ import annotations

import errno
from typing import Any

from airflow_provider_bigcommerce.core.errors import ExportError


class DestinationError(ExportError):
    """The destination cannot take this export; nothing was published there and a previous file stays.

    ``code`` says why (``CODES``). For a storage failure ``destination`` is the file concerned and ``cause`` the
    storage error's type (not its text: an object store's may quote URLs); for a folder of another store,
    ``store_id`` is this export's store and ``claimed`` the one the folder holds. The CLI and the hook put it in words.
    """

    CODES = frozenset(
        (
            "not_a_folder",  # a file stands where a folder is needed
            "is_a_folder",  # a folder stands where the file goes
            "permission_denied",
            "not_found",  # the folder cannot be created (a missing mount or bucket, /proc)
            "read_only",
            "full",  # no space, or over a quota or a file size limit
            "no_credentials",  # an object store found no credentials
            "storage_error",  # anything else the storage raised
            "other_store",  # the folder holds another store's files
            "marker_unreadable",  # the folder's store marker is not one this package wrote (left as it is)
        )
    )

    def __init__(
        self,
        code: str,
        *,
        destination: str,
        cause: str | None = None,
        store_id: str | None = None,
        claimed: str | None = None,
    ) -> None:
        super().__init__(code, destination=destination, cause=cause, store_id=store_id, claimed=claimed)
        self.destination = destination
        self.cause = cause
        self.store_id = store_id
        self.claimed = claimed


def storage_error(target: Any, error: Exception) -> DestinationError:
    """``error``, raised by the storage of ``target``, as a ``DestinationError`` with its code."""
    if isinstance(error, NotADirectoryError | FileExistsError):
        code = "not_a_folder"
    elif isinstance(error, IsADirectoryError):
        code = "is_a_folder"
    elif isinstance(error, PermissionError):
        code = "permission_denied"
    elif isinstance(error, FileNotFoundError):
        code = "not_found"
    elif isinstance(error, OSError) and error.errno == errno.EROFS:
        code = "read_only"
    elif isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        code = "full"
    elif any(kind.__name__ == "NoCredentialsError" for kind in type(error).__mro__):  # botocore's, not imported
        code = "no_credentials"
    else:
        code = "storage_error"
    return DestinationError(code, destination=str(target), cause=type(error).__name__)
