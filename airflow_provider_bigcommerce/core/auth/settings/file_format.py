"""One OAuth settings file on disk: read it, refusing anything but a plain non-empty file, and replace it atomically.

The rules for the location (symlinks, special files, open folders) are listed in :mod:`.settings_store`.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import os
import secrets
import stat

from airflow_provider_bigcommerce.core.auth.settings.crypto import SettingsCipher
from airflow_provider_bigcommerce.core.auth.settings.values import OAuthSettings
from airflow_provider_bigcommerce.core.errors import SettingsStoreError
from airflow_provider_bigcommerce.core.folder_rules import writable_by_every_user, writable_by_group

log = logging.getLogger(__name__)

_WARNED_FOLDERS: set[str] = set()


def read_settings_file(path: str, cipher: SettingsCipher) -> OAuthSettings | None:
    """Decrypt one settings file (e.g. one to import); None when it does not exist."""
    try:
        with open_regular(path, follow=True) as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise os_error("read", path, exc) from None
    return decode_settings(data, cipher, path)[0]


def write_settings_file(path: str, settings: OAuthSettings, cipher: SettingsCipher, *, salt: bytes) -> tuple[int, ...]:
    """Encrypt and atomically replace ``path`` (mode 0600); returns the new file's identity."""
    data = cipher.encrypt(json.dumps(settings.to_document(), separators=(",", ":")).encode(), salt=salt)
    folder, name = os.path.split(path)
    temp = os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        folder_fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(folder_fd)
        finally:
            os.close(folder_fd)
        return file_identity(os.stat(path))
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise os_error("write", path, exc) from None


def open_regular(path: str, *, follow: bool) -> io.BufferedReader:
    """Open for reading without blocking on a FIFO, and refuse anything but a regular file."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:  # it became a symbolic link after it was resolved
            raise SettingsStoreError("location_is_symlink", location=path, path=path) from None
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO's other end absent
            raise SettingsStoreError("not_regular_file", location=path, path=path) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO, a device, a folder
        os.close(fd)
        raise SettingsStoreError("not_regular_file", location=path, path=path)
    return os.fdopen(fd, "rb")


def check_folder_mode(folder: str, location: str) -> None:
    """Anyone who may write the folder may replace or remove the file: refuse that for world, log it for group."""
    try:
        mode = os.stat(folder or ".").st_mode
    except OSError:
        return  # the write probe that follows reports it
    if writable_by_every_user(mode):
        raise SettingsStoreError("unsafe_folder", location=location, folder=folder)
    if not writable_by_group(mode) or folder in _WARNED_FOLDERS:
        return
    _WARNED_FOLDERS.add(folder)
    # Every member of the group can replace or delete the settings.
    log.warning("settings folder %s is group-writable: chmod g-w or +t", folder)


def decode_settings(data: bytes, cipher: SettingsCipher, location: str) -> tuple[OAuthSettings, bytes]:
    if not data:
        # Never written by this provider (every write renames a complete file): someone truncated it.
        raise SettingsStoreError("empty_file", location=location)
    plaintext, salt = cipher.decrypt(data, location)
    try:
        document = json.loads(plaintext)
    except ValueError:
        raise SettingsStoreError("not_json", location=location) from None
    return OAuthSettings.from_document(document, location), salt


def file_identity(status: os.stat_result) -> tuple[int, ...]:
    # Every write is a rename of a new file, so the inode changes too, even where mtime is coarse.
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def os_error(action: str, path: str, exc: OSError) -> SettingsStoreError:
    """``exc``, raised while ``action`` (read, write, create_lock) was done to ``path``, with its errno's name."""
    folder = os.path.dirname(path)
    return SettingsStoreError(
        "os_error",
        location=path,
        action=action,
        reason=os.strerror(exc.errno) if exc.errno else str(exc)[:160],
        errno=errno.errorcode.get(exc.errno or 0),
        folder=folder,
        folder_missing=exc.errno == errno.ENOENT and not os.path.isdir(folder),
    )
