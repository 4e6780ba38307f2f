"""The samråd of a case, and requesting a new one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from rc_tui.i18n import _
from rc_tui.services.capabilities import Capability
from rc_tui.services.samrad import (
    SamradRow,
)
from screens.base import RcScreen
from screens.components import AppHeader, Plain, cell
from screens.components.key_bar import KeyBar
from screens.samrad.coordination import CoordinationScreen
from screens.samrad.form import SamradScreen
from screens.samrad.minutes import MinutesScreen
from screens.samrad.request_dialog import RequestDialog


class SamradListScreen(RcScreen):
    BINDINGS = [
        Binding("n", "new", "New samråd", id="samrad-list.new"),
        Binding("k", "coordination", "Coordination", id="samrad-list.coordination"),
        Binding("escape", "app.pop_screen", "Back", id="samrad-list.back"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.rows: list[SamradRow] = []

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="samrad-list"):
            yield Static(_("Samråd"), classes="form-title", markup=False)
            yield DataTable(id="meetings", cursor_type="row", zebra_stripes=True)
            yield Plain(_("n = new samråd (the manager convenes it), Enter = open, "
                          "k = coordination view"), classes="hint")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return self.shell.can(Capability.CONVENE_SAMRAD)
        return True

    def on_mount(self) -> None:
        self.query_one("#meetings", DataTable).add_columns(
            _("Date"), _("Requested by"), _("Chair"), _("Minutes"))
        self.reload()
        self.query_one("#meetings", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the case's samråd (in a thread), then show them."""
        case_id = self.case_id
        self.load(lambda session: session.samrad("samrad").for_case(case_id), self.show)

    def show(self, rows: list[SamradRow]) -> None:
        self.rows = rows
        table = self.query_one("#meetings", DataTable)
        table.clear()
        for r in self.rows:
            state = _("approved") if r.approved else _("not approved")
            if r.repeat:
                state += " · " + _("repeat")
            table.add_row(cell(r.meeting_on.isoformat()), cell(r.requested_by, 30),
                          cell(r.chair, 24), cell(state), key=str(r.id))

    def action_new(self) -> None:
        self.app.push_screen(RequestDialog(self.case_id), self._created)

    def _created(self, samrad_id: int | None) -> None:
        if samrad_id:
            self.app.push_screen(SamradScreen(samrad_id))

    def action_coordination(self) -> None:
        self.app.push_screen(CoordinationScreen(self.case_id))

    @on(DataTable.RowSelected, "#meetings")
    def _open(self, event: DataTable.RowSelected) -> None:
        samrad_id = int(str(event.row_key.value))
        row = next(r for r in self.rows if r.id == samrad_id)
        session = self.shell.session
        chair = session is not None and row.chair_id == session.user.id
        if row.approved or not chair:
            self.app.push_screen(MinutesScreen(samrad_id))
        else:
            self.app.push_screen(SamradScreen(samrad_id))
