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
- **Compacted output** (``compacted``): what Textual writes, with the same effect in
  fewer bytes – no colour reset right after a full reset, no cursor move straight
  overwritten by the next, and a run of blanks after a reset erased (``ESC[nX``) and
  skipped (``ESC[nC``) instead of written out. A key in a text field rewrites the field's
  whole line: 142 bytes a key before, mostly those blanks and resets.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.color import ColorSystem
from rich.console import Console
from textual.driver import Driver
from textual.scrollbar import ScrollBar, ScrollBarRender

from screens import compat

LOW_BANDWIDTH_CLASS = "-low-bandwidth"

_RESET = "\x1b[0m"
#: after a full reset, setting the default colours again changes nothing
_RESET_THEN_DEFAULTS = re.compile(r"\x1b\[0m(?:\x1b\[(?:39;49|49|39)m)+")
#: a cursor move followed at once by another: only the second counts
_MOVE_THEN_MOVE = re.compile(r"\x1b\[\d+;\d+H(?=\x1b\[\d+;\d+H)")
#: blanks after a full reset: default colours, no attributes, so erasing the cells
#: (ESC[nX, which leaves the cursor) and moving past them (ESC[nC) draws the same
_RESET_BLANKS = re.compile(r"\x1b\[0m( {12,})")
_compact = False


def set_compact_output(on: bool) -> None:
    """Compact what goes to the terminal from now on (low-bandwidth mode) or not."""
    global _compact  # one terminal per process
    _compact = on


def compacted(text: str) -> str:
    """``text`` for the terminal, compacted when low-bandwidth mode is on (see above).

    Each rule rewrites whole escape sequences found in ``text``; a sequence cut by the end
    of a write is left as it is, so a chunk boundary costs bytes, never correctness. The
    blanks' rule relies on every line Textual writes starting with a cursor move, so the
    cursor's place after the last blank of a line (ESC[nC stops at the margin) is never
    used."""
    if not _compact or "\x1b" not in text:
        return text
    text = _RESET_THEN_DEFAULTS.sub(_RESET, text)
    text = _MOVE_THEN_MOVE.sub("", text)
    return _RESET_BLANKS.sub(
        lambda m: f"{_RESET}\x1b[{len(m[1])}X\x1b[{len(m[1])}C", text)


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
