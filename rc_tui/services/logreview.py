"""Access-log review (loggkontroll) for managers: filter, highlight, mark reviewed,
summarise per user and month, and verify the hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from rc_tui.services.base import Service
from storage import audit
from storage.errors import PermissionDenied
from storage.models import AccessLog, AccessLogReview, Assignment, CaseMember, Person

LOCAL = ZoneInfo("Europe/Stockholm")
WORK_START, WORK_END = 7, 18  # local hours, Monday-Friday


def outside_working_hours(ts_utc: datetime) -> bool:
    local = ts_utc.replace(tzinfo=UTC).astimezone(LOCAL)
    return local.weekday() >= 5 or not WORK_START <= local.hour < WORK_END


@dataclass(frozen=True)
class LogFilter:
    username: str | None = None
    person_id: int | None = None
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
    record: str
    screen: str
    reason: str
    emergency: bool
    protected: bool
    after_hours: bool
    not_assigned: bool
    reviewed: bool

    @property
    def highlighted(self) -> bool:
        return self.emergency or self.protected or self.after_hours or self.not_assigned


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
    def _require_manager(self) -> None:
        if not self.access.is_manager:
            raise PermissionDenied("log review is for managers")

    def entries(self, flt: LogFilter) -> list[LogEntry]:
        self._require_manager()
        with self.read() as s:
            q = select(AccessLog).order_by(AccessLog.id.desc())
            if flt.username:
                q = q.where(AccessLog.username == flt.username)
            if flt.person_id is not None:
                q = q.where(AccessLog.person_id == flt.person_id)
            if flt.start is not None:
                q = q.where(AccessLog.ts >= flt.start)
            if flt.end is not None:
                q = q.where(AccessLog.ts < flt.end)
            if flt.action:
                q = q.where(AccessLog.action == flt.action)
            rows = list(s.scalars(q.limit(flt.limit * (5 if flt.only_highlighted else 1))))
            person_ids = {r.person_id for r in rows if r.person_id is not None}
            protected = set(s.scalars(select(Person.id).where(
                Person.id.in_(person_ids), Person.protection_level != "none")))
            assigned_pairs = {
                (u, p) for u, p in s.execute(
                    select(Assignment.user_id, CaseMember.person_id)
                    .join(CaseMember, CaseMember.id == Assignment.case_member_id)
                    .where(CaseMember.person_id.in_(person_ids))).all()
            }
            reviewed = set(s.scalars(select(AccessLogReview.log_id).where(
                AccessLogReview.log_id.in_([r.id for r in rows]))))
            result: list[LogEntry] = []
            for r in rows:
                person = r.person_id
                not_assigned = (person is not None and r.user_id is not None
                                and (r.user_id, person) not in assigned_pairs
                                and r.action not in ("create",))
                entry = LogEntry(
                    r.id, r.ts, r.username or "", r.action, r.outcome, person,
                    f"{r.record_type or ''} {r.record_id or ''}".strip(), r.screen or "",
                    r.reason or "", r.action == "emergency" or r.flagged,
                    person in protected, outside_working_hours(r.ts), not_assigned,
                    r.id in reviewed)
                if flt.only_highlighted and not entry.highlighted:
                    continue
                result.append(entry)
                if len(result) >= flt.limit:
                    break
            self.log(s, "view", record_type="access_log",
                     reason=f"filter user={flt.username or '*'} person={flt.person_id or '*'}")
            return result

    def mark_reviewed(self, log_ids: list[int]) -> int:
        """Mark entries reviewed (the marking is itself logged). Returns how many were new."""
        self._require_manager()
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
        self._require_manager()
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
        self._require_manager()
        with self.vault.session() as s:
            report = audit.verify_chain(s)
        return ChainStatus(report.ok, report.rows, report.head_hash,
                           report.problems[0] if report.problems else "")
