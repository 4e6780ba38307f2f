"""Jumping to a section of the instrument."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from rc_tui.i18n import _
from screens.assessment.chooser import DIALOG_FRAME, DIALOG_WIDTH
from screens.base import RcModal
from screens.components import cell, fit_columns
from screens.components.key_bar import KeyBar


class SectionsDialog(RcModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sections-dialog.cancel")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(_("Go to section"), classes="form-title", markup=False)
            yield DataTable(id="sections", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#sections", DataTable)
        headers = [_("Section"), _("Answered")]
        table.add_columns(*headers)
        # a section's title is what the user looks for: it keeps the width there is
        inner = min(DIALOG_WIDTH, self.app.size.width) - DIALOG_FRAME
        widths = fit_columns(inner, [headers, *map(list, self.rows)], {0: 30})
        for i, (title, progress) in enumerate(self.rows):
            table.add_row(cell(title, widths[0]), cell(progress), key=str(i))
        table.focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(str(event.row_key.value)))

    def action_cancel(self) -> None:
        self.dismiss(None)
