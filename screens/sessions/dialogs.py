"""The forms of talks, groups and referrals: a new series, a session (one person's or a
group's), a re-contact attempt, ending a series, a referral and its steps. Each keeps a
draft when left with Esc; what cannot be undone asks once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.sessions import (
    ATTENDANCE,
    REFERRAL_OUTCOMES,
    label,
    session_catalog,
)
from rc_tui.i18n import _
from rc_tui.services.referrals import ReferralSteps, ReferralView
from rc_tui.services.sessions import GroupRow, GroupView, SeriesView
from rc_tui.text import visible
from screens.base import FormDialog
from screens.casework.close_dialog import CloseDialog
from screens.casework.common import _date
from screens.components import KeyChoice, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog

#: attendance keys: n närvarande, a avbokat, u uteblev (the English ids say the same)
ATTENDANCE_KEYS = [("n", "attended"), ("a", "cancelled"), ("u", "no_show")]


def _attendance_choice(value: str | None, wid: str, prefix: str = "") -> KeyChoice:
    return KeyChoice([(k, code, label(ATTENDANCE, code)) for k, code in ATTENDANCE_KEYS],
                     value, id=wid, prefix=prefix)


class _Dialog(FormDialog):
    """What the forms share: the session's services and the message line."""

    def services(self) -> Any:
        session = self.shell.session
        assert session is not None
        return session

    def problems(self, problems: list[str]) -> bool:
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
        return bool(problems)


class SeriesDialog(_Dialog):
    """A new series of talks, or a group (with the person as its first member)."""

    DRAFT = "series"
    FIELD_ORDER = ("kind", "title", "start")

    def __init__(self, person_id: int, case_id: int | None, kinds: list[str]) -> None:
        super().__init__()
        self.person_id = person_id
        self.case_id = case_id
        self.kinds = kinds

    def compose(self) -> ComposeResult:
        cat = session_catalog().kinds
        with VerticalScroll(classes="dialog"):
            yield Static(_("New series of talks or group"), classes="form-title",
                         markup=False)
            yield KeyChoice([(cat[c].key, c, str(cat[c].label)) for c in self.kinds],
                            self.kinds[0] if self.kinds else None, id="kind", vertical=True)
            yield Label(_("Name (a group's name is shown to each member's caseworker)"),
                        classes="field-label")
            yield SafeInput("", id="title", max_length=200)
            yield Label(_("Started (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(date.today().isoformat(), id="start", max_length=10)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#kind"))

    def action_save(self) -> None:
        problems: list[str] = []
        start = _date(self.query_one("#start", SafeInput).value, _("Started"), problems)
        if self.problems(problems):
            return
        svc = self.services().sessions("sessions")
        kind = self.query_one("#kind", KeyChoice).value or ""
        title = self.query_one("#title", SafeInput).value
        if self.attempt(lambda: svc.start_series(self.person_id, kind, title=title,
                                                 case_id=self.case_id, started_on=start)):
            self.dismiss(True)


class _SeriesDialog(_Dialog):
    """A form about one person's part of one series (its draft is kept per series and
    person)."""

    def __init__(self, series: SeriesView) -> None:
        super().__init__()
        self.series = series
        self.person_id = series.person_id

    def draft_context(self) -> tuple[str, int | None]:
        return f"{self.series.id}:{self.person_id}", self.person_id


class SessionDialog(_SeriesDialog):
    """One session of a person's own series: date, attendance, a short note that goes
    into the journal signed (asked once: it cannot be changed afterwards)."""

    DRAFT = "session"
    FIELD_ORDER = ("held", "attendance", "note")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("Session: {what}", what=_series_name(self.series)),
                         classes="form-title", markup=False)
            yield Label(_("Date (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(date.today().isoformat(), id="held", max_length=10)
            yield Label(_("Attendance"), classes="field-label")
            yield _attendance_choice("attended", "attendance")
            yield Label(_("Short note (into the journal, signed)"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#held"))

    def action_save(self) -> None:
        problems: list[str] = []
        held = _date(self.query_one("#held", SafeInput).value, _("Date"), problems)
        if held is None and not problems:
            problems.append(_("Write the date."))
        if self.problems(problems):
            return
        assert held is not None
        marks = {self.person_id: self.query_one("#attendance", KeyChoice).value or ""}
        note = self.query_one("#note", SafeTextArea).text
        svc = self.services().sessions("sessions")
        series_id = self.series.id

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(lambda: svc.record_session(series_id, held, marks, note)):
                self.dismiss(True)

        self.app.push_screen(AskDialog(_("Record and sign into the journal? y/n")),
                             answered)


class GroupSessionDialog(_Dialog):
    """A group's session: the attendance of each member the leader sees, and one note
    that goes into every member's own journal (naming none of them)."""

    DRAFT = "session"

    def __init__(self, group: GroupView) -> None:
        super().__init__()
        self.group = group

    def draft_context(self) -> tuple[str, int | None]:
        return f"group{self.group.id}", None

    def field_order(self) -> tuple[str, ...]:
        return ("held", *(f"m{m.person_id}" for m in self.group.members), "note")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(_("Group session: {what}", what=self.group.title),
                         classes="form-title", markup=False)
            yield Label(_("Date (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(date.today().isoformat(), id="held", max_length=10)
            yield Label(_("Attendance (n attended, a cancelled, u no-show)"),
                        classes="field-label")
            width = min(24, max((len(_short(m.name, 24)) for m in self.group.members),
                                default=0))
            for m in self.group.members:
                yield _attendance_choice("attended", f"m{m.person_id}",
                                         prefix=_short(m.name, 24).ljust(width))
            yield Label(_("Note (into each member's own journal: name no one)"),
                        classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#held"))

    def action_save(self) -> None:
        problems: list[str] = []
        held = _date(self.query_one("#held", SafeInput).value, _("Date"), problems)
        if held is None and not problems:
            problems.append(_("Write the date."))
        if self.problems(problems):
            return
        assert held is not None
        marks = {m.person_id: self.query_one(f"#m{m.person_id}", KeyChoice).value or ""
                 for m in self.group.members}
        note = self.query_one("#note", SafeTextArea).text
        svc = self.services().sessions("sessions")
        group_id = self.group.id

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(lambda: svc.record_session(group_id, held, marks, note)):
                self.dismiss(True)

        self.app.push_screen(AskDialog(_("Record and sign into the journals? y/n")),
                             answered)


class RecontactDialog(_SeriesDialog):
    """An attempt at active re-contact: when, reached or not, a note."""

    DRAFT = "recontact"
    FIELD_ORDER = ("day", "reached", "note")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("Re-contact: {what}", what=_series_name(self.series)),
                         classes="form-title", markup=False)
            if self.series.dropped_on:
                yield Plain(_("Dropped out {date}; attempts so far: {n}",
                              date=self.series.dropped_on.isoformat(),
                              n=sum(1 for r in self.series.recontacts if not r.reached)),
                            classes="hint")
            yield Label(_("Date (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(date.today().isoformat(), id="day", max_length=10)
            yield Label(_("Reached?"), classes="field-label")
            yield KeyChoice([("j", "yes", _("reached")), ("n", "no", _("not reached"))],
                            None, id="reached", aliases={"y": "yes"})
            yield Label(_("Note"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#day"))

    def action_save(self) -> None:
        problems: list[str] = []
        day = _date(self.query_one("#day", SafeInput).value, _("Date"), problems)
        if day is None and not problems:
            problems.append(_("Write the date."))
        reached = self.query_one("#reached", KeyChoice).value
        if reached is None:
            problems.append(_("Say whether the person was reached."))
        if self.problems(problems):
            return
        assert day is not None
        svc = self.services().sessions("sessions")
        note = self.query_one("#note", SafeTextArea).text
        s = self.series
        if self.attempt(lambda: svc.record_recontact(s.id, s.person_id, day, reached == "yes",
                                                     note)):
            self.dismiss(True)


class EndSeriesDialog(CloseDialog):
    """Ending a series, with the reason – asked once: an ended series takes no more
    sessions."""

    def action_save(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                super(EndSeriesDialog, self).action_save()

        self.app.push_screen(AskDialog(_("End the series? y/n")), answered)


class GroupChoiceDialog(_Dialog):
    """Add the person to one of the groups the user leads (a number key)."""

    def __init__(self, person_id: int, case_id: int | None, groups: list[GroupRow]) -> None:
        super().__init__()
        self.person_id = person_id
        self.case_id = case_id
        self.groups = groups[:9]

    def field_order(self) -> tuple[str, ...]:
        return ("group",)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("Add to one of your groups"), classes="form-title", markup=False)
            yield KeyChoice([(str(i + 1), str(g.id), _short(g.title, 40))
                             for i, g in enumerate(self.groups)], None, id="group",
                            vertical=True)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#group"))

    def choice_made(self, choice: Any) -> None:
        self.action_save()

    def action_save(self) -> None:
        value = self.query_one("#group", KeyChoice).value
        if not value:
            return
        svc = self.services().sessions("sessions")
        if self.attempt(lambda: svc.join_group(int(value), self.person_id,
                                               case_id=self.case_id)):
            self.dismiss(True)


class ReferralDialog(_Dialog):
    """A referral sent: the kind, to whom, why, when."""

    DRAFT = "referral"
    FIELD_ORDER = ("kind", "to", "reason", "sent")

    def __init__(self, person_id: int, case_id: int | None, kinds: list[str]) -> None:
        super().__init__()
        self.person_id = person_id
        self.case_id = case_id
        self.kinds = kinds

    def compose(self) -> ComposeResult:
        cat = session_catalog().referral_kinds
        with VerticalScroll(classes="dialog"):
            yield Static(_("New referral"), classes="form-title", markup=False)
            yield KeyChoice([(cat[c].key, c, str(cat[c].label)) for c in self.kinds],
                            None, id="kind", vertical=True)
            yield Label(_("To whom"), classes="field-label")
            yield SafeInput("", id="to", max_length=300)
            yield Label(_("Why"), classes="field-label")
            yield SafeTextArea("", id="reason", classes="short")
            yield Label(_("Sent (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(date.today().isoformat(), id="sent", max_length=10)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#kind"))

    def action_save(self) -> None:
        problems: list[str] = []
        sent = _date(self.query_one("#sent", SafeInput).value, _("Sent"), problems)
        if self.problems(problems):
            return
        svc = self.services().referrals("referrals")
        kind = self.query_one("#kind", KeyChoice).value or ""
        to = self.query_one("#to", SafeInput).value
        reason = self.query_one("#reason", SafeTextArea).text
        if self.attempt(lambda: svc.refer(self.person_id, kind, to, reason, sent_on=sent,
                                          case_id=self.case_id)):
            self.dismiss(True)


class ReferralStepDialog(_Dialog):
    """The referral's answer, start and end (with the outcome). Ending is asked once: an
    ended referral is read-only."""

    DRAFT = "referral_step"
    FIELD_ORDER = ("accepted", "started", "ended", "outcome", "outcome-note")

    def __init__(self, referral: ReferralView) -> None:
        super().__init__()
        self.referral = referral
        self.person_id = referral.person_id

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.referral.id), self.person_id

    def compose(self) -> ComposeResult:
        r = self.referral
        with VerticalScroll(classes="dialog"):
            yield Static(_("Referral to {to}", to=_short(r.to_whom, 50)),
                         classes="form-title", markup=False)
            yield Plain(_("Sent {date}", date=r.sent_on.isoformat()), classes="hint")
            yield Label(_("Accepted (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(r.accepted_on.isoformat() if r.accepted_on else "",
                            id="accepted", max_length=10)
            yield Label(_("Started (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(r.started_on.isoformat() if r.started_on else "",
                            id="started", max_length=10)
            yield Label(_("Ended (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput("", id="ended", max_length=10)
            yield Label(_("Outcome (when ended)"), classes="field-label")
            yield KeyChoice([(str(i + 1), code, label(REFERRAL_OUTCOMES, code))
                             for i, code in enumerate(REFERRAL_OUTCOMES)], None,
                            id="outcome", vertical=True)
            yield Label(_("Note on the outcome"), classes="field-label")
            yield SafeTextArea("", id="outcome-note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#accepted"))

    def action_save(self) -> None:
        problems: list[str] = []
        steps = ReferralSteps(
            _date(self.query_one("#accepted", SafeInput).value, _("Accepted"), problems),
            _date(self.query_one("#started", SafeInput).value, _("Started"), problems),
            _date(self.query_one("#ended", SafeInput).value, _("Ended"), problems),
            self.query_one("#outcome", KeyChoice).value,
            self.query_one("#outcome-note", SafeTextArea).text)
        if self.problems(problems):
            return
        svc = self.services().referrals("referrals")
        r = self.referral

        def save() -> None:
            if self.attempt(lambda: svc.update_referral(r.id, r.version, steps)):
                self.dismiss(True)

        if steps.ended_on is None:
            save()
            return
        self.app.push_screen(AskDialog(_("End the referral? It is read-only afterwards. "
                                         "y/n")), lambda yes: save() if yes else None)


def _short(text: str, most: int) -> str:
    """Stored text on one line, every terminal-active character shown as a sign."""
    return visible(text.strip(), one_line=True, max_chars=most)


def _series_name(series: SeriesView) -> str:
    from rc_tui.domain.sessions import kind_label

    name = kind_label(series.kind)
    return f"{name} – {_short(series.title, 30)}" if series.title else name


def end_series_dialog(series: SeriesView, action: Callable[[str], object]) -> CloseDialog:
    return EndSeriesDialog(_("End the series: {what}", what=_series_name(series)), action,
                           draft_key=(f"series{series.id}", series.person_id))
