"""The real program in a pseudo-terminal: log in by typing, then a hang-up (SIGHUP, as when
an SSH connection drops) locks and closes the vault cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")


class PtyApp:
    def __init__(self, db: Path, cols: int = 80, rows: int = 24) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "RC_TUI_INSECURE_TEST_KDF": "1",
               "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rc_tui", "--db", str(db)],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def type(self, keys: str) -> None:
        for ch in keys:
            os.write(self.master, ch.encode("utf-8"))
            time.sleep(0.01)

    def wait_for(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        encoded = needle.encode("utf-8")
        while time.monotonic() < deadline:
            if encoded in self.output:
                return
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} never appeared on the terminal")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self.master)


def test_sighup_locks_and_closes_the_vault(installed: Path) -> None:
    app = PtyApp(installed)
    try:
        app.wait_for("Logga in")
        app.type(ANNA + "\r")
        app.type(ANNA_PASS + "\r")
        app.wait_for("Mina öppna ärenden")
        app.proc.send_signal(signal.SIGHUP)
        assert app.proc.wait(20) == 0
    finally:
        app.close()
    wal = Path(str(installed) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # closed cleanly, checkpointed
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v, v.session() as s:
        rows = s.execute(text("SELECT action, username FROM access_log ORDER BY id")).all()
    assert ("hangup", ANNA) in [tuple(r) for r in rows]
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        assert v.check().ok
