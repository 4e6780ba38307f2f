"""The terminal driver rc-tui runs on: Textual's own for the terminal, with lock, quick-hide
and quit acted on as soon as they are read, and output to a hung-up terminal dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.driver import Driver
from textual.message import Message

from screens import terminal
from screens.compat import wrap_driver_output

#: Keys that are never held behind such a worker (quit, lock, hide).
NEVER_HELD = frozenset({"ctrl+q", "ctrl+l", "ctrl+g", "f12"})


class HungUpSafeOutput:
    """The terminal's output for Textual's writer thread, which ends at the first error: a
    write to a hung-up terminal fails (EIO), the thread would stop reading its bounded
    queue, and the event loop's next writes – the shutdown's own, after a hang-up – would
    wait for it for ever, the vault open. After a hang-up nobody can see the output, so
    it is dropped instead."""

    def __init__(self, file: Any) -> None:
        self._output = file
        self.hung_up = False

    def write(self, text: str) -> int:
        if not self.hung_up:
            try:
                self._output.write(terminal.compacted(text))
            except (OSError, ValueError):
                self.hung_up = True
        return len(text)

    def flush(self) -> None:
        if not self.hung_up:
            try:
                self._output.flush()
            except (OSError, ValueError):
                self.hung_up = True

    def fileno(self) -> int:
        return int(self._output.fileno())

    def isatty(self) -> bool:
        return bool(self._output.isatty())


def urgent_keys_driver(base: type[Driver], urgent: Callable[[], None]) -> type[Driver]:
    """``base`` (Textual's driver for this terminal), calling ``urgent()`` from its input
    thread as soon as lock, quick-hide or quit is read – before the key is queued for the
    event loop, which may be waiting for the database (``RcApp.interrupt_database_wait``).
    ``process_message`` is the driver's public hook for each message it reads."""

    class UrgentKeysDriver(base):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            wrap_driver_output(self, HungUpSafeOutput)  # output to a hung-up terminal: dropped

        def process_message(self, message: Message) -> None:
            if isinstance(message, events.Key) and message.key in NEVER_HELD:
                urgent()
            super().process_message(message)

    return UrgentKeysDriver
