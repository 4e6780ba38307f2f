"""Closing or reopening a person's track in a case, with a reason."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.i18n import _
from screens.base import FormDialog
from screens.components import Plain, SafeTextArea
from screens.components.key_bar import KeyBar


class CloseDialog(FormDialog):
    """Close or reopen a person's track, or a whole case, with the reason."""

    FIELD_ORDER = ("reason",)
    DRAFT = "close"

    def __init__(self, title: str, action: Any, *, field: str = "",
                 draft_key: tuple[str, int | None]) -> None:
        super().__init__()
        self.draft_key = draft_key
        self.title_text = title
        self.action_fn = action
        self.field_text = field

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(self.title_text, classes="form-title")
            yield Label(self.field_text or _("Reason"), classes="field-label")
            yield SafeTextArea("", id="reason", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason"))

    def action_save(self) -> None:
        reason = self.query_one("#reason", SafeTextArea).text
        if self.attempt(lambda: self.action_fn(reason)):
            self.dismiss(True)
