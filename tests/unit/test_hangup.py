"""The hang-up watch (screens.hangup) with an event loop that never answers: the vault is
closed by the watch (the closing entry logged as ``hangup``) and the process ended at the
deadline. The pty test (tests/system/test_pty.py) proves the wiring with real signals."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from screens.hangup import HangupWatch


class FakeSession:
    def __init__(self) -> None:
        self.closed: list[str] = []

    def limit_waits(self, seconds: float) -> None:
        pass

    def close(self, action: str, wait: float) -> None:
        self.closed.append(action)


def test_a_blocked_event_loop_cannot_keep_the_vault_open_or_the_process_alive() -> None:
    session: FakeSession | None = FakeSession()
    opened = session
    closers: list[threading.Thread] = []
    exits: list[tuple[int, float]] = []
    asked: list[bool] = []

    def take() -> FakeSession | None:
        nonlocal session
        taken, session = session, None
        return taken

    watch = HangupWatch(lambda: asked.append(True), take, lambda: closers,  # type: ignore[arg-type]
                        exit_process=lambda code: exits.append((code, time.monotonic())),
                        grace=0.05, exit_after=0.3)
    start = time.monotonic()
    watch.hung_up(start)  # the loop never sets loop_closed
    assert asked == [True]
    assert opened.closed == ["hangup"] and session is None
    assert [code for code, _ in exits] == [0]
    assert 0.3 <= exits[0][1] - start < 1.0


def test_when_the_loop_closed_the_vault_the_watch_only_ends_the_process() -> None:
    taken: list[bool] = []
    exits: list[int] = []
    watch = HangupWatch(lambda: None, lambda: taken.append(True) or None, list,
                        exit_process=exits.append, grace=5.0, exit_after=0.1)
    watch.loop_closed.set()  # what RcApp.hangup does after close_vault
    start = time.monotonic()
    watch.hung_up(start)
    assert time.monotonic() - start < 1.0 and exits == [0] and taken == [True]


def test_a_login_that_finishes_after_the_hangup_is_closed_at_once(tmp_path: Path) -> None:
    """The key derivation ran on while the terminal hung up: the session it opens is closed
    (logged as ``hangup``) instead of being shown on a terminal nobody sees."""
    from screens.app import RcApp

    app = RcApp(tmp_path / "rc.db")
    assert app.take_session() is None  # what the watch does at the hang-up: nobody was in
    late = FakeSession()
    app.on_login(late, None)  # type: ignore[arg-type]
    app.wait_closed()
    assert app.session is None and late.closed == ["hangup"]


def test_output_to_a_hung_up_terminal_is_dropped_not_raised() -> None:
    """Textual's writer thread ends at its first error, and the shutdown's writes then wait
    on its full queue for ever (seen: a hung-up process stuck in ``Queue.put``)."""
    from screens.driver import HungUpSafeOutput

    class HungUp:
        writes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise OSError(5, "Input/output error")

    terminal = HungUp()
    output = HungUpSafeOutput(terminal)
    for _ in range(100):  # more than the writer thread's queue holds
        assert output.write("\x1b[?1049l") == len("\x1b[?1049l")
        output.flush()
    assert output.hung_up and terminal.writes == 1
