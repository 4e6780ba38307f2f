"""The hang-up watch (screens.hangup) with an event loop that never answers: the vault is
closed by the watch (the closing entry logged as ``hangup``) and the process ended at the
deadline. The pty test (tests/system/test_pty.py) proves the wiring with real signals."""

from __future__ import annotations

import threading
import time

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
