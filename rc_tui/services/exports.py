"""The export folders: where encrypted documents are written, one owner-only folder per user
under the installation's data folder (``<db folder>/exports/<username>/``), and how old
files are removed.

Files are named by kind and time only (``rc-tui-journal-20261206-101500-3fa2.pdf``), never
by anything about the person. What is in them is encrypted (``documents``); the folder
only holds them until the user has fetched or printed them: files older than the setting
``export_max_age_hours`` are removed at every start of rc-tui and by ``rc-tui exports
purge``. Cheap to import (no storage stack): the command line calls ``purge`` first thing.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

EXPORTS = "exports"
_USER = re.compile(r"[a-z][a-z0-9._-]{0,63}")
_FILE = re.compile(r"rc-tui-[a-z_]+-\d{8}-\d{6}-[0-9a-f]{4}\.(?:pdf|txt)")


@dataclass(frozen=True)
class ExportFile:
    name: str
    size: int
    age_seconds: float


def root(db_path: Path) -> Path:
    """The installation's export folders."""
    return Path(db_path).parent / EXPORTS


def folder(db_path: Path, username: str) -> Path:
    """The user's own export folder (not created here)."""
    if _USER.fullmatch(username) is None:  # a name that could lead out of the folder
        raise ValueError("username")
    return root(db_path) / username


def file_name(kind: str, when: datetime, suffix: str = "pdf") -> str:
    """A new file's name: the kind and the time, and a random tail against collisions."""
    if re.fullmatch(r"[a-z_]+", kind) is None or suffix not in ("pdf", "txt"):
        raise ValueError("kind")
    return f"rc-tui-{kind}-{when:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}.{suffix}"


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (owner-only; never an existing file, never through a link) with
    ``data``; a half-written file is removed."""
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_BINARY", 0))
    fd = os.open(path, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _files(where: Path) -> list[tuple[Path, os.stat_result]]:
    """The export files in ``where`` (regular files with an export's name, not links)."""
    found = []
    try:
        entries = list(os.scandir(where))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        if _FILE.fullmatch(entry.name) is None:
            continue
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISREG(info.st_mode):
            found.append((Path(entry.path), info))
    return found


def listing(db_path: Path, username: str, *, now: float | None = None) -> list[ExportFile]:
    """The user's own export files, oldest first (name, size, age: no content)."""
    at = time.time() if now is None else now
    rows = [ExportFile(p.name, info.st_size, max(0.0, at - info.st_mtime))
            for p, info in _files(folder(db_path, username))]
    return sorted(rows, key=lambda f: -f.age_seconds)


def purge(db_path: Path, max_age_hours: int, *, now: float | None = None) -> int:
    """Remove every user's export files older than ``max_age_hours``; how many were removed.
    A folder that cannot be read is passed over (the next start tries again)."""
    at = time.time() if now is None else now
    limit = max_age_hours * 3600
    removed = 0
    try:
        users = [e for e in os.scandir(root(db_path))
                 if _USER.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for user in users:
        try:
            files = _files(Path(user.path))
        except OSError:
            continue
        for path, info in files:
            if at - info.st_mtime > limit:
                try:
                    path.unlink()
                    removed += 1
                except FileNotFoundError:
                    continue
    return removed


def max_age_hours(db_path: Path) -> int:
    """The setting as the key file holds it (range-checked; read without unlocking, so that
    every start can purge before anyone logs in)."""
    from storage import files
    from storage.directory import settings_of
    from storage.errors import VaultError
    from storage.install import DEFAULT_SETTINGS
    from storage.keys import KeyFile

    try:
        kf = KeyFile.load(files.keyfile_path(Path(db_path)))
    except (VaultError, OSError):
        return int(DEFAULT_SETTINGS["export_max_age_hours"])
    return int(settings_of(kf, None).values["export_max_age_hours"])
