"""Admitting a woman (and her children) to a place."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.shelter import (
    ARRIVED_VIA,
    FACILITIES,
)
from rc_tui.domain.vocab import label
from rc_tui.i18n import _
from rc_tui.services.people import PersonInput
from rc_tui.services.shelter import (
    AdmissionInput,
    BoardLine,
)
from screens.base import RcScreen, discard_binding
from screens.casework import KEYS
from screens.components import (
    AppHeader,
    KeyChoice,
    Plain,
    SafeInput,
    SafeTextArea,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _now_text, _svc, _when


class AdmissionScreen(RcScreen):
    """Admit a woman (and her children) – without a decision, anonymously if need be."""

    DRAFT = "admission"

    def draft_context(self) -> tuple[str, int | None]:
        return self.facility, None

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="admission.save"),
        Binding("escape", "back", "Back", id="admission.back"),
        discard_binding("admission"),
    ]
    FIELD_ORDER = ("alias", "given", "family", "year", "via", "place", "when", "days",
                   "children", "note")

    def __init__(self, facility: str, free: list[BoardLine]) -> None:
        super().__init__()
        self.facility = facility
        self.free = free[:len(KEYS)]

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="admission", classes="form"):
            yield Static(_("Admission: {facility}", facility=_(FACILITIES[self.facility])),
                         classes="form-title", markup=False)
            yield Plain(_("An alias alone is enough; no decision is needed. Enter moves "
                          "on, Ctrl+S saves."), classes="hint")
            yield Label(_("Alias"), classes="field-label")
            yield SafeInput("", id="alias", max_length=200)
            yield Label(_("Given name, family name (if she gives them)"),
                        classes="field-label")
            yield SafeInput("", id="given", max_length=200)
            yield SafeInput("", id="family", max_length=200)
            yield Label(_("Birth year"), classes="field-label")
            yield SafeInput("", id="year", max_length=4)
            yield Label(_("Came via"), classes="field-label")
            yield KeyChoice([("s", "self", label(ARRIVED_VIA, "self")),
                             ("p", "police", label(ARRIVED_VIA, "police")),
                             ("e", "unit", label(ARRIVED_VIA, "unit")),
                             ("j", "on_call", label(ARRIVED_VIA, "on_call")),
                             ("a", "other", label(ARRIVED_VIA, "other"))],
                            id="via", vertical=True)
            yield Label(_("Place"), classes="field-label")
            yield KeyChoice([(KEYS[i], str(x.place_id), f"{x.room} {x.label}")
                             for i, x in enumerate(self.free)]
                            + [("0", "", _("no place yet"))],
                            str(self.free[0].place_id) if self.free else "", id="place")
            yield Label(_("Arrives (YYYY-MM-DD HH:MM; a later time is a planned arrival)"),
                        classes="field-label")
            yield SafeInput(_now_text(), id="when", max_length=16)
            yield Label(_("Expected stay in days (empty: not known)"), classes="field-label")
            yield SafeInput("", id="days", max_length=3)
            yield Label(_("Children with her: one per line, name or alias, then a comma "
                          "and the birth year"), classes="field-label")
            yield SafeTextArea("", id="children", classes="short")
            yield Label(_("Note (what happened, what she needs tonight)"),
                        classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#alias"))
        # the title and the hint stay in view above the first field
        self.call_after_refresh(self.query_one("#admission").scroll_home, animate=False)

    def submit_form(self) -> None:
        self.action_save()

    def _children(self, problems: list[str]) -> list[PersonInput]:
        children: list[PersonInput] = []
        for line in self.query_one("#children", SafeTextArea).text.splitlines():
            if not line.strip():
                continue
            name, _sep, year = line.rpartition(",")
            if not name.strip() or not year.strip().isdigit():
                name, year = line, ""
            children.append(PersonInput(alias=name.strip()[:200],
                                        birth_year=int(year) if year.strip() else None))
        if len(children) > 12:
            problems.append(_("At most 12 children in one admission."))
        return children

    def action_save(self) -> None:
        problems: list[str] = []
        value = {f: self.query_one(f"#{f}", SafeInput).value.strip()
                 for f in ("alias", "given", "family", "year", "when", "days")}
        year = int(value["year"]) if value["year"].isdigit() else None
        if value["year"] and year is None:
            problems.append(_("The birth year is four digits."))
        when = _when(value["when"], problems) or datetime.now()
        days = int(value["days"]) if value["days"].isdigit() else None
        if value["days"] and days is None:
            problems.append(_("The expected stay is a number of days."))
        children = self._children(problems)
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        place = self.query_one("#place", KeyChoice).value
        data = AdmissionInput(
            facility=self.facility,
            person=PersonInput(given_name=value["given"], family_name=value["family"],
                               alias=value["alias"], birth_year=year, gender="female"),
            arrived_via=self.query_one("#via", KeyChoice).value or "",
            admitted_at=when.replace(second=0, microsecond=0),
            place_id=int(place) if place else None,
            expected_end=when.date() + timedelta(days=days) if days else None,
            children=children, planned=when > datetime.now() + timedelta(minutes=30),
            note=self.query_one("#note", SafeTextArea).text)
        results: list[Any] = []
        if self.attempt(lambda: results.append(_svc(self).admit(data))):
            result = results[0]
            text = _("Admitted (case {case}). Due now: an investigation, an action plan for "
                     "everyone and a child-report decision for each child.",
                     case=result.case_number)
            if result.warnings:
                text += "\n" + "\n".join(result.warnings)
            self.app.notify(text, markup=False, timeout=8)
            self.dismiss(True)
