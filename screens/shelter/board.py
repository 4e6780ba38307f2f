"""The board of a facility (shelter, perpetrator housing): places, stays, arrivals."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from rc_tui.domain.shelter import (
    BOARD_STATES,
    DESTINATIONS,
    FACILITIES,
    arrived_via,
)
from rc_tui.domain.vocab import GENDERS, label
from rc_tui.i18n import _, _n
from rc_tui.services.capabilities import Capability
from rc_tui.services.shelter import (
    BoardLine,
    BoardView,
    ChildLine,
    ResidentLine,
)
from screens.base import RcScreen
from screens.casework import CloseDialog
from screens.components import (
    AppHeader,
    Plain,
    cell,
)
from screens.components.key_bar import KeyBar
from screens.shelter.admission import AdmissionScreen
from screens.shelter.common import STATE_STYLE, _svc
from screens.shelter.departure_dialog import DepartureDialog
from screens.shelter.followup_dialog import DepartureFollowupDialog
from screens.shelter.move_dialog import MoveDialog
from screens.shelter.place_dialog import PlaceDialog
from screens.shelter.shift_log import ShiftLogScreen
from screens.shelter.turned_away import TurnedAwayScreen

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession
    from rc_tui.services.shelter import DepartureRow

#: the board, and the departures still to follow up
BoardData = tuple[BoardView, "list[DepartureRow]"]


class BoardScreen(RcScreen):
    BINDINGS = [
        Binding("n", "admit", "Admit", id="board.admit"),
        Binding("u", "depart", "Departure", id="board.depart"),
        Binding("k", "arrived", "Arrived", id="board.arrived"),
        Binding("f", "followup", "Follow-up", show=False, id="board.followup"),
        Binding("m", "move", "Move", show=False, id="board.move"),
        Binding("o", "out_of_use", "Out of use", show=False, id="board.out-of-use"),
        Binding("l", "shift_log", "Shift log", id="board.shift-log"),
        Binding("v", "turned_away", "Turned away", id="board.turned-away"),
        Binding("a", "add_place", "Add place", show=False, id="board.add-place"),
        Binding("escape", "app.pop_screen", "Back", id="board.back"),
    ]

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.facility = facility
        self.view: BoardView | None = None
        self.departed: list[DepartureRow] = []

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="board-screen"):
            yield Plain("", id="board-title", classes="form-title", one_line=True)
            yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="line-detail")
            yield Plain("", id="moves")
            yield Static(_("Left, not yet followed up"), classes="panel-title",
                         markup=False, id="departed-title")
            yield DataTable(id="departed", cursor_type="row", show_header=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#board", DataTable).add_columns(
            _("Room"), _("Place"), _("State"), _("Who"), _("Since"), _("Until / note"))
        departed = self.query_one("#departed", DataTable)
        departed.add_column(_("Left"), width=10)
        departed.add_column(_("Who"), width=30)
        departed.add_column(_("Where"), width=30)
        self.query_one("#board", DataTable).focus()

    def on_screen_resume(self) -> None:
        """Read the board whenever it is shown (the first time too)."""
        if self.shell.session is not None:
            self.reload()

    def reload(self) -> None:
        """Read the board and the departures to follow up (in a thread), then show them."""
        facility = self.facility

        def fetch(session: UserSession) -> BoardData:
            svc = session.shelter("shelter")
            return svc.board(facility), svc.departures_to_follow_up(facility)

        self.load(fetch, self.show)

    def show(self, data: BoardData) -> None:
        view, self.departed = data
        self.view = view
        total = sum(1 for line in view.lines if line.state != "out_of_use")
        title = _n("{facility} – {day}: {free} of {total} place free",
                   "{facility} – {day}: {free} of {total} places free", total,
                   facility=_(FACILITIES[self.facility]), day=view.day.isoformat(),
                   free=view.free, total=total)
        if view.children_without_bed:
            title += " – " + _n("{n} child without a bed", "{n} children without a bed",
                                view.children_without_bed, n=view.children_without_bed)
        self.query_one("#board-title", Plain).set_text(title)
        table = self.query_one("#board", DataTable)
        row = table.cursor_row
        table.clear()
        for line in view.lines:
            table.add_row(*self._cells(line), key=str(line.place_id))
        unplaced = [r for r in view.residents if not r.place]
        for r in unplaced:
            table.add_row(cell("–"), cell("–"), Text(label(BOARD_STATES, "planned" if r.planned
                                                           else "occupied")),
                          cell(self._who(r), 22), cell(r.since.isoformat()),
                          cell(r.expected_end.isoformat() if r.expected_end else ""),
                          key=f"stay-{r.stay_id}")
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self._detail()
        moves = [_("This week:")]
        moves += [_("arrives {day}: {name} ({place})", day=d.isoformat(), name=n, place=p)
                  for d, n, p in view.arrivals]
        moves += [_("leaves {day}: {name} ({place})", day=d.isoformat(), name=n, place=p)
                  for d, n, p in view.departures]
        if len(moves) == 1:
            moves.append(_("no planned arrivals or departures."))
        self.query_one("#moves", Plain).set_text("  ".join(moves))
        departed = self.query_one("#departed", DataTable)
        departed.clear()
        for dep in self.departed:
            departed.add_row(cell(f"{dep.departed_at:%Y-%m-%d}"), cell(dep.name, 30),
                             cell(label(DESTINATIONS, dep.destination), 30),
                             key=str(dep.stay_id))
        departed.display = bool(self.departed)
        self.query_one("#departed-title").display = bool(self.departed)

    @staticmethod
    def _who(r: ResidentLine) -> str:
        if r.children:
            return _n("{name} + {n} child", "{name} + {n} children", len(r.children),
                      name=r.name, n=len(r.children))
        return r.name

    @staticmethod
    def _child(c: ChildLine) -> str:
        """A child with gender and birth year, as far as the user may see them."""
        facts = [label(GENDERS, c.gender) if c.gender not in ("", "unknown") else "",
                 str(c.birth_year) if c.birth_year else ""]
        shown = ", ".join(f for f in facts if f)
        return c.name + (f" ({shown})" if shown else "")

    def _cells(self, line: BoardLine) -> list[Text]:
        state = Text(label(BOARD_STATES, line.state), style=STATE_STYLE.get(line.state, ""))
        r = line.resident
        if r is None:
            return [cell(line.room, 12), cell(line.label, 6), state, cell(""), cell(""),
                    cell(line.note, 14)]
        who = line.child_name + " (" + _("child of {name}", name=r.name) + ")" \
            if line.child_name else self._who(r)
        until = r.expected_end.isoformat() if r.expected_end else ""
        return [cell(line.room, 12), cell(line.label, 6), state, cell(who, 22),
                cell(r.since.isoformat()), cell(until, 14)]

    # ------------------------------------------------------------------ selection
    def _selected_line(self) -> BoardLine | None:
        table = self.query_one("#board", DataTable)
        if self.view is None or not table.row_count:
            return None
        key = str(table.ordered_rows[table.cursor_row].key.value)
        return next((x for x in self.view.lines if str(x.place_id) == key), None)

    def _selected_resident(self) -> ResidentLine | None:
        table = self.query_one("#board", DataTable)
        if self.view is None or not table.row_count:
            return None
        key = str(table.ordered_rows[table.cursor_row].key.value)
        if key.startswith("stay-"):
            return next((r for r in self.view.residents if f"stay-{r.stay_id}" == key), None)
        line = self._selected_line()
        return line.resident if line is not None else None

    @on(DataTable.RowHighlighted, "#board")
    def _detail(self) -> None:
        line = self._selected_line()
        r = self._selected_resident()
        text = ""
        if r is not None:
            children = ", ".join(self._child(c) for c in r.children)
            text = (f"{line.room} {line.label}: " if line is not None else "") + r.name + (
                " " + _("with {children}", children=children) if children else "") + "; " + (
                _("arrives {day}", day=r.since.isoformat()) if r.planned else
                _("since {day}", day=r.since.isoformat())) + (
                ", " + _("came via {via}", via=label(arrived_via(self.facility), r.arrived_via))
                if r.arrived_via else "") + (
                "; " + _("expected to stay until {day}", day=r.expected_end.isoformat())
                if r.expected_end else "") + (
                "\n" + _("Note at admission") + ": " + r.note if r.note else "")
        elif line is not None:
            text = f"{line.room} {line.label}: {label(BOARD_STATES, line.state)}" + (
                f" – {line.note}" if line.note else "")
        self.query_one("#line-detail", Plain).set_text(text)

    @on(DataTable.RowSelected, "#board")
    def _open(self, event: DataTable.RowSelected) -> None:
        line = self._selected_line()
        resident = self._selected_resident()
        if line is not None and line.child_name and resident is not None:
            child = next((c for c in resident.children if c.name == line.child_name), None)
            if child is not None:
                self.shell.open_person(child.person_id)
                return
        if resident is not None:
            self.shell.open_person(resident.person_id)
        elif line is not None and line.state == "free":
            self.action_admit()

    @on(DataTable.RowSelected, "#departed")
    def _followup_selected(self, event: DataTable.RowSelected) -> None:
        self.action_followup()

    # ------------------------------------------------------------------ actions
    def action_admit(self) -> None:
        free = [x for x in (self.view.lines if self.view else []) if x.state == "free"]
        self.app.push_screen(AdmissionScreen(self.facility, free))

    def action_depart(self) -> None:
        resident = self._selected_resident()
        if resident is None or resident.planned:
            self.app.notify(_("Choose a resident on the board first."), markup=False)
            return
        self.app.push_screen(DepartureDialog(resident, self.facility),
                             lambda _ok: self.reload())

    def action_arrived(self) -> None:
        resident = self._selected_resident()
        if resident is None or not resident.planned:
            self.app.notify(_("Choose a planned arrival on the board first."), markup=False)
            return
        if self.attempt_notify(lambda: _svc(self).arrive(resident.stay_id, resident.version,
                                                         datetime.now().replace(microsecond=0))):
            self.app.notify(_("Arrival recorded."), markup=False)
        self.reload()

    def action_followup(self) -> None:
        table = self.query_one("#departed", DataTable)
        if not self.departed:
            self.app.notify(_("No departures to follow up."), markup=False)
            return
        row = self.departed[max(0, min(table.cursor_row, len(self.departed) - 1))]
        self.app.push_screen(DepartureFollowupDialog(self.facility, row),
                             lambda _ok: self.reload())

    def action_move(self) -> None:
        resident = self._selected_resident()
        if resident is None:
            self.app.notify(_("Choose a resident on the board first."), markup=False)
            return
        free = [x for x in (self.view.lines if self.view else []) if x.state == "free"]
        if not free:
            self.app.notify(_("No place is free to move to."), markup=False)
            return
        self.app.push_screen(MoveDialog(resident, free), lambda _ok: self.reload())

    def action_out_of_use(self) -> None:
        line = self._selected_line()
        if line is None:
            return
        svc = _svc(self)
        if line.state == "out_of_use":
            place_id, place, today = line.place_id, line.label, date.today()

            def done(_none: None) -> None:
                self.app.notify(_("{place} is back in use.", place=place), markup=False)
                self.reload()

            # one key, no form: written in a thread like a read (a refusal is shown)
            self.load(lambda session: session.shelter("shelter").back_in_use(
                place_id, today), done, key="back-in-use")
            return
        self.app.push_screen(CloseDialog(
            _("{place} out of use from today (why?)", place=line.label),
            lambda reason: svc.set_out_of_use(line.place_id, date.today(), None, reason),
            draft_key=(f"place{line.place_id}", None)),
            lambda _ok: self.reload())

    def action_shift_log(self) -> None:
        self.app.push_screen(ShiftLogScreen(self.facility))

    def action_turned_away(self) -> None:
        self.app.push_screen(TurnedAwayScreen(self.facility))

    def action_add_place(self) -> None:
        self.app.push_screen(PlaceDialog(self.facility), lambda _ok: self.reload())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "turned_away":
            return self.facility == "shelter"
        if action == "add_place":
            return self.shell.can(Capability.MANAGE_PLACES)
        return True

    def attempt_notify(self, action: Any) -> bool:
        """``attempt`` for a screen without a message line: a refusal is a notification."""
        return self.attempt(action, show=lambda message: self.app.notify(
            message, markup=False, severity="warning"))
