"""Choosing the instrument for a new assessment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from rc_tui.domain.instruments.library import Library
from rc_tui.domain.instruments.model import Instrument
from rc_tui.i18n import N_, _
from screens.assessment.options import _tl
from screens.base import RcModal
from screens.components import Plain, cell, fit_columns
from screens.components.key_bar import KeyBar

#: the chooser's width (``.dialog.wide``) and what its frame takes: border, padding and
#: the table's scroll bar
DIALOG_WIDTH, DIALOG_FRAME = 90, 8

#: the licence line of the instruments shipped with rc-tui (their files are English and
#: signed assessments keep the file as it was: translated where it is shown)
SHIPPED_LICENCE = N_("rc-tui's own wording (EUPL-1.2). Free to use; not a copy of any "
                     "licensed instrument.")


def licence_text(inst: Instrument) -> str:
    """The instrument's licence line in the user's language when it is rc-tui's own (an
    organisation's instrument keeps its own wording)."""
    return _(SHIPPED_LICENCE) if inst.licence == SHIPPED_LICENCE else inst.licence


class InstrumentChooser(RcModal):
    """Pick an instrument (the person's own targets first); shows files that failed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="instrument-chooser.cancel")]

    def __init__(self, library: Library, targets: set[str],
                 only: Callable[[Instrument], bool] | None = None) -> None:
        """``only``: the instruments this user may use (shelter staff: some)."""
        super().__init__()
        self.library = library
        self.targets = targets
        self.order = [i for i in library.for_target(targets) if only is None or only(i)]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(_("New risk assessment: choose the instrument"), classes="form-title",
                         markup=False)
            yield DataTable(id="instruments", cursor_type="row")
            yield Plain("", id="inst-info", classes="hint")
            if self.library.problems:
                yield Plain(_("Instrument files that could not be loaded:") + "\n" + "\n".join(
                    str(replace(p, file=Path(p.file).name)) for p in self.library.problems[:8]),
                    id="inst-problems", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#instruments", DataTable)
        headers = [_("Instrument"), _("For"), _("Source")]
        table.add_columns(*headers)
        rows = [[str(inst.title), _tl(inst.target),
                 _("organisation") if inst.origin == "organisation" else _("rc-tui")]
                for inst in self.order]
        # the instrument's name stays whole at 80 columns (the version is in the line
        # below the table); only a very long name gives way, down to 30 characters
        inner = min(DIALOG_WIDTH, self.app.size.width) - DIALOG_FRAME
        widths = fit_columns(inner, [headers, *rows], {0: 30, 2: 6})
        for inst, row in zip(self.order, rows, strict=True):
            table.add_row(*(cell(text, width) for text, width in zip(row, widths, strict=True)),
                          key=inst.id)
        table.focus()
        self._info(0)

    @on(DataTable.RowHighlighted)
    def _highlight(self, event: DataTable.RowHighlighted) -> None:
        self._info(event.cursor_row)

    def _info(self, row: int) -> None:
        if not self.order:
            return
        inst = self.order[min(row, len(self.order) - 1)]
        parts = [str(inst.description) if inst.description else "",
                 _("Version {version}", version=inst.version), licence_text(inst)]
        if inst.training_required:
            parts.append(_("Requires training: you confirm it when signing."))
        self.query_one("#inst-info", Plain).set_text("\n".join(p for p in parts if p))

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
