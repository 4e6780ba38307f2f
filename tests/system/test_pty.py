"""The real program in a pseudo-terminal: log in by typing, then a hang-up (SIGHUP, as when
an SSH connection drops) locks and closes the vault cleanly."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.pty_terminal import PtyTerminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")


class PtyApp(PtyTerminal):
    def __init__(self, db: Path, cols: int = 80, rows: int = 24) -> None:
        super().__init__(["--db", str(db)], cols=cols, rows=rows,
                         env={"RC_TUI_INSECURE_TEST_KDF": "1"})


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
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session() as s:
        rows = s.execute(text("SELECT action, username FROM access_log ORDER BY id")).all()
    assert ("hangup", ANNA) in [tuple(r) for r in rows]
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        assert v.check().ok
