"""One evidence entry: what, where from, when."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from rc_tui.domain.instruments.content import (
    SCENARIO_RATINGS,
    Factor,
    Incident,
    Scenario,
)
from rc_tui.domain.instruments.model import (
    PRESENCE,
)
from rc_tui.i18n import _
from screens.assessment.options import _PRESENCE_ITEM, answer_options
from screens.base import RcModal, discard_binding
from screens.components import KeyChoice, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar


class EntryDialog(RcModal):
    """A case-specific factor, a risk scenario or an incident."""
    LEFT_RESULT = None

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="entry-dialog.keep"),
        Binding("escape", "back", "Back", id="entry-dialog.back"),
        discard_binding("entry-dialog"),
    ]

    DRAFT = "assessment_entry"

    def __init__(self, kind: str, entry: Any | None = None, *,
                 draft_key: tuple[str, int | None]) -> None:
        super().__init__()
        self.draft_key = draft_key
        self.kind = kind
        self.entry = entry

    def field_order(self) -> tuple[str, ...]:
        return {"factor": ("f-title", "f-rating", "f-text"),
                "scenario": ("f-text", "f-rating", "f-measures"),
                "incident": ("f-date", "f-rating", "f-title")}[self.kind]

    def compose(self) -> ComposeResult:
        e = self.entry
        with Vertical(id="dialog", classes="dialog wide"):
            if self.kind == "factor":
                yield Static(_("Case-specific factor"), classes="form-title", markup=False)
                yield Label(_("Factor"), classes="field-label")
                yield SafeInput(e.title if e else "", id="f-title", max_length=300)
                yield Label(_("Rating"), classes="field-label")
                opts, aliases = answer_options(_PRESENCE_ITEM)
                yield KeyChoice(opts, e.rating if e else None, id="f-rating", aliases=aliases)
                yield Label(_("Evidence"), classes="field-label")
                yield SafeTextArea(e.evidence if e else "", id="f-text", classes="short")
            elif self.kind == "scenario":
                yield Static(_("Risk scenario"), classes="form-title", markup=False)
                yield Label(_("What could happen (scenario)"), classes="field-label")
                yield SafeTextArea(e.description if e else "", id="f-text", classes="short")
                yield Label(_("Rating"), classes="field-label")
                yield KeyChoice([("l", "low", _("low")), ("m", "medium", _("medium")),
                                 ("h", "high", _("high"))], e.rating if e else None,
                                id="f-rating")
                yield Label(_("Protective measures"), classes="field-label")
                yield SafeTextArea(e.measures if e else "", id="f-measures", classes="short")
            else:
                yield Static(_("Incident"), classes="form-title", markup=False)
                yield Label(_("Date (YYYY-MM-DD)"), classes="field-label")
                yield SafeInput(e.when if e else "", id="f-date", max_length=10)
                yield Label(_("Severity (1 = mild … 5 = life-threatening)"),
                            classes="field-label")
                yield KeyChoice([(str(v), str(v), str(v)) for v in range(1, 6)],
                                str(e.severity) if e else None, id="f-rating")
                yield Label(_("What happened (short)"), classes="field-label")
                yield SafeInput(e.description if e else "", id="f-title", max_length=300)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one(f"#{self.field_order()[0]}"))

    def submit_form(self) -> None:
        self.action_keep()

    def action_keep(self) -> None:
        rating = self.query_one("#f-rating", KeyChoice).value
        entry: Any
        if self.kind == "factor":
            title = self.query_one("#f-title", SafeInput).value
            if not title.strip() or rating not in PRESENCE:
                self.query_one("#message", Plain).set_text(
                    _("A case-specific factor needs a title and a rating."))
                return
            entry = Factor(title, rating, self.query_one("#f-text", SafeTextArea).text)
        elif self.kind == "scenario":
            text = self.query_one("#f-text", SafeTextArea).text
            if not text.strip() or rating not in SCENARIO_RATINGS:
                self.query_one("#message", Plain).set_text(
                    _("A scenario needs a description and a rating."))
                return
            entry = Scenario(text, rating, self.query_one("#f-measures", SafeTextArea).text)
        else:
            when = self.query_one("#f-date", SafeInput).value.strip()
            try:
                date.fromisoformat(when)
            except ValueError:
                self.query_one("#message", Plain).set_text(
                    _("An incident needs a date as YYYY-MM-DD."))
                return
            if rating is None:
                self.query_one("#message", Plain).set_text(
                    _("An incident's severity is 1 to 5."))
                return
            entry = Incident(when, int(rating), self.query_one("#f-title", SafeInput).value)
        self.dismiss(entry)
