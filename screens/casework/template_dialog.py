"""Choosing the investigation template (adult or child)."""

from __future__ import annotations

from collections.abc import Sequence
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
    """The investigation template: the ones for the person's track (adult or child on the
    victim side, the perpetrator's own)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="template-dialog.cancel")]

    def __init__(self, suggested: str, offered: Sequence[str] = ("adult", "child")) -> None:
        super().__init__()
        self.offered = [code for code in offered if code in catalog().templates] or \
            list(catalog().templates)
        self.suggested = suggested if suggested in self.offered else self.offered[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Start an investigation"), classes="form-title", markup=False)
            yield Plain(_("An adult's investigation starts from the consent recorded; a "
                          "child's need of protection is investigated also without one."),
                        classes="hint")
            templates = catalog().templates
            yield KeyChoice([(templates[code].key or str(i + 1), code,
                              str(templates[code].label))
                             for i, code in enumerate(self.offered)],
                            self.suggested, id="template")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#template"))

    def choice_made(self, choice: Any) -> None:
        self.dismiss(choice.value)

    def submit_form(self) -> None:
        self.dismiss(self.query_one("#template", KeyChoice).value)

    def action_cancel(self) -> None:
        self.dismiss(None)
