"""A longer text for one item (comment, summary)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from screens.base import RcModal, discard_binding
from screens.components import Plain, SafeTextArea
from screens.components.key_bar import KeyBar


class TextDialog(RcModal):
    """Write one text (evidence for an item). Ctrl+S keeps it, Esc goes back keeping a
    draft of it, Ctrl+D discards the change."""
    LEFT_RESULT = None

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="text-dialog.keep"),
        Binding("escape", "back", "Back", id="text-dialog.back"),
        discard_binding("text-dialog"),
    ]

    DRAFT = "assessment_text"

    def __init__(self, title: str, text: str, *, draft_key: tuple[str, int | None]) -> None:
        super().__init__()
        self.draft_key = draft_key
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Plain(self.title_text, classes="form-title")
            yield SafeTextArea(self.text, id="text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#text", SafeTextArea).focus()

    def action_keep(self) -> None:
        self.dismiss(self.query_one("#text", SafeTextArea).text)
