"""Backup and restore: one self-contained, still-encrypted file; a verified restore.

A backup file holds the database and its key file (a database without its key slots is
useless, and the slots must match the data key the pages are encrypted with). Two ways to
take one, both writing the same format:

* ``copy_files`` – **no keys needed** (POSIX). The encrypted files are copied byte for byte
  while SQLite's own locks hold them still: a shared lock on the database file (as every
  connection has) and, in WAL mode, the WAL *write* and *checkpoint* locks of the ``-shm``
  file (https://sqlite.org/walformat.html, "the WAL-index locks"). Readers carry on;
  writers wait (their busy timeout) only while the bytes are copied. The copy is the
  database plus its WAL at a commit boundary, as after a power cut: SQLite recovers it when
  it is opened. Nothing is decrypted, so the copy cannot exist in plaintext anywhere, and
  an unattended job needs no passphrase. The process must not itself have the database
  open through SQLite (closing a file drops all of a process's POSIX locks on it).
* ``backup_with_vault`` – through an unlocked vault: SQLite's online backup API copies the
  pages from one read snapshot into a new file keyed with the same data key (encrypted
  from the first page written; writers are not blocked), and the copy is checked at once.

``restore`` unpacks a backup next to the live database, opens it with the user's
passphrase (a manager of the backup), runs ``Vault.check`` (SQLCipher and SQLite
integrity, the access-log chain), refuses a newer schema, records the restore in the
restored access log, and only then swaps it in with renames, keeping the previous files as
``<db>.before-restore-<time>`` (with its ``-wal`` and ``.keys``, itself an installation).

The file format is ``storage.backupfile`` (its names are re-exported here).
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage import db, files, keys
from storage.authstate import SealedEvents, safe_username
from storage.backupfile import (
    _O_BINARY,
    FORMAT,
    HEADER_SIZE,
    MAGIC,
    PARTS,
    BackupInfo,
    Part,
    read_header,
    unpack,
    writer,
)
from storage.errors import (
    BackupMismatch,
    CheckFailed,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseInUse,
    DatabaseMissing,
    NeedsKey,
    NoDataKey,
    PermissionDenied,
    VaultError,
)
from storage.roles import Role

if TYPE_CHECKING:
    from storage.vault import CheckReport, Vault

__all__ = [
    "COPY_TIMEOUT_SECONDS", "FORMAT", "HEADER_SIZE", "MAGIC", "PARTS", "BackupInfo", "Part",
    "RestoreResult", "backup_with_vault", "copy_files", "read_header", "restore", "shm_path",
    "wal_path",
]

COPY_TIMEOUT_SECONDS = 30.0

# SQLite's file locks (os_unix.c; part of its file format, shared with every other user).
PENDING_BYTE = 0x40000000
SHARED_FIRST = PENDING_BYTE + 2
SHARED_SIZE = 510
WAL_WRITE_LOCK = 120  # in the -shm file; WAL_CKPT_LOCK is the next byte
WAL_DMS = 128  # held shared by every connection that has the -shm mapped


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-wal")


def shm_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-shm")


@dataclass(frozen=True)
class RestoreResult:
    #: where the replaced database was kept (None: there was none, or only verified)
    previous: Path | None
    log_rows: int
    #: key slots in the backup that the current key file no longer has (revoked since)
    stale_slots: tuple[str, ...]


# ---------------------------------------------------------------------- SQLite's locks
def _lock(fd: int, *, exclusive: bool, start: int, length: int) -> bool:
    """Try one POSIX byte-range lock without waiting; False when another process holds it."""
    import fcntl

    kind = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.lockf(fd, kind | fcntl.LOCK_NB, length, start)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    import fcntl

    fcntl.lockf(fd, fcntl.LOCK_UN, 0, 0)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _hold_still(db_fd: int, path: Path) -> tuple[bool, int | None]:
    """One attempt at the locks under which neither the database file nor its WAL changes.

    Returns (True, the open ``-shm`` descriptor with its locks held), (True, None) when
    there is no ``-shm`` (nobody has the database open in WAL mode: newcomers are kept out
    instead), or (False, None) when somebody holds a conflicting lock right now.
    """
    if not _lock(db_fd, exclusive=False, start=SHARED_FIRST, length=SHARED_SIZE):
        return False, None  # a writer outside WAL mode (a rekey) holds the file exclusively
    shm = shm_path(path)
    try:
        shm_fd = os.open(shm, os.O_RDWR | _O_BINARY)
    except FileNotFoundError:
        # A new connection must take a read lock on the pending byte before its shared
        # lock: holding it exclusively keeps everyone out while we copy.
        if _lock(db_fd, exclusive=True, start=PENDING_BYTE, length=1) and not shm.exists():
            return True, None
        _unlock(db_fd)
        return False, None
    held = (_lock(shm_fd, exclusive=False, start=WAL_DMS, length=1)
            and _lock(shm_fd, exclusive=True, start=WAL_WRITE_LOCK, length=2)
            and _same_file(shm_fd, shm))
    if held:
        return True, shm_fd
    os.close(shm_fd)
    _unlock(db_fd)
    return False, None


@contextlib.contextmanager
def _held_still(path: Path, timeout: float) -> Iterator[None]:
    """Hold the database and its WAL still (see ``_hold_still``), retrying until
    ``timeout``; ``DatabaseBusy`` if that never succeeds."""
    db_fd = os.open(path, os.O_RDWR | _O_BINARY)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.001
        held, shm_fd = _hold_still(db_fd, path)
        while not held:  # the same polling as a waiting writer's, so it gets its turn
            if time.monotonic() > deadline:
                raise DatabaseBusy("locks")
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
            delay = min(delay * 2, db.POLL_SECONDS)
            held, shm_fd = _hold_still(db_fd, path)
        try:
            if path.with_name(path.name + "-journal").exists():
                raise DatabaseBusy("hot journal")  # an interrupted rekey: open it first
            yield
        finally:
            if shm_fd is not None:
                os.close(shm_fd)
    finally:
        os.close(db_fd)  # releases the locks on the database file


@contextlib.contextmanager
def _nobody_else(path: Path) -> Iterator[None]:
    """Hold the database exclusively for a swap; ``DatabaseInUse`` if anyone has it open.

    POSIX: every connection holds a shared lock on the database file and, in WAL mode, on
    the ``-shm`` file's DMS byte, so both exclusive locks succeed only when nobody has the
    database open (and keep newcomers waiting). Elsewhere the renames themselves fail on
    a file that is open, which is reported the same way.
    """
    if not files.POSIX or not path.exists():
        yield
        return
    fds: list[int] = []
    try:
        fds.append(os.open(path, os.O_RDWR | _O_BINARY))
        free = (_lock(fds[0], exclusive=True, start=PENDING_BYTE, length=1)
                and _lock(fds[0], exclusive=True, start=SHARED_FIRST, length=SHARED_SIZE))
        shm = shm_path(path)
        if free and shm.exists():
            fds.append(os.open(shm, os.O_RDWR | _O_BINARY))
            free = _lock(fds[1], exclusive=True, start=WAL_DMS, length=1)
        if not free:
            raise DatabaseInUse()
        yield
    finally:
        for fd in fds:
            os.close(fd)


# ---------------------------------------------------------------------- backup
def copy_files(path: Path, out: Path, *, timeout: float = COPY_TIMEOUT_SECONDS) -> BackupInfo:
    """Back up ``path`` into ``out`` without any key (see the module docstring).

    Recorded in the access log through the sealed-event file (``<db>.auth``), which the
    next login moves into the log – this needs only the installation's public audit key.
    """
    if not files.POSIX:
        raise NeedsKey()
    path = Path(path)
    kf = keys.KeyFile.load(files.keyfile_path(path))
    if not path.exists():
        raise DatabaseMissing(str(path))
    events = SealedEvents(path, kf.audit_public_key)
    try:
        with writer(out) as w:
            with _held_still(path, timeout):
                raw_keys = files.keyfile_path(path).read_bytes()
                w.add_bytes("keys", raw_keys)
                w.add_file("db", path)
                if wal_path(path).exists():
                    w.add_file("wal", wal_path(path))
            info = w.finish(keys.KeyFile.from_bytes(raw_keys).db_id, "files")
    except BaseException as exc:
        _record(events, "backup", exc)
        raise
    _record(events, "backup", None)
    return info


def backup_with_vault(vault: Vault, out: Path) -> BackupInfo:
    """Back up through an unlocked vault (SQLite's online backup API; verified copy)."""
    out = Path(out)
    try:
        with writer(out) as w:
            tmp_db = out.with_name(f".{out.name}.{secrets.token_hex(6)}.db")
            try:
                raw_keys = vault.online_copy(tmp_db)
                w.add_bytes("keys", raw_keys)
                w.add_file("db", tmp_db)
            finally:
                _remove_installation(tmp_db)
            info = w.finish(vault.db_id, "online")
    except BaseException as exc:
        with contextlib.suppress(Exception):
            vault.log("backup", outcome=_outcome(exc), screen="cli")
        raise
    vault.log("backup", screen="cli")
    return info


def _outcome(exc: BaseException | None) -> str:
    """The access log's outcome (at most 16 characters): ok, a ``VaultError`` code, failed."""
    if exc is None:
        return "ok"
    if isinstance(exc, PermissionDenied):
        return "denied"
    return exc.code[:16] if isinstance(exc, VaultError) else "failed"


def _record(events: SealedEvents | None, action: str, exc: BaseException | None,
            username: str | None = None) -> None:
    """A sealed access-log event (action and outcome only – never paths or case data)."""
    if events is None:
        return
    event: dict[str, Any] = {"action": action, "outcome": _outcome(exc), "screen": "cli",
                             "ts": time.time()}
    if username:
        event["username"] = safe_username(username)
    with contextlib.suppress(OSError):
        events.append(event)


def _remove_installation(path: Path) -> None:
    for p in [*files.sidecar_paths(path), path.with_name(path.name + "-journal")]:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


# ---------------------------------------------------------------------- restore
def _live_keyfile(path: Path) -> keys.KeyFile | None:
    try:
        return keys.KeyFile.load(files.keyfile_path(path))
    except VaultError:
        return None


def restore(
    path: Path, source: Path, username: str, passphrase: str, *, verify_only: bool = False,
    clock: Any = time.time,
) -> RestoreResult:
    """Verify the backup ``source`` and (unless ``verify_only``) make it the database at
    ``path``. Nothing at ``path`` changes until every check has passed."""
    path, source = Path(path), Path(source)
    live = _live_keyfile(path)
    events = SealedEvents(path, live.audit_public_key) if live else None
    action = "backup_verified" if verify_only else "restore"
    staging = path.with_name(f".{path.name}.restore-{secrets.token_hex(6)}")
    try:
        info = read_header(source)
        if live is not None and live.db_id != info.db_id:
            raise BackupMismatch()
        if not verify_only:
            with _nobody_else(path):
                pass  # say so now rather than after the checks (and again at the swap)
        files.ensure_private_dir(path.parent)
        targets = {"keys": files.keyfile_path(staging), "db": staging, "wal": wal_path(staging)}
        unpack(info, targets)
        backup_kf = keys.KeyFile.load(targets["keys"])
        report = _verified(staging, username, passphrase, clock, verify_only,
                           lambda: _forward_auth_events(staging, path, live, backup_kf))
        _settled(staging)
        stale = tuple(sorted(set(backup_kf.slots) - set(live.slots))) if live else ()
        previous = None if verify_only else _swap_in(staging, path)
    except BaseException as exc:
        _record(events, action, exc, username)
        raise
    finally:
        _remove_installation(staging)
    if verify_only:
        _record(events, action, None, username)
    return RestoreResult(previous, report.log_rows, stale)


def _verified(staging: Path, username: str, passphrase: str, clock: Any, verify_only: bool,
              after_unlock: Any) -> CheckReport:
    """Open the unpacked copy and run every check; record the restore in its log.

    A crafted or damaged copy may fail anywhere in SQLite: every database error becomes
    ``DatabaseDamaged`` (a report, never an internal error)."""
    from storage.vault import Vault

    try:
        try:
            vault = Vault.unlock(staging, username, passphrase, clock=clock)
        finally:
            after_unlock()
        with vault:
            # the checks read every record: only a data-key holder can run them, and
            # replacing the database is a manager's decision
            if vault.user.role is Role.ADMIN:
                raise NoDataKey("restore needs a manager")
            if vault.user.role is not Role.MANAGER:
                raise PermissionDenied("restore is for managers")
            report = vault.check()
            if not report.ok:
                raise CheckFailed(report.problems[0], report.problems, report.damaged)
            if not verify_only:
                vault.log("restore", screen="cli")
    except db.DATABASE_ERRORS as exc:
        raise DatabaseDamaged(db.error_message(exc)) from None
    return report


def _forward_auth_events(staging: Path, path: Path, live: keys.KeyFile | None,
                         backup_kf: keys.KeyFile) -> None:
    """Failed logins against the unpacked backup go to the live installation's sealed
    events (same installation, same audit key), so the access log shows them."""
    pending = files.authlog_path(staging)
    if not pending.exists():
        return
    if live is not None and live.audit_public_key == backup_kf.audit_public_key:
        for line in pending.read_bytes().splitlines():
            if line.strip():
                files.append_line(files.authlog_path(path), line)
    pending.unlink()


def _settled(staging: Path) -> None:
    """After the vault closed, the copy is one file: its WAL was checkpointed away."""
    for p in (wal_path(staging), shm_path(staging)):
        if p.exists():
            if p == wal_path(staging) and p.stat().st_size > 0:
                raise DatabaseInUse("restored copy still has a WAL")
            p.unlink()


def _previous_name(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # local time: read by people
    candidate = path.with_name(f"{path.name}.before-restore-{stamp}")
    n = 2
    while any(p.exists() for p in files.sidecar_paths(candidate)):
        candidate = path.with_name(f"{path.name}.before-restore-{stamp}-{n}")
        n += 1
    return candidate


def _keep(src: Path, dst: Path) -> None:
    """``dst`` becomes another name of ``src`` (a hard link; a copy where links fail)."""
    try:
        os.link(src, dst)
    except OSError:
        import shutil

        shutil.copy2(src, dst)


def _swap_in(staging: Path, path: Path) -> Path | None:
    """Keep the current files under a ``before-restore`` name, then rename the verified
    copy into place. The database path always names a complete database: the old one is
    linked to its new name before the new one replaces it, and its WAL is moved with it
    first (a WAL must never meet another database)."""
    previous: Path | None = None
    try:
        with _nobody_else(path):
            if path.exists() or files.keyfile_path(path).exists():
                previous = _previous_name(path)
                if path.exists():
                    _keep(path, previous)
                for suffix in ("-wal", "-shm"):
                    side = path.with_name(path.name + suffix)
                    if side.exists():
                        os.replace(side, previous.with_name(previous.name + suffix))
                if files.keyfile_path(path).exists():
                    _keep(files.keyfile_path(path), files.keyfile_path(previous))
            os.replace(files.keyfile_path(staging), files.keyfile_path(path))
            os.replace(staging, path)
    except PermissionError:
        if sys.platform == "win32":  # Windows refuses to rename a file that is open
            raise DatabaseInUse() from None
        raise
    for p in (path, files.keyfile_path(path)):
        files.restrict_file(p)
    files.fsync_dir(path.parent)
    return previous
