"""Intake (aktualisering), entirely by keyboard.

One letter chooses (channel, danger, role, gender), Enter moves on, Ctrl+O leaves the text
box, Ctrl+S saves. A minimal intake is about ten keys beyond the typed text. A person
with a valid identity number is added on the Enter after the number, with the legal
gender the number encodes (shown in the gender field; a gender key typed in the number
field chooses another).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Label, Static

from rc_tui.domain import identity
from rc_tui.domain.vocab import CHANNELS, GENDERS, MEMBER_ROLES, label
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError
from rc_tui.services.cases import (
    IntakeInput,
    MemberInput,
    member_warnings,
)
from rc_tui.services.people import PersonInput, PersonSummary, display_name
from screens.base import OPEN_GROUP, RcModal, RcScreen, discard_binding
from screens.components import (
    AppHeader,
    KeyChoice,
    Plain,
    SafeInput,
    SafeTextArea,
    cell,
    protection_cell,
)
from screens.components.key_bar import KeyBar
from screens.number_gender import GENDER_KEYS, IdentityInput, NumberGenderMixin
from storage.errors import VaultError

CHANNEL_KEYS = [("s", "self"), ("p", "police"), ("o", "social"), ("h", "health"),
                ("f", "school"), ("i", "voluntary"), ("m", "authority")]
ROLE_KEYS = [("v", "victim"), ("u", "perpetrator"), ("b", "child"), ("a", "other")]


def _options(keys: list[tuple[str, str]], vocab: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(k, v, label(vocab, v)) for k, v in keys]


def yes_no(value: bool | None = None) -> list[tuple[str, str, str]]:
    return [("j", "yes", _("yes")), ("n", "no", _("no"))]


class IntakeScreen(NumberGenderMixin, RcScreen):
    DRAFT = "intake"
    NUMBER_ID, GENDER_ID, TAKEN_ID = "m-id", "m-gender", "m-gender-taken"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save intake", id="intake.save"),
        Binding("escape", "back", "Back", id="intake.back"),
        discard_binding("intake"),
        Binding("delete", "remove_member", "Remove person", show=False, id="intake.remove-member"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.members: list[tuple[MemberInput, str]] = []  # input, shown name

    def _suggest(self, names: list[str]) -> None:
        self.query_one("#referrer", SafeInput).suggester = SuggestFromList(
            names, case_sensitive=False)

    def field_order(self) -> tuple[str, ...]:
        return ("when", "channel", "referrer", "what", "danger",
                "m-role", "m-given", "m-family", "m-alias", "m-id", "m-gender")

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="intake"):
            yield Static(_("New intake"), classes="form-title", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("Date and time"), classes="row-label")
                yield SafeInput(datetime.now().strftime("%Y-%m-%d %H:%M"), id="when",
                                max_length=16)
            with Horizontal(classes="row"):
                yield Label(_("Contact via"), classes="row-label")
                yield KeyChoice(_options(CHANNEL_KEYS, CHANNELS), id="channel")
            with Horizontal(classes="row", id="referrer-row"):
                yield Label(_("Referred by"), classes="row-label")
                yield SafeInput(id="referrer", max_length=200,
                                placeholder=_("name of the referrer (→ completes)"))
            yield Label(_("What happened"), classes="field-label")
            yield SafeTextArea(id="what")
            with Horizontal(classes="row"):
                yield Label(_("Immediate danger"), classes="row-label")
                yield KeyChoice(yes_no(), id="danger")
            yield Static(_("Persons (the first is the one who made contact)"),
                         classes="panel-title", markup=False)
            yield DataTable(id="members", cursor_type="row")
            with Vertical(id="member-form"):
                with Horizontal(classes="row"):
                    yield Label(_("Role"), classes="row-label")
                    yield KeyChoice(_options(ROLE_KEYS, MEMBER_ROLES), id="m-role")
                with Horizontal(classes="row"):
                    yield Label(_("Given name"), classes="row-label")
                    yield SafeInput(id="m-given", max_length=200)
                with Horizontal(classes="row"):
                    yield Label(_("Family name"), classes="row-label")
                    yield SafeInput(id="m-family", max_length=200)
                with Horizontal(classes="row"):
                    yield Label(_("Alias"), classes="row-label")
                    yield SafeInput(id="m-alias", max_length=200,
                                    placeholder=_("instead of or besides the name"))
                with Horizontal(classes="row"):
                    yield Label(_("Identity no. or birth year"), classes="row-label")
                    yield IdentityInput(id="m-id", max_length=20,
                                    placeholder=_("YYYYMMDD-NNNN, YYMMDD-NNNN or YYYY"))
                with Horizontal(classes="row"):
                    yield Label(_("Gender"), classes="row-label")
                    yield KeyChoice(_options(GENDER_KEYS, GENDERS), id="m-gender")
                yield Plain("", id="m-gender-taken", classes="hint")
            yield Plain(_("Enter on the last field, or after a valid identity number, adds "
                          "the person; Ctrl+S saves the intake."),
                        classes="hint")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#members", DataTable)
        table.add_columns(_("Role"), _("Name"), _("Identity no. / year"), _("Note"))
        # the referrers named before complete the field once read (in a thread: typing
        # goes on meanwhile)
        self.load(lambda session: session.cases("intake").referrer_suggestions(),
                  self._suggest, key="referrers")
        self.query_one("#referrer-row").display = False
        self.set_focus(self.query_one("#channel", KeyChoice))

    def choice_made(self, choice: KeyChoice) -> None:
        if choice.id == "channel":
            self.query_one("#referrer-row").display = choice.value not in (None, "self")
        self.gender_choice_made(choice)

    @on(SafeInput.Changed, "#m-id")
    def _number_changed(self, event: SafeInput.Changed) -> None:
        self.number_changed()

    # ------------------------------------------------------------------ members
    def _member_input(self) -> PersonInput | None:
        given = self.query_one("#m-given", SafeInput).value
        family = self.query_one("#m-family", SafeInput).value
        alias = self.query_one("#m-alias", SafeInput).value
        ident = self.query_one("#m-id", SafeInput).value.strip()
        if not (given.strip() or family.strip() or alias.strip() or ident):
            return None
        year = int(ident) if ident.isdigit() and len(ident) == 4 else None
        return PersonInput(given_name=given, family_name=family, alias=alias,
                           id_number="" if year else ident, birth_year=year,
                           gender=self.chosen_gender())

    def submit_form(self) -> None:
        """Enter on the last member field: add the person (after a duplicate check)."""
        self.add_member()

    def add_member(self, then_save: bool = False) -> bool:
        """Validate the member form and check for duplicates (in a thread); False if there
        was nothing or a problem – or while the check runs: it adds the person (and saves
        the intake when ``then_save``) once it is done, or offers the duplicates."""
        data = self._member_input()
        if data is None:
            return False
        role = self.query_one("#m-role", KeyChoice).value
        if role is None:
            self._message(_("Choose a role for every person."))
            self.set_focus(self.query_one("#m-role", KeyChoice))
            return False
        if data.id_number:
            reason = identity.validate_identity_number(data.id_number, datetime.now().date())
            if reason:
                self._message(reason)
                self.set_focus(self.query_one("#m-id", SafeInput))
                return False
        if not (data.given_name.strip() or data.family_name.strip() or data.alias.strip()):
            self._message(_("Enter a name or an alias."))
            self.set_focus(self.query_one("#m-given", SafeInput))
            return False
        def chosen(result: int | str | None) -> None:
            if result is None:
                return
            existing = result if isinstance(result, int) else None
            self._append(role, data, existing)
            if then_save:
                self.action_save()

        def checked(duplicates: list[PersonSummary]) -> None:
            if duplicates:
                self.app.push_screen(DuplicateDialog(duplicates), chosen)
            else:
                chosen("new")

        # keys typed meanwhile (the next person) wait for it: they are meant for the
        # emptied member form
        self.load(lambda session: session.people("intake").find_duplicates(data), checked,
                  key="duplicates", group=OPEN_GROUP)
        return False

    def _append(self, role: str, data: PersonInput, existing: int | None) -> None:
        member = MemberInput(role=role, person=None if existing else data,
                             existing_person_id=existing)
        name = display_name(data.given_name, data.family_name, data.alias)
        self.members.append((member, name))
        warnings = self._warnings(role, data, contacted=len(self.members) == 1)
        table = self.query_one("#members", DataTable)
        table.add_row(cell(label(MEMBER_ROLES, role)), cell(name, 40),
                      cell(data.id_number or (str(data.birth_year) if data.birth_year else "")),
                      cell(" ".join(warnings) if existing is None else _("existing person"), 60))
        for field in ("m-given", "m-family", "m-alias", "m-id"):
            self.query_one(f"#{field}", SafeInput).value = ""
        self.query_one("#m-role", KeyChoice).value = None
        self.reset_gender()
        self._message(" ".join(warnings))
        self.set_focus(self.query_one("#m-role", KeyChoice))

    def draft_extra(self) -> list[dict[str, object]]:
        """The persons already added: role, what was typed (or the existing person)."""
        return [{"role": m.role, "existing": m.existing_person_id,
                 "person": dataclasses.asdict(m.person) if m.person else None, "name": name}
                for m, name in self.members]

    def restore_extra(self, extra: object) -> None:
        if not isinstance(extra, list):
            return
        for item in extra:
            try:
                data = PersonInput(**item["person"]) if item.get("person") else PersonInput(
                    alias=str(item.get("name", "")))
                existing = item.get("existing")
                self._append(str(item["role"]), data,
                             existing if isinstance(existing, int) else None)
            except (KeyError, TypeError, AttributeError):
                continue  # a draft from an older form: what cannot be read is dropped

    def _warnings(self, role: str, data: PersonInput, *, contacted: bool) -> list[str]:
        return member_warnings(data, role, contacted=contacted, today=datetime.now().date())

    def action_remove_member(self) -> None:
        table = self.query_one("#members", DataTable)
        if self.focused is not table or not self.members:
            return
        index = table.cursor_row
        del self.members[index]
        rows = list(table.rows)
        table.remove_row(rows[index])

    # ------------------------------------------------------------------ saving
    def action_save(self) -> None:
        pending = self._member_input()
        if pending is not None and not self.add_member(then_save=True):
            return  # a problem to fix, or the duplicate dialog is open
        session = self.shell.session
        assert session is not None
        channel = self.query_one("#channel", KeyChoice).value
        danger = self.query_one("#danger", KeyChoice).value
        problems = []
        try:
            when = datetime.strptime(self.query_one("#when", SafeInput).value.strip(),
                                     "%Y-%m-%d %H:%M")
        except ValueError:
            problems.append(_("Write the date and time as YYYY-MM-DD HH:MM."))
            when = datetime.now()
        if channel is None:
            problems.append(_("Choose how the contact came."))
        if danger is None:
            problems.append(_("Answer whether there is immediate danger."))
        if not self.members:
            problems.append(_("Add at least one person."))
        if problems:
            self._message("\n".join(problems))
            return
        assert channel is not None
        data = IntakeInput(
            occurred_at=when, channel=channel,
            referrer_name=(self.query_one("#referrer", SafeInput).value
                           if channel != "self" else ""),
            what_happened=self.query_one("#what", SafeTextArea).text,
            immediate_danger=danger == "yes",
            members=[m for m, _name in self.members],
        )
        try:
            result = session.cases("intake").register_intake(data)
        except ValidationError as exc:
            self._message("\n".join(exc.reasons))
            return
        except VaultError as exc:
            from rc_tui.services.accounts import error_text

            self._message(error_text(exc))
            return
        self.app.notify(_("Intake saved: {case}", case=result.case_number), markup=False)
        self.shell.after_intake(result, danger == "yes")


    def _message(self, text: str) -> None:
        """Below the person form: scrolled into view, so it is seen at 80x24 too."""
        message = self.query_one("#message", Plain)
        message.set_text(text)
        if text:
            self.call_after_refresh(message.scroll_visible, animate=False)


class DuplicateDialog(RcModal):
    """Someone like this exists already: open the existing person instead?"""

    BINDINGS = [
        Binding("n", "new", "Register as new", id="duplicate-dialog.new"),
        Binding("escape", "back", "Back", id="duplicate-dialog.back"),
    ]

    def __init__(self, candidates: list[PersonSummary]) -> None:
        super().__init__()
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Possible duplicate"), classes="form-title", markup=False)
            yield Plain(_("A person with the same identity number, or a similar name and the "
                          "same birth date, is registered. Enter uses the existing person; "
                          "N registers a new one."), classes="hint")
            yield DataTable(id="candidates", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:

        table = self.query_one(DataTable)
        table.add_columns(_("Name"), _("Identity no."), _("Born"), _("Protection"))
        for p in self.candidates:
            table.add_row(cell(p.display_name), cell(p.masked_id), cell(p.birth),
                          protection_cell(p.protection_level), key=str(p.id))
        table.focus()

    @on(DataTable.RowSelected)
    def _use(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(str(event.row_key.value)))

    def action_new(self) -> None:
        self.dismiss("new")

    def action_back(self) -> None:
        self.dismiss(None)
