"""The Journal tab: the person's notes, newest last, the highlighted one shown in full."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable

from rc_tui.domain.vocab import NOTE_TYPES, label
from rc_tui.i18n import _
from rc_tui.services.people import PersonDetail
from rc_tui.services.records import Note
from screens.components import Plain, cell
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession



class JournalPane(PersonPane, Vertical):
    def __init__(self, person_id: int, detail: PersonDetail) -> None:
        super().__init__(person_id, detail)
        self.notes: list[Note] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="notes", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="note-view"):
            yield Plain("", id="note-text")

    def add_columns(self) -> None:
        self.query_one("#notes", DataTable).add_columns(
            _("Date"), _("Type"), _("Author"), _("Signed"), _("Text"))

    def fetch(self, session: UserSession) -> list[Note]:
        return session.records("person").journal(self.person_id)

    def populate(self, data: list[Note]) -> None:
        self.notes = data
        table = self.query_one("#notes", DataTable)
        table.clear()
        for n in self.notes:
            first = " ".join(n.body.split())
            table.add_row(cell(f"{n.created_at:%Y-%m-%d %H:%M}"), cell(label(NOTE_TYPES,
                          n.note_type)), cell(n.author), cell(_("yes") if n.signed else
                          _("draft")), cell(first, 60), key=str(n.id))
        self._show_note()

    def selected_note(self) -> Note | None:
        table = self.query_one("#notes", DataTable)
        if not self.notes or table.cursor_row >= len(self.notes):
            return None
        return self.notes[table.cursor_row]

    @on(DataTable.RowHighlighted, "#notes")
    def _show_note(self) -> None:
        note = self.selected_note()
        text = ""
        if note is not None:
            signed = (_("signed {when}", when=f"{note.signed_at:%Y-%m-%d %H:%M}")
                      if note.signed_at else _("draft, not signed"))
            head = (f"{note.created_at:%Y-%m-%d %H:%M} {label(NOTE_TYPES, note.note_type)} – "
                    f"{note.author} – {signed}")
            if note.corrects_id:
                head += " – " + _("corrects note {id}", id=note.corrects_id)
            text = head + "\n\n" + note.body
        self.query_one("#note-text", Plain).set_text(text)
