"""Choosing the investigation template (adult or child)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from rc_tui.domain.casework import (
    catalog,
)
from rc_tui.i18n import _
from screens.base import RcModal
from screens.components import KeyChoice, Plain


class TemplateDialog(RcModal):
    """Adult or child investigation."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="template-dialog.cancel")]

    def __init__(self, suggested: str) -> None:
        super().__init__()
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Start an investigation"), classes="form-title", markup=False)
            yield Plain(_("An adult's investigation starts from the consent recorded; a "
                          "child's need of protection is investigated also without one."),
                        classes="hint")
            yield KeyChoice([("v", "adult", str(catalog().templates["adult"].label)),
                             ("b", "child", str(catalog().templates["child"].label))],
                            self.suggested, id="template")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#template"))

    def choice_made(self, choice: Any) -> None:
        self.dismiss(choice.value)

    def submit_form(self) -> None:
        self.dismiss(self.query_one("#template", KeyChoice).value)

    def action_cancel(self) -> None:
        self.dismiss(None)
