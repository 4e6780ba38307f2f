"""Small widgets that render stored text literally (never as markup)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Static

from rc_tui.text import visible, visible_same_length


def literal(text: str, *, one_line: bool = False, max_chars: int | None = None) -> Content:
    """Stored text as a Content object: shown exactly, markup never parsed."""
    return Content(visible(text, one_line=one_line, max_chars=max_chars))


def cell(text: str, max_chars: int = 80) -> Text:
    """A table cell: one line, literal (DataTable would parse plain ``str`` as markup)."""
    return Text(visible(text, one_line=True, max_chars=max_chars), no_wrap=True)


class Plain(Static):
    """A Static that never parses markup and shows control characters visibly."""

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None, one_line: bool = False) -> None:
        self._one_line = one_line
        super().__init__(literal(text, one_line=one_line), markup=False, id=id, classes=classes)

    def set_text(self, text: str) -> None:
        self.update(literal(text, one_line=self._one_line))


class AppHeader(Horizontal):
    """Header: product name, the signed-in user and role, and a DEMO marker."""

    DEFAULT_CSS = """
    AppHeader { height: 1; dock: top; background: $primary-darken-2; color: $text; }
    AppHeader > #hdr-title { width: auto; padding: 0 1; text-style: bold; }
    AppHeader > #hdr-user { width: 1fr; padding: 0 1; }
    AppHeader > #hdr-demo { width: auto; padding: 0 1; background: $warning; color: $background;
                            text-style: bold; display: none; }
    AppHeader.-demo > #hdr-demo { display: block; }
    """

    def __init__(self, title: str, user: str = "", demo: bool = False) -> None:
        super().__init__()
        self._title = title
        self._user = user
        self.set_class(demo, "-demo")

    def compose(self) -> ComposeResult:
        yield Plain(self._title, id="hdr-title", one_line=True)
        yield Plain(self._user, id="hdr-user", one_line=True)
        yield Static("DEMO", id="hdr-demo", markup=False)


class SafeInput(Input):
    """A text field that never sends control characters to the terminal.

    Textual's Input draws its value as is, so an ESC or C1 byte in a pasted or stored
    value would reach the terminal. Here every such character is replaced by a visible
    sign of the same length as it enters the field (password fields are drawn as bullets
    and keep their exact value).
    """

    def validate_value(self, value: str) -> str:
        if self.password:
            return value
        return visible_same_length(value)
