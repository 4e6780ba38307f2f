"""Every use of Textual's private API, in one place.

Textual is pinned exactly in ``pyproject.toml``; each name here was checked against
:data:`TEXTUAL_CHECKED` and has a test in ``tests/ui/test_textual_compat.py`` that fails when
Textual changes the private thing it relies on. Before raising the pin, run those tests and
read each function below: the docstring says why the private use is needed and which
behaviour it relies on. Nothing else in rc-tui may touch ``_``-names of Textual or Rich
objects (``tests/ui/test_textual_compat.py`` checks this too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rich.color import ColorSystem
from rich.console import Console, RenderableType
from textual.app import App
from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.driver import Driver
from textual.widgets import DataTable

TEXTUAL_CHECKED = "8.2.8"

ReturnType = TypeVar("ReturnType")


def node_bindings(node: DOMNode) -> BindingsMap:
    """The node's own live key bindings (``DOMNode._bindings``), as Textual dispatches them.

    Why: rc-tui declares binding descriptions as English message ids and translates them in
    place when a screen is built and when the language changes, and the command palette lists
    a screen's actions from them. Textual has no public accessor for a node's bindings map
    (``active_bindings`` is only the focused chain's, and read-only). Checked against Textual
    8.2.8: ``_bindings`` is a ``BindingsMap`` whose ``key_to_bindings`` Textual reads on every
    key press and for the footer.
    """
    return node._bindings


def console_color_system(console: Console) -> ColorSystem | None:
    """The colour system of Textual's render console (``Console._color_system``).

    Why: low-bandwidth mode switched off again restores the colour system the terminal had;
    the public ``Console.color_system`` is only its name. Checked against Textual 8.2.8 with
    the Rich it pins (see :func:`set_console_color_system`).
    """
    return console._color_system


def set_console_color_system(console: Console, system: ColorSystem | None) -> None:
    """Set the colour system of Textual's render console (``None``: no colour).

    Why: low-bandwidth mode sends 16-colour escape codes instead of truecolor ones. Textual
    reads ``TEXTUAL_COLOR_SYSTEM`` once at import and Rich's ``Console.color_system`` has no
    setter, so the attribute behind it (``Console._color_system``) is set. Checked against
    Textual 8.2.8 with the Rich it pins: the property returns the name of this value and
    every segment is rendered through it.
    """
    console._color_system = system


def app_driver(app: App[Any]) -> Driver | None:
    """The running app's driver (``App._driver``; ``None`` before it starts or after it ends).

    Why: mouse reporting is switched in the running driver (see :func:`set_driver_mouse`);
    Textual has no public accessor. Checked against Textual 8.2.8.
    """
    return app._driver


def wrap_driver_output(driver: Driver, wrap: Callable[[Any], Any]) -> None:
    """Put ``wrap(output)`` in place of the driver's terminal output (``LinuxDriver._file``,
    which its writer thread is given when the app starts); no-op for a driver without one.

    Why: Textual's writer thread ends at the first failed write, and after a hang-up (EIO)
    the event loop's next writes wait for ever on its bounded queue – the shutdown never
    ends and the vault stays open (``screens.driver.HungUpSafeOutput`` drops output instead).
    Textual has no public hook for the driver's output file. Checked against Textual 8.2.8:
    ``LinuxDriver.__init__`` sets ``_file`` (``sys.__stderr__``) and ``start_application_mode``
    hands it to ``WriterThread``; the headless driver has none.
    """
    output = getattr(driver, "_file", None)
    if output is not None:
        driver._file = wrap(output)  # type: ignore[attr-defined]


def set_driver_mouse(driver: Driver | None, enabled: bool) -> None:
    """Turn mouse reporting on or off in a running driver (no-op when there is none).

    Why: mouse tracking (``ESC[?1003h``) sends bytes up a slow SSH link even when nobody
    types; ``App.run(mouse=False)`` only decides at start. The driver's own
    ``_enable_mouse_support``/``_disable_mouse_support`` write the matching escape codes and
    its ``_mouse`` flag keeps the choice (Textual re-enables the mouse on resume after
    Ctrl+Z only when the flag is set). Checked against Textual 8.2.8's ``LinuxDriver``; the
    headless and web drivers have no such methods, and then only the flag is kept.
    """
    if driver is None or enabled == bool(driver._mouse):
        return
    if enabled:
        driver._mouse = True
        getattr(driver, "_enable_mouse_support", lambda: None)()
    else:
        getattr(driver, "_disable_mouse_support", lambda: None)()  # writes ESC[?1000l …
        driver._mouse = False


class CompatApp(App[ReturnType]):
    """An ``App`` with two public hooks into Textual's private exception handling.

    Why: an unhandled exception ends a Textual app through ``App._handle_exception`` and
    ``App._fatal_error``, which prints a traceback *with local variables* – in rc-tui those
    may hold case data. Textual has no public hook for either. Checked against Textual
    8.2.8: ``_handle_exception(error)`` is called for every unhandled exception in a message
    handler, ``_fatal_error()`` after it (for exceptions without ``__rich__``), with the
    error in ``_exception``; ``_exit_renderables`` are printed after the terminal is
    restored; ``_close_messages_no_wait()`` ends the app.
    """

    def intercept_exception(self, error: Exception) -> bool:
        """Handle an unhandled exception without ending the app; ``True`` when handled."""
        return False

    def crash_report(self, exc: Exception | None) -> RenderableType | None:
        """What to print after the terminal is restored; ``None``: Textual's own traceback."""
        return None

    def _handle_exception(self, error: Exception) -> None:
        if self.intercept_exception(error):
            return
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        report = self.crash_report(self._exception)
        if report is None:
            super()._fatal_error()
            return
        self._exit_renderables.append(report)
        self._close_messages_no_wait()


def table_changes(table: DataTable[Any]) -> int | None:
    """How many times ``table`` has changed: Textual's ``_update_count`` (it keys the
    table's own row-offset cache), raised by every row or column added or removed, a cell
    updated and a resize – not by ``clear`` alone, but a refill adds rows after it.
    ``screens.loading.redraw_tables`` draws a table again only when it changed since its
    last redraw. ``None`` when the counter is missing: then it always redraws."""
    count = getattr(table, "_update_count", None)
    return count if isinstance(count, int) else None
