"""Following up a request the shelter could not meet."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.domain.shelter import (
    TURNED_AWAY_OUTCOMES,
)
from rc_tui.i18n import _
from rc_tui.services.shelter import (
    TurnedAwayRow,
)
from screens.base import FormDialog
from screens.components import (
    KeyChoice,
    Plain,
    SafeTextArea,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _svc, _vocab


class TurnedAwayFollowupDialog(FormDialog):
    DRAFT = "turned_away_followup"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.row.id), None

    FIELD_ORDER = ("outcome", "note")

    def __init__(self, row: TurnedAwayRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        r = self.row
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Follow-up of the request of {day} ({who})",
                          day=f"{r.requested_at:%Y-%m-%d}", who=r.contact or _("anonymous")),
                        classes="form-title")
            yield Plain(_("How to reach her") + ": " + (r.reach or "–"), classes="hint")
            yield Label(_("Outcome"), classes="field-label")
            yield KeyChoice(_vocab(TURNED_AWAY_OUTCOMES, "1234"), id="outcome", vertical=True)
            yield Label(_("Note"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#outcome"))

    def action_save(self) -> None:
        nxt: list[date | None] = []
        if self.attempt(lambda: nxt.append(_svc(self).record_turned_away_followup(
                self.row.id, self.row.version, self.query_one("#outcome", KeyChoice).value
                or "", self.query_one("#note", SafeTextArea).text))):
            if nxt and nxt[0] is not None:
                self.app.notify(_("Not reached: the next attempt is due {day}.",
                                  day=nxt[0].isoformat()), markup=False)
            self.dismiss(True)
