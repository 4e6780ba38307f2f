"""A hung-up rc-tui always exits: the hang-up watch.

A dropped SSH link or a closed terminal sends SIGHUP (a service manager: SIGTERM). The
event loop's own handling (``RcApp.hangup``: drafts saved, vault closed, ``exit``) needs the
loop to be free, and the process then still has to get past Textual's shutdown and the
interpreter's, which wait for every non-daemon thread – the terminal's input thread, the
thread workers (a key derivation, a read waiting for the write lock) and the closing
thread. Any of them could keep a process with an open vault alive on a terminal nobody
sees any more.

So the signals are not handled by the event loop at all: they are blocked in every thread
and one daemon thread waits for them with ``sigwait``, which works whatever the other
threads are doing (a signal handler only runs when the main thread runs Python code). It
asks the loop to close the vault, closes it itself (without the drafts, which only the UI
thread may read) if the loop has not taken the session after ``GRACE_SECONDS``, gives the
bounded close (``screens.closing``: the closing access-log entry written, or sealed and
deferred to the next login; the key forgotten) its time, and ends the process with
``os._exit`` at ``EXIT_SECONDS`` if it has not ended by itself. POSIX only: Windows has
neither SIGHUP nor ``sigwait``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from screens.closing import CLOSE_WAIT_SECONDS, close_session

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession

#: Seconds the event loop has to close the vault itself (with the unsaved drafts).
GRACE_SECONDS = 0.5
#: Seconds from the signal until the process ends, whatever it is doing: the grace, the
#: bounded close (``CLOSE_WAIT_SECONDS`` for the write lock) and a margin for the shutdown.
EXIT_SECONDS = GRACE_SECONDS + CLOSE_WAIT_SECONDS + 1.5
#: The signals that end a terminal session from outside.
SIGNAL_NAMES = ("SIGHUP", "SIGTERM")


def hangup_signals() -> set[signal.Signals]:
    """The hang-up signals this platform has, if it can wait for them in a thread."""
    if not (hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait")):
        return set()
    return {getattr(signal, name) for name in SIGNAL_NAMES if hasattr(signal, name)}


class HangupWatch:
    """The daemon thread that turns a hang-up into a closed vault and an ended process.

    ``request_close`` is called from the watch's thread and must be thread-safe (the app
    schedules its ``hangup`` on the event loop); ``take_session`` hands over the open
    session, if any, and makes sure no later login keeps one; ``closers`` are the closing
    threads the watch waits for before it ends the process."""

    def __init__(self, request_close: Callable[[], None],
                 take_session: Callable[[], UserSession | None],
                 closers: Callable[[], list[threading.Thread]],
                 exit_process: Callable[[int], None] = os._exit,
                 grace: float = GRACE_SECONDS, exit_after: float = EXIT_SECONDS) -> None:
        self._request_close = request_close
        self._grace = grace
        self._exit_after = exit_after
        self._take_session = take_session
        self._closers = closers
        self._exit = exit_process
        #: set by the app when its event loop has closed the vault (``RcApp.hangup``)
        self.loop_closed = threading.Event()

    def start(self) -> bool:
        """Block the hang-up signals (in this thread and every thread started after it)
        and wait for them in the watch's thread. Call it before any other thread starts:
        a thread that does not block them could receive one and die of it without the
        close. False where the platform cannot (Windows)."""
        signals = hangup_signals()
        if not signals:
            return False
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        threading.Thread(target=self._watch, args=(signals,), daemon=True,
                         name="rc-tui-hangup").start()
        return True

    def _watch(self, signals: set[signal.Signals]) -> None:
        signal.sigwait(signals)
        self.hung_up(time.monotonic())

    def hung_up(self, since: float) -> None:
        """The hang-up arrived at ``since``: close the vault, end the process."""
        deadline = since + self._exit_after
        try:
            self._request_close()
        finally:
            self.loop_closed.wait(self._grace)
            session = self._take_session()  # None if the loop has closed it (or nobody was in)
            if session is not None:
                closer = threading.Thread(target=close_session, args=(session, "hangup", []),
                                          daemon=True, name="rc-tui-close")
                closer.start()
                self._closers().append(closer)
            for closer in list(self._closers()):
                closer.join(max(0.0, deadline - time.monotonic()))
            time.sleep(max(0.0, deadline - time.monotonic()))  # a normal exit may come first
            self._exit(0)
