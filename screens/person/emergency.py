"""Emergency access to a person outside the user's need-to-know (logged and reviewed)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from screens.base import RcScreen
from screens.components import AppHeader, Plain, SafeInput
from screens.components.key_bar import KeyBar


class EmergencyAccessScreen(RcScreen):
    """No access (need-to-know). Emergency access: a reason, logged and flagged."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="emergency-access.back")]
    FIELD_ORDER = ("reason",)

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(), Vertical(classes="form-box"):
            yield Static(_("No access"), classes="form-title alert", markup=False)
            yield Plain(_("You are not assigned to this person. If there is a real need (for "
                          "example on call, or danger now), you may take emergency access "
                          "for this session: state the reason. It is logged and reviewed by "
                          "a manager."), classes="hint")
            yield Label(_("Reason for emergency access"), classes="field-label")
            yield SafeInput(id="reason", max_length=2000)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason", SafeInput))

    def submit_form(self) -> None:
        session = self.shell.session
        assert session is not None
        if self.attempt(lambda: session.people("emergency").emergency_access(
                self.person_id, self.query_one("#reason", SafeInput).value)):
            self.shell.open_person(self.person_id, replace_top=True)
