"""One participant of a samråd."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from rc_tui.services.samrad import (
    Participant,
)
from screens.base import RcModal, discard_binding
from screens.components import KeyChoice, Plain, SafeInput
from screens.components.key_bar import KeyBar
from screens.samrad.common import agency_options


class ParticipantDialog(RcModal):
    LEFT_RESULT = None
    DRAFT = "samrad_participant"
    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="participant-dialog.keep"),
        Binding("escape", "back", "Back", id="participant-dialog.back"),
        discard_binding("participant-dialog"),
    ]

    def __init__(self, *, draft_key: tuple[str, int | None]) -> None:
        super().__init__()
        self.draft_key = draft_key

    def field_order(self) -> tuple[str, ...]:
        return ("kind", "agency", "role", "name", "undertaking")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("Participant"), classes="form-title", markup=False)
            yield KeyChoice([("d", "participant", _("participant")),
                             ("o", "observer", _("observer")),
                             ("f", "apology", _("apologies"))], "participant", id="kind")
            yield Label(_("Agency"), classes="field-label")
            yield KeyChoice(agency_options(), id="agency", vertical=True)
            yield Label(_("Role"), classes="field-label")
            yield SafeInput("", id="role", max_length=200)
            yield Label(_("Name (optional)"), classes="field-label")
            yield SafeInput("", id="name", max_length=200)
            yield Label(_("Confidentiality undertaking recorded (observers)?"),
                        classes="field-label")
            yield KeyChoice([("j", "yes", _("yes")), ("n", "no", _("no"))], "no",
                            id="undertaking", aliases={"y": "yes"})
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#kind"))

    def submit_form(self) -> None:
        self.action_keep()

    def action_keep(self) -> None:
        agency = self.query_one("#agency", KeyChoice).value
        kind = self.query_one("#kind", KeyChoice).value or "participant"
        undertaking = self.query_one("#undertaking", KeyChoice).value == "yes"
        if agency is None:
            self.query_one("#message", Plain).set_text(_("Choose the agency."))
            return
        if kind == "observer" and not undertaking:
            self.query_one("#message", Plain).set_text(
                _("An observer takes part only with a recorded confidentiality undertaking."))
            return
        self.dismiss(Participant(kind, agency, self.query_one("#role", SafeInput).value,
                                 self.query_one("#name", SafeInput).value, undertaking))
