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
import json
import os
import re
import secrets
import time
from collections.abc import Callable
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
    def __init__(self, db_path: Path, clock: Clock = time.time) -> None:
        self.path = files.lockout_path(db_path)
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
        data = self._read()
        entry = data.get(username, {"failures": 0.0, "last": 0.0})
        entry = {"failures": entry["failures"] + 1, "last": self.clock()}
        data[username] = entry
        self._write(data)
        return delay_for(int(entry["failures"]))

    def reset(self, username: str) -> None:
        data = self._read()
        if username in data:
            del data[username]
            self._write(data)


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
