"""File locations, permissions and atomic writes, portable across POSIX and Windows."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from storage.errors import UnsafeFolder

APP_NAME = "rc-tui"
DB_FILENAME = "rc-tui.db"

POSIX = os.name == "posix"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_instruments_dir() -> Path:
    """The organisation's instrument folder (licensed definitions, threshold overrides)."""
    return default_config_dir() / "instruments"


def default_db_path() -> Path:
    return default_data_dir() / DB_FILENAME


def keyfile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def keyfile_lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys.lock")


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created 0600, never holds data): ``fcntl.flock``
    on POSIX, ``msvcrt.locking`` on Windows. Each call opens its own descriptor, so threads
    of one process exclude each other too."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        if POSIX:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        else:  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            if POSIX:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_UN)
            else:  # pragma: no cover - Windows
                import msvcrt

                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    finally:
        os.close(fd)


def authlog_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".auth")


def lockout_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lockout")


def lockout_lock_path(db_path: Path) -> Path:
    """An empty file whose byte-range locks serialise login attempts (see ``Throttle``)."""
    return db_path.with_name(db_path.name + ".lockout.lock")


def sidecar_paths(db_path: Path) -> list[Path]:
    """Every file that belongs to one installation (for permissions and backups)."""
    return [
        db_path,
        db_path.with_name(db_path.name + "-wal"),
        db_path.with_name(db_path.name + "-shm"),
        keyfile_path(db_path),
        keyfile_lock_path(db_path),
        authlog_path(db_path),
        lockout_path(db_path),
        lockout_lock_path(db_path),
    ]


def ensure_private_dir(path: Path) -> None:
    """Make sure ``path`` is a folder fit for the data, without changing one that exists.

    Missing folders (and missing parents) are created owner-only (0700): rc-tui made them.
    An existing folder keeps the mode and owner it was given – a shared folder such as
    ``/tmp`` must not lose its sticky bit or its group access because someone pointed
    ``--db`` into it. It is refused (``UnsafeFolder``) when someone else could replace or
    delete the files in it; ``exposed_folder`` tells whether others can merely list it.
    """
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by another process: check it like any other
            continue
        if POSIX:  # the umask may have taken bits away, never added: 0700 exactly
            folder.chmod(0o700)
    problem = unsafe_folder(path)
    if problem is not None:
        raise UnsafeFolder(str(path), problem)


def unsafe_folder(path: Path) -> str | None:
    """Why others could replace or delete files in the existing folder ``path`` (or None).

    Writable by group or others (even with the sticky bit, which still lets them plant
    the ``-wal``, ``.keys`` or ``.lockout`` file before rc-tui makes it), or owned by
    another account than this one (or root). Always None on Windows, where the per-user
    profile's ACLs apply.
    """
    if not POSIX:
        return None
    st = path.stat()
    if not stat.S_ISDIR(st.st_mode):
        return "not_a_folder"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "writable"
    uid = os.geteuid()
    if st.st_uid not in (uid, 0) and uid != 0:
        return "owner"
    return None


def exposed_folder(path: Path) -> bool:
    """True when other accounts can list the folder ``path`` (file names, sizes, times).

    The files themselves stay owner-only (0600) and encrypted; this is worth a warning,
    not a refusal (for example ``--db ~/rc.db`` in a home folder that is 0755).
    """
    if not POSIX:
        return False
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


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
