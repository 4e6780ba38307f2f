"""The list of requests the shelter could not meet."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from rc_tui.domain.shelter import (
    REFERRALS,
    TURNED_AWAY_OUTCOMES,
    TURNED_AWAY_REASONS,
    TurnedAwayStats,
)
from rc_tui.domain.vocab import label
from rc_tui.i18n import _, _n
from rc_tui.services.shelter import (
    TurnedAwayRow,
)
from screens.base import RcScreen

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession
from screens.components import (
    AppHeader,
    Plain,
    cell,
)
from screens.components.key_bar import KeyBar
from screens.shelter.followup_dialog import TurnedAwayFollowupDialog
from screens.shelter.turned_away_dialog import TurnedAwayDialog


class TurnedAwayScreen(RcScreen):
    BINDINGS = [
        Binding("n", "register", "New request", id="turned-away.register"),
        Binding("f", "followup", "Follow-up", id="turned-away.followup"),
        Binding("escape", "app.pop_screen", "Back", id="turned-away.back"),
    ]

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.facility = facility
        self.rows: list[TurnedAwayRow] = []

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="turned-away"):
            yield Static(_("Requests the shelter could not meet"), classes="form-title",
                         markup=False)
            yield Plain("", id="stats")
            yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="request-view"):
                yield Plain("", id="request-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#requests", DataTable).add_columns(
            _("Date"), _("Who"), _("Why"), _("Referred to"), _("Follow-up"))
        self.reload()
        self.query_one("#requests", DataTable).focus()

    def reload(self) -> None:
        """Read this year's figures and the requests (in a thread), then show them."""
        facility, year = self.facility, date.today().year

        def fetch(session: UserSession) -> tuple[TurnedAwayStats, list[TurnedAwayRow]]:
            svc = session.shelter("shelter")
            return svc.turned_away_stats(facility, year), svc.turned_away(facility)

        self.load(fetch, lambda data: self.show(year, *data))

    def show(self, year: int, stats: TurnedAwayStats, rows: list[TurnedAwayRow]) -> None:
        reasons = ", ".join(f"{label(TURNED_AWAY_REASONS, code)} {n}"
                            for code, n in sorted(stats.by_reason.items(), key=lambda x: -x[1]))
        self.query_one("#stats", Plain).set_text(_n(
            "{year}: {total} request ({reasons}); followed up {done}, not reached {lost}.",
            "{year}: {total} requests ({reasons}); followed up {done}, not reached {lost}.",
            stats.total, year=year, total=stats.total, reasons=reasons or "–",
            done=stats.followed_up, lost=stats.not_reached))
        self.rows = rows
        table = self.query_one("#requests", DataTable)
        table.clear()
        today = date.today()
        for r in self.rows:
            if r.followed_up_at is not None:
                state = Text(label(TURNED_AWAY_OUTCOMES, r.outcome))
            else:
                overdue = r.followup_due < today
                state = Text(_("due {day}", day=r.followup_due.isoformat()),
                             style="bold red" if overdue else "bold")
            table.add_row(cell(f"{r.requested_at:%Y-%m-%d}"),
                          cell(r.contact or _("anonymous"), 12),
                          cell(", ".join(label(TURNED_AWAY_REASONS, c) for c in r.reasons), 18),
                          cell(label(REFERRALS, r.referred_to), 14), state, key=str(r.id))
        self._show()

    @on(DataTable.RowHighlighted, "#requests")
    def _show(self) -> None:
        row = self._selected()
        text = ""
        if row is not None:
            parts = [
                f"{row.requested_at:%Y-%m-%d %H:%M}  {row.contact or _('anonymous')}  "
                + _("children: {n}", n=row.children) + f"  ({row.recorded_by})",
                _("Why") + ": " + ", ".join(label(TURNED_AWAY_REASONS, c) for c in row.reasons)
                + (f" – {row.reason_note}" if row.reason_note else ""),
                _("Referred to") + ": " + label(REFERRALS, row.referred_to)
                + (f" – {row.referred_note}" if row.referred_note else ""),
                _("How to reach her") + ": " + (row.reach or "–"),
            ]
            if row.followup_note:
                parts.append(_("Follow-up") + ":\n" + row.followup_note)
            text = "\n".join(parts)
        self.query_one("#request-text", Plain).set_text(text)

    def _selected(self) -> TurnedAwayRow | None:
        table = self.query_one("#requests", DataTable)
        if not self.rows or not table.row_count:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowSelected, "#requests")
    def _selected_row(self) -> None:
        self.action_followup()

    def action_register(self) -> None:
        self.app.push_screen(TurnedAwayDialog(self.facility), lambda _ok: self.reload())

    def action_followup(self) -> None:
        row = self._selected()
        if row is None or row.followed_up_at is not None:
            self.app.notify(_("Choose a request that is not yet followed up."), markup=False)
            return
        self.app.push_screen(TurnedAwayFollowupDialog(row), lambda _ok: self.reload())
