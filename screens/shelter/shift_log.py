"""The shift log of a facility: handover entries, read marks."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable

from rc_tui.domain.shelter import (
    FACILITIES,
    SHIFTS,
)
from rc_tui.domain.vocab import label
from rc_tui.i18n import _, _n
from rc_tui.services.shelter import (
    ResidentLine,
    ShiftEntryView,
)
from screens.base import RcScreen
from screens.casework import KEYS
from screens.components import (
    AppHeader,
    Plain,
    cell,
)
from screens.components.key_bar import KeyBar
from screens.shelter.shift_entry_dialog import ShiftEntryDialog


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
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#entries", DataTable).add_columns(
            "", _("Time"), _("Shift"), _("By"), _("About"), _("Text"))
        self.reload()
        self.query_one("#entries", DataTable).focus()

    def reload(self) -> None:
        """Read the shift log (in a thread), then show it."""
        facility = self.facility
        self.load(lambda session: session.shelter("shelter").shift_log(facility), self.show)

    def show(self, entries: list[ShiftEntryView]) -> None:
        self.entries = entries
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
        facility = self.facility

        def write(residents: list[ResidentLine]) -> None:
            people: list[tuple[int, str]] = []
            for r in residents:
                if not r.planned:
                    people.append((r.person_id, r.name))
                    people += [(c.person_id, c.name) for c in r.children]
            self.app.push_screen(ShiftEntryDialog(facility, people[:len(KEYS)]),
                                 lambda _ok: self.reload())

        self.load(lambda session: session.shelter("shelter").residents(facility), write,
                  key="residents")

    def action_mark_read(self) -> None:
        unread = [e.id for e in self.entries if not e.read]
        if not unread:
            self.reload()
            return

        def marked(n: int) -> None:
            self.app.notify(_n("{n} entry marked read.", "{n} entries marked read.", n, n=n),
                            markup=False)
            self.reload()

        self.load(lambda session: session.shelter("shelter").mark_read(unread), marked,
                  key="mark-read")
