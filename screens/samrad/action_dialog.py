"""One agreed action of a samråd: what, who, by when."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from rc_tui.services.samrad import (
    ActionInput,
)
from screens.base import RcModal, discard_binding
from screens.components import KeyChoice, Plain, SafeInput
from screens.components.key_bar import KeyBar
from screens.samrad.common import agency_options


class ActionDialog(RcModal):
    LEFT_RESULT = None
    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="action-dialog.keep"),
        Binding("escape", "back", "Back", id="action-dialog.back"),
        discard_binding("action-dialog"),
    ]

    DRAFT = "samrad_action"

    def __init__(self, order_no: int, *, draft_key: tuple[str, int | None]) -> None:
        super().__init__()
        self.draft_key = draft_key
        self.order_no = order_no

    def field_order(self) -> tuple[str, ...]:
        return ("what", "agency", "due")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("Agreed action #{n}", n=self.order_no), classes="form-title",
                         markup=False)
            yield Label(_("What is to be done"), classes="field-label")
            yield SafeInput("", id="what", max_length=2000)
            yield Label(_("Responsible agency"), classes="field-label")
            yield KeyChoice(agency_options(), id="agency", vertical=True)
            yield Label(_("By (YYYY-MM-DD, optional)"), classes="field-label")
            yield SafeInput("", id="due", max_length=10)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#what"))

    def submit_form(self) -> None:
        self.action_keep()

    def action_keep(self) -> None:
        what = self.query_one("#what", SafeInput).value
        agency = self.query_one("#agency", KeyChoice).value
        due_text = self.query_one("#due", SafeInput).value.strip()
        try:
            due = date.fromisoformat(due_text) if due_text else None
        except ValueError:
            self.query_one("#message", Plain).set_text(_("A date as YYYY-MM-DD, please."))
            return
        if not what.strip() or agency is None:
            self.query_one("#message", Plain).set_text(
                _("An action needs what is to be done and the agency responsible."))
            return
        self.dismiss(ActionInput(what, agency, self.order_no, due))
