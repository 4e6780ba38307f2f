"""The Assessments tab: the person's risk assessments and the risk level over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from rc_tui.i18n import _
from rc_tui.services.assessments import AssessmentRow
from rc_tui.services.people import PersonDetail
from screens.assessment import LEVEL_ROWS, AssessmentReadScreen, AssessmentScreen, trend_chart
from screens.components import Plain, cell, fit_columns
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession



class AssessmentsPane(PersonPane, Vertical):
    def __init__(self, person_id: int, detail: PersonDetail, *,
                 shelter_assess: bool = False) -> None:
        """``shelter_assess``: shelter staff with the organisation's setting on (they see
        the assessments made with the instruments they may use)."""
        super().__init__(person_id, detail)
        self.assessments: list[AssessmentRow] = []
        self.shown = detail.full_access or shelter_assess

    def compose(self) -> ComposeResult:
        if self.shown:
            yield Plain("", id="trend", classes="trend")
            yield DataTable(id="assessments-table", cursor_type="row", zebra_stripes=True)
            yield Plain(_("a = new assessment, Enter = open (a draft of yours "
                          "opens for editing)"), classes="hint")
        else:
            yield Plain(_("Risk assessments are part of the person's own track; "
                          "they are not shown here."), classes="empty")

    def add_columns(self) -> None:
        if self.shown:
            self.query_one("#assessments-table", DataTable).add_columns(
                _("Date"), _("Instrument"), _("Level"), _("Status"), _("By"))

    def fetch(self, session: UserSession) -> list[AssessmentRow]:
        return session.assessments("person").history(self.person_id)

    def populate(self, data: list[AssessmentRow]) -> None:
        rows = self.assessments = data
        table = self.query_one("#assessments-table", DataTable)
        table.clear()
        lines = []
        for r in reversed(rows):
            when = r.signed_at or r.created_at
            # a replaced one was signed: "replaced" says both, in fewer columns
            status = _("replaced") if r.superseded else (
                _("signed") if r.status == "signed" else _("draft"))
            lines.append((r.id, [f"{when:%Y-%m-%d}", r.title, r.level_label, status,
                                 r.assessor]))
        # who assessed gives way first (the assessment itself names them); the instrument
        # keeps at least 30 characters, the status stays whole
        headers = [_("Date"), _("Instrument"), _("Level"), _("Status"), _("By")]
        widths = fit_columns(self.table_width(), [headers] + [t for _i, t in lines],
                             {4: 8, 1: 30})
        for row_id, texts in lines:
            table.add_row(cell(texts[0]), cell(texts[1], min(48, widths[1])),
                          cell(texts[2]), cell(texts[3], widths[3]),
                          cell(texts[4], min(24, widths[4])), key=str(row_id))
        signed = sorted((r for r in rows if r.status == "signed" and r.signed_at
                         and r.in_trend and not r.superseded and r.level in LEVEL_ROWS),
                        key=lambda r: (r.signed_at, r.id))
        points = [(r.signed_at.date(), r.level) for r in signed if r.signed_at]
        trend = trend_chart([(d, lv) for d, lv in points if lv is not None])
        self.query_one("#trend", Plain).set_text(
            (_("Risk level over time") + "\n" + trend) if trend
            else _("No risk assessments yet."))

    @on(DataTable.RowSelected, "#assessments-table")
    def _open_assessment(self, event: DataTable.RowSelected) -> None:
        assessment_id = int(str(event.row_key.value))
        row = next((r for r in self.assessments if r.id == assessment_id), None)
        if row is None:
            return
        session = self.shell.session
        assert session is not None
        after = self.person_screen.back_from_assessment
        if row.status == "draft" and row.mine:
            self.app.push_screen(AssessmentScreen(assessment_id, after=after))
        else:
            self.app.push_screen(AssessmentReadScreen(assessment_id, after=after))
