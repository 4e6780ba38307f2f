"""A longer text for one item (comment, summary)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from screens.base import RcModal
from screens.components import Plain, SafeTextArea


class TextDialog(RcModal):
    """Write one text (evidence for an item). Ctrl+S keeps it, Escape drops the change."""

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="text-dialog.keep"),
        Binding("escape", "cancel", "Cancel", id="text-dialog.cancel"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Plain(self.title_text, classes="form-title")
            yield SafeTextArea(self.text, id="text")

    def on_mount(self) -> None:
        self.query_one("#text", SafeTextArea).focus()

    def action_keep(self) -> None:
        self.dismiss(self.query_one("#text", SafeTextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
