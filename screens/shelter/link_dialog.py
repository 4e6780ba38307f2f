"""A manager links an anonymous record to the known person it turned out to be."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.i18n import _
from screens.base import FormDialog
from screens.components import Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.shelter.common import _svc


class LinkDialog(FormDialog):
    FIELD_ORDER = ("number", "reason")

    def __init__(self, person_id: int, name: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.who = name

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Link {name} to the known person", name=self.who),
                        classes="form-title")
            yield Plain(_("Her stays become the known person's; this record, its journal "
                          "and the access log stay as they are. Logged and flagged."),
                        classes="hint")
            yield Label(_("The known person's identity number"), classes="field-label")
            yield SafeInput("", id="number", max_length=20)
            yield Label(_("Why they are the same person"), classes="field-label")
            yield SafeTextArea("", id="reason", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#number"))

    def action_save(self) -> None:
        known: list[Any] = []
        if self.attempt(lambda: known.append(_svc(self).link_anonymous(
                self.person_id, self.query_one("#number", SafeInput).value,
                self.query_one("#reason", SafeTextArea).text))):
            self.app.notify(_("Linked: the stays are now the known person's."), markup=False)
            self.dismiss(known[0])
