"""A stay's departure: when, where to, why."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.domain.shelter import (
    DESTINATIONS,
)
from rc_tui.i18n import _, _n
from rc_tui.services.shelter import (
    ResidentLine,
)
from screens.base import FormDialog
from screens.components import (
    KeyChoice,
    Plain,
    SafeInput,
    SafeTextArea,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _now_text, _svc, _vocab, _when


class DepartureDialog(FormDialog):
    DRAFT = "departure"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.resident.stay_id), self.resident.person_id

    FIELD_ORDER = ("when", "destination", "reach", "note")

    def __init__(self, resident: ResidentLine, facility: str = "shelter") -> None:
        super().__init__()
        self.resident = resident
        self.housing = facility == "perpetrator_housing"

    def compose(self) -> ComposeResult:
        r = self.resident
        with VerticalScroll(classes="dialog"):
            # whose departure it is, on the first line and again next to the answer
            yield Plain(_("Departure: {name}", name=r.name) + (
                "  " + _n("(her {n} child leaves with her)",
                          "(her {n} children leave with her)", len(r.children),
                          n=len(r.children))
                if r.children else ""), classes="form-title")
            yield Label(_("Left (YYYY-MM-DD HH:MM)"), classes="field-label")
            yield SafeInput(_now_text(), id="when", max_length=16)
            yield Label(_("Where {name} went", name=r.name), classes="field-label")
            yield KeyChoice(_vocab(DESTINATIONS, "eastvox"), id="destination", vertical=True)
            yield Label(_("How to reach him for the follow-up (phone, times, through whom)")
                        if self.housing else
                        _("How to reach her for the follow-up (phone, times, through whom)"),
                        classes="field-label")
            yield SafeInput("", id="reach", max_length=500)
            yield Label(_("Note"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#destination"))

    def action_save(self) -> None:
        problems: list[str] = []
        when = _when(self.query_one("#when", SafeInput).value, problems)
        if problems or when is None:
            self.query_one("#message", Plain).set_text("\n".join(problems) or _(
                "Date and time as YYYY-MM-DD HH:MM, please."))
            return
        due: list[date] = []
        r = self.resident
        if self.attempt(lambda: due.append(_svc(self).depart(
                r.stay_id, r.version, when, self.query_one("#destination", KeyChoice).value
                or "", self.query_one("#note", SafeTextArea).text,
                self.query_one("#reach", SafeInput).value))):
            self.app.notify(_("Departure recorded; follow-up due {day}.",
                              day=due[0].isoformat()), markup=False)
            self.dismiss(True)
