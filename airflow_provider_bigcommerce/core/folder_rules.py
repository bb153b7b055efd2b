"""Who besides this process's user can replace the files of a folder: the rules the OAuth settings folder
(``oauth.settings_file``) and the quota ledger folder (``quota_ledger``) share."""

from __future__ import annotations

import os
import stat


def writable_by_every_user(mode: int) -> bool:
    """World-writable without the sticky bit: any user may replace or delete any file in it."""
    return bool(mode & stat.S_IWOTH) and not mode & stat.S_ISVTX


def writable_by_group(mode: int) -> bool:
    """Group-writable without the sticky bit: every member of its group may replace or delete any file in it."""
    return bool(mode & stat.S_IWGRP) and not mode & stat.S_ISVTX


def owned_by_another_user(status: os.stat_result) -> bool:
    """Owned by neither this process's user nor root: its owner may change it, and what it holds, at will."""
    return status.st_uid not in (os.geteuid(), 0)
