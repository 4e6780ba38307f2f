"""Writing a shift log entry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from screens.base import FormDialog
from screens.casework import KEYS
from screens.components import (
    KeyChoice,
    Plain,
    SafeTextArea,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _svc


class ShiftEntryDialog(FormDialog):
    DRAFT = "shift_entry"

    def draft_context(self) -> tuple[str, int | None]:
        return self.facility, None

    FIELD_ORDER = ("about", "body")

    def __init__(self, facility: str, people: list[tuple[int, str]]) -> None:
        super().__init__()
        self.facility = facility
        self.people = people

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(_("Shift-log entry"), classes="form-title", markup=False)
            yield Label(_("About (an entry about a resident also goes into his journal)")
                        if self.facility == "perpetrator_housing" else
                        _("About (an entry about a resident also goes into her journal)"),
                        classes="field-label")
            yield KeyChoice([("0", "", _("nobody in particular"))]
                            + [(KEYS[i], str(pid), name)
                               for i, (pid, name) in enumerate(self.people)],
                            "", id="about", vertical=True)
            yield Label(_("Entry (Ctrl+S saves; it cannot be changed afterwards)"),
                        classes="field-label")
            yield SafeTextArea("", id="body", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#about" if self.people else "#body"))

    def action_save(self) -> None:
        about = self.query_one("#about", KeyChoice).value
        body = self.query_one("#body", SafeTextArea).text
        if self.attempt(lambda: _svc(self).write_entry(
                self.facility, body, int(about) if about else None)):
            self.dismiss(True)
