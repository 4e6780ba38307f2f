"""Stored text drawn literally: never markup, control characters made visible."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from rc_tui.domain.vocab import PROTECTION_LEVELS, label
from rc_tui.text import visible


def literal(text: str, *, one_line: bool = False, max_chars: int | None = None) -> Content:
    """Stored text as a Content object: shown exactly, markup never parsed."""
    return Content(visible(text, one_line=one_line, max_chars=max_chars))


def cell(text: str, max_chars: int = 80) -> Text:
    """A table cell: one line, literal (DataTable would parse plain ``str`` as markup)."""
    return Text(visible(text, one_line=True, max_chars=max_chars), no_wrap=True)


def protection_cell(level: str) -> Text:
    """A table cell for a protection level: empty (none, or withheld from a user who may
    not see the person), or unmistakable in red."""
    if level in ("none", ""):
        return Text("")
    return Text("⚠ " + label(PROTECTION_LEVELS, level).upper(), style="bold reverse red")
