"""The Decisions tab: the person's decisions and the follow-ups they call for."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from rc_tui.domain.casework import FOLLOWUP_OUTCOMES, OUTCOMES, intervention_label
from rc_tui.domain.casework import label as cw_label
from rc_tui.i18n import _
from rc_tui.services.casework import DecisionView, FollowUpView
from rc_tui.services.people import PersonDetail
from screens.casework import DecisionLetterScreen, FollowUpDialog
from screens.components import Plain, cell, fit_columns
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession



class DecisionsPane(PersonPane, Vertical):
    def __init__(self, person_id: int, detail: PersonDetail) -> None:
        super().__init__(person_id, detail)
        self.decisions: list[DecisionView] = []
        self.followups: list[FollowUpView] = []

    def compose(self) -> ComposeResult:
        if self.detail.full_access:
            yield DataTable(id="dec-table", cursor_type="row", zebra_stripes=True)
            yield Static(_("Follow-up"), classes="panel-title", markup=False)
            yield DataTable(id="fu-table", cursor_type="row", zebra_stripes=True)
            yield Plain(_("b = new decision, Enter = the decision letter / record "
                          "the follow-up, z = close or reopen the track"),
                        classes="hint")
        else:
            yield Plain(_("Decisions are part of the person's own track."),
                        classes="empty")

    def add_columns(self) -> None:
        if self.detail.full_access:
            self.query_one("#dec-table", DataTable).add_columns(
                _("Date"), _("Intervention"), _("Decision"), _("Period"), _("By"))
            self.query_one("#fu-table", DataTable).add_columns(
                _("Due"), _("What"), _("Outcome"))

    def fetch(self, session: UserSession) -> tuple[list[DecisionView], list[FollowUpView]]:
        svc = session.casework("person")
        return svc.decisions(self.person_id), svc.followups(self.person_id)

    def populate(self, data: tuple[list[DecisionView], list[FollowUpView]]) -> None:
        self.decisions, self.followups = data
        table = self.query_one("#dec-table", DataTable)
        table.clear()
        rows = []
        for dec in reversed(self.decisions):
            period = f"{dec.period_start or ''}–{dec.period_end or ''}" if (
                dec.period_start or dec.period_end) else ""
            what = intervention_label(dec.intervention) + (
                " (" + _("emergency") + ")" if dec.emergency else "")
            rows.append((dec.id, [f"{dec.decided_at:%Y-%m-%d}", what,
                                  cw_label(OUTCOMES, dec.outcome), period, dec.decided_by]))
        # the intervention gives way first, then the period; who decided stays readable
        headers = [_("Date"), _("Intervention"), _("Decision"), _("Period"), _("By")]
        widths = fit_columns(self.table_width(), [headers] + [r for _i, r in rows],
                             {1: 14, 3: 12, 4: 12})
        for dec_id, texts in rows:
            table.add_row(cell(texts[0]), cell(texts[1], min(36, widths[1])),
                          cell(texts[2]), cell(texts[3], widths[3]),
                          cell(texts[4], min(20, widths[4])), key=str(dec_id))
        today = date.today()
        table = self.query_one("#fu-table", DataTable)
        table.clear()
        for fu in self.followups:
            overdue = fu.done_at is None and fu.due_on < today
            outcome = cw_label(FOLLOWUP_OUTCOMES, fu.outcome) if fu.outcome else (
                _("overdue") if overdue else _("due"))
            table.add_row(Text(fu.due_on.isoformat(), style="bold red" if overdue else ""),
                          cell(fu.what, 40), cell(outcome), key=str(fu.id))

    @on(DataTable.RowSelected, "#dec-table")
    def _open_decision(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(DecisionLetterScreen(int(str(event.row_key.value)),
                                                  self.person_id))

    @on(DataTable.RowSelected, "#fu-table")
    def _open_followup(self, event: DataTable.RowSelected) -> None:
        fu_id = int(str(event.row_key.value))
        fu = next((f for f in self.followups if f.id == fu_id), None)
        if fu is not None and fu.done_at is None:
            self.app.push_screen(FollowUpDialog(fu), self.person_screen.casework_changed)
