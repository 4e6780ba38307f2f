"""File locations, permissions and atomic writes, portable across POSIX and Windows."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from pathlib import Path

import platformdirs

APP_NAME = "rc-tui"
DB_FILENAME = "rc-tui.db"

POSIX = os.name == "posix"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return default_data_dir() / DB_FILENAME


def keyfile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def authlog_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".auth")


def lockout_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lockout")


def sidecar_paths(db_path: Path) -> list[Path]:
    """Every file that belongs to one installation (for permissions and backups)."""
    return [
        db_path,
        db_path.with_name(db_path.name + "-wal"),
        db_path.with_name(db_path.name + "-shm"),
        keyfile_path(db_path),
        authlog_path(db_path),
        lockout_path(db_path),
    ]


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) and make the folder itself owner-only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    if POSIX:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode != 0o700:
            path.chmod(0o700)


def restrict_file(path: Path) -> None:
    """Owner read/write only (0600). Windows relies on the per-user profile ACLs."""
    if POSIX and path.exists():
        path.chmod(0o600)


def secure_umask() -> None:
    """New files of this process are owner-only (no-op on Windows)."""
    if POSIX:
        os.umask(0o077)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (temp file + fsync + replace)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    restrict_file(path)
    fsync_dir(path.parent)


def append_line(path: Path, line: bytes) -> None:
    """Append one line with O_APPEND (atomic for small writes), creating the file 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, line + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    if not POSIX or sys.platform == "darwin":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
