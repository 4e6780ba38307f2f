"""Search from anywhere (Ctrl+F): names, aliases, identity numbers, case numbers, journal
text – results as you type."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Static

from rc_tui.i18n import N_, _
from rc_tui.services.search import SearchHit
from screens.base import LOAD_GROUP, OPEN_GROUP, RcScreen
from screens.components import AppHeader, Plain, SafeInput, cell, protection_cell
from screens.components.key_bar import KeyBar

KIND_LABELS = {"person": N_("Person"), "case": N_("Case"), "note": N_("Journal"),
               "restricted": N_("No access")}


class SearchScreen(RcScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="search.back"),
        Binding("down", "to_results", "Results", show=False, id="search.to-results"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="search"):
            yield Static(_("Search"), classes="form-title", markup=False)
            yield SafeInput(id="query", placeholder=_("name, alias, identity or case number, "
                                                      "journal text"), max_length=200)
            yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Type"), _("Name / number"), _("Details"), _("Protection"))
        self.query_one("#query", SafeInput).focus()

    @on(SafeInput.Changed, "#query")
    def _typed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self.run_search)

    def run_search(self, *, open_first: bool = False) -> None:
        """Search in a thread; a newer search (the next key) makes this one's result stale:
        it is dropped, never shown over the newer one (``screens.base.load``)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        query = self.query_one("#query", SafeInput).value

        def show(hits: list[SearchHit]) -> None:
            self.show(query, hits)
            if open_first and self.hits:
                self.open_hit(0)

        # Enter (search and open the first hit) opens a screen: keys typed after it wait
        self.load(lambda session: session.search("search").search(query), show, key="search",
                  group=OPEN_GROUP if open_first else LOAD_GROUP)

    def show(self, query: str, hits: list[SearchHit]) -> None:
        table = self.query_one(DataTable)
        same = hits == self.hits and table.row_count == len(hits)
        self.hits = hits
        if not same:  # the next key often finds the same: the table is not drawn again
            self._fill(table)
        message = "" if self.hits or not query.strip() else _("No matches.")
        self.query_one("#message", Plain).set_text(message)

    def _fill(self, table: DataTable[Any]) -> None:
        table.clear()
        for index, hit in enumerate(self.hits):
            title = hit.title or _("Registered – you have no access (Enter: emergency access)")
            if hit.record_restricted:  # managers only: everyone else does not find it
                title = _("RESTRICTED") + " " + title
            table.add_row(cell(_(KIND_LABELS[hit.kind])), cell(title, 60),
                          cell(hit.detail, 60), protection_cell(hit.protection_level),
                          key=str(index))

    def action_to_results(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.set_focus(table)
        else:
            raise SkipAction()

    @on(SafeInput.Submitted, "#query")
    def _submitted(self) -> None:
        self.run_search(open_first=True)

    @on(DataTable.RowSelected, "#results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_hit(int(str(event.row_key.value)))

    def open_hit(self, index: int) -> None:
        hit = self.hits[index]
        if hit.kind == "case" and hit.case_id is not None:
            self.shell.open_case(hit.case_id)
        elif hit.person_id is not None:
            self.shell.open_person(hit.person_id, tab="journal" if hit.kind == "note" else None)

