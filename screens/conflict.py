"""Two people edited the same record: both versions side by side, nothing lost silently.

The form that ran into the conflict keeps what was typed. This screen shows, field by field,
what is stored now (saved by someone else meanwhile) and what this user typed. ``1`` saves
this user's version over the other (knowingly), ``2`` keeps the stored one and drops what was
typed, Esc goes back to the form to merge by hand.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from rc_tui.i18n import _
from screens.base import RcModal
from screens.components import Plain, cell
from screens.components.key_bar import KeyBar


class ConflictScreen(RcModal):
    """Dismisses with "mine", "theirs" or None (back to the form)."""

    BINDINGS = [
        Binding("1", "choose('mine')", "Save mine", id="conflict.choose-mine"),
        Binding("2", "choose('theirs')", "Keep theirs", id="conflict.choose-theirs"),
        Binding("escape", "choose('')", "Back to the form", id="conflict.back"),
    ]

    def __init__(self, what: str, rows: list[tuple[str, str, str]]) -> None:
        """``rows``: (field, stored now, typed here) – the fields that differ."""
        super().__init__()
        self.what = what
        self.rows = rows

    def texts(self) -> tuple[str, str, str, str, str]:
        """Title, the hint above, the hint below, and the two value columns' headings."""
        return (_("Changed by someone else while you edited"),
                _("{what}: the stored version changed after you opened it. Nothing "
                  "has been overwritten.", what=self.what),
                _("1 saves your version over theirs, 2 keeps theirs and drops yours, "
                  "Esc goes back to your form to combine them."),
                _("Stored now (theirs)"), _("Yours"))

    def compose(self) -> ComposeResult:
        title, above, below, _theirs, _mine = self.texts()
        with VerticalScroll(classes="dialog wide"):
            yield Static(title, classes="form-title", markup=False)
            yield Plain(above, classes="hint")
            yield DataTable(id="conflict", cursor_type="row", zebra_stripes=True)
            yield Plain(below, classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        _title, _above, _below, theirs_heading, mine_heading = self.texts()
        table = self.query_one("#conflict", DataTable)
        table.add_columns(_("Field"), theirs_heading, mine_heading)
        for field, theirs, mine in self.rows:
            table.add_row(cell(field, 20), cell(theirs or "–", 34), cell(mine or "–", 34))
        table.focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice or None)


class PackConflictScreen(ConflictScreen):
    """A merged outage pack's edit of a person that met a change made in the database
    meanwhile: ``1`` applies the pack's values (an edit of its own, logged as any), ``2``
    keeps the database's, Esc leaves it open for later. Dismisses as ``ConflictScreen``
    ("mine" is the pack's)."""

    BINDINGS = [
        Binding("1", "choose('mine')", "Apply the pack's", id="pack-conflict.apply"),
        Binding("2", "choose('theirs')", "Keep the database's", id="pack-conflict.keep"),
        Binding("escape", "choose('')", "Later", id="pack-conflict.later"),
    ]

    def texts(self) -> tuple[str, str, str, str, str]:
        return (_("Changed in the database during the outage"),
                _("{what}: edited in the outage pack, and in the database since the pack "
                  "was made. Nothing has been overwritten.", what=self.what),
                _("1 applies the pack's values over the database's, 2 keeps the "
                  "database's, Esc leaves it for later (merge the pack's file again to "
                  "come back to it)."),
                _("In the database now"), _("In the pack"))


def differing(fields: list[tuple[str, object, object]]) -> list[tuple[str, str, str]]:
    """(label, theirs, mine) for the fields whose values differ, as text."""
    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    return [(name, text(theirs), text(mine)) for name, theirs, mine in fields
            if theirs != mine]
