"""Registering a request the shelter could not meet."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.shelter import (
    REFERRALS,
    TURNED_AWAY_REASONS,
)
from rc_tui.i18n import _
from rc_tui.services.shelter import (
    TurnedAwayInput,
)
from screens.base import FormDialog
from screens.components import (
    KeyChoice,
    KeyToggles,
    Plain,
    SafeInput,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _now_text, _svc, _vocab, _when


class TurnedAwayDialog(FormDialog):
    DRAFT = "turned_away"

    def draft_context(self) -> tuple[str, int | None]:
        return self.facility, None

    FIELD_ORDER = ("when", "contact", "children", "reasons", "reason-note", "referred",
                   "referred-note", "reach")

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.facility = facility

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(_("A request the shelter could not meet"), classes="form-title",
                         markup=False)
            yield Label(_("When (YYYY-MM-DD HH:MM)"), classes="field-label")
            yield SafeInput(_now_text(), id="when", max_length=16)
            yield Label(_("Who (name or alias; empty: anonymous)"), classes="field-label")
            yield SafeInput("", id="contact", max_length=200)
            yield Label(_("Children with her"), classes="field-label")
            yield SafeInput("0", id="children", max_length=2)
            yield Label(_("Why not (keys toggle, Enter moves on)"), classes="field-label")
            yield KeyToggles(_vocab(TURNED_AWAY_REASONS, "pmtneusa"), id="reasons",
                             vertical=True)
            yield SafeInput("", id="reason-note", max_length=2000,
                            placeholder=_("more about why"))
            yield Label(_("Referred to"), classes="field-label")
            yield KeyChoice(_vocab(REFERRALS, "sfjnvpia"), id="referred", vertical=True)
            yield SafeInput("", id="referred-note", max_length=2000,
                            placeholder=_("which one, whom she talked to"))
            yield Label(_("How she may be reached for the follow-up (safe way, times)"),
                        classes="field-label")
            yield SafeInput("", id="reach", max_length=2000)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#contact"))

    def action_save(self) -> None:
        problems: list[str] = []
        value = {f: self.query_one(f"#{f}", SafeInput).value for f in (
            "when", "contact", "children", "reason-note", "referred-note", "reach")}
        when = _when(value["when"], problems) or datetime.now()
        children = int(value["children"]) if value["children"].strip().isdigit() else -1
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        data = TurnedAwayInput(
            facility=self.facility, requested_at=when.replace(second=0, microsecond=0),
            reasons=self.query_one("#reasons", KeyToggles).values,
            referred_to=self.query_one("#referred", KeyChoice).value or "",
            contact=value["contact"], reach=value["reach"], children=children,
            reason_note=value["reason-note"], referred_note=value["referred-note"])
        if self.attempt(lambda: _svc(self).register_turned_away(data)):
            self.app.notify(_("Registered; the follow-up is on the due list."), markup=False)
            self.dismiss(True)
