"""The Investigation tab: the person's investigations (started, open days, status)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from rc_tui.domain.casework import catalog
from rc_tui.i18n import _
from screens.casework import InvestigationScreen
from screens.components import Plain, cell
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.casework import InvestigationView
    from rc_tui.services.session import UserSession



class InvestigationPane(PersonPane, Vertical):
    def compose(self) -> ComposeResult:
        if self.detail.full_access:
            yield DataTable(id="inv-table", cursor_type="row", zebra_stripes=True)
            yield Plain(_("u = start an investigation, Enter = open"), classes="hint")
        else:
            yield Plain(_("Investigations are part of the person's own track; they "
                          "are not shown here."), classes="empty")

    def add_columns(self) -> None:
        if self.detail.full_access:
            self.query_one("#inv-table", DataTable).add_columns(
                _("Started"), _("Kind"), _("Days"), _("Status"), _("Investigator"))

    def fetch(self, session: UserSession) -> list[InvestigationView]:
        return session.casework("person").investigations(self.person_id)

    def populate(self, data: list[InvestigationView]) -> None:
        investigations = data
        today = date.today()
        table = self.query_one("#inv-table", DataTable)
        table.clear()
        for inv in reversed(investigations):
            status = _("open") if inv.open else _("concluded {when}",
                                                  when=f"{inv.concluded_at:%Y-%m-%d}")
            table.add_row(cell(inv.started_on.isoformat()),
                          cell(str(catalog().templates[inv.template].label), 30),
                          cell(str(inv.days_open(today))), cell(status), cell(inv.investigator),
                          key=str(inv.id))

    @on(DataTable.RowSelected, "#inv-table")
    def _open_investigation(self, event: DataTable.RowSelected) -> None:
        self.person_screen.casework_changed()
        self.app.push_screen(InvestigationScreen(int(str(event.row_key.value))))
