"""The child welfare report decision for a child in an open case."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label

from rc_tui.domain.vocab import (
    CHILD_REPORT_DECISIONS,
    label,
)
from rc_tui.i18n import _
from screens.base import RcModal, discard_binding
from screens.components import KeyChoice, Plain, SafeInput
from screens.components.key_bar import KeyBar


class ChildReportDialog(RcModal):
    DRAFT = "child_report"

    def draft_context(self) -> tuple[str, int | None]:
        return f"{self.child_id}:{self.case_id}", self.child_id

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="child-report-dialog.save"),
        Binding("escape", "back", "Back", id="child-report-dialog.back"),
        discard_binding("child-report-dialog"),
    ]

    def __init__(self, child_id: int, case_id: int, case_number: str) -> None:
        super().__init__()
        self.child_id = child_id
        self.case_id = case_id
        self.case_number = case_number

    def field_order(self) -> tuple[str, ...]:
        return ("decision", "date", "unit", "reason")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Child welfare report – {case}", case=self.case_number),
                        classes="form-title")
            yield Plain(_("A report is required whether or not the parent agrees."),
                        classes="hint")
            yield KeyChoice([("a", "reported", label(CHILD_REPORT_DECISIONS, "reported")),
                             ("i", "not_needed", label(CHILD_REPORT_DECISIONS, "not_needed"))],
                            id="decision")
            with Vertical(id="report-box"):
                yield Label(_("Date of the report"), classes="field-label")
                yield SafeInput(date.today().isoformat(), id="date", max_length=10)
                yield Label(_("Receiving unit"), classes="field-label")
                yield SafeInput(id="unit", max_length=200)
            yield Label(_("Reason"), classes="field-label")
            yield SafeInput(id="reason", max_length=5000)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#decision", KeyChoice))

    def choice_made(self, choice: KeyChoice) -> None:
        if choice.id == "decision":
            self.query_one("#report-box").display = choice.value != "not_needed"

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        session = self.shell.session
        assert session is not None
        decision = self.query_one("#decision", KeyChoice).value or ""
        report_date = None
        if decision == "reported":
            try:
                report_date = date.fromisoformat(self.query_one("#date", SafeInput).value.strip())
            except ValueError:
                self.query_one("#message", Plain).set_text(_("Write the date as YYYY-MM-DD."))
                return
        if self.attempt(lambda: session.records("child_report").record_child_report(
                self.child_id, self.case_id, decision,
                self.query_one("#reason", SafeInput).value, report_date=report_date,
                receiving_unit=self.query_one("#unit", SafeInput).value)):
            self.dismiss(True)
