"""Access-log review (loggkontroll) for managers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Static

from rc_tui.i18n import _, _n
from rc_tui.services.documents import DocumentRequest
from rc_tui.services.logreview import Escalation, LogEntry, LogFilter, MonthSummary
from screens.base import RcScreen
from screens.components import AppHeader, KeyChoice, Plain, SafeInput, cell, fit_columns
from screens.components.key_bar import KeyBar
from screens.document import DocumentDialog
from screens.intake import yes_no
from storage.errors import PermissionDenied


def _day(text_value: str) -> datetime | None:
    text_value = text_value.strip()
    if not text_value:
        return None
    return datetime.combine(date.fromisoformat(text_value), time()).replace(tzinfo=None)


class LogReviewScreen(RcScreen):
    BINDINGS = [
        Binding("ctrl+r", "mark", "Mark reviewed", id="log-review.mark"),
        Binding("ctrl+s", "summary", "Summary per month", id="log-review.summary"),
        Binding("ctrl+e", "log_extract", "Log extract", id="log-review.log-extract"),
        Binding("escape", "app.pop_screen", "Back", id="log-review.back"),
    ]
    FIELD_ORDER = ("f-user", "f-person", "f-from", "f-to", "f-action", "f-flagged")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LogEntry] = []
        self.showing_summary = False

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="logreview"):
            yield Static(_("Access log review"), classes="form-title", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("User"), classes="row-label")
                yield SafeInput(id="f-user", max_length=32)
                yield Label(_("Person"), classes="row-label")
                yield SafeInput(id="f-person", max_length=100,
                                placeholder=_("part of the name"))
            with Horizontal(classes="row"):
                yield Label(_("From (YYYY-MM-DD)"), classes="row-label")
                yield SafeInput(id="f-from", max_length=10)
                yield Label(_("To (YYYY-MM-DD)"), classes="row-label")
                yield SafeInput(id="f-to", max_length=10)
            with Horizontal(classes="row"):
                yield Label(_("Action"), classes="row-label")
                yield SafeInput(id="f-action", max_length=32,
                                placeholder="view, search_hit, emergency, reveal, login …")
                yield Label(_("Only highlighted"), classes="row-label")
                yield KeyChoice(yes_no(), "no", id="f-flagged")
            yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self._columns()
        self.submit_form()
        self.set_focus(self.query_one("#f-user", SafeInput))

    def _columns(self) -> None:
        table = self.query_one("#log", DataTable)
        table.clear(columns=True)
        if self.showing_summary:
            table.add_columns(_("User"), _("Month"), _("Entries"), _("Person views"),
                              _("Emergency"), _("Flagged"))
        else:
            # the flags first, so they are seen at 80 columns too; then the person by
            # name (or the lists' neutral label), never by a database id
            table.add_columns(_("Time"), _("User"), _("Action"), _("Flags"), _("Person"),
                              _("Record"), _("Reviewed"))

    def submit_form(self, then: Callable[[], object] | None = None) -> None:
        """Read the entries the filter asks for (in a thread), then list them (and call
        ``then``)."""
        try:
            start = _day(self.query_one("#f-from", SafeInput).value)
            end = _day(self.query_one("#f-to", SafeInput).value)
        except ValueError:
            self.query_one("#message", Plain).set_text(_("Write the date as YYYY-MM-DD."))
            return
        flt = LogFilter(
            username=self.query_one("#f-user", SafeInput).value.strip() or None,
            person_name=self.query_one("#f-person", SafeInput).value.strip() or None,
            start=start, end=end + timedelta(days=1) if end else None,
            action=self.query_one("#f-action", SafeInput).value.strip() or None,
            only_highlighted=self.query_one("#f-flagged", KeyChoice).value == "yes")
        def refused(exc: Exception) -> bool:
            if not isinstance(exc, PermissionDenied):
                return False
            self.query_one("#message", Plain).set_text(_("Log review is for managers."))
            return True

        def listed(entries: list[LogEntry]) -> None:
            self._list(entries)
            if then is not None:
                then()

        self.load(lambda session: session.log_review("logreview").entries(flt), listed,
                  key="log", failed=refused)

    def _list(self, entries: list[LogEntry]) -> None:
        self.entries = entries
        self.showing_summary = False
        self._columns()
        self._show(self.entries)
        self.query_one("#message", Plain).set_text(
            _n("{n} entry. Ctrl+R marks the selected one reviewed; Enter on an escalation "
               "shows the reads that followed it.",
               "{n} entries. Ctrl+R marks the selected one reviewed; Enter on an escalation "
               "shows the reads that followed it.", len(self.entries), n=len(self.entries)))

    def _show(self, entries: list[LogEntry]) -> None:
        table = self.query_one("#log", DataTable)
        table.clear()
        lines: list[tuple[LogEntry, list[str], str]] = []
        for e in entries:
            flags = []
            if e.emergency:
                flags.append(_("EMERGENCY"))
            elif e.escalation:
                flags.append(_("ESCALATION"))
            elif e.flagged:
                flags.append(_("flagged"))
            if e.follows is not None:
                flags.append(_("after an escalation"))
            if e.protected:
                flags.append(_("protected"))
            if e.after_hours:
                flags.append(_("after hours"))
            if e.not_assigned:
                flags.append(_("not assigned"))
            style = ("bold reverse red" if e.emergency or e.escalation
                     else ("bold yellow" if flags else ""))
            local = e.ts.replace(tzinfo=UTC).astimezone()
            lines.append((e, [f"{local:%Y-%m-%d %H:%M}", e.username, e.action,
                              ", ".join(flags), e.person, e.record,
                              _("yes") if e.reviewed else ""], style))
        # at 80 columns the person stays in view: the record, then the later flags (the
        # first one stays), then a long name give way
        headers = [str(c.label) for c in table.columns.values()]
        widths = fit_columns(self.app.size.width - 2, [headers, *(t for _e, t, _s in lines)],
                             {5: 6, 3: 14, 4: 16})
        for e, texts, style in lines:
            cells = [cell(t, w) for t, w in zip(texts, widths, strict=True)]
            if style:
                cells[3].stylize(style)
            table.add_row(*cells, key=str(e.id))

    @on(DataTable.RowSelected, "#log")
    def _escalation(self, event: DataTable.RowSelected) -> None:
        """Enter on an escalation (or a read after one): the escalation and the reads of
        the same person by the same user that followed it in the same session."""
        if self.showing_summary or not self.entries:
            return
        entry = next((e for e in self.entries if str(e.id) == event.row_key.value), None)
        if entry is None:
            return
        log_id = entry.id if entry.escalation else entry.follows
        if log_id is None:
            return
        self.load(lambda session: session.log_review("logreview").escalation(log_id),
                  self._show_escalation, key="log")

    def _show_escalation(self, found: Escalation) -> None:
        self.entries = [found.entry, *found.reads]
        self._show(self.entries)
        local = found.entry.ts.replace(tzinfo=UTC).astimezone()
        self.query_one("#message", Plain).set_text(
            _n("The escalation of {when}, then {n} read of the same person by the same user "
               "in the same session. Enter in a filter field shows the list again.",
               "The escalation of {when}, then {n} reads of the same person by the same user "
               "in the same session. Enter in a filter field shows the list again.",
               len(found.reads), when=f"{local:%Y-%m-%d %H:%M}", n=len(found.reads)))

    def action_mark(self) -> None:
        table = self.query_one("#log", DataTable)
        if self.showing_summary or not self.entries:
            return
        entry_id = self.entries[table.cursor_row].id
        row = table.cursor_row
        self.load(lambda session: session.log_review("logreview").mark_reviewed([entry_id]),
                  lambda _done: self.submit_form(then=lambda: table.move_cursor(
                      row=min(row + 1, table.row_count - 1))), key="mark")

    def action_log_extract(self) -> None:
        """The log extract of the selected entry's person: every entry about them."""
        table = self.query_one("#log", DataTable)
        if self.showing_summary or not self.entries:
            return
        entry = self.entries[table.cursor_row]
        if entry.person_id is None:
            self.query_one("#message", Plain).set_text(
                _("The selected entry is about no person."))
            return
        self.app.push_screen(DocumentDialog(DocumentRequest("log_extract", entry.person_id),
                                            _("Log extract: who has read the record")))

    def action_summary(self) -> None:
        self.load(lambda session: session.log_review("logreview").monthly_summary(),
                  self._show_summary, key="log")

    def _show_summary(self, rows: list[MonthSummary]) -> None:
        self.showing_summary = True
        self._columns()
        table = self.query_one("#log", DataTable)
        for r in rows:
            table.add_row(cell(r.username), cell(r.month), cell(str(r.entries)),
                          cell(str(r.person_views)), cell(str(r.emergency)),
                          cell(str(r.highlighted)))
