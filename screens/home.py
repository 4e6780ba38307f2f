"""Home: my open cases, recently opened persons and the due list (caseworkers, shelter
staff, managers); administration for administrators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from rc_tui.domain.vocab import MEMBER_ROLES, label
from rc_tui.i18n import _, _n
from rc_tui.services import accounts
from rc_tui.services.base import DueItem
from rc_tui.services.capabilities import Capability
from rc_tui.services.shelter import BOARD_CAPABILITY
from screens.base import LOAD_GROUP, OPEN_GROUP, RcScreen
from screens.components import AppHeader, Plain, cell, protection_cell
from screens.components.key_bar import KeyBar

if TYPE_CHECKING:
    from rc_tui.services.cases import CaseRow
    from rc_tui.services.drafts import DraftView
    from rc_tui.services.people import PersonSummary
    from rc_tui.services.session import UserSession


#: seconds after the first lists are drawn before the garbage collection (see
#: ``HomeScreen._collect_garbage``)
GC_AFTER_FIRST_LISTS_S = 0.5


@dataclass(frozen=True)
class HomeLists:
    """What the home screen shows, read in one go."""

    due: list[DueItem]
    cases: list[CaseRow]
    persons: list[PersonSummary]


class HomeScreen(RcScreen):
    BINDINGS = [
        Binding("n", "intake", "New intake", id="home.intake"),
        Binding("s", "board('shelter')", "Shelter", id="home.board-shelter"),
        Binding("t", "board('perpetrator_housing')", "Temporary housing",
                id="home.board-perpetrator-housing"),
        Binding("slash", "search", "Search", show=False, id="home.search"),
        Binding("g", "log_review", "Log review", id="home.log-review"),
        Binding("r", "statistics", "Statistics", id="home.statistics"),
        Binding("u", "users", "Users", id="home.users"),
        Binding("i", "settings", "Settings", id="home.settings"),
        Binding("p", "passphrase", "Passphrase", id="home.passphrase"),
        # in the palette (Ctrl+P) and the README, not the key bar: a key used before a
        # planned outage, not every day
        Binding("o", "make_pack", "Outage pack", show=False, id="home.make-pack"),
        Binding("m", "merge_pack", "Merge an outage pack", show=False, id="home.merge-pack"),
        Binding("l", "language", "Svenska/English", id="home.language"),
        Binding("b", "low_bandwidth", "Low bandwidth on/off", show=False, id="home.low-bandwidth"),
    ]

    #: the capability each key needs (the services refuse on their own; this decides which
    #: keys the screen offers)
    ACTION_CAPABILITY = {
        "users": Capability.USERS, "settings": Capability.SETTINGS,
        "log_review": Capability.LOG_REVIEW, "intake": Capability.CASE_CONTENT,
        "statistics": Capability.STATISTICS,
        "search": Capability.CASE_CONTENT, "make_pack": Capability.CASE_CONTENT,
        "merge_pack": Capability.CASE_CONTENT,
    }

    def __init__(self) -> None:
        super().__init__()
        self.due: list[DueItem] = []
        self._focus_due = False

    def compose(self) -> ComposeResult:
        shell = self.shell
        yield AppHeader("rc-tui", shell.user_line(), demo=shell.is_demo)
        with VerticalScroll(id="home"):
            if not shell.can(Capability.CASE_CONTENT):  # an administrator
                with Vertical(classes="panel"):
                    yield Static(_("Administration"), classes="panel-title", markup=False)
                    yield Plain(_("Administrators manage users and settings and see no case "
                                  "content."), classes="hint")
                    if shell.can(Capability.USERS):
                        yield Plain(_("U  Users: add, reset passphrase, revoke"))
                    if shell.can(Capability.SETTINGS):
                        yield Plain(_("I  Settings: idle lock, session length"))
            else:
                enrolled = shell.session.enrolled if shell.session is not None else ()
                if enrolled:
                    # the slots an administrator added: this login gave them the data key
                    with Vertical(classes="panel", id="enrolled"):
                        yield Static(_("Activated at this login"), classes="panel-title",
                                     markup=False)
                        for user in enrolled:
                            yield Plain(_("{name} ({user}), {role} – added by {admin}",
                                          name=user.display_name, user=user.username,
                                          role=accounts.role_label(user.role),
                                          admin=user.created_by))
                if shell.can(Capability.LOG_REVIEW):
                    with Vertical(classes="panel", id="chain"):
                        yield Static(_("Access log"), classes="panel-title", markup=False)
                        yield Plain(_("Checking the access log…"), id="chain-status")
                with Vertical(classes="panel", id="due-items"):
                    yield Static(_("Due items"), classes="panel-title", markup=False)
                    yield DataTable(id="due", cursor_type="row", show_header=False)
                    # the whole of the chosen item: a line cut at 80 columns hides who
                    yield Plain("", id="due-detail", classes="due-detail")
                    yield Plain(_("Nothing is due."), classes="empty", id="due-empty")
                with Vertical(classes="panel", id="my-cases"):
                    yield Static(_("My open cases"), classes="panel-title", markup=False)
                    yield DataTable(id="cases", cursor_type="row", show_header=False)
                    yield Plain(_("You have no open cases."), classes="empty",
                                id="cases-empty")
                with Vertical(classes="panel", id="recent"):
                    yield Static(_("Recently opened"), classes="panel-title", markup=False)
                    yield DataTable(id="persons", cursor_type="row", show_header=False)
            with Vertical(classes="panel"):
                yield Static(_("Keys"), classes="panel-title", markup=False)
                # one widget for the lines (below the fold): each widget costs the first
                # paint after login its styles, layout and rendering
                yield Plain("\n".join(self._key_lines()), id="home-keys")
        yield KeyBar()

    def _key_lines(self) -> list[str]:
        shell = self.shell
        lines: list[str] = []
        if shell.can(Capability.CASE_CONTENT):
            lines.append(_("N new intake. Ctrl+F searches from anywhere."))
        if shell.can(BOARD_CAPABILITY["shelter"]):
            lines.append(_("S the shelter: places board, admission, shift log, "
                           "turned-away register."))
        if shell.can(BOARD_CAPABILITY["perpetrator_housing"]):
            lines.append(_("T the temporary housing (perpetrator service)."))
        if shell.can(Capability.STATISTICS):
            lines.append(_("R statistics for the board (aggregates only)."))
        lines.append(_("Ctrl+L locks at once. Ctrl+G (or F12) hides the screen "
                       "instantly; the same key brings it back. Ctrl+P lists every "
                       "action."))
        return lines

    def on_mount(self) -> None:
        if self.shell.can(Capability.CASE_CONTENT):
            # headers as Text, not str: DataTable parses a str as markup, and Rich's markup
            # loads its table of emoji codes (0.5 MB, held for the session) the first time
            self.query_one("#due", DataTable).add_columns(*map(cell, ("!", _("Due"),
                                                                      _("What"))))
            self.query_one("#cases", DataTable).add_columns(*map(cell, (
                _("Case"), _("Opened"), _("Members"))))
            self.query_one("#persons", DataTable).add_columns(*map(cell, (
                _("Name"), _("Identity no."), _("Protection"))))
            # the lists are read when the screen is shown (on_screen_resume, also the
            # first time); the due list gets the focus once it is there
            self._focus_due = True
        if self.shell.can(Capability.LOG_REVIEW):
            self._check_chain()

    @work(thread=True, exclusive=True, group="chain")
    def _check_chain(self) -> None:
        session = self.shell.session
        if session is None:
            return
        status = session.log_review("home").chain_status()
        if status.ok:
            text = _n("Intact: {rows} entry, head {head}. G opens the log review.",
                      "Intact: {rows} entries, head {head}. G opens the log review.",
                      status.rows, rows=status.rows, head=status.head[:16])
        else:
            text = _("BROKEN: {problem}. Report this to the security officer.",
                     problem=status.problem)
        self.app.call_from_thread(self._show_chain, text, status.ok)

    def _show_chain(self, text_value: str, ok: bool) -> None:
        widget = self.query_one("#chain-status", Plain)
        widget.set_text(text_value)
        widget.set_class(not ok, "alert")

    def action_statistics(self) -> None:
        from screens.statistics import StatisticsScreen

        self.app.push_screen(StatisticsScreen())

    def action_log_review(self) -> None:
        from screens.logreview import LogReviewScreen

        self.app.push_screen(LogReviewScreen())

    def on_screen_resume(self) -> None:
        if self.shell.can(Capability.CASE_CONTENT):
            self.reload()

    def reload(self) -> None:
        """Read the due list, my open cases and the recent persons (in a thread)."""
        def fetch(session: UserSession) -> HomeLists:
            home = session.home("home")
            return HomeLists(home.due_items(), session.cases("home").my_open_cases(),
                             home.recent_persons())

        # the first time, keys typed ahead (after the login's Enter) are meant for these
        # lists: they wait for them, as for the login itself
        self.load(fetch, self.show, group=OPEN_GROUP if self._focus_due else LOAD_GROUP)

    def show(self, lists: HomeLists) -> None:
        self.due = lists.due
        due = self.query_one("#due", DataTable)
        due.clear()
        for index, item in enumerate(self.due):
            mark = Text(_("OVERDUE"), style="bold reverse red") if item.overdue else Text("")
            due.add_row(mark, cell(item.due.isoformat()), cell(item.title, 70), key=str(index))
        due.display = bool(self.due)
        self.query_one("#due-detail").display = bool(self.due)
        self._show_due_detail(due.cursor_row)
        self.query_one("#due-empty").display = not self.due
        cases = self.query_one("#cases", DataTable)
        cases.clear()
        for row in lists.cases:
            members = ", ".join(f"{name} ({label(MEMBER_ROLES, role)})"
                                for role, name in row.members)
            cases.add_row(cell(row.case_number), cell(f"{row.opened_at:%Y-%m-%d}"),
                          cell(members, 70), key=str(row.id))
        cases.display = bool(lists.cases)
        self.query_one("#cases-empty").display = not lists.cases
        persons = self.query_one("#persons", DataTable)
        persons.clear()
        for p in lists.persons:
            persons.add_row(cell(p.display_name, 40), cell(p.masked_id),
                            protection_cell(p.protection_level), key=str(p.id))
        if self._focus_due and self.due and not isinstance(self.focused, DataTable):
            # arrow keys and Enter work on the due list at once (unless the user has
            # already moved to another list while this was read)
            due.focus()
        if self._focus_due:  # the first lists after the login
            self.set_timer(GC_AFTER_FIRST_LISTS_S, self._collect_garbage)
        self._focus_due = False

    def _collect_garbage(self) -> None:
        """A full collection while the user reads the first lists. The login and this
        screen leave tens of thousands of new objects; Python's next full collection
        (about 0.1 s on the UI thread) otherwise fell into opening the first person
        (measured: 233 ms CPU to the person screen's first paint with it, 165 without).
        Skipped when the user has already moved on: then it would delay what they opened."""
        if self.is_current and not self.app.workers:
            import gc

            gc.collect()

    @on(DataTable.RowHighlighted, "#due")
    def _due_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_due_detail(event.cursor_row)

    def _show_due_detail(self, row: int) -> None:
        if 0 <= row < len(self.due):
            item = self.due[row]
            self.query_one("#due-detail", Plain).set_text(
                f"{item.due.isoformat()}  {item.title}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = self.ACTION_CAPABILITY.get(action)
        if action == "board":
            needed = BOARD_CAPABILITY.get(str(parameters[0]))
            return needed is not None and self.shell.can(needed)
        if action in ("make_pack", "merge_pack") and self.shell.outage:  # not in a pack
            return False
        return needed is None or self.shell.can(needed)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        key = str(event.row_key.value)
        if event.data_table.id == "cases":
            self.shell.open_case(int(key))
        elif event.data_table.id == "persons":
            self.shell.open_person(int(key))
        elif event.data_table.id == "due":
            item = self.due[int(key)]
            if item.kind == "draft" and item.person_id is None:
                self._open_draft()
                return
            screen = self._shelter_screen(item.kind)
            if screen is not None:
                self.app.push_screen(screen)
            elif item.person_id is not None:
                self.shell.open_person(item.person_id)
            elif item.case_id is not None:
                self.shell.open_case(item.case_id)

    def _shelter_screen(self, kind: str) -> Screen[Any] | None:
        """The shelter's due items open where they are done."""
        from screens.shelter import BoardScreen, ShiftLogScreen, TurnedAwayScreen

        if kind == "housing_followup" and self.shell.can(
                BOARD_CAPABILITY["perpetrator_housing"]):
            return BoardScreen("perpetrator_housing")
        if not self.shell.can(BOARD_CAPABILITY["shelter"]):
            return None
        return {"handover": ShiftLogScreen, "turned_away": TurnedAwayScreen,
                "departure_followup": BoardScreen}.get(kind, lambda _f: None)("shelter")

    def _open_draft(self) -> None:
        """A draft of a form that is not about one person: open that form (it restores the
        draft itself). Drafts about a person open the person, where the form is."""
        self.load(lambda session: session.drafts("home").mine(), self._open_first_draft,
                  key="draft")

    def _open_first_draft(self, drafts: list[DraftView]) -> None:
        from screens.intake import IntakeScreen
        from screens.shelter import BoardScreen

        for draft in drafts:
            if draft.person_id is not None:
                continue
            if draft.form == "intake":
                self.app.push_screen(IntakeScreen())
            elif draft.form == "add_member" and draft.context.isdigit():
                self.shell.open_case(int(draft.context))
                self.app.notify(_("Press A to go on adding the person."), markup=False,
                                timeout=8)
            elif draft.form == "close" and draft.context.startswith("case"):
                self.shell.open_case(int(draft.context[4:]))
            elif draft.form == "samrad_participant" and draft.context.isdigit():
                from screens.samrad import SamradScreen

                self.app.push_screen(SamradScreen(int(draft.context)))
            elif draft.context in ("shelter", "perpetrator_housing"):
                self.app.push_screen(BoardScreen(draft.context))
                self.app.notify(_("Press N (admission), L then N (shift log) or V then N "
                                  "(turned away) to go on with what you typed."),
                                markup=False, timeout=8)
            else:
                continue
            return

    def action_board(self, facility: str) -> None:
        from screens.shelter import BoardScreen

        self.app.push_screen(BoardScreen(facility))

    def action_intake(self) -> None:
        from screens.intake import IntakeScreen

        self.app.push_screen(IntakeScreen())

    def action_search(self) -> None:
        self.shell.action_search()

    def action_users(self) -> None:
        from screens.users import UsersScreen

        self.app.push_screen(UsersScreen())

    def action_settings(self) -> None:
        from screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen())

    def action_make_pack(self) -> None:
        from screens.pack import MakePackScreen

        self.app.push_screen(MakePackScreen())

    def action_merge_pack(self) -> None:
        from screens.pack import MergePackScreen

        self.app.push_screen(MergePackScreen())

    def action_passphrase(self) -> None:
        from screens.passphrase import ChangePassphraseScreen

        self.app.push_screen(ChangePassphraseScreen())

    def action_language(self) -> None:
        self.shell.toggle_language()

    def action_low_bandwidth(self) -> None:
        self.shell.toggle_low_bandwidth()
