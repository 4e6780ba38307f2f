"""Access-log review (loggkontroll) for managers: filter, highlight, mark reviewed,
summarise per user and month, and verify the hash chain.

Escalations – every assignment, link of an existing person into a case or a stay,
emergency access and protected-identity reveal – are flagged in the access-log entry
when they happen (``flagged``, covered by the hash chain), never recomputed later. The
review shows, with each escalation, the reads of the same person by the same user that
follow it in the same session.

A *session* is what the access log can tell: it starts at the user's ``login`` entry
(a new login, or unlocking again, which is a new login) and ends at that user's next
``login``, ``logout``, ``lock``, ``lock_idle``, ``lock_expired``, ``lock_revoked``,
``session_revoked`` or ``hangup`` entry – the lifetime of the session's emergency grants
and revealed identities. Entries of the same
user from two terminals open at once fall in whichever of the two began last.

"Not assigned" is judged at the time of each entry (the assignments whose ``assign``
entry comes before it, and not yet ended), and an assignment a user made for themselves
to a person somebody else registered never counts – only a manager's assignment, or the
user's own assignment to a person they registered themselves.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rc_tui.i18n import _
from rc_tui.services.access import Capability, capabilities_of
from rc_tui.services.base import Service
from rc_tui.services.errors import VaultError
from rc_tui.services.people import display_name, summary_for
from storage import audit
from storage.models import (
    AccessLog,
    AccessLogReview,
    Assignment,
    CaseMember,
    Person,
    User,
)
from storage.roles import Role

LOCAL = ZoneInfo("Europe/Stockholm")
WORK_START, WORK_END = 7, 18  # local hours, Monday-Friday

#: flagged entries of these actions are escalations of someone's access
ESCALATIONS = ("assign", "link", "emergency", "reveal")
#: entries that show a person's data to the user
READS = ("view", "search_hit", "duplicate_hit", "export")
#: where a user's session starts and ends in the access log
SESSION_START = "login"
SESSION_BOUNDS = (SESSION_START, "logout", "lock", "lock_idle", "lock_expired", "lock_revoked",
                  "session_revoked", "hangup")


def outside_working_hours(ts_utc: datetime) -> bool:
    local = ts_utc.replace(tzinfo=UTC).astimezone(LOCAL)
    return local.weekday() >= 5 or not WORK_START <= local.hour < WORK_END


@dataclass(frozen=True)
class LogFilter:
    username: str | None = None
    person_id: int | None = None
    #: part of a name: the entries about the persons whose name the reviewer may see and
    #: which contains it (a protected identity is never found by its name)
    person_name: str | None = None
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive
    action: str | None = None
    only_highlighted: bool = False
    limit: int = 500


@dataclass(frozen=True)
class LogEntry:
    id: int
    ts: datetime
    username: str
    action: str
    outcome: str
    person_id: int | None
    record: str  # what kind of record (its id is the log's, not shown)
    screen: str
    reason: str
    emergency: bool
    protected: bool
    after_hours: bool
    not_assigned: bool
    reviewed: bool
    #: flagged when it was written (escalations, exports, samråd without consent …)
    flagged: bool = False
    #: an assignment, link, emergency access or reveal (flagged when it happened)
    escalation: bool = False
    #: a read that follows this escalation entry in the same session (its id), or None
    follows: int | None = None
    #: the person as the reviewer may see them: the name, or for a protected identity
    #: the neutral label the lists show ("" when the entry is about nobody)
    person: str = ""

    @property
    def highlighted(self) -> bool:
        return (self.emergency or self.flagged or self.protected or self.after_hours
                or self.not_assigned or self.follows is not None)


@dataclass(frozen=True)
class Escalation:
    """One escalation and the reads of the same person by the same user that followed
    it in the same session."""

    entry: LogEntry
    reads: list[LogEntry]


@dataclass(frozen=True)
class MonthSummary:
    username: str
    month: str
    entries: int
    person_views: int
    emergency: int
    highlighted: int


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    rows: int
    head: str
    problem: str


class LogReviewService(Service):
    def entries(self, flt: LogFilter) -> list[LogEntry]:
        self.require(Capability.LOG_REVIEW)
        with self.read() as s:
            q = select(AccessLog).order_by(AccessLog.id.desc())
            if flt.username:
                q = q.where(AccessLog.username == flt.username)
            if flt.person_id is not None:
                q = q.where(AccessLog.person_id == flt.person_id)
            named: list[int] = []
            if flt.person_name:
                named = self._named(s, flt.person_name)
                q = q.where(AccessLog.person_id.in_(named))
            if flt.start is not None:
                q = q.where(AccessLog.ts >= flt.start)
            if flt.end is not None:
                q = q.where(AccessLog.ts < flt.end)
            if flt.action:
                q = q.where(AccessLog.action == flt.action)
            rows = list(s.scalars(q.limit(flt.limit * (5 if flt.only_highlighted else 1))))
            result: list[LogEntry] = []
            for entry in self._entries(s, rows):
                if flt.only_highlighted and not entry.highlighted:
                    continue
                result.append(entry)
                if len(result) >= flt.limit:
                    break
            # a name is not written to the (unerasable) log: how many persons it matched
            person = (f"name({len(named)})" if flt.person_name
                      else str(flt.person_id or "*"))
            self.log(s, "view", record_type="access_log",
                     reason=f"filter user={flt.username or '*'} person={person}")
            return result

    def _named(self, s: Session, part: str) -> list[int]:
        """The persons whose name (as this reviewer may see it) contains ``part``."""
        wanted = unicodedata.normalize("NFC", part).casefold().strip()
        found = []
        for p in s.scalars(select(Person)):
            if not self.access.identity_visible(s, p):
                continue
            name = display_name(p.given_name, p.family_name, p.alias)
            if wanted in unicodedata.normalize("NFC", name).casefold():
                found.append(p.id)
        return found

    def escalation(self, log_id: int) -> Escalation:
        """An escalation entry and the reads of the same person by the same user that
        followed it in the same session (oldest first)."""
        self.require(Capability.LOG_REVIEW)
        with self.read() as s:
            row = s.get(AccessLog, log_id)
            if row is None or not (row.flagged and row.action in ESCALATIONS):
                raise VaultError("not an escalation")
            end = s.scalar(select(func.min(AccessLog.id)).where(
                AccessLog.id > row.id, AccessLog.user_id == row.user_id,
                AccessLog.action.in_(SESSION_BOUNDS)))
            q = select(AccessLog).where(
                AccessLog.id > row.id, AccessLog.user_id == row.user_id,
                AccessLog.person_id == row.person_id, AccessLog.action.in_(READS))
            if end is not None:
                q = q.where(AccessLog.id < end)
            later = list(s.scalars(q.order_by(AccessLog.id)))
            entries = self._entries(s, [row, *later])
            self.log(s, "view", record_type="access_log", record_id=row.id,
                     reason="escalation")
            return Escalation(entries[0], entries[1:])

    def _entries(self, s: Session, rows: list[AccessLog]) -> list[LogEntry]:
        """The review's view of raw rows: stored flags, and what is judged per entry."""
        person_ids = {r.person_id for r in rows if r.person_id is not None}
        persons = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(person_ids)))}
        protected = {i for i, p in persons.items() if p.protection_level != "none"}
        # the name where the reviewer may see it, the lists' neutral label where not
        names = {i: summary_for(self.access, s, p).display_name for i, p in persons.items()}
        assigned = _assigned_since(s, person_ids)
        follows = _follows(s, rows)
        reviewed = set(s.scalars(select(AccessLogReview.log_id).where(
            AccessLogReview.log_id.in_([r.id for r in rows]))))
        result: list[LogEntry] = []
        for r in rows:
            person = r.person_id
            not_assigned = (person is not None and r.user_id is not None
                            and r.action != "create"
                            and not _was_assigned(assigned.get((r.user_id, person), []), r))
            result.append(LogEntry(
                r.id, r.ts, r.username or "", r.action, r.outcome, person,
                r.record_type or "", r.screen or "",
                r.reason or "", r.action == "emergency", person in protected,
                outside_working_hours(r.ts), not_assigned, r.id in reviewed,
                bool(r.flagged), bool(r.flagged) and r.action in ESCALATIONS,
                follows.get(r.id),
                "" if person is None else names.get(person, _("a removed person"))))
        return result

    def mark_reviewed(self, log_ids: list[int]) -> int:
        """Mark entries reviewed (the marking is itself logged). Returns how many were new."""
        self.require(Capability.LOG_REVIEW)
        with self.write() as s:
            done = set(s.scalars(select(AccessLogReview.log_id).where(
                AccessLogReview.log_id.in_(log_ids))))
            new = [i for i in log_ids if i not in done]
            now = self.clock()
            for log_id in new:
                s.add(AccessLogReview(log_id=log_id, reviewed_by_id=self.user.id,
                                      reviewed_at=now))
            if new:
                self.log(s, "review", record_type="access_log", record_id=new[0],
                         reason=f"{len(new)} entries")
            return len(new)

    def monthly_summary(self) -> list[MonthSummary]:
        self.require(Capability.LOG_REVIEW)
        with self.read() as s:
            month = func.strftime("%Y-%m", AccessLog.ts)
            rows = s.execute(
                select(AccessLog.username, month.label("m"), func.count(),
                       func.sum(text("CASE WHEN action = 'view' AND person_id IS NOT NULL "
                                     "THEN 1 ELSE 0 END")),
                       func.sum(text("CASE WHEN action = 'emergency' THEN 1 ELSE 0 END")),
                       func.sum(text("CASE WHEN flagged THEN 1 ELSE 0 END")))
                .where(AccessLog.username.is_not(None))
                .group_by(AccessLog.username, month).order_by(text("m DESC"),
                                                               AccessLog.username)
            ).all()
            return [MonthSummary(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0),
                                 int(r[5] or 0)) for r in rows]

    def chain_status(self) -> ChainStatus:
        """Verify the whole hash chain (shown to managers at login)."""
        self.require(Capability.LOG_REVIEW)
        with self.vault.session() as s:
            report = audit.verify_chain(s)
        return ChainStatus(report.ok, report.rows, report.head_hash,
                           report.problems[0] if report.problems else "")


# (user id, person id) -> [(log id of the assign entry, ended at)] of counting assignments
_Assigned = dict[tuple[int, int], list[tuple[int, datetime | None]]]


def _assigned_since(s: Session, person_ids: set[int]) -> _Assigned:
    """When each assignment to these persons began, in access-log order: the k-th
    assignment of a member (by id) is the k-th ``assign`` entry for that member – both
    are written in the same transaction. Assignments a user made for themselves count
    only for persons they registered (their own intake) or when they are a manager."""
    if not person_ids:
        return {}
    rows = s.execute(
        select(Assignment.id, Assignment.case_member_id, Assignment.user_id,
               Assignment.assigned_by_id, Assignment.ended_at, CaseMember.person_id,
               Person.created_by_id, User.role)
        .join(CaseMember, CaseMember.id == Assignment.case_member_id)
        .join(Person, Person.id == CaseMember.person_id)
        .join(User, User.id == Assignment.user_id)
        .where(CaseMember.person_id.in_(person_ids)).order_by(Assignment.id)).all()
    members = {r.case_member_id for r in rows}
    starts: dict[int, list[int]] = defaultdict(list)
    for log_id, member_id in s.execute(
            select(AccessLog.id, AccessLog.record_id).where(
                AccessLog.action == "assign", AccessLog.record_type == "case_member",
                AccessLog.record_id.in_(members)).order_by(AccessLog.id)).all():
        if member_id is not None:
            starts[member_id].append(log_id)
    seen: dict[int, int] = defaultdict(int)
    out: _Assigned = defaultdict(list)
    for r in rows:
        index = seen[r.case_member_id]
        seen[r.case_member_id] += 1
        logged = starts.get(r.case_member_id, [])
        # an assignment without its entry (older data) counts from the beginning
        start = logged[index] if index < len(logged) else 0
        counts = (r.assigned_by_id != r.user_id or r.created_by_id == r.user_id
                  or Capability.ALL_CASES in capabilities_of(Role(r.role)))
        if counts:
            out[(r.user_id, r.person_id)].append((start, r.ended_at))
    return out


def _was_assigned(spans: list[tuple[int, datetime | None]], row: AccessLog) -> bool:
    return any(start < row.id and (ended is None or row.ts < ended) for start, ended in spans)


def _follows(s: Session, rows: list[AccessLog]) -> dict[int, int]:
    """Read entry id -> the escalation it follows: the latest escalation of the same
    person by the same user earlier in the same session (see the module docstring)."""
    reads = [r for r in rows if r.action in READS and r.person_id is not None
             and r.user_id is not None]
    if not reads:
        return {}
    users = {r.user_id for r in reads}
    persons = {r.person_id for r in reads}
    first, last = min(r.id for r in reads), max(r.id for r in reads)
    # where the earliest of these users' sessions containing ``first`` began
    starts = s.execute(select(func.max(AccessLog.id)).where(
        AccessLog.user_id.in_(users), AccessLog.action == SESSION_START,
        AccessLog.id <= first).group_by(AccessLog.user_id)).scalars().all()
    # (a user without a login before ``first`` has every session after it)
    since = min((i for i in starts if i is not None), default=first)
    bounds: dict[int, list[tuple[int, str]]] = defaultdict(list)
    escalations: dict[tuple[int, int], list[int]] = defaultdict(list)
    for log_id, user_id, person_id, action, flagged in s.execute(
            select(AccessLog.id, AccessLog.user_id, AccessLog.person_id, AccessLog.action,
                   AccessLog.flagged)
            .where(AccessLog.user_id.in_(users), AccessLog.id >= since,
                   AccessLog.id <= last,
                   AccessLog.action.in_(SESSION_BOUNDS + ESCALATIONS))
            .order_by(AccessLog.id)).all():
        if user_id is None:
            continue
        if action in SESSION_BOUNDS:
            bounds[user_id].append((log_id, action))
        elif flagged and person_id in persons and person_id is not None:
            escalations[(user_id, person_id)].append(log_id)
    out: dict[int, int] = {}
    for r in reads:
        assert r.user_id is not None and r.person_id is not None
        marks = bounds.get(r.user_id, [])
        at = bisect_left([b[0] for b in marks], r.id)
        if at == 0 or marks[at - 1][1] != SESSION_START:
            continue  # not inside a session that began with a login
        session_start = marks[at - 1][0]
        ids = escalations.get((r.user_id, r.person_id), [])
        before = [i for i in ids if session_start < i < r.id]
        if before:
            out[r.id] = before[-1]
    return out
