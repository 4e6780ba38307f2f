"""A person's talks, groups and referrals (``M`` on the person): the series with their
sessions, drop-out and re-contact attempts, and – for the person's own caseworker – the
referrals. Keyboard-first; every form keeps a draft on Esc."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from rc_tui.domain.sessions import (
    ATTENDANCE,
    REFERRAL_OUTCOMES,
    REFERRAL_STEPS,
    kind_label,
    kinds_for,
    label,
    referral_kind_label,
    referral_kinds_for,
)
from rc_tui.i18n import _
from rc_tui.services.capabilities import Capability
from rc_tui.services.referrals import ReferralView
from rc_tui.services.sessions import GroupRow, GroupView, SeriesView
from screens.base import RcScreen
from screens.components import AppHeader, Plain, cell, fit_columns
from screens.components.key_bar import KeyBar
from screens.sessions.dialogs import (
    GroupChoiceDialog,
    GroupSessionDialog,
    RecontactDialog,
    ReferralDialog,
    ReferralStepDialog,
    SeriesDialog,
    SessionDialog,
    end_series_dialog,
)

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


@dataclass(frozen=True)
class _Loaded:
    series: list[SeriesView]
    referrals: list[ReferralView]
    groups: list[GroupRow]


class SessionsScreen(RcScreen):
    NAMES_PERSON = True

    BINDINGS = [
        Binding("n", "new_series", "New series", id="sessions.new-series"),
        Binding("s", "session", "Session", id="sessions.session"),
        Binding("k", "recontact", "Re-contact", id="sessions.recontact"),
        Binding("e", "end_series", "End series", id="sessions.end-series"),
        Binding("g", "join_group", "To a group", id="sessions.join-group"),
        Binding("r", "referral", "Referral", id="sessions.referral"),
        Binding("escape", "app.pop_screen", "Back", id="sessions.back"),
    ]

    def __init__(self, person_id: int, name: str, roles: tuple[str, ...],
                 case_id: int | None, *, full: bool) -> None:
        """``full``: the person's own caseworker (referrals are casework); otherwise the
        series alone (shelter staff and Siri's groups)."""
        super().__init__()
        self.person_id = person_id
        self.person_name = name
        self.roles = roles
        self.case_id = case_id
        self.full = full
        self.data = _Loaded([], [], [])

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="sessions-screen"):
            yield Plain(_("Talks, groups and referrals: {name}", name=self.person_name),
                        classes="person-name", one_line=True)
            yield Static(_("Series of talks and groups"), classes="panel-title",
                         markup=False)
            yield DataTable(id="series", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="series-view"):
                yield Plain("", id="series-text")
            if self.full:
                yield Static(_("Referrals"), classes="panel-title", markup=False)
                yield DataTable(id="referrals", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#series", DataTable).add_columns(
            _("Kind"), _("Started"), _("Sessions"), _("Status"))
        if self.full:
            self.query_one("#referrals", DataTable).add_columns(
                _("Kind"), _("To whom"), _("Sent"), _("Status"), _("Follow up"))
        self.query_one("#series", DataTable).focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "referral":
            return self.full
        return True

    # ------------------------------------------------------------------ reading
    def reload(self, _changed: object = None) -> None:
        person_id, full = self.person_id, self.full

        def fetch(session: UserSession) -> _Loaded:
            svc = session.sessions("sessions")
            return _Loaded(svc.series_for(person_id),
                           session.referrals("sessions").referrals(person_id) if full else [],
                           svc.my_groups())

        self.load(fetch, self.show)

    def show(self, data: _Loaded) -> None:
        self.data = data
        today = date.today()
        table = self.query_one("#series", DataTable)
        table.clear()
        rows: list[tuple[int, list[str], str]] = []
        for s in data.series:
            attended = sum(1 for x in s.sessions if x.attendance == "attended")
            style = ""
            if s.ended_at is not None:
                status = _("ended {date}", date=f"{s.ended_at:%Y-%m-%d}")
            elif s.recontact_due is not None:
                status = _("re-contact {date}", date=s.recontact_due.isoformat())
                style = "bold red" if s.recontact_due < today else "bold"
            else:
                status = _("ongoing")
            what = kind_label(s.kind) + (f" – {s.title}" if s.title else "")
            rows.append((s.id, [what, s.started_on.isoformat(),
                                f"{attended}/{len(s.sessions)}", status], style))
        # the kind gives way first: the dates and the status stay readable at 80 columns
        headers = [_("Kind"), _("Started"), _("Sessions"), _("Status")]
        widths = fit_columns(max(40, self.size.width - 4), [headers] + [r for _i, r, _s in
                                                                        rows], {0: 14})
        for series_id, texts, style in rows:
            table.add_row(cell(texts[0], widths[0]), cell(texts[1]), cell(texts[2]),
                          Text(texts[3], style=style), key=str(series_id))
        if self.full:
            refs = self.query_one("#referrals", DataTable)
            refs.clear()
            for r in data.referrals:
                refs.add_row(cell(referral_kind_label(r.kind), 16), cell(r.to_whom, 20),
                             cell(r.sent_on.isoformat()), *_referral_status(r, today),
                             key=str(r.id))
        self._show_series()

    def _selected(self) -> SeriesView | None:
        table = self.query_one("#series", DataTable)
        if not self.data.series or not table.row_count:
            return None
        return self.data.series[min(table.cursor_row, len(self.data.series) - 1)]

    @on(DataTable.RowHighlighted, "#series")
    def _show_series(self) -> None:
        s = self._selected()
        lines: list[str] = []
        if s is None:
            lines.append(_("No series yet. N starts one (talks, or a group)."))
        else:
            lines.append(_("Held by {who}", who=s.leader) + (
                f" · {_('group')}" if s.group else ""))
            if s.dropped_on is not None:
                lines.append(_("Dropped out {date}: actively re-contact (K). Attempts: {n}",
                               date=s.dropped_on.isoformat(),
                               n=sum(1 for r in s.recontacts if not r.reached)))
            for x in reversed(s.sessions):
                note = x.note.split("\n", 1)[1] if "\n" in x.note else ""
                lines.append(f"{x.held_on}  {label(ATTENDANCE, x.attendance)}"
                             + (f"  {note.splitlines()[0]}" if note.strip() else ""))
            for r in reversed(s.recontacts):
                lines.append(f"{r.attempted_on}  " + (_("re-contact: reached") if r.reached
                                                      else _("re-contact: not reached"))
                             + (f"  {r.note.splitlines()[0]}" if r.note.strip() else ""))
            if s.ended_at is not None:
                lines.append(_("Ended: {reason}", reason=s.end_reason))
        self.query_one("#series-text", Plain).set_text("\n".join(lines))

    # ------------------------------------------------------------------ acts
    def action_new_series(self) -> None:
        kinds = kinds_for(self.roles)
        self.app.push_screen(SeriesDialog(self.person_id, self.case_id, kinds), self.reload)

    def action_session(self) -> None:
        s = self._selected()
        if s is None or s.ended_at is not None:
            self.app.notify(_("Choose a series that has not ended."), markup=False)
            return
        if not s.group:
            self.app.push_screen(SessionDialog(s), self.reload)
            return
        if not s.leads and not self.shell.can(Capability.ALL_CASES):
            self.app.notify(_("Only the group's leader records its sessions."),
                            markup=False)
            return
        series_id = s.id
        self.load(lambda session: session.sessions("sessions").group(series_id),
                  self._group_session, key="group")

    def _group_session(self, group: GroupView) -> None:
        self.app.push_screen(GroupSessionDialog(group), self.reload)

    def action_recontact(self) -> None:
        s = self._selected()
        if s is None or s.ended_at is not None:
            self.app.notify(_("Choose a series that has not ended."), markup=False)
            return
        self.app.push_screen(RecontactDialog(s), self.reload)

    def action_end_series(self) -> None:
        s = self._selected()
        if s is None or s.ended_at is not None:
            self.app.notify(_("Choose a series that has not ended."), markup=False)
            return
        session = self.shell.session
        assert session is not None
        svc = session.sessions("sessions")
        self.app.push_screen(end_series_dialog(
            s, lambda reason: svc.end_series(s.id, s.version, reason)), self.reload)

    def action_join_group(self) -> None:
        if not self.data.groups:
            self.app.notify(_("You lead no open group. N starts one."), markup=False)
            return
        self.app.push_screen(GroupChoiceDialog(self.person_id, self.case_id,
                                               self.data.groups), self.reload)

    def action_referral(self) -> None:
        self.app.push_screen(ReferralDialog(self.person_id, self.case_id,
                                            referral_kinds_for(self.roles)), self.reload)

    @on(DataTable.RowSelected, "#referrals")
    def _open_referral(self, event: DataTable.RowSelected) -> None:
        ref = next((r for r in self.data.referrals if str(r.id) == event.row_key.value),
                   None)
        if ref is None:
            return
        if ref.ended_on is not None:
            self.app.notify(_("Ended {date}: {outcome}", date=ref.ended_on.isoformat(),
                              outcome=label(REFERRAL_OUTCOMES, ref.outcome)), markup=False)
            return
        self.app.push_screen(ReferralStepDialog(ref), self.reload)


def _referral_status(r: ReferralView, today: date) -> tuple[Text, Text]:
    """The referral's step (or outcome) and its next follow-up (red when overdue)."""
    if r.ended_on is not None:
        return cell(label(REFERRAL_OUTCOMES, r.outcome), 14), Text("")
    step = label(REFERRAL_STEPS, "started" if r.started_on else "accepted"
                 if r.accepted_on else "sent")
    due = Text(r.due.isoformat() if r.due else "",
               style="bold red" if r.due is not None and r.due < today else "")
    return cell(step, 14), due
