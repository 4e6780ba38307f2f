"""A case: its members (each with their own track), relations, intakes, assignments."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from rc_tui.domain.vocab import (
    CASE_STATUSES,
    CHANNELS,
    GENDERS,
    MEMBER_ROLES,
    RELATION_KINDS,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.capabilities import Capability
from rc_tui.services.cases import CaseDetail, Linked, no_access_text
from rc_tui.services.people import PersonInput, PersonSummary
from screens.base import OPEN_GROUP, RcModal, RcScreen, discard_binding
from screens.components import AppHeader, KeyChoice, Plain, SafeInput, cell, protection_cell
from screens.components.key_bar import KeyBar
from screens.intake import ROLE_KEYS, DuplicateDialog
from screens.number_gender import GENDER_KEYS, IdentityInput, NumberGenderMixin


class CaseScreen(RcScreen):
    BINDINGS = [
        Binding("a", "add_member", "Add person", id="case.add-member"),
        Binding("r", "relation", "Relation", id="case.relation"),
        Binding("t", "assign", "Assign", id="case.assign"),
        Binding("z", "close_case", "Close/reopen case", id="case.close-case"),
        Binding("m", "samrad", "Samråd", id="case.samrad"),
        Binding("k", "coordination", "Coordination", id="case.coordination"),
        Binding("escape", "app.pop_screen", "Back", id="case.back"),
    ]

    def __init__(self, case_id: int, message: str = "", *,
                 detail: CaseDetail | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.detail: CaseDetail | None = detail
        self.message = message

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="case"):
            yield Plain("", id="case-title", classes="form-title", one_line=True)
            yield DataTable(id="members", cursor_type="row", zebra_stripes=True)
            yield Static(_("Relations"), classes="panel-title", markup=False)
            yield Plain("", id="relations")
            yield Static(_("Intakes"), classes="panel-title", markup=False)
            yield Plain("", id="intakes")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.detail is None and action in ("add_member", "relation", "assign",
                                              "close_case"):
            return False  # still being read
        if action == "assign":
            return self.shell.can(Capability.ASSIGN)
        return True

    def on_mount(self) -> None:
        self.query_one("#members", DataTable).add_columns(
            _("Role"), _("Name"), _("Identity no."), _("Born"), _("Protection"), _("Risk"),
            _("Assigned"))
        if self.detail is not None:  # read by the shell before it opened the screen
            self.show(self.detail)
        else:
            self.reload()
        self.query_one("#message", Plain).set_text(self.message)
        self.set_focus(self.query_one("#members", DataTable))

    _keep_row = 0

    def on_screen_resume(self) -> None:
        """Back from a person (a track closed, a member assigned): shown as it is now."""
        if self.detail is not None:
            self._keep_row = self.query_one("#members", DataTable).cursor_row
            self.reload()

    def reload(self) -> None:
        """Read the case again (in a thread) and show it."""
        case_id = self.case_id
        self.load(lambda session: session.cases("case").detail(case_id), self.show)

    def show(self, d: CaseDetail) -> None:
        self.detail = d
        self.refresh_bindings()
        self.query_one("#case-title", Plain).set_text(
            f"{_('Case')} {d.case_number} – {_('opened')} {d.opened_at:%Y-%m-%d} – "
            f"{label(CASE_STATUSES, d.status)}")
        table = self.query_one("#members", DataTable)
        table.clear()
        for m in d.members:
            role = label(MEMBER_ROLES, m.role) + (" · " + _("track closed") if m.closed else "")
            table.add_row(cell(role), cell(m.person.display_name, 36),
                          cell(m.person.masked_id), cell(m.person.birth),
                          protection_cell(m.person.protection_level), cell(m.person.risk),
                          cell(", ".join(m.assigned) or "–"), key=str(m.member_id))
        self.query_one("#relations", Plain).set_text("\n".join(
            f"{a} – {label(RELATION_KINDS, kind)} – {b}" for a, kind, b in d.relations) or "–")
        self.query_one("#intakes", Plain).set_text("\n".join(
            f"{when:%Y-%m-%d %H:%M} {label(CHANNELS, channel)}"
            + (f" ({ref})" if ref else "") + (" – " + _("immediate danger") if danger else "")
            + (":\n  " + what if what else "")
            for when, channel, ref, danger, what in d.intakes) or "–")
        table.move_cursor(row=self._keep_row)  # re-read: the cursor stays on its member
        self._keep_row = 0

    def _member(self) -> int | None:
        table = self.query_one("#members", DataTable)
        if self.detail is None or not self.detail.members:
            return None
        return table.cursor_row

    @on(DataTable.RowSelected, "#members")
    def _open(self, event: DataTable.RowSelected) -> None:
        assert self.detail is not None
        member = next(m for m in self.detail.members if str(m.member_id) == event.row_key.value)
        self.shell.open_person(member.person.id)

    def action_add_member(self) -> None:
        self.app.push_screen(AddMemberDialog(self.case_id), self._member_added)

    def _member_added(self, result: bool | str | None) -> None:
        """``NO_ACCESS``: an existing person was added whose own track this user does not
        hold – say so where it stays visible, with what to do about it."""
        if result:
            self.reload()
        self.query_one("#message", Plain).set_text(
            no_access_text() if result == NO_ACCESS else "")

    def action_relation(self) -> None:
        assert self.detail is not None
        if len(self.detail.members) < 2:
            return
        self.app.push_screen(RelationDialog(self.detail), self._changed)

    def action_assign(self) -> None:
        index = self._member()
        if index is None or self.detail is None:
            return
        self.app.push_screen(AssignDialog(self.detail.members[index].member_id), self._changed)

    def _changed(self, changed: bool | None) -> None:
        if changed:
            self.reload()

    def action_samrad(self) -> None:
        from screens.samrad import SamradListScreen

        self.app.push_screen(SamradListScreen(self.case_id))

    def action_coordination(self) -> None:
        from screens.samrad import CoordinationScreen

        self.app.push_screen(CoordinationScreen(self.case_id))

    def action_close_case(self) -> None:
        from screens.casework import CloseDialog

        session = self.shell.session
        assert session is not None and self.detail is not None
        reopen = self.detail.status == "closed"
        svc = session.casework("case")
        title = (_("Reopen case {case}", case=self.detail.case_number) if reopen
                 else _("Close case {case} (every track in it)", case=self.detail.case_number))
        self.app.push_screen(CloseDialog(title, lambda reason: svc.close_case(
            self.case_id, reason, reopen=reopen), draft_key=(f"case{self.case_id}", None)),
            self._changed)


NO_ACCESS = "no_access"


class AddMemberDialog(NumberGenderMixin, RcModal):
    """A person added to an existing case. Like the intake's person form: a valid
    identity number gives the legal gender it encodes (shown under the gender field; a
    gender key in the number field chooses another) and Enter after it adds the person."""

    BINDINGS = [Binding("escape", "back", "Back", id="add-member-dialog.back"),
                discard_binding("add-member-dialog")]
    FIELD_ORDER = ("role", "given", "family", "alias", "idno", "gender")
    DRAFT = "add_member"
    NUMBER_ID, GENDER_ID, TAKEN_ID = "idno", "gender", "gender-taken"

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.draft_key = (str(case_id), None)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(_("Add person to the case"), classes="form-title", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("Role"), classes="row-label")
                yield KeyChoice([(k, v, label(MEMBER_ROLES, v)) for k, v in ROLE_KEYS],
                                id="role")
            for fid, title in (("given", _("Given name")), ("family", _("Family name")),
                               ("alias", _("Alias"))):
                with Horizontal(classes="row"):
                    yield Label(title, classes="row-label")
                    yield SafeInput(id=fid, max_length=200)
            with Horizontal(classes="row"):
                yield Label(_("Identity no. or birth year"), classes="row-label")
                yield IdentityInput(id="idno", max_length=20,
                                    placeholder=_("YYYYMMDD-NNNN, YYMMDD-NNNN or YYYY"))
            with Horizontal(classes="row"):
                yield Label(_("Gender"), classes="row-label")
                yield KeyChoice([(k, v, label(GENDERS, v)) for k, v in GENDER_KEYS],
                                id="gender")
            yield Plain("", id="gender-taken", classes="hint")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#role", KeyChoice))

    def choice_made(self, choice: KeyChoice) -> None:
        self.gender_choice_made(choice)

    @on(SafeInput.Changed, "#idno")
    def _number_changed(self, event: SafeInput.Changed) -> None:
        self.number_changed()

    def restore_state(self, state: dict[str, Any]) -> None:
        """A draft's gender was chosen (or taken) when it was typed: it stays."""
        super().restore_state(state)
        self._gender_chosen = bool(state.get("gender"))

    def submit_form(self) -> None:
        role = self.query_one("#role", KeyChoice).value
        ident = self.query_one("#idno", SafeInput).value.strip()
        year = int(ident) if ident.isdigit() and len(ident) == 4 else None
        data = PersonInput(
            given_name=self.query_one("#given", SafeInput).value,
            family_name=self.query_one("#family", SafeInput).value,
            alias=self.query_one("#alias", SafeInput).value,
            id_number="" if year else ident, birth_year=year, gender=self.chosen_gender())
        if role is None:
            self.query_one("#message", Plain).set_text(_("Choose a role for every person."))
            return

        def checked(duplicates: list[PersonSummary]) -> None:
            if duplicates:
                self.app.push_screen(DuplicateDialog(duplicates),
                                     lambda r: self._store(role, data, r))
            else:
                self._store(role, data, "new")

        self.load(lambda session: session.people("case").find_duplicates(data), checked,
                  key="duplicates", group=OPEN_GROUP)

    def _store(self, role: str, data: PersonInput, choice: int | str | None) -> None:
        session = self.shell.session
        if choice is None or session is None:
            return
        done: list[Linked] = []
        if self.attempt(lambda: done.append(session.cases("case").add_member(
                self.case_id, role, data if choice == "new" else None,
                existing_person_id=choice if isinstance(choice, int) else None))):
            self.dismiss(NO_ACCESS if done and done[0].no_access else True)


class RelationDialog(RcModal):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="relation-dialog.save"),
        Binding("escape", "cancel", "Cancel", id="relation-dialog.cancel"),
    ]
    FIELD_ORDER = ("from", "kind", "to")

    def __init__(self, detail: CaseDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        people = [(str(i + 1), str(m.person.id), m.person.display_name)
                  for i, m in enumerate(self.detail.members[:9])]
        with Vertical(classes="dialog"):
            yield Static(_("Relation"), classes="form-title", markup=False)
            yield KeyChoice(people, id="from")
            yield KeyChoice([(k, code, label(RELATION_KINDS, code)) for k, code in
                             (("p", "partner"), ("t", "former_partner"), ("f", "parent_of"),
                              ("s", "sibling"), ("a", "other"))], id="kind")
            yield KeyChoice(people, id="to")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#from", KeyChoice))

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        session = self.shell.session
        assert session is not None
        a = self.query_one("#from", KeyChoice).value
        b = self.query_one("#to", KeyChoice).value
        kind = self.query_one("#kind", KeyChoice).value
        if not (a and b and kind):
            self.query_one("#message", Plain).set_text(_("Choose a relation."))
            return
        if self.attempt(lambda: session.cases("case").add_relation(
                self.detail.id, int(a), int(b), kind)):
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class AssignDialog(RcModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="assign-dialog.cancel")]

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Assign a caseworker to this track"), classes="form-title",
                         markup=False)
            yield DataTable(id="users", cursor_type="row")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Username"), _("Name"))
        table.focus()
        # read in a thread; Enter before the list is there chooses nobody
        self.load(lambda session: session.cases("case").caseworkers(), self._show)

    def _show(self, users: list[tuple[str, str]]) -> None:
        table = self.query_one(DataTable)
        for username, name in users:
            table.add_row(cell(username), cell(name), key=username)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        session = self.shell.session
        assert session is not None
        if self.attempt(lambda: session.cases("case").assign(
                self.member_id, str(event.row_key.value))):
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
