"""Following up someone the shelter could not keep in view: a request it could not meet,
or a woman (a man, in the temporary housing) who has left. One dialog for both – how to
reach her, what earlier attempts found, the outcome (not reached: another attempt falls
due, three in all) and a note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.domain.shelter import TURNED_AWAY_OUTCOMES, followup_outcomes
from rc_tui.i18n import _
from rc_tui.services.shelter import DepartureRow, TurnedAwayRow
from screens.base import FormDialog
from screens.components import (
    KeyChoice,
    Plain,
    SafeTextArea,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _svc, _vocab

#: records one attempt: (outcome, note) -> the next attempt's due date, or None when done
Record = Callable[[str, str], "date | None"]


class FollowUpDialog(FormDialog):
    """The follow-up form; a subclass names its draft and what it records."""

    FIELD_ORDER = ("outcome", "note")

    def __init__(self, title: str, reach: str, earlier: str, outcomes: dict[str, str],
                 record: Record, context: tuple[str, int | None], *,
                 him: bool = False) -> None:
        super().__init__()
        self.him = him
        self.title_text = title
        self.reach = reach
        self.earlier = earlier
        self.outcomes = outcomes
        self.record = record
        self.context = context

    def draft_context(self) -> tuple[str, int | None]:
        return self.context

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(self.title_text, classes="form-title")
            yield Plain((_("How to reach him") if self.him else _("How to reach her")) + ": "
                        + (self.reach or "–"), classes="hint")
            if self.earlier:
                yield Plain(_("Earlier attempts") + ":\n" + self.earlier, classes="hint")
            yield Label(_("Outcome"), classes="field-label")
            yield KeyChoice(_vocab(self.outcomes, "1234"), id="outcome", vertical=True)
            yield Label(_("Note"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#outcome"))

    def action_save(self) -> None:
        nxt: list[date | None] = []
        if self.attempt(lambda: nxt.append(self.record(
                self.query_one("#outcome", KeyChoice).value or "",
                self.query_one("#note", SafeTextArea).text))):
            if nxt and nxt[0] is not None:
                self.app.notify(_("Not reached: the next attempt is due {day}.",
                                  day=nxt[0].isoformat()), markup=False)
            self.dismiss(True)


class TurnedAwayFollowupDialog(FollowUpDialog):
    DRAFT = "turned_away_followup"

    def __init__(self, row: TurnedAwayRow) -> None:
        super().__init__(
            _("Follow-up of the request of {day} ({who})", day=f"{row.requested_at:%Y-%m-%d}",
              who=row.contact or _("anonymous")),
            row.reach, row.followup_note, TURNED_AWAY_OUTCOMES,
            lambda outcome, note: _svc(self).record_turned_away_followup(
                row.id, row.version, outcome, note), (str(row.id), None))
        self.row = row


class DepartureFollowupDialog(FollowUpDialog):
    DRAFT = "departure_followup"

    def __init__(self, facility: str, row: DepartureRow) -> None:
        super().__init__(
            _("Follow-up after the stay: {name} (left {day})", name=row.name,
              day=f"{row.departed_at:%Y-%m-%d}"),
            row.reach, row.followup_note, followup_outcomes(facility),
            lambda outcome, note: _svc(self).record_departure_followup(
                row.stay_id, row.version, outcome, note), (str(row.stay_id), None),
            him=facility == "perpetrator_housing")
        self.row = row
