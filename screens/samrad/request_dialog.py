"""Requesting a samråd: when, which agencies, on what consent."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from screens.base import RcModal, discard_binding
from screens.components import Plain, SafeInput
from screens.components.key_bar import KeyBar
from screens.samrad.common import _svc


class RequestDialog(RcModal):
    LEFT_RESULT = None
    DRAFT = "samrad_request"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.case_id), None

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="request-dialog.save"),
        Binding("escape", "back", "Back", id="request-dialog.back"),
        discard_binding("request-dialog"),
    ]
    FIELD_ORDER = ("requested", "when", "place")

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("New samråd"), classes="form-title", markup=False)
            yield Label(_("Requested by (unit or agency)"), classes="field-label")
            yield SafeInput("", id="requested", max_length=200)
            yield Label(_("Date (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(date.today().isoformat(), id="when", max_length=10)
            yield Label(_("Place"), classes="field-label")
            yield SafeInput("", id="place", max_length=200)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#requested"))

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            when = date.fromisoformat(self.query_one("#when", SafeInput).value.strip())
        except ValueError:
            self.query_one("#message", Plain).set_text(_("A date as YYYY-MM-DD, please."))
            return
        created: list[int] = []
        if self.attempt(lambda: created.append(_svc(self).request(
                self.case_id, self.query_one("#requested", SafeInput).value, when,
                self.query_one("#place", SafeInput).value))):
            self.dismiss(created[0])
