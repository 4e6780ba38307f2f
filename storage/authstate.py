"""State that exists before anyone has unlocked the vault.

* ``Throttle``: failed logins slow down exponentially per user, and the delay survives a
  restart. The file holds usernames (already in the key file), a failure count and a
  time – nothing else.
* ``SealedEvents``: authentication attempts that happen while the database is locked
  (failed logins, unknown users) cannot be written to the encrypted database yet. They
  are sealed with HPKE to the installation's audit public key and appended to
  ``<db>.auth``; the next successful login decrypts them with the audit private key
  (kept inside the encrypted database) and moves them into the access log.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from storage import files
from storage.errors import LockedOut

MAX_DELAY_SECONDS = 15 * 60
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO = b"rc-tui/auth-event/v1"

Clock = Callable[[], float]


def delay_for(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: 1, 2, 4, ... up to 15 min."""
    if failures <= 0:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 2 ** (failures - 1)))


class Throttle:
    """The per-user login delay, safe against parallel attempts from many processes.

    ``attempt(username)`` holds an exclusive per-user lock for check → KDF → record, so a
    burst of simultaneous attempts is checked one at a time: each waits for the verdict
    of the one before (and so for its delay). Every read-modify-write of the lockout file
    holds a second, file-wide lock, so no update is lost between users either. The locks
    are byte-range locks on ``<db>.lockout.lock`` (``fcntl`` on POSIX, ``msvcrt`` on
    Windows); the operating system releases them when a process dies.
    """

    def __init__(self, db_path: Path, clock: Clock = time.time) -> None:
        self.path = files.lockout_path(db_path)
        self.lock_path = files.lockout_lock_path(db_path)
        self.clock = clock

    def _read(self) -> dict[str, dict[str, float]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError, OSError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(k): {"failures": float(v.get("failures", 0)), "last": float(v.get("last", 0))}
            for k, v in data.items()
            if isinstance(v, dict)
        }

    def _write(self, data: dict[str, dict[str, float]]) -> None:
        files.atomic_write(self.path, json.dumps(data, sort_keys=True).encode("ascii"))

    @contextlib.contextmanager
    def attempt(self, username: str) -> Iterator[None]:
        """Hold ``username``'s lock: check, derive the key and record under it."""
        with _locked(self.lock_path, _user_offset(username)):
            yield

    def failures(self, username: str) -> int:
        return int(self._read().get(username, {}).get("failures", 0))

    def wait_seconds(self, username: str) -> float:
        entry = self._read().get(username)
        if not entry:
            return 0.0
        until = entry["last"] + delay_for(int(entry["failures"]))
        return max(0.0, until - self.clock())

    def check(self, username: str) -> None:
        wait = self.wait_seconds(username)
        if wait > 0:
            raise LockedOut(wait)

    def record_failure(self, username: str) -> float:
        with _locked(self.lock_path, _FILE_OFFSET):
            data = self._read()
            entry = data.get(username, {"failures": 0.0, "last": 0.0})
            entry = {"failures": entry["failures"] + 1, "last": self.clock()}
            data[username] = entry
            self._write(data)
        return delay_for(int(entry["failures"]))

    def reset(self, username: str) -> None:
        with _locked(self.lock_path, _FILE_OFFSET):
            data = self._read()
            if username in data:
                del data[username]
                self._write(data)


# Byte 0 of the lock file guards the lockout file's read-modify-write; each user has one
# byte further on (a hash: two users sharing a byte only wait for each other).
_FILE_OFFSET = 0
_USER_RANGE = 1 << 20
# POSIX record locks belong to the process, not to the file descriptor: closing *any*
# descriptor of the file drops them all. So within one process the lock file is opened
# once per path, shared by the threads that hold a lock, and closed by the last of them;
# threads of one process exclude each other with a threading lock per byte.
_registry_guard = threading.Lock()
_open_fds: dict[str, tuple[int, int]] = {}  # path -> (fd, users)
_thread_locks: dict[tuple[str, int], threading.Lock] = {}


def _user_offset(username: str) -> int:
    digest = hashlib.sha256(username.encode("utf-8")).digest()
    return 1 + int.from_bytes(digest[:4], "big") % _USER_RANGE


@contextlib.contextmanager
def _locked(path: Path, offset: int) -> Iterator[None]:
    key = str(path)
    with _registry_guard:
        thread_lock = _thread_locks.setdefault((key, offset), threading.Lock())
    with thread_lock:
        with _registry_guard:
            fd, users = _open_fds.get(key, (-1, 0))
            if fd < 0:
                flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
                fd = os.open(path, flags, 0o600)
            _open_fds[key] = (fd, users + 1)
        try:
            _lock_byte(fd, offset)
            try:
                yield
            finally:
                _unlock_byte(fd, offset)
        finally:
            with _registry_guard:
                fd, users = _open_fds[key]
                if users == 1:
                    del _open_fds[key]
                    os.close(fd)
                else:
                    _open_fds[key] = (fd, users - 1)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows desktops
    import msvcrt

    def _lock_byte(fd: int, offset: int) -> None:
        while True:
            os.lseek(fd, offset, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(0.02)  # LK_LOCK would give up after ten seconds

    def _unlock_byte(fd: int, offset: int) -> None:
        os.lseek(fd, offset, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_byte(fd: int, offset: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_EX, 1, offset, os.SEEK_SET)

    def _unlock_byte(fd: int, offset: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset, os.SEEK_SET)


def safe_username(name: str) -> str:
    """What may be recorded about a typed username: only well-formed names.

    People type passphrases into the username field; such text is never stored.
    """
    return name if USERNAME_RE.match(name) else "(invalid)"


class SealedEvents:
    def __init__(self, db_path: Path, audit_public_key: bytes) -> None:
        self.path = files.authlog_path(db_path)
        self.public_key = X25519PublicKey.from_public_bytes(audit_public_key)

    def append(self, event: dict[str, Any]) -> None:
        plain = json.dumps(event, sort_keys=True).encode("utf-8")
        sealed = _SUITE.encrypt(plain, self.public_key, info=_INFO)
        import base64

        files.append_line(self.path, base64.b64encode(sealed))

    @staticmethod
    def drain(db_path: Path, private_key: X25519PrivateKey) -> list[dict[str, Any]]:
        """Take every pending event (oldest first); unreadable lines are reported as such."""
        import base64

        path = files.authlog_path(db_path)
        if not path.exists():
            return []
        taken = path.with_name(f".{path.name}.{secrets.token_hex(4)}.draining")
        try:
            os.replace(path, taken)
        except FileNotFoundError:
            return []
        events: list[dict[str, Any]] = []
        try:
            for line in taken.read_bytes().splitlines():
                if not line.strip():
                    continue
                try:
                    plain = _SUITE.decrypt(base64.b64decode(line), private_key, info=_INFO)
                    event = json.loads(plain.decode("utf-8"))
                    if isinstance(event, dict):
                        events.append(event)
                except Exception:  # damaged or forged line: record that, not its content
                    events.append({"action": "auth_event_unreadable"})
        finally:
            with contextlib.suppress(OSError):
                taken.unlink()
        return events
