"""A manager keeps a person's record past its retention period (gallring), with the
reason: the record is not culled while the decision stands (logged)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.i18n import _
from screens.base import FormDialog
from screens.components import Plain, SafeTextArea
from screens.components.key_bar import KeyBar


class KeepDialog(FormDialog):
    FIELD_ORDER = ("reason",)

    def __init__(self, person_id: int, name: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.who = name

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Keep {name}'s record past its retention period", name=self.who),
                        classes="form-title")
            yield Plain(_("The record is not culled while the decision stands (e.g. the "
                          "archive authority decided to keep it). Logged. Ctrl+S saves."),
                        classes="hint")
            yield Label(_("Why the record is kept"), classes="field-label")
            yield SafeTextArea("", id="reason", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason"))

    def action_save(self) -> None:
        session = self.shell.session
        assert session is not None
        reason = self.query_one("#reason", SafeTextArea).text
        if self.attempt(lambda: session.retention("person").keep(self.person_id, reason)):
            self.app.notify(_("Kept past the retention period."), markup=False)
            self.dismiss(True)
