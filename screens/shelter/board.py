"""The shelter's (and the temporary housing's) screens: the places board, admission,
departure, places out of use, the turned-away register and the shift log with its
handover. Everything fits an 80×24 terminal and works without a mouse.

Keys on the board: N admit, U departure, K arrived (a planned arrival), F follow-up after
a departure, O out of use / back in use, L shift log, V turned-away register, Enter the
resident's record.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Label, Static

from rc_tui.domain.shelter import (
    ARRIVED_VIA,
    BOARD_STATES,
    DESTINATIONS,
    FACILITIES,
    REFERRALS,
    SHIFTS,
    TURNED_AWAY_OUTCOMES,
    TURNED_AWAY_REASONS,
)
from rc_tui.domain.vocab import label
from rc_tui.i18n import _, _n
from rc_tui.services.people import PersonInput
from rc_tui.services.shelter import (
    AdmissionInput,
    BoardLine,
    BoardView,
    ResidentLine,
    ShelterService,
    ShiftEntryView,
    TurnedAwayInput,
    TurnedAwayRow,
)
from screens.base import FormDialog, RcModal, RcScreen
from screens.casework import KEYS, CloseDialog
from screens.widgets import AppHeader, KeyChoice, KeyToggles, Plain, SafeInput, SafeTextArea, cell
from storage.roles import Role

STATE_STYLE = {"free": "bold green", "occupied": "", "planned": "bold yellow",
               "out_of_use": "dim"}


def _svc(screen: RcScreen | RcModal) -> ShelterService:
    vault = screen.shell.vault
    assert vault is not None
    return ShelterService(vault, screen="shelter")


def _when(value: str, problems: list[str]) -> datetime | None:
    """A date, or a date and time ("2026-11-26 22:10"), as typed."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        problems.append(_("Date and time as YYYY-MM-DD HH:MM, please."))
        return None


def _now_text() -> str:
    return f"{datetime.now():%Y-%m-%d %H:%M}"


def _vocab(vocabulary: dict[str, str], keys: str) -> list[tuple[str, str, str]]:
    return [(key, code, label(vocabulary, code)) for key, code in zip(keys, vocabulary,
                                                                     strict=False)]


# ---------------------------------------------------------------------- the board

class BoardScreen(RcScreen):
    BINDINGS = [
        Binding("n", "admit", "Admit", id="board.admit"),
        Binding("u", "depart", "Departure", id="board.depart"),
        Binding("k", "arrived", "Arrived", id="board.arrived"),
        Binding("f", "followup", "Follow-up", show=False, id="board.followup"),
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
        self.departed: list[tuple[int, int, str, datetime, str]] = []

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
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#board", DataTable).add_columns(
            _("Room"), _("Place"), _("State"), _("Who"), _("Since"), _("Until / note"))
        departed = self.query_one("#departed", DataTable)
        departed.add_column(_("Left"), width=10)
        departed.add_column(_("Who"), width=30)
        departed.add_column(_("Where"), width=30)
        self.reload()
        self.query_one("#board", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self.shell.vault is not None:
            self.reload()

    def reload(self) -> None:
        svc = _svc(self)
        view = self.view = svc.board(self.facility)
        total = sum(1 for line in view.lines if line.state != "out_of_use")
        self.query_one("#board-title", Plain).set_text(
            _n("{facility} – {day}: {free} of {total} place free",
               "{facility} – {day}: {free} of {total} places free", total,
               facility=_(FACILITIES[self.facility]), day=view.day.isoformat(), free=view.free,
               total=total))
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
        self.departed = svc.departures_to_follow_up(self.facility)
        departed = self.query_one("#departed", DataTable)
        departed.clear()
        for stay_id, _v, name, when, where in self.departed:
            departed.add_row(cell(f"{when:%Y-%m-%d}"), cell(name, 30),
                             cell(label(DESTINATIONS, where), 30), key=str(stay_id))
        departed.display = bool(self.departed)
        self.query_one("#departed-title").display = bool(self.departed)

    @staticmethod
    def _who(r: ResidentLine) -> str:
        if r.children:
            return _n("{name} + {n} child", "{name} + {n} children", len(r.children),
                      name=r.name, n=len(r.children))
        return r.name

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
            children = ", ".join(c.name for c in r.children)
            text = (f"{line.room} {line.label}: " if line is not None else "") + r.name + (
                " " + _("with {children}", children=children) if children else "") + "; " + (
                _("arrives {day}", day=r.since.isoformat()) if r.planned else
                _("since {day}", day=r.since.isoformat())) + (
                ", " + _("came via {via}", via=label(ARRIVED_VIA, r.arrived_via))
                if r.arrived_via else "") + (
                "; " + _("expected to stay until {day}", day=r.expected_end.isoformat())
                if r.expected_end else "")
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
        self.app.push_screen(DepartureDialog(resident), lambda _ok: self.reload())

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
        stay_id, version, name, _w, _d = self.departed[max(0, table.cursor_row)]
        svc = _svc(self)
        self.app.push_screen(CloseDialog(
            _("Follow-up after the stay: {name}", name=name),
            lambda note: svc.record_departure_followup(stay_id, version, note),
            field=_("What the follow-up found")),
            lambda _ok: self.reload())

    def action_out_of_use(self) -> None:
        line = self._selected_line()
        if line is None:
            return
        svc = _svc(self)
        if line.state == "out_of_use":
            svc.back_in_use(line.place_id, date.today())
            self.app.notify(_("{place} is back in use.", place=line.label), markup=False)
            self.reload()
            return
        self.app.push_screen(CloseDialog(
            _("{place} out of use from today (why?)", place=line.label),
            lambda reason: svc.set_out_of_use(line.place_id, date.today(), None, reason)),
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
            return self.shell.role is Role.MANAGER
        return True

    def attempt_notify(self, action: Any) -> bool:
        """``attempt`` for a screen without a message line: a refusal is a notification."""
        return self.attempt(action, show=lambda message: self.app.notify(
            message, markup=False, severity="warning"))


class PlaceDialog(FormDialog):
    """Managers add the places: a bed in a room (or a place in the temporary housing)."""

    FIELD_ORDER = ("room", "label")

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.facility = facility

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("New place: {facility}", facility=_(FACILITIES[self.facility])),
                         classes="form-title", markup=False)
            yield Label(_("Room"), classes="field-label")
            yield SafeInput("", id="room", max_length=200)
            yield Label(_("Place (bed)"), classes="field-label")
            yield SafeInput("", id="label", max_length=200)
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#room"))

    def action_save(self) -> None:
        room = self.query_one("#room", SafeInput).value
        place = self.query_one("#label", SafeInput).value
        if self.attempt(lambda: _svc(self).add_place(self.facility, room, place)):
            self.dismiss(True)


# ---------------------------------------------------------------------- admission

class AdmissionScreen(RcScreen):
    """Admit a woman (and her children) – without a decision, anonymously if need be."""

    DRAFT = "admission"

    def draft_context(self) -> tuple[str, int | None]:
        return self.facility, None

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="admission.save"),
        Binding("escape", "cancel", "Cancel", id="admission.cancel"),
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
        yield Footer()

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

    def action_cancel(self) -> None:
        self.dismiss(False)


class DepartureDialog(FormDialog):
    DRAFT = "departure"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.resident.stay_id), self.resident.person_id

    FIELD_ORDER = ("when", "destination", "note")

    def __init__(self, resident: ResidentLine) -> None:
        super().__init__()
        self.resident = resident

    def compose(self) -> ComposeResult:
        r = self.resident
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Departure: {name}", name=r.name) + (
                "  " + _n("(her {n} child leaves with her)",
                          "(her {n} children leave with her)", len(r.children),
                          n=len(r.children))
                if r.children else ""), classes="form-title")
            yield Label(_("Left (YYYY-MM-DD HH:MM)"), classes="field-label")
            yield SafeInput(_now_text(), id="when", max_length=16)
            yield Label(_("Where she went"), classes="field-label")
            yield KeyChoice(_vocab(DESTINATIONS, "eastvox"), id="destination", vertical=True)
            yield Label(_("Note"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield Footer()

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
                or "", self.query_one("#note", SafeTextArea).text))):
            self.app.notify(_("Departure recorded; follow-up due {day}.",
                              day=due[0].isoformat()), markup=False)
            self.dismiss(True)


# ---------------------------------------------------------------------- turned away

class TurnedAwayScreen(RcScreen):
    BINDINGS = [
        Binding("n", "register", "New request", id="turned-away.register"),
        Binding("f", "followup", "Follow-up", id="turned-away.followup"),
        Binding("escape", "app.pop_screen", "Back", id="turned-away.back"),
    ]

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.facility = facility
        self.rows: list[TurnedAwayRow] = []

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="turned-away"):
            yield Static(_("Requests the shelter could not meet"), classes="form-title",
                         markup=False)
            yield Plain("", id="stats")
            yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="request-view"):
                yield Plain("", id="request-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#requests", DataTable).add_columns(
            _("Date"), _("Who"), _("Why"), _("Referred to"), _("Follow-up"))
        self.reload()
        self.query_one("#requests", DataTable).focus()

    def reload(self) -> None:
        svc = _svc(self)
        year = date.today().year
        stats = svc.turned_away_stats(self.facility, year)
        reasons = ", ".join(f"{label(TURNED_AWAY_REASONS, code)} {n}"
                            for code, n in sorted(stats.by_reason.items(), key=lambda x: -x[1]))
        self.query_one("#stats", Plain).set_text(_n(
            "{year}: {total} request ({reasons}); followed up {done}, not reached {lost}.",
            "{year}: {total} requests ({reasons}); followed up {done}, not reached {lost}.",
            stats.total, year=year, total=stats.total, reasons=reasons or "–",
            done=stats.followed_up, lost=stats.not_reached))
        self.rows = svc.turned_away(self.facility)
        table = self.query_one("#requests", DataTable)
        table.clear()
        today = date.today()
        for r in self.rows:
            if r.followed_up_at is not None:
                state = Text(label(TURNED_AWAY_OUTCOMES, r.outcome))
            else:
                overdue = r.followup_due < today
                state = Text(_("due {day}", day=r.followup_due.isoformat()),
                             style="bold red" if overdue else "bold")
            table.add_row(cell(f"{r.requested_at:%Y-%m-%d}"),
                          cell(r.contact or _("anonymous"), 12),
                          cell(", ".join(label(TURNED_AWAY_REASONS, c) for c in r.reasons), 18),
                          cell(label(REFERRALS, r.referred_to), 14), state, key=str(r.id))
        self._show()

    @on(DataTable.RowHighlighted, "#requests")
    def _show(self) -> None:
        row = self._selected()
        text = ""
        if row is not None:
            parts = [
                f"{row.requested_at:%Y-%m-%d %H:%M}  {row.contact or _('anonymous')}  "
                + _("children: {n}", n=row.children) + f"  ({row.recorded_by})",
                _("Why") + ": " + ", ".join(label(TURNED_AWAY_REASONS, c) for c in row.reasons)
                + (f" – {row.reason_note}" if row.reason_note else ""),
                _("Referred to") + ": " + label(REFERRALS, row.referred_to)
                + (f" – {row.referred_note}" if row.referred_note else ""),
                _("How to reach her") + ": " + (row.reach or "–"),
            ]
            if row.followup_note:
                parts.append(_("Follow-up") + ":\n" + row.followup_note)
            text = "\n".join(parts)
        self.query_one("#request-text", Plain).set_text(text)

    def _selected(self) -> TurnedAwayRow | None:
        table = self.query_one("#requests", DataTable)
        if not self.rows or not table.row_count:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowSelected, "#requests")
    def _selected_row(self) -> None:
        self.action_followup()

    def action_register(self) -> None:
        self.app.push_screen(TurnedAwayDialog(self.facility), lambda _ok: self.reload())

    def action_followup(self) -> None:
        row = self._selected()
        if row is None or row.followed_up_at is not None:
            self.app.notify(_("Choose a request that is not yet followed up."), markup=False)
            return
        self.app.push_screen(TurnedAwayFollowupDialog(row), lambda _ok: self.reload())


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
        yield Footer()

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


class TurnedAwayFollowupDialog(FormDialog):
    DRAFT = "turned_away_followup"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.row.id), None

    FIELD_ORDER = ("outcome", "note")

    def __init__(self, row: TurnedAwayRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        r = self.row
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Follow-up of the request of {day} ({who})",
                          day=f"{r.requested_at:%Y-%m-%d}", who=r.contact or _("anonymous")),
                        classes="form-title")
            yield Plain(_("How to reach her") + ": " + (r.reach or "–"), classes="hint")
            yield KeyChoice(_vocab(TURNED_AWAY_OUTCOMES, "1234"), id="outcome", vertical=True)
            yield Label(_("Note"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#outcome"))

    def action_save(self) -> None:
        nxt: list[date | None] = []
        if self.attempt(lambda: nxt.append(_svc(self).record_turned_away_followup(
                self.row.id, self.row.version, self.query_one("#outcome", KeyChoice).value
                or "", self.query_one("#note", SafeTextArea).text))):
            if nxt and nxt[0] is not None:
                self.app.notify(_("Not reached: the next attempt is due {day}.",
                                  day=nxt[0].isoformat()), markup=False)
            self.dismiss(True)


# ---------------------------------------------------------------------- shift log

class ShiftLogScreen(RcScreen):
    """The shift log: what the shifts wrote, with what this user has not read marked;
    M marks the handover read."""

    BINDINGS = [
        Binding("n", "write", "New entry", id="shift-log.write"),
        Binding("m", "mark_read", "Handover read", id="shift-log.mark-read"),
        Binding("escape", "app.pop_screen", "Back", id="shift-log.back"),
    ]

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.facility = facility
        self.entries: list[ShiftEntryView] = []

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="shift-log"):
            yield Plain("", id="handover", classes="form-title", one_line=True)
            yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="entry-view"):
                yield Plain("", id="entry-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#entries", DataTable).add_columns(
            "", _("Time"), _("Shift"), _("By"), _("About"), _("Text"))
        self.reload()
        self.query_one("#entries", DataTable).focus()

    def reload(self) -> None:
        self.entries = _svc(self).shift_log(self.facility)
        unread = sum(1 for e in self.entries if not e.read)
        self.query_one("#handover", Plain).set_text(
            _n("Shift log – {facility}: {n} unread (●). M marks it read.",
               "Shift log – {facility}: {n} unread (●). M marks them read.", unread,
               facility=_(FACILITIES[self.facility]), n=unread) if unread else
            _("Shift log – {facility}: everything read.", facility=_(FACILITIES[self.facility])))
        table = self.query_one("#entries", DataTable)
        table.clear()
        for e in self.entries:
            table.add_row(Text("" if e.read else "●", style="bold"),
                          cell(f"{e.written_at:%m-%d %H:%M}"), cell(label(SHIFTS, e.shift)),
                          cell(e.author, 12), cell(e.about, 16), cell(e.body, 60),
                          key=str(e.id))
        self._show()

    @on(DataTable.RowHighlighted, "#entries")
    def _show(self) -> None:
        table = self.query_one("#entries", DataTable)
        text = ""
        if self.entries and table.row_count:
            e = self.entries[min(table.cursor_row, len(self.entries) - 1)]
            head = f"{e.written_at:%Y-%m-%d %H:%M} ({label(SHIFTS, e.shift)}) {e.author}"
            if e.about:
                head += " – " + _("about {name} (also in the journal)", name=e.about)
            text = head + "\n" + e.body
        self.query_one("#entry-text", Plain).set_text(text)

    def action_write(self) -> None:
        residents = _svc(self).residents(self.facility)
        people: list[tuple[int, str]] = []
        for r in residents:
            if not r.planned:
                people.append((r.person_id, r.name))
                people += [(c.person_id, c.name) for c in r.children]
        self.app.push_screen(ShiftEntryDialog(self.facility, people[:len(KEYS)]),
                             lambda _ok: self.reload())

    def action_mark_read(self) -> None:
        unread = [e.id for e in self.entries if not e.read]
        if unread:
            n = _svc(self).mark_read(unread)
            self.app.notify(_n("{n} entry marked read.", "{n} entries marked read.", n, n=n),
                            markup=False)
        self.reload()


class ShiftEntryDialog(FormDialog):
    DRAFT = "shift_entry"

    def draft_context(self) -> tuple[str, int | None]:
        return self.facility, None

    FIELD_ORDER = ("about", "body")

    def __init__(self, facility: str, people: list[tuple[int, str]]) -> None:
        super().__init__()
        self.facility = facility
        self.people = people

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(_("Shift-log entry"), classes="form-title", markup=False)
            yield Label(_("About (an entry about a resident also goes into her journal)"),
                        classes="field-label")
            yield KeyChoice([("0", "", _("nobody in particular"))]
                            + [(KEYS[i], str(pid), name)
                               for i, (pid, name) in enumerate(self.people)],
                            "", id="about", vertical=True)
            yield Label(_("Entry (Ctrl+S saves; it cannot be changed afterwards)"),
                        classes="field-label")
            yield SafeTextArea("", id="body", classes="short")
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#about" if self.people else "#body"))

    def action_save(self) -> None:
        about = self.query_one("#about", KeyChoice).value
        body = self.query_one("#body", SafeTextArea).text
        if self.attempt(lambda: _svc(self).write_entry(
                self.facility, body, int(about) if about else None)):
            self.dismiss(True)
