"""Low-bandwidth mode: fewer bytes per keystroke on a slow SSH link.

What it changes, and where Textual lets us (Textual 8):

- **No mouse tracking.** Textual asks the terminal to report every mouse move
  (``ESC[?1003h``), which sends bytes up the link even when nobody types. At start the
  app is run with ``App.run(mouse=False)``; switched on after login (the user's setting),
  the driver's own (private) mouse switch writes the matching ``ESC[?1000l`` … and keeps
  it off (a resume after Ctrl+Z would turn it on again): see ``screens.compat``.
- **16 colours.** Textual renders every frame through ``App.console``; its colour system
  decides whether a colour goes out as ``38;2;r;g;b`` (truecolor), ``38;5;n`` (256) or
  ``31`` (16). ``TEXTUAL_COLOR_SYSTEM`` is read once at import, so the console's colour
  system is set here instead (Rich has no setter for it: see ``screens.compat``).
- **ASCII borders.** The class ``-low-bandwidth`` on the app switches every border
  (``screens/styles/low_bandwidth.tcss``) to ``ascii``; scrollbars lose their partial-cell glyphs
  (``ScrollBar.renderer``, the documented way to change how scrollbars are drawn).
- **No animations.** (No text field's cursor blinks in either mode: ``RcApp.on_descendant_focus``.)
"""

from __future__ import annotations

from typing import ClassVar

from rich.color import ColorSystem
from rich.console import Console
from textual.driver import Driver
from textual.scrollbar import ScrollBar, ScrollBarRender

from screens import compat

LOW_BANDWIDTH_CLASS = "-low-bandwidth"


class AsciiScrollBarRender(ScrollBarRender):
    """A scrollbar drawn with spaces and colours only (no ▁▂▃ glyphs at the thumb's ends)."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


_NORMAL_SCROLLBAR = ScrollBar.renderer


def set_color_system(console: Console, system: ColorSystem | None) -> None:
    """Set the colour system of Textual's render console (``None``: no colour)."""
    compat.set_console_color_system(console, system)


def set_mouse(driver: Driver | None, enabled: bool) -> None:
    """Turn mouse reporting on or off in a running driver (no-op when there is none)."""
    compat.set_driver_mouse(driver, enabled)


def set_scrollbars(ascii_only: bool) -> None:
    ScrollBar.renderer = AsciiScrollBarRender if ascii_only else _NORMAL_SCROLLBAR
