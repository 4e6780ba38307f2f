"""The real program in a pseudo-terminal: log in by typing, then a hang-up (SIGHUP, as when
an SSH connection drops) locks and closes the vault cleanly."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.pty_terminal import PtyTerminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")


class PtyApp(PtyTerminal):
    def __init__(self, db: Path, cols: int = 80, rows: int = 24,
                 controlling: bool = False) -> None:
        super().__init__(["--db", str(db)], cols=cols, rows=rows, controlling=controlling,
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


#: Seconds an idle session is watched: a heartbeat and two idle-lock ticks at least.
IDLE_SECONDS = 2.5

#: Where a hang-up lands: on the login screen, during the key derivation, right after the
#: login, with a dialog opening, in the middle of typing in a form.
MOMENTS = ("login screen", "kdf", "after login", "dialog opening", "typing")


def _walk_to(app: PtyApp, moment: str, rng: random.Random) -> bool:
    """Drive ``app`` to ``moment``; whether a user is (or is about to be) logged in."""
    app.wait_for("Logga in")
    if moment == "login screen":
        time.sleep(rng.uniform(0, 0.3))
        return False
    app.type(ANNA + "\r")
    app.type(ANNA_PASS + "\r", delay=0.002)
    if moment == "kdf":
        time.sleep(rng.uniform(0, 0.05))
        return True
    app.wait_for("Mina öppna ärenden")
    if moment == "after login":
        time.sleep(rng.uniform(0, 0.2))
    elif moment == "dialog opening":
        app.send("n")  # a new intake
        time.sleep(rng.uniform(0, 0.1))
    else:
        start = app.mark()
        app.send("n")
        app.wait_for("Kontaktväg", start=start)
        app.type("Stina Berg ringde om", delay=rng.uniform(0.002, 0.02))
    return True


def test_a_hangup_at_any_moment_ends_the_process_within_5_seconds(installed: Path) -> None:
    """Hang-ups at random moments (seeded), half by SIGHUP alone and half by closing the
    terminal the program has as its controlling terminal: every time the process is gone
    within 5 s, and the database checks out afterwards."""
    rng = random.Random(9)
    runs = [(MOMENTS[i % len(MOMENTS)], i % 2 == 0) for i in range(10)]
    logged_in = 0
    for moment, close_terminal in runs:
        app = PtyApp(installed, controlling=close_terminal)
        try:
            logged_in += _walk_to(app, moment, rng) and moment != "kdf"
            start = time.monotonic()
            if close_terminal:
                app.hang_up()
            else:
                app.proc.send_signal(signal.SIGHUP)
            try:
                app.proc.wait(5)
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running 5 s after a hang-up at {moment!r} "
                            f"({'closed terminal' if close_terminal else 'SIGHUP'})")
            assert time.monotonic() - start < 5
            assert app.proc.returncode == 0  # ended by rc-tui, not by the signal
        finally:
            app.close()
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        with v.session() as s:
            rows = s.execute(text("SELECT action, username FROM access_log")).all()
        assert v.check().ok
    assert [tuple(r) for r in rows].count(("hangup", ANNA)) >= logged_in


def test_an_idle_session_writes_nothing(installed: Path) -> None:
    """Idle, rc-tui writes 0 bytes – on the login screen (a text field focused) and at home
    in both modes: no blinking cursor, no timer that repaints what has not changed. Over
    SSH, output that never stops keeps sshd's client-alive check from ever finding a dead
    link."""
    app = PtyApp(installed)

    def idle(where: str) -> None:
        app.settle(0.5)
        start = app.mark()
        time.sleep(IDLE_SECONDS)
        assert app.since(start) == b"", f"written while idle: {where}"

    try:
        app.wait_for("Logga in")
        idle("login screen")
        app.type(ANNA + "\r")
        app.type(ANNA_PASS + "\r", delay=0.002)
        app.wait_for("Mina öppna ärenden")
        app.settle(1.0)  # the home screen's later parts, the first heartbeat
        idle("home screen")
        app.send("b")  # low-bandwidth mode on; its notice goes after 4 s (a visible change)
        app.wait_for("ingen mus")
        app.settle(0.3)
        shown = app.mark()
        deadline = time.monotonic() + 15
        while not app.since(shown) and time.monotonic() < deadline:
            time.sleep(0.05)
        idle("home screen, low bandwidth")
    finally:
        app.close()
