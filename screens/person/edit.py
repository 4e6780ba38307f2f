"""The person's details as a form (a draft is kept; a concurrent edit is shown side by side)."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain import identity
from rc_tui.domain.vocab import (
    GENDERS,
    PROTECTION_LEVELS,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.people import PersonDetail, PersonInput
from screens.base import RcScreen, discard_binding
from screens.components import AppHeader, KeyChoice, Plain, SafeInput
from screens.components.key_bar import KeyBar
from screens.intake import yes_no
from screens.number_gender import GENDER_KEYS
from storage.errors import ConflictError, VaultError

PROTECTION_KEYS = [("0", "none"), ("1", "sekretessmarkering"), ("2", "skyddad_folkbokforing"),
                   ("3", "fingerade")]


def _birth_year(data: PersonInput) -> int | None:
    """The birth year a record has: the one its identity number gives, if any. (Stored,
    it is derived from the number; the form leaves the field empty then – compared
    as typed, every conflict showed a birth-year row.)"""
    if data.id_number.strip():
        try:
            return identity.parse_identity_number(data.id_number, date.today()).birth_date.year
        except identity.IdentityNumberError:
            return data.birth_year
    return data.birth_year


def person_rows(theirs: PersonInput, mine: PersonInput) -> list[tuple[str, str, str]]:
    """(field, theirs, mine) for the person's fields that differ, as the conflict view
    shows them (also for a merged outage pack's edit: screens.pack)."""
    from screens.conflict import differing

    contact = _("Safe contact")
    return differing([
        (_("Given name"), theirs.given_name, mine.given_name),
        (_("Family name"), theirs.family_name, mine.family_name),
        (_("Alias"), theirs.alias, mine.alias),
        (_("Identity no."), theirs.id_number, mine.id_number),
        (_("Birth year"), _birth_year(theirs), _birth_year(mine)),
        (_("Gender"), label(GENDERS, theirs.gender), label(GENDERS, mine.gender)),
        (_("Language"), theirs.language, mine.language),
        (_("Interpreter"), theirs.interpreter_needed, mine.interpreter_needed),
        (_("Accessibility needs"), theirs.accessibility_needs, mine.accessibility_needs),
        (f"{contact}: {_('call')}", theirs.may_call, mine.may_call),
        (f"{contact}: {_('text')}", theirs.may_text, mine.may_text),
        (f"{contact}: {_('letters')}", theirs.may_letter, mine.may_letter),
        (_("Safe times"), theirs.safe_times, mine.safe_times),
        (_("Safe address"), theirs.safe_address, mine.safe_address),
        (_("Protection"), label(PROTECTION_LEVELS, theirs.protection_level),
         label(PROTECTION_LEVELS, mine.protection_level)),
    ])


class PersonEditScreen(RcScreen):
    DRAFT = "person_edit"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.detail.id), self.detail.id

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="person-edit.save"),
        Binding("escape", "back", "Back", id="person-edit.back"),
        discard_binding("person-edit"),
    ]
    FIELD_ORDER = ("given", "family", "alias", "idno", "year", "gender", "language",
                   "interpreter", "access", "call", "text", "letter", "times", "address",
                   "protection")

    def __init__(self, detail: PersonDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        p = self.detail.data
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(classes="form-scroll"):
            yield Static(_("Edit person"), classes="form-title", markup=False)
            for fid, title, value in (
                ("given", _("Given name"), p.given_name), ("family", _("Family name"),
                                                           p.family_name),
                ("alias", _("Alias"), p.alias), ("idno", _("Identity no."), p.id_number),
                ("year", _("Birth year (without identity no.)"),
                 str(p.birth_year) if p.birth_year and not p.id_number else ""),
            ):
                with Horizontal(classes="row"):
                    yield Label(title, classes="row-label")
                    yield SafeInput(value, id=fid, max_length=200)
            with Horizontal(classes="row"):
                yield Label(_("Gender"), classes="row-label")
                yield KeyChoice([(k, v, label(GENDERS, v)) for k, v in GENDER_KEYS],
                                p.gender, id="gender")
            with Horizontal(classes="row"):
                yield Label(_("Language"), classes="row-label")
                yield SafeInput(p.language, id="language", max_length=200)
            with Horizontal(classes="row"):
                yield Label(_("Interpreter"), classes="row-label")
                yield KeyChoice(yes_no(), "yes" if p.interpreter_needed else "no",
                                id="interpreter")
            with Horizontal(classes="row"):
                yield Label(_("Accessibility needs"), classes="row-label")
                yield SafeInput(p.accessibility_needs, id="access", max_length=2000)
            for fid, title, allowed in (("call", _("May we call?"), p.may_call),
                                        ("text", _("May we text?"), p.may_text),
                                        ("letter", _("May we send letters?"), p.may_letter)):
                with Horizontal(classes="row"):
                    yield Label(title, classes="row-label")
                    yield KeyChoice(yes_no(), "yes" if allowed else "no", id=fid)
            with Horizontal(classes="row"):
                yield Label(_("Safe times"), classes="row-label")
                yield SafeInput(p.safe_times, id="times", max_length=2000)
            with Horizontal(classes="row"):
                yield Label(_("Safe address"), classes="row-label")
                yield SafeInput(p.safe_address, id="address", max_length=2000,
                                placeholder=_("empty: no safe address"))
            with Horizontal(classes="row"):
                yield Label(_("Protection"), classes="row-label")
                yield KeyChoice([(k, v, label(PROTECTION_LEVELS, v)) for k, v in
                                 PROTECTION_KEYS], p.protection_level, id="protection")
            yield Plain(_("Ctrl+S saves."), classes="hint")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#given", SafeInput))

    def submit_form(self) -> None:
        self.action_save()

    def _value(self, fid: str) -> str:
        return self.query_one(f"#{fid}", SafeInput).value

    def _yes(self, fid: str) -> bool:
        return self.query_one(f"#{fid}", KeyChoice).value == "yes"

    def action_save(self) -> None:
        session = self.shell.session
        assert session is not None
        year_text = self._value("year").strip()
        if year_text and not year_text.isdigit():
            self.query_one("#message", Plain).set_text(_("The birth year is four digits."))
            return
        data = PersonInput(
            given_name=self._value("given"), family_name=self._value("family"),
            alias=self._value("alias"), id_number=self._value("idno"),
            birth_year=int(year_text) if year_text else None,
            gender=self.query_one("#gender", KeyChoice).value or "unknown",
            language=self._value("language"), interpreter_needed=self._yes("interpreter"),
            accessibility_needs=self._value("access"), may_call=self._yes("call"),
            may_text=self._yes("text"), may_letter=self._yes("letter"),
            safe_times=self._value("times"), safe_address=self._value("address"),
            protection_level=self.query_one("#protection", KeyChoice).value or "none",
        )
        try:
            session.people("person_edit").update(self.detail.id,
                                                              self.detail.version, data)
        except ValidationError as exc:
            self.query_one("#message", Plain).set_text("\n".join(exc.reasons))
            return
        except ConflictError:
            self._conflict(data)
            return
        except VaultError as exc:
            self.query_one("#message", Plain).set_text(error_text(exc))
            return
        self.dismiss(True)

    def _conflict(self, mine: PersonInput) -> None:
        """Someone saved this person meanwhile: read as stored now (in a thread), then
        both versions side by side."""
        person_id = self.detail.id
        self.load(lambda session: session.people("person_edit").get(person_id),
                  lambda fresh: self._show_conflict(fresh, mine), key="conflict")

    def _show_conflict(self, fresh: PersonDetail, mine: PersonInput) -> None:
        from screens.conflict import ConflictScreen

        session = self.shell.session
        assert session is not None
        rows = person_rows(fresh.data, mine)
        self.detail = fresh  # from now on the form saves against what is stored

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                if self.attempt(lambda: session.people("person_edit").update(
                        fresh.id, fresh.version, mine)):
                    self.dismiss(True)
            elif choice == "theirs":
                self.dismiss(True)

        self.app.push_screen(ConflictScreen(fresh.display_name, rows), chosen)
