"""Stored text drawn literally: never markup, control characters made visible."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
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


def fit_columns(width: int, rows: Sequence[Sequence[str]], shorten: Mapping[int, int], *,
                padding: int = 2) -> list[int]:
    """The most characters each column of a table may show so that it fits ``width``.

    Every column gets its longest text (headers included in ``rows``) except the columns
    in ``shorten`` (index -> fewest characters), which give up width in the order listed
    (each down to its fewest before the next): a table chooses which columns to shorten
    and which stay readable (dates, names, instruments) instead of cutting whatever is on
    the right."""
    count = max((len(r) for r in rows), default=0)
    widths = [max((cell_len(str(r[i])) for r in rows if i < len(r)), default=0)
              for i in range(count)]
    excess = sum(widths) + padding * count - width
    for index, least in shorten.items():
        if excess <= 0:
            break
        if index < count and widths[index] > least:
            give = min(excess, widths[index] - least)
            widths[index] -= give
            excess -= give
    return widths


def protection_cell(level: str) -> Text:
    """A table cell for a protection level: empty (none, or withheld from a user who may
    not see the person), or unmistakable in red."""
    if level in ("none", ""):
        return Text("")
    return Text("⚠ " + label(PROTECTION_LEVELS, level).upper(), style="bold reverse red")
