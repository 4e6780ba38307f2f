"""Recording the follow-up of a decision."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.casework import (
    FOLLOWUP_OUTCOMES,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.casework import (
    FollowUpView,
)
from screens.base import FormDialog
from screens.casework.common import _svc
from screens.components import KeyChoice, Plain, SafeTextArea
from screens.components.key_bar import KeyBar


class FollowUpDialog(FormDialog):
    DRAFT = "followup"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.followup.id), None

    FIELD_ORDER = ("outcome", "note")

    def __init__(self, followup: FollowUpView) -> None:
        super().__init__()
        self.followup = followup

    def compose(self) -> ComposeResult:
        f = self.followup
        with VerticalScroll(classes="dialog"):
            yield Static(_("Follow-up: {what}", what=f.what), classes="form-title",
                         markup=False)
            yield Plain(_("Due {date}", date=f.due_on.isoformat()), classes="hint")
            yield Label(_("Outcome"), classes="field-label")
            yield KeyChoice([(str(i + 1), code, label(FOLLOWUP_OUTCOMES, code))
                             for i, code in enumerate(FOLLOWUP_OUTCOMES)], id="outcome")
            yield Label(_("What the follow-up found"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#outcome"))

    def action_save(self) -> None:
        svc = _svc(self)
        f = self.followup
        nxt: list[date | None] = []
        if self.attempt(lambda: nxt.append(svc.record_followup(
                f.id, f.version, self.query_one("#outcome", KeyChoice).value or "",
                self.query_one("#note", SafeTextArea).text))):
            if nxt and nxt[0]:
                self.app.notify(_("Next follow-up due {date}.", date=nxt[0].isoformat()),
                                markup=False)
            self.dismiss(True)
