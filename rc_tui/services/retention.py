"""Retention (gallring): what is due to be culled, culling it, and keep decisions.

Managers only (``Capability.RETENTION``; a refusal is access-logged). ``plan`` counts
what the rules (``rc_tui.domain.retention``, data in ``data/retention.toml``) make due,
per kind, and what the exceptions keep – counts only, nothing about any one person.
``apply`` culls it in one transaction (``storage.retention``):

* a person's record goes whole – details, tracks, journal, assessments, investigations,
  decisions, plans, consents, child reports, stays, safety plans, partner contacts made
  for her, referrals, talks, drafts, relations and keep decisions – with the search index
  rows; a case goes when all its members go (its intakes, samråd, closing history);
* the people culled together are a family (due persons sharing a case). A family that
  shares a case with someone who stays is held when it is in that case's approved samråd
  minutes or is the contact person of its intake (sealed minutes are never torn apart),
  and held when anything that stays still refers to its records;
* a family is never culled partly: before anything is deleted every sealed record that
  goes is checked against the hash its sealing logged, and a mismatch refuses the whole
  run (the evidence of a change is kept for ``rc-tui check``);
* the access log keeps one ``retention_cull`` entry per person, with a pseudonym (a keyed
  hash of the identity number, or of the record) instead of the person, one per sealed
  record with the hash it was sealed with, one per turned-away request or shift-log entry,
  and one flagged ``retention_apply`` entry with the counts. Nothing about the content.

Then the pages are reclaimed (``Vault.reclaim``: VACUUM and a TRUNCATE checkpoint), so no
deleted text is left in the database file or its write-ahead log.
"""

# The statements are built from table and column names of this module and integer ids
# (``_in``): never from text.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.domain import retention as rules_
from rc_tui.i18n import _, _n
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Clock, DueItem, Service, user_names, utcnow
from rc_tui.services.errors import ConflictError, ValidationError
from storage import audit
from storage import retention as culling
from storage.meta import get_meta, set_meta
from storage.models import RetentionKeep
from storage.values import ReclaimReport
from storage.vault import Vault

PSEUDONYM_KEY = "retention_pseudonym_key"
MAX_REASON = 500
#: hold reasons beyond the rules' verdicts (a family that cannot go as a whole)
HELD_SHARED = "shared_records"
HELD_REFERENCED = "referenced"


@dataclass(frozen=True)
class RetentionPlan:
    """Counts only: what is due per kind, and how many are kept, per reason."""

    today: date
    due: Mapping[str, int]
    kept: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.due.values())


@dataclass(frozen=True)
class RetentionResult:
    culled: Mapping[str, int]
    held: Mapping[str, int]
    sealed_records: int
    reclaim: ReclaimReport | None


@dataclass(frozen=True)
class KeepView:
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass
class _Work:
    """What the rules make due, with the holds: person ids by family, row ids by kind."""

    families: list[set[int]] = field(default_factory=list)
    cases: dict[int, set[int]] = field(default_factory=dict)  # family index -> whole cases
    rows: dict[str, list[int]] = field(default_factory=dict)  # turned_away, shift_log
    kept: Counter[str] = field(default_factory=Counter)


def _day(value: object) -> date:
    return date.fromisoformat(str(value)[:10])


def _in(ids: Iterable[int]) -> str:
    wanted = sorted({int(i) for i in ids})
    return "(" + ", ".join(map(str, wanted)) + ")" if wanted else "(NULL)"


#: every dated entry of a person's record: (person column, date column, table) – what was
#: written and when, never a date planned ahead (a plan item's due date) or a read
_ENTRIES = [
    ("id", "updated_at", "persons"),
    ("person_id", "added_at", "case_members"), ("person_id", "closed_at", "case_members"),
    ("person_id", "at", "closures"),
    ("person_id", "created_at", "journal_notes"), ("person_id", "signed_at", "journal_notes"),
    ("person_id", "updated_at", "assessments"), ("person_id", "signed_at", "assessments"),
    ("person_id", "recorded_at", "consents"),
    ("child_person_id", "created_at", "child_reports"),
    ("person_id", "updated_at", "investigations"),
    ("person_id", "concluded_at", "investigations"),
    ("person_id", "decided_at", "decisions"),
    ("person_id", "created_at", "plan_items"),
    ("person_id", "created_at", "followups"), ("person_id", "done_at", "followups"),
    ("person_id", "admitted_at", "stays"), ("person_id", "followed_up_at", "stays"),
    ("person_id", "created_at", "partner_contacts"),
    ("perpetrator_id", "created_at", "partner_contacts"),
    ("person_id", "updated_at", "safety_plans"),
    ("person_id", "updated_at", "referrals"),
    ("person_id", "joined_on", "series_members"), ("person_id", "left_on", "series_members"),
    ("person_id", "created_at", "recontacts"),
    ("person_id", "created_at", "turned_away"), ("person_id", "followed_up_at", "turned_away"),
    ("person_id", "written_at", "shift_entries"),
    ("contact_person_id", "created_at", "intakes"),
]


#: everyone a restricted record (not lifted) ties to: who shares a case with the person, and
#: who is named with them in a row the cull would delete or change (a relation, a link
#: between records, a partner contact, a stay accompanying theirs or accompanied by it).
#: Culling them would change the restricted record, which only its lifting allows (the
#: database refuses the stay's update and the person's delete; these deletes it would not).
_RESTRICTED = "SELECT person_id FROM person_restrictions WHERE lifted_at IS NULL"
_TIED_TO_RESTRICTED = " UNION ".join([
    "SELECT m1.person_id AS p FROM case_members m1 JOIN case_members m2 "
    f"ON m2.case_id = m1.case_id WHERE m2.person_id IN ({_RESTRICTED})",
    *(f"SELECT {a} FROM {table} WHERE {b} IN ({_RESTRICTED})"
      for table, x, y in (("relations", "from_person_id", "to_person_id"),
                          ("person_links", "anonymous_id", "known_id"),
                          ("partner_contacts", "person_id", "perpetrator_id"))
      for a, b in ((x, y), (y, x))),
    "SELECT a.person_id FROM stays a JOIN stays b ON a.accompanying_id = b.id "
    f"OR b.accompanying_id = a.id WHERE b.person_id IN ({_RESTRICTED})",
])


class RetentionService(Service):
    """``RetentionService(vault, screen="cli")``; every method is for managers."""

    def __init__(self, vault: Vault, *, screen: str = "", clock: Clock = utcnow,
                 rules: rules_.Rules | None = None) -> None:
        super().__init__(vault, screen=screen, clock=clock)
        self.rules = rules or rules_.rules()

    # ------------------------------------------------------------------ what is due
    def plan(self) -> RetentionPlan:
        """The dry run: counts per kind of what is due, and of what is kept and why."""
        self.require(Capability.CASE_CONTENT)
        with self.write() as s:
            self.access.require(Capability.RETENTION)
            work = self._work(s)
            result = self._plan_of(work)
            self.log(s, "retention_plan", record_type="retention",
                     reason=_counts(result.due))
        return result

    def due_total(self, s: Session) -> int:
        """How many records are due (the manager's due item), in the caller's
        transaction."""
        return self._plan_of(self._work(s)).total

    def _plan_of(self, work: _Work) -> RetentionPlan:
        due = {kind: 0 for kind in rules_.KINDS}
        due["person_record"] = sum(len(f) for f in work.families)
        for kind, ids in work.rows.items():
            due[kind] = len(ids)
        return RetentionPlan(self.today(), due, dict(work.kept))

    def _work(self, s: Session) -> _Work:
        today = self.today()
        work = _Work()
        due = self._due_persons(s, today, work.kept)
        self._families(s, due, work)
        for kind, table, column in (("turned_away", "turned_away", "requested_at"),
                                    ("shift_log", "shift_entries", "written_at")):
            rule = self.rules.kinds[kind]
            event = rule.starts[0]
            extra = " AND journal_note_id IS NULL" if table == "shift_entries" else ""
            # nothing written after this day can be due (the rules decide the rest)
            latest = rules_.add_years(today, -rule.years) + timedelta(days=1)
            rows = s.execute(text(
                f"SELECT id, {column} FROM {table} WHERE person_id IS NULL{extra} "
                f"AND {column} < :d"), {"d": latest}).all()
            work.rows[kind] = [
                int(rid) for rid, when in rows
                if rules_.evaluate(rules_.Facts(kind, {event: _day(when)}), self.rules,
                                   today).due]
        return work

    def _due_persons(self, s: Session, today: date, kept: Counter[str]) -> set[int]:
        rule = self.rules.kinds["person_record"]
        # nobody registered after this day can be due (their last entry is later)
        latest = rules_.add_years(today, -rule.years) + timedelta(days=1)
        candidates = {int(pid): (bd, str(created)) for pid, bd, created in s.execute(text(
            "SELECT id, birth_date, created_at FROM persons WHERE created_at < :d"),
            {"d": latest}).all()}
        if not candidates:
            return set()
        ids = _in(candidates)
        last: dict[int, date] = {}
        union = " UNION ALL ".join(
            f"SELECT {pcol} AS p, {dcol} AS d FROM {table} WHERE {pcol} IN {ids} "
            f"AND {dcol} IS NOT NULL" for pcol, dcol, table in _ENTRIES)
        for pid, when in s.execute(text(f"SELECT p, max(d) FROM ({union}) GROUP BY p")):
            last[int(pid)] = _day(when)
        stays: dict[int, date | None] = {}
        for pid, open_, departed in s.execute(text(
                "SELECT person_id, max(departed_at IS NULL), max(departed_at) FROM stays "
                f"WHERE person_id IN {ids} GROUP BY person_id")):
            stays[int(pid)] = None if open_ else _day(departed)
        open_case = set(s.scalars(text(
            "SELECT DISTINCT m.person_id FROM case_members m JOIN cases c ON c.id = m.case_id "
            f"WHERE c.status = 'open' AND m.person_id IN {ids}")))
        family_open = set(s.scalars(text(
            "SELECT DISTINCT m1.person_id FROM case_members m1 "
            "JOIN case_members m2 ON m2.case_id = m1.case_id "
            "JOIN case_members m3 ON m3.person_id = m2.person_id "
            "JOIN cases c ON c.id = m3.case_id "
            f"WHERE c.status = 'open' AND m1.person_id IN {ids}")))
        keeps = set(s.scalars(text(
            "SELECT person_id FROM retention_keeps WHERE lifted_at IS NULL "
            f"AND person_id IN {ids}")))
        restricted = set(s.scalars(text(
            f"SELECT person_id FROM person_restrictions WHERE lifted_at IS NULL "
            f"AND person_id IN {ids}")))
        family_restricted = set(s.scalars(text(
            f"SELECT p FROM ({_TIED_TO_RESTRICTED}) WHERE p IN {ids}")))
        due: set[int] = set()
        for pid, (birth, _created) in candidates.items():
            events: dict[str, date | None] = {"last_entry": last.get(pid, _day(_created))}
            if pid in stays:
                events["stay_end"] = stays[pid]
            facts = rules_.Facts(
                "person_record", events, birth_date=_day(birth) if birth else None,
                keep_decision=pid in keeps, open_case=pid in open_case,
                family_open_case=pid in family_open, restricted=pid in restricted,
                family_restricted=pid in family_restricted)
            result = rules_.evaluate(facts, self.rules, today)
            if result.due:
                due.add(pid)
            elif result.verdict is not rules_.Verdict.NOT_YET:
                kept[result.verdict.value] += 1
        return due

    def _families(self, s: Session, due: set[int], work: _Work) -> None:
        """Group the due persons into families (sharing a case); hold a family that shares
        sealed minutes or an intake with someone who stays."""
        if not due:
            return
        members: dict[int, set[int]] = defaultdict(set)  # case -> persons
        cases_of: dict[int, set[int]] = defaultdict(set)  # person -> cases
        for case_id, pid in s.execute(text(
                "SELECT case_id, person_id FROM case_members WHERE case_id IN ("
                f"SELECT case_id FROM case_members WHERE person_id IN {_in(due)})")):
            members[int(case_id)].add(int(pid))
            cases_of[int(pid)].add(int(case_id))
        seen: set[int] = set()
        for start in sorted(due):
            if start in seen:
                continue
            family, todo = set(), [start]
            while todo:
                pid = todo.pop()
                if pid in family:
                    continue
                family.add(pid)
                todo.extend(q for c in cases_of[pid] for q in members[c] if q in due)
            seen |= family
            cases = {c for p in family for c in cases_of[p]}
            whole = {c for c in cases if members[c] <= family}
            staying = cases - whole
            if staying and self._shares_sealed(s, family, staying):
                work.kept[HELD_SHARED] += len(family)
                continue
            work.families.append(family)
            work.cases[len(work.families) - 1] = whole

    @staticmethod
    def _shares_sealed(s: Session, family: set[int], staying: set[int]) -> bool:
        p, c = _in(family), _in(staying)
        return s.execute(text(
            f"SELECT 1 FROM samrad m WHERE m.case_id IN {c} AND m.approved_at IS NOT NULL "
            "AND (EXISTS (SELECT 1 FROM samrad_persons x WHERE x.samrad_id = m.id "
            f"AND x.person_id IN {p}) OR EXISTS (SELECT 1 FROM samrad_actions x "
            f"WHERE x.samrad_id = m.id AND x.person_id IN {p})) "
            f"UNION ALL SELECT 1 FROM intakes WHERE case_id IN {c} "
            f"AND contact_person_id IN {p} LIMIT 1")).first() is not None

    # ------------------------------------------------------------------ culling
    def apply(self, confirmed: Mapping[str, int]) -> RetentionResult:
        """Cull what is due, as ``plan`` counted it (``confirmed``: the counts the manager
        confirmed; a different count now is a ``ConflictError``: show the plan again).
        One transaction; then the pages are reclaimed."""
        self.require(Capability.CASE_CONTENT)
        with self.write() as s:
            self.access.require(Capability.RETENTION)
            work = self._work(s)
            plan = self._plan_of(work)
            if dict(plan.due) != dict(confirmed):
                raise ConflictError("retention plan")
            held: Counter[str] = Counter()
            culled: Counter[str] = Counter(dict.fromkeys(rules_.KINDS, 0))
            entries: list[dict[str, object]] = []
            key = self._pseudonym_key(s)
            with culling.culling(s, self.clock()):
                for index, family in enumerate(work.families):
                    cases = work.cases.get(index, set())
                    sealed = culling.sealed_records(s, family, cases)
                    if culling.unmatched_seals(s, sealed):
                        raise ValidationError([_(
                            "A sealed record due to be culled does not match its seal: "
                            "nothing was culled. Run rc-tui check.")])
                    names = self._pseudonyms(s, family, key)
                    nested = s.begin_nested()
                    if not culling.delete_records(s, family, cases):
                        nested.rollback()
                        held[HELD_REFERENCED] += len(family)
                        continue
                    nested.commit()
                    culled["person_record"] += len(family)
                    entries += [self._entry("person", None, None, f"pseudonym {names[p]}")
                                for p in sorted(family)]
                    entries += [self._entry(kind, rid, digest,
                                            f"pseudonym {names[owner]}" if owner else "case")
                                for (kind, rid), (digest, owner) in sorted(sealed.items())]
                for kind, table, record_type in (("turned_away", "turned_away", "turned_away"),
                                                 ("shift_log", "shift_entries", "shift_entry")):
                    ids = work.rows.get(kind, [])
                    culling.delete_rows(s, table, ids)
                    culled[kind] += len(ids)
                    entries += [self._entry(record_type, rid, None, None) for rid in ids]
            audit.append_many(s, entries)
            self.log(s, "retention_apply", record_type="retention", flagged=True,
                     reason=_counts(culled) + (f"; held {_counts(held)}" if held else ""))
        _forget_due_counts()
        report = self.vault.reclaim() if entries else None
        return RetentionResult(dict(culled), dict(held),
                               sum(1 for e in entries if e.get("content_hash")), report)

    def _entry(self, record_type: str, record_id: int | None, digest: str | None,
               reason: str | None) -> dict[str, object]:
        return {"action": culling.CULL_ACTION, "user_id": self.user.id,
                "username": self.user.username, "screen": self.screen,
                "record_type": record_type, "record_id": record_id,
                "content_hash": digest, "reason": reason}

    def _pseudonyms(self, s: Session, family: set[int], key: bytes) -> dict[int, str]:
        """A keyed hash per person: of the identity number when there is one (so a later
        question "was this person's record culled?" can be answered with the key), else
        of the record's id and creation time."""
        out: dict[int, str] = {}
        for pid, number, created in s.execute(text(
                f"SELECT id, id_number, created_at FROM persons WHERE id IN {_in(family)}")):
            material = f"id_number:{number}" if number else f"person:{pid}:{created}"
            out[int(pid)] = pseudonym(key, material)
        return out

    @staticmethod
    def _pseudonym_key(s: Session) -> bytes:
        stored = get_meta(s, PSEUDONYM_KEY)
        if stored is None:
            stored = secrets.token_hex(32)
            set_meta(s, PSEUDONYM_KEY, stored)
        return bytes.fromhex(str(stored))

    def reclaim(self) -> ReclaimReport:
        """Reclaim the pages again (after an ``apply`` whose checkpoint waited for others
        in vain)."""
        self.require(Capability.CASE_CONTENT)
        with self.write() as s:
            self.access.require(Capability.RETENTION)
            self.log(s, "retention_reclaim", record_type="retention")
        return self.vault.reclaim()

    # ------------------------------------------------------------------ keep decisions
    def keep(self, person_id: int, reason: str) -> None:
        """A manager's decision to keep the person's record past its period."""
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError([_("State why the record is kept.")])
        if len(reason) > MAX_REASON:
            raise ValidationError([_("A text may have at most {n} characters.",
                                     n=MAX_REASON)])
        with self.write() as s:
            self.access.require(Capability.RETENTION)
            self.require_person(s, person_id, Level.FULL)
            if _active_keep(s, person_id) is not None:
                raise ValidationError([_("The record is already kept.")])
            row = RetentionKeep(person_id=person_id, reason=reason,
                                decided_by_id=self.user.id, decided_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "retention_keep", person_id=person_id, record_type="retention_keep",
                     record_id=row.id)
        _forget_due_counts()

    def lift_keep(self, person_id: int) -> None:
        with self.write() as s:
            self.access.require(Capability.RETENTION)
            self.require_person(s, person_id, Level.FULL)
            row = _active_keep(s, person_id)
            if row is None:
                raise ValidationError([_("The record has no keep decision.")])
            row.lifted_at = self.clock()
            row.lifted_by_id = self.user.id
            self.log(s, "retention_keep_lifted", person_id=person_id,
                     record_type="retention_keep", record_id=row.id)
        _forget_due_counts()

    def keep_of(self, person_id: int) -> KeepView | None:
        """The person's keep decision in force, if any."""
        with self.write() as s:
            self.access.require(Capability.RETENTION)
            self.require_person(s, person_id, Level.FULL)
            row = _active_keep(s, person_id)
            if row is None:
                return None
            self.log(s, "view", person_id=person_id, record_type="retention_keep",
                     record_id=row.id)
            names = user_names(s, {row.decided_by_id})
            return KeepView(row.reason, names.get(row.decided_by_id, "?"), row.decided_at)


def _active_keep(s: Session, person_id: int) -> RetentionKeep | None:
    return s.scalar(select(RetentionKeep).where(
        RetentionKeep.person_id == person_id, RetentionKeep.lifted_at.is_(None)))


def pseudonym(key: bytes, material: str) -> str:
    return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _counts(counts: Mapping[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(counts.items()))


#: How long a process reuses the due count of a database for the manager's due item.
DUE_COUNT_SECONDS = 15 * 60
#: (database, day) -> (count, when counted: ``time.monotonic``). Counting takes every dated
#: entry of every person (about 3 s of CPU on 100,000 persons and a million notes, at each
#: due list of every manager's session); the count is a reminder, while the plan and the
#: cull always count afresh. A cull or a keep decision in this process counts again.
_due_counts: dict[tuple[str, date], tuple[int, float]] = {}


def _forget_due_counts() -> None:
    _due_counts.clear()


def retention_due(svc: Service, s: Session) -> list[DueItem]:
    """Managers: culling is due (counts only; ``rc-tui retention`` culls). The count is
    reused for :data:`DUE_COUNT_SECONDS` within the day."""
    if not svc.access.can(Capability.RETENTION):
        return []
    key = (str(svc.vault.path), svc.today())
    known = _due_counts.get(key)
    if known is not None and time.monotonic() - known[1] < DUE_COUNT_SECONDS:
        total = known[0]
    else:
        total = RetentionService(svc.vault, screen=svc.screen, clock=svc.clock).due_total(s)
        _due_counts[key] = (total, time.monotonic())
    if not total:
        return []
    today = svc.today()
    return [DueItem("retention", None, None,
                    _n("Retention: {n} record is due to be culled (rc-tui retention)",
                       "Retention: {n} records are due to be culled (rc-tui retention)",
                       total, n=total), today, False)]


__all__ = ["HELD_REFERENCED", "HELD_SHARED", "KeepView", "RetentionPlan",
           "RetentionResult", "RetentionService", "pseudonym", "retention_due"]
