"""Admitting a woman (and her children) to a place of the shelter, or a man to the
perpetrator service's temporary housing – a new person, or a known one from his record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.shelter import (
    FACILITIES,
    arrived_via,
)
from rc_tui.domain.vocab import GENDERS, label
from rc_tui.i18n import _
from rc_tui.services.capabilities import Capability
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
    """Admit a woman (and her children) – without a decision, anonymously if need be – or
    a man to the temporary housing, in its own words (he/him, no children). ``known``: a
    person the centre knows (id, name), admitted by his or her existing record."""

    DRAFT = "admission"

    def draft_context(self) -> tuple[str, int | None]:
        return self.facility, self.known[0] if self.known else None

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="admission.save"),
        Binding("escape", "back", "Back", id="admission.back"),
        discard_binding("admission"),
    ]

    def __init__(self, facility: str, free: list[BoardLine],
                 known: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.facility = facility
        self.housing = facility == "perpetrator_housing"
        self.free = free[:len(KEYS)]
        self.known = known

    def field_order(self) -> tuple[str, ...]:
        person = () if self.known else (
            ("alias", "given", "family", "year") + (("gender",) if self.housing else ()))
        return (person + ("via", "place", "when", "days")
                + (() if self.housing else ("children",))
                + ("municipality", "payer", "note")
                + (("override",) if self._may_override else ()))

    @property
    def _may_override(self) -> bool:
        return self.housing and self.shell.can(Capability.HOUSING_OVERRIDE)

    def compose(self) -> ComposeResult:
        housing = self.housing
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="admission", classes="form"):
            yield Static(_("Admission: {facility}", facility=_(FACILITIES[self.facility])),
                         classes="form-title", markup=False)
            if housing:
                yield Plain(_("Only on a signed risk assessment of him (his record, "
                              "Assessments). Enter moves on, Ctrl+S saves."), classes="hint")
            elif self.known:
                yield Plain(_("No decision is needed. Enter moves on, Ctrl+S saves."),
                            classes="hint")
            else:
                yield Plain(_("An alias alone is enough; no decision is needed. Enter moves "
                              "on, Ctrl+S saves."), classes="hint")
            if self.known:
                yield Plain(_("Admitting {name}: the existing record, in the family's case.",
                              name=self.known[1]), id="known", classes="hint")
            else:
                yield Label(_("Alias"), classes="field-label")
                yield SafeInput("", id="alias", max_length=200)
                yield Label(_("Given name, family name (if he gives them)") if housing else
                            _("Given name, family name (if she gives them)"),
                            classes="field-label")
                yield SafeInput("", id="given", max_length=200)
                yield SafeInput("", id="family", max_length=200)
                yield Label(_("Birth year"), classes="field-label")
                yield SafeInput("", id="year", max_length=4)
                if housing:
                    yield Label(_("Gender"), classes="field-label")
                    yield KeyChoice([("m", "male", label(GENDERS, "male")),
                                     ("k", "female", label(GENDERS, "female")),
                                     ("a", "other", label(GENDERS, "other")),
                                     ("?", "unknown", label(GENDERS, "unknown"))],
                                    "male", id="gender")
            yield Label(_("Came via"), classes="field-label")
            via = arrived_via(self.facility)
            yield KeyChoice([("s", "self", label(via, "self")),
                             ("p", "police", label(via, "police")),
                             ("e", "unit", label(via, "unit")),
                             ("j", "on_call", label(via, "on_call")),
                             ("a", "other", label(via, "other"))],
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
            if not housing:
                yield Label(_("Children with her: one per line, name or alias, then a comma "
                              "and the birth year"), classes="field-label")
                yield SafeTextArea("", id="children", classes="short")
            yield Label(_("Placed by (another municipality), who pays (empty: our own)"),
                        classes="field-label")
            yield SafeInput("", id="municipality", max_length=200)
            yield SafeInput("", id="payer", max_length=200)
            yield Label(_("Note (why he had to leave home, what he needs now)") if housing
                        else _("Note (what happened, what she needs tonight)"),
                        classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            if self._may_override:
                yield Label(_("Manager: why admit him without a signed risk assessment "
                              "(flagged)"), classes="field-label")
                yield SafeTextArea("", id="override", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#" + self.field_order()[0]))
        # the title and the hint stay in view above the first field
        self.call_after_refresh(self.query_one("#admission").scroll_home, animate=False)

    def submit_form(self) -> None:
        self.action_save()

    def _children(self, problems: list[str]) -> list[PersonInput]:
        children: list[PersonInput] = []
        if self.housing:
            return children
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

    def _text(self, field: str) -> str:
        return self.query_one(f"#{field}", SafeInput).value.strip() \
            if field in self.field_order() else ""

    def action_save(self) -> None:
        problems: list[str] = []
        value = {f: self._text(f) for f in ("alias", "given", "family", "year", "when", "days",
                                            "municipality", "payer")}
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
        gender = (self.query_one("#gender", KeyChoice).value or "unknown") if (
            self.housing and not self.known) else "female"
        data = AdmissionInput(
            facility=self.facility,
            person=None if self.known else PersonInput(
                given_name=value["given"], family_name=value["family"], alias=value["alias"],
                birth_year=year, gender=gender),
            existing_person_id=self.known[0] if self.known else None,
            arrived_via=self.query_one("#via", KeyChoice).value or "",
            admitted_at=when.replace(second=0, microsecond=0),
            place_id=int(place) if place else None,
            expected_end=when.date() + timedelta(days=days) if days else None,
            children=children, planned=when > datetime.now() + timedelta(minutes=30),
            note=self.query_one("#note", SafeTextArea).text,
            override_reason=self.query_one("#override", SafeTextArea).text
            if self._may_override else "",
            placing_municipality=value["municipality"], payer=value["payer"])
        results: list[Any] = []
        if self.attempt(lambda: results.append(_svc(self).admit(data))):
            result = results[0]
            if self.housing:
                text = _("Admitted (case {case}). Due now: his action plan within a week, "
                         "and when his stay ends.", case=result.case_number)
            else:
                text = _("Admitted (case {case}). Due now: an investigation, an action plan "
                         "for everyone and a child-report decision for each child.",
                         case=result.case_number)
            if result.warnings:
                text += "\n" + "\n".join(result.warnings)
            self.app.notify(text, markup=False, timeout=8)
            self.dismiss(True)
