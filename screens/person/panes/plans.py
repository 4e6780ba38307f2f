"""The Plans tab: the person's action plan (goals and actions) and its warnings."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from rc_tui.domain.casework import PLAN_KINDS, PLAN_STATUSES
from rc_tui.domain.casework import label as cw_label
from rc_tui.i18n import _
from rc_tui.services.casework import PlanItemView
from rc_tui.services.people import PersonDetail
from screens.components import Plain, cell, fit_columns
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession



class PlansPane(PersonPane, Vertical):
    plan_items: list[PlanItemView]

    def __init__(self, person_id: int, detail: PersonDetail, *, shelter_level: bool) -> None:
        super().__init__(person_id, detail)
        self.shelter_level = shelter_level
        self.plan_items = []

    def compose(self) -> ComposeResult:
        if self.detail.full_access or self.shelter_level:
            yield Plain("", id="plan-warnings", classes="message")
            yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
            yield Plain(_("p = new goal or action, Enter = change"), classes="hint")
        else:
            yield Plain(_("The action plan is part of the person's own track."),
                        classes="empty")

    def add_columns(self) -> None:
        if self.detail.full_access or self.shelter_level:
            self.query_one("#plan-table", DataTable).add_columns(
                _("Kind"), _("Goal or action"), _("Responsible"), _("Due"), _("Status"))

    def fetch(self, session: UserSession) -> tuple[list[PlanItemView], list[str]]:
        svc = session.casework("person")
        # casework's warnings: with the full record only
        warnings = svc.warnings(self.person_id) if self.detail.full_access else []
        return svc.plan(self.person_id), warnings

    def populate(self, data: tuple[list[PlanItemView], list[str]]) -> None:
        today = date.today()
        self.plan_items, warnings = data
        table = self.query_one("#plan-table", DataTable)
        table.clear()
        rows = []
        for item in self.plan_items:
            p = item.data
            overdue = p.due_on is not None and p.due_on < today and p.status in (
                "planned", "ongoing")
            rows.append((item.id, overdue, [
                cw_label(PLAN_KINDS, p.kind), p.text.splitlines()[0] if p.text else "",
                p.responsible, (p.due_on.isoformat() if p.due_on else "–")
                + (" !" if overdue else ""), cw_label(PLAN_STATUSES, p.status)]))
        # the goal and the responsible give way; the due date and the status stay whole
        headers = [_("Kind"), _("Goal or action"), _("Responsible"), _("Due"), _("Status")]
        widths = fit_columns(self.table_width(), [headers] + [r for *_x, r in rows],
                             {2: 12, 1: 16})
        for item_id, overdue, texts in rows:
            table.add_row(cell(texts[0]), cell(texts[1], min(40, widths[1])),
                          cell(texts[2], min(20, widths[2])),
                          Text(texts[3], style="bold red" if overdue else ""),
                          cell(texts[4]), key=str(item_id))
        if self.detail.full_access:
            self.query_one("#plan-warnings", Plain).set_text("\n".join(warnings))

    @on(DataTable.RowSelected, "#plan-table")
    def _open_plan_item(self, event: DataTable.RowSelected) -> None:
        item_id = int(str(event.row_key.value))
        item = next((i for i in self.plan_items if i.id == item_id), None)
        if item is not None:
            self.person_screen.action_plan_item(item)
