"""Low-bandwidth mode: fewer bytes per keystroke on a slow SSH link.

What it changes, and where Textual lets us (Textual 8):

- **No mouse tracking.** Textual asks the terminal to report every mouse move
  (``ESC[?1003h``), which sends bytes up the link even when nobody types. At start the
  app is run with ``App.run(mouse=False)``; switched on after login (the user's setting),
  the driver's own ``_disable_mouse_support`` writes the matching ``ESC[?1000l`` … and
  its ``_mouse`` flag keeps it off (a resume after Ctrl+Z would turn it on again).
- **16 colours.** Textual renders every frame through ``App.console``; its colour system
  decides whether a colour goes out as ``38;2;r;g;b`` (truecolor), ``38;5;n`` (256) or
  ``31`` (16). ``TEXTUAL_COLOR_SYSTEM`` is read once at import, so the console's colour
  system is set here instead (Rich has no setter for it).
- **ASCII borders.** The class ``-low-bandwidth`` on the app switches every border in
  ``screens/app.tcss`` to ``ascii``; scrollbars lose their partial-cell glyphs
  (``ScrollBar.renderer``, the documented way to change how scrollbars are drawn).
- **No animations, no blinking cursor** (a blink redraws the field twice a second).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.color import ColorSystem
from textual.scrollbar import ScrollBar, ScrollBarRender

LOW_BANDWIDTH_CLASS = "-low-bandwidth"


class AsciiScrollBarRender(ScrollBarRender):
    """A scrollbar drawn with spaces and colours only (no ▁▂▃ glyphs at the thumb's ends)."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


_NORMAL_SCROLLBAR = ScrollBar.renderer


def set_color_system(console: Any, system: ColorSystem | None) -> None:
    """Set the colour system of Textual's render console (``None``: no colour)."""
    console._color_system = system


def set_mouse(driver: Any, enabled: bool) -> None:
    """Turn mouse reporting on or off in a running driver (no-op when there is none)."""
    if driver is None or not hasattr(driver, "_mouse"):
        return
    if enabled == bool(driver._mouse):
        return
    if enabled:
        driver._mouse = True
        getattr(driver, "_enable_mouse_support", lambda: None)()
    else:
        getattr(driver, "_disable_mouse_support", lambda: None)()  # writes ESC[?1000l …
        driver._mouse = False


def set_scrollbars(ascii_only: bool) -> None:
    ScrollBar.renderer = AsciiScrollBarRender if ascii_only else _NORMAL_SCROLLBAR
