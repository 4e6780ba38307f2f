"""Session series (talks and groups): sessions with attendance, drop-out, re-contact.

A series belongs to its members' records: each member's record shows the series with that
member's own attendance, notes and re-contact attempts – never who else is in a group.
Reading or writing a member's part needs ``Level.SHELTER`` for that member (the journal's
level: shelter staff hold Siri's groups for its residents); the group's own view (its
members, recording a session for all of them) is for its leader and managers, and shows
only the members the viewer may see. A session's note goes into each member's own journal
as a signed note; a group's note may name no member. Every read and write is
access-logged in its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import sessions as rules
from rc_tui.domain.sessions import ATTENDANCE, label, session_catalog
from rc_tui.i18n import _, _n
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import DueItem, Service, local_time, my_open_tracks, user_names
from rc_tui.services.errors import NoAccess, ValidationError, VaultError
from rc_tui.services.people import summary_for
from rc_tui.services.records import index_note
from storage.models import (
    CaseMember,
    Decision,
    JournalNote,
    Person,
    Recontact,
    SeriesMember,
    SeriesSession,
    SessionAttendance,
    SessionSeries,
)

MAX_NOTE = 100_000
MAX_TITLE = 200


@dataclass(frozen=True)
class SessionLine:
    """One session as one member's record shows it."""

    session_id: int
    held_on: date
    attendance: str
    note: str  # the signed journal note it put into this member's journal
    recorded_by: str


@dataclass(frozen=True)
class RecontactLine:
    attempted_on: date
    reached: bool
    note: str
    by: str


@dataclass(frozen=True)
class SeriesView:
    """A series in one member's record: their own sessions and re-contacts only."""

    id: int
    person_id: int
    kind: str
    title: str
    group: bool
    leader: str
    leads: bool  # this user leads it: the group's view and its sessions are theirs
    started_on: date
    ended_at: datetime | None
    end_reason: str
    version: int
    sessions: list[SessionLine]
    recontacts: list[RecontactLine]
    dropped_on: date | None  # the drop-out the due re-contact is about
    recontact_due: date | None
    exhausted: bool  # the rule's attempts are used up: the caseworker decides


@dataclass(frozen=True)
class GroupMember:
    person_id: int
    name: str
    joined_on: date


@dataclass(frozen=True)
class GroupView:
    """The group as its leader sees it: the members they may see, and each session's
    attendance count."""

    id: int
    kind: str
    title: str
    version: int
    ended: bool
    members: list[GroupMember]
    sessions: list[tuple[date, int, int]]  # held on, attended, recorded


@dataclass(frozen=True)
class GroupRow:
    id: int
    kind: str
    title: str
    started_on: date


def _check_note(problems: list[str], *texts: str) -> None:
    if any(len(t) > MAX_NOTE for t in texts):
        problems.append(_("A text may have at most {n} characters.", n=MAX_NOTE))


class SessionService(Service):
    """``SessionService(vault, screen="sessions")``."""

    # ------------------------------------------------------------------ look-ups
    def _local_today(self) -> date:
        """Today where the user is: the dates a user types are local (a session held
        just after midnight is not in the future)."""
        return max(self.today(), local_time(self.clock()).date())

    def _series(self, s: Session, series_id: int) -> SessionSeries:
        row = s.get(SessionSeries, series_id)
        if row is None:
            raise VaultError("not found")
        return row

    def _members(self, s: Session, series_id: int) -> list[SeriesMember]:
        return list(s.scalars(select(SeriesMember).where(
            SeriesMember.series_id == series_id, SeriesMember.left_on.is_(None))
            .order_by(SeriesMember.id)))

    def _member(self, s: Session, series_id: int, person_id: int) -> SeriesMember:
        """The person's membership; the user must see the person's record (the refusal
        is logged) – whoever leads the series."""
        self.require_person(s, person_id, Level.SHELTER)
        member = s.scalar(select(SeriesMember).where(
            SeriesMember.series_id == series_id, SeriesMember.person_id == person_id))
        if member is None:
            raise VaultError("not found")
        return member

    def _require_leader(self, s: Session, series: SessionSeries) -> None:
        """The group's own view and acts: its leader, or a manager."""
        self.require(Capability.CASE_CONTENT)
        if series.leader_id != self.user.id and not self.access.can(Capability.ALL_CASES):
            raise NoAccess(None, "session_series", series.id)

    @staticmethod
    def _roles(s: Session, person_id: int, case_id: int | None) -> set[str]:
        return set(s.scalars(select(CaseMember.role).where(
            CaseMember.person_id == person_id,
            *([CaseMember.case_id == case_id] if case_id is not None else []))))

    def _name(self, s: Session, person_id: int) -> str:
        person = s.get(Person, person_id)
        return summary_for(self.access, s, person).display_name if person else "?"

    # ------------------------------------------------------------------ series
    def start_series(self, person_id: int, kind: str, *, title: str = "",
                     case_id: int | None = None, decision_id: int | None = None,
                     started_on: date | None = None) -> int:
        """Start a series for the person (a group: with the person as its first member;
        the user leads it). Only a kind for the person's role (a victim is offered no
        perpetrator group, nor he her support talks)."""
        cat = session_catalog()
        problems: list[str] = []
        if kind not in cat.kinds:
            problems.append(_("Choose the kind of talks."))
        if len(title) > MAX_TITLE:
            problems.append(_("A title may have at most {n} characters.", n=MAX_TITLE))
        if kind in cat.kinds and cat.kinds[kind].group and not title.strip():
            problems.append(_("Give the group a name (it is shown to each member's "
                              "caseworker)."))
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self.require_person(s, person_id, Level.SHELTER)
            if not cat.kinds[kind].offered_to(self._roles(s, person_id, case_id)):
                raise ValidationError([_("These talks are not for a person in this role.")])
            if decision_id is not None:
                dec = s.get(Decision, decision_id)
                if dec is None or dec.person_id != person_id:
                    raise ValidationError([_("The decision is not this person's.")])
            now = self.clock()
            row = SessionSeries(kind=kind, title=title.strip(), case_id=case_id,
                                decision_id=decision_id, leader_id=self.user.id,
                                started_on=started_on or now.date(), created_at=now)
            s.add(row)
            s.flush()
            s.add(SeriesMember(series_id=row.id, person_id=person_id, case_id=case_id,
                               joined_on=row.started_on))
            self.log(s, "create", person_id=person_id, record_type="session_series",
                     record_id=row.id)
            return row.id

    def join_group(self, series_id: int, person_id: int, *,
                   case_id: int | None = None) -> None:
        """Add a person to a group the user leads: only a person whose record the leader
        may see, and whose role the group is for."""
        with self.write() as s:
            series = self._series(s, series_id)
            self._require_leader(s, series)
            self.require_person(s, person_id, Level.SHELTER)
            kind = session_catalog().kinds.get(series.kind)
            if kind is None or not kind.group:
                raise ValidationError([_("Only a group takes more members.")])
            if series.ended_at is not None:
                raise ValidationError([_("The series has ended.")])
            if not kind.offered_to(self._roles(s, person_id, case_id)):
                raise ValidationError([_("This group is not for a person in this role.")])
            existing = s.scalar(select(SeriesMember).where(
                SeriesMember.series_id == series_id, SeriesMember.person_id == person_id))
            if existing is not None and existing.left_on is None:
                raise ValidationError([_("The person is already in the group.")])
            if existing is not None:
                existing.left_on = None
            else:
                s.add(SeriesMember(series_id=series_id, person_id=person_id, case_id=case_id,
                                   joined_on=self.today()))
            self.log(s, "create", person_id=person_id, record_type="series_member",
                     record_id=series_id)

    def end_series(self, series_id: int, version: int, reason: str) -> None:
        """End a series (the talks are over, or he did not come back), with the reason.
        Its leader, a manager, or – for a person's own series – their caseworker."""
        if not reason.strip():
            raise ValidationError([_("Write the reason.")])
        problems: list[str] = []
        _check_note(problems, reason)
        if problems:
            raise ValidationError(problems)
        with self.versioned("series changed elsewhere") as (s, same_version):
            series = self._series(s, series_id)
            members = self._members(s, series_id)
            kind = session_catalog().kinds.get(series.kind)
            if kind is not None and kind.group:
                self._require_leader(s, series)
            else:
                for m in members:
                    self.require_person(s, m.person_id, Level.SHELTER)
            if series.ended_at is not None:
                raise ValidationError([_("The series has ended.")])
            same_version(series, version)
            series.ended_at = self.clock()
            series.end_reason = reason
            s.flush()
            for m in members:
                self.log(s, "update", person_id=m.person_id, record_type="session_series",
                         record_id=series.id, reason="end")

    # ------------------------------------------------------------------ sessions
    def record_session(self, series_id: int, held_on: date, attendance: Mapping[int, str],
                       note: str = "") -> int:
        """One session: each current member's attendance (attended, cancelled, no-show),
        and a short note that goes, signed, into each member's own journal – for a group
        the same note for all, which may name none of them (nor the others' attendance:
        each journal gets its own)."""
        problems: list[str] = []
        if any(v not in ATTENDANCE for v in attendance.values()):
            problems.append(_("Choose attended, cancelled or no-show for each member."))
        _check_note(problems, note)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            series = self._series(s, series_id)
            kind = session_catalog().kinds.get(series.kind)
            group = kind is not None and kind.group
            if group:
                self._require_leader(s, series)
            members = self._members(s, series_id)
            for m in members:  # every member's record: refused (and logged) otherwise
                self.require_person(s, m.person_id, Level.SHELTER)
            if series.ended_at is not None:
                raise ValidationError([_("The series has ended.")])
            if set(attendance) != {m.person_id for m in members}:
                raise ValidationError([_("Record the attendance of every member.")])
            if held_on < series.started_on or held_on > self._local_today():
                raise ValidationError([_("The session's date is before the series started "
                                         "or in the future.")])
            if group:
                others = []
                for m in members:
                    p = s.get(Person, m.person_id)
                    if p is not None:
                        others += [x for x in (p.given_name, p.family_name, p.alias) if x]
                if rules.names_another_member(note, others):
                    raise ValidationError([_("The note goes into every member's own "
                                             "journal: name no member in it.")])
            now = self.clock()
            row = SeriesSession(series_id=series_id, held_on=held_on,
                                recorded_by_id=self.user.id, recorded_at=now)
            s.add(row)
            s.flush()
            for m in members:
                code = attendance[m.person_id]
                body = f"{rules.kind_label(series.kind)}"
                if series.title:
                    body += f" – {series.title}"
                body += f", {held_on.isoformat()}: {label(ATTENDANCE, code)}"
                if note.strip():
                    body += "\n" + note
                journal = JournalNote(person_id=m.person_id, case_id=m.case_id,
                                      note_type="session", body=body,
                                      author_id=self.user.id, created_at=now, signed_at=now)
                s.add(journal)
                s.flush()
                index_note(s, journal)
                self.log_sealed(s, "create", "journal_note", journal.id,
                                person_id=m.person_id)
                s.add(SessionAttendance(session_id=row.id, person_id=m.person_id,
                                        attendance=code, journal_note_id=journal.id))
                self.log(s, "create", person_id=m.person_id, record_type="session",
                         record_id=row.id)
            return row.id

    def record_recontact(self, series_id: int, person_id: int, attempted_on: date,
                         reached: bool, note: str = "") -> None:
        """An attempt at active re-contact after a drop-out (reached or not)."""
        problems: list[str] = []
        _check_note(problems, note)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            series = self._series(s, series_id)
            self._member(s, series_id, person_id)
            if series.ended_at is not None:
                raise ValidationError([_("The series has ended.")])
            if attempted_on > self._local_today():
                raise ValidationError([_("The attempt's date is in the future.")])
            row = Recontact(series_id=series_id, person_id=person_id,
                            attempted_on=attempted_on, reached=reached, note=note,
                            by_id=self.user.id, created_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="recontact",
                     record_id=row.id)

    # ------------------------------------------------------------------ reads
    def series_for(self, person_id: int) -> list[SeriesView]:
        """The person's series, each with their own sessions and re-contacts only."""
        with self.audited("session_series", person_id=person_id, needed=Level.SHELTER) as s:
            ids = list(s.scalars(select(SeriesMember.series_id).where(
                SeriesMember.person_id == person_id).order_by(SeriesMember.series_id)))
            return [self._view(s, self._series(s, i), person_id) for i in ids]

    def _view(self, s: Session, series: SessionSeries, person_id: int) -> SeriesView:
        today = self.today()
        kind = session_catalog().kinds.get(series.kind)
        lines = s.execute(
            select(SeriesSession, SessionAttendance, JournalNote.body)
            .join(SessionAttendance, SessionAttendance.session_id == SeriesSession.id)
            .outerjoin(JournalNote, JournalNote.id == SessionAttendance.journal_note_id)
            .where(SeriesSession.series_id == series.id,
                   SessionAttendance.person_id == person_id)
            .order_by(SeriesSession.held_on, SeriesSession.id)).all()
        tries = list(s.scalars(select(Recontact).where(
            Recontact.series_id == series.id, Recontact.person_id == person_id)
            .order_by(Recontact.attempted_on, Recontact.id)))
        names = user_names(s, {series.leader_id, *(r.recorded_by_id for r, _a, _b in lines),
                               *(t.by_id for t in tries)})
        due = None
        if kind is not None:
            due = rules.recontact_due(
                kind, series.started_on,
                [rules.Attendance(r.held_on, a.attendance) for r, a, _b in lines],
                [rules.Attempt(t.attempted_on, t.reached) for t in tries], today,
                ended=series.ended_at is not None)
        return SeriesView(
            series.id, person_id, series.kind, series.title, bool(kind and kind.group),
            names.get(series.leader_id, ""), series.leader_id == self.user.id,
            series.started_on, series.ended_at, series.end_reason, series.version,
            [SessionLine(r.id, r.held_on, a.attendance, body or "",
                         names.get(r.recorded_by_id, "")) for r, a, body in lines],
            [RecontactLine(t.attempted_on, t.reached, t.note, names.get(t.by_id, ""))
             for t in tries],
            due.dropped_on if due else None, due.due if due else None,
            bool(due and due.exhausted))

    def group(self, series_id: int) -> GroupView:
        """The group as its leader (or a manager) sees it: the members they may see."""
        with self.audited("session_group", check=lambda s: self._require_leader(
                s, self._series(s, series_id)), record_id=series_id) as s:
            series = self._series(s, series_id)
            members = [m for m in self._members(s, series_id)
                       if self.access.level(s, m.person_id) >= Level.SHELTER]
            counts: list[tuple[date, int, int]] = []
            for row in s.scalars(select(SeriesSession).where(
                    SeriesSession.series_id == series_id).order_by(SeriesSession.held_on)):
                marks = list(s.scalars(select(SessionAttendance.attendance).where(
                    SessionAttendance.session_id == row.id)))
                counts.append((row.held_on, marks.count("attended"), len(marks)))
            return GroupView(series.id, series.kind, series.title, series.version,
                             series.ended_at is not None,
                             [GroupMember(m.person_id, self._name(s, m.person_id),
                                          m.joined_on) for m in members], counts)

    def my_groups(self) -> list[GroupRow]:
        """The open groups this user leads (to add a person to one)."""
        self.require(Capability.CASE_CONTENT)
        group_kinds = [c for c, k in session_catalog().kinds.items() if k.group]
        with self.read() as s:
            rows = list(s.scalars(select(SessionSeries).where(
                SessionSeries.leader_id == self.user.id, SessionSeries.ended_at.is_(None),
                SessionSeries.kind.in_(group_kinds)).order_by(SessionSeries.id)))
            self.log(s, "view", record_type="session_groups")
            return [GroupRow(r.id, r.kind, r.title, r.started_on) for r in rows]


# ---------------------------------------------------------------------- due items

def sessions_due(svc: Service, s: Session) -> list[DueItem]:
    """Active re-contact after a drop-out: on the due list of the series' leader and of
    the member's own caseworkers – only for members whose record the user may see."""
    if not svc.access.can(Capability.CASE_CONTENT):
        return []
    mine = my_open_tracks(svc, s)
    today = svc.today()
    cat = session_catalog()
    items: list[DueItem] = []
    rows = s.execute(
        select(SessionSeries, SeriesMember)
        .join(SeriesMember, SeriesMember.series_id == SessionSeries.id)
        .where(SessionSeries.ended_at.is_(None), SeriesMember.left_on.is_(None),
               (SessionSeries.leader_id == svc.user.id)
               | SeriesMember.person_id.in_(list(mine)))).all()
    for series, member in rows:
        kind = cat.kinds.get(series.kind)
        if kind is None or svc.access.level(s, member.person_id) < Level.SHELTER:
            continue
        marks = s.execute(select(SeriesSession.held_on, SessionAttendance.attendance)
                          .join(SessionAttendance,
                                SessionAttendance.session_id == SeriesSession.id)
                          .where(SeriesSession.series_id == series.id,
                                 SessionAttendance.person_id == member.person_id)).all()
        tries = s.execute(select(Recontact.attempted_on, Recontact.reached).where(
            Recontact.series_id == series.id, Recontact.person_id == member.person_id)).all()
        due = rules.recontact_due(kind, series.started_on,
                                  [rules.Attendance(d, a) for d, a in marks],
                                  [rules.Attempt(d, r) for d, r in tries], today)
        if due is None:
            continue
        person = s.get(Person, member.person_id)
        name = summary_for(svc.access, s, person).display_name if person else "?"
        what = rules.kind_label(series.kind)
        title = (_n("{name}: not reached after {n} attempt – end the {what} or go on trying",
                    "{name}: not reached after {n} attempts – end the {what} or go on trying",
                    due.attempts, name=name, n=due.attempts, what=what) if due.exhausted
                 else _("{name}: re-contact – dropped out of {what}", name=name, what=what))
        items.append(DueItem("recontact", member.person_id,
                             mine.get(member.person_id, member.case_id), title, due.due,
                             due.due < today))
    return items
