"""Safety plans: written, signed with a review date, versioned (see the package's
docstring)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.domain.ages import age_from_year, age_on
from rc_tui.domain.safety import (
    MAX_TEXT,
    StoredSection,
    read_snapshot,
    review_problems,
    snapshot,
    templates,
)
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.base import DueItem, Service, user_names
from rc_tui.services.errors import NoAccess, ValidationError, VaultError
from rc_tui.services.people import summary
from storage.models import CaseMember, PartnerContact, Person, SafetyPlan

# ---------------------------------------------------------------------- safety plans

@dataclass(frozen=True)
class SafetyPlanRow:
    id: int
    person_id: int
    template: str
    title: str
    status: str  # draft | signed
    created_at: datetime
    signed_at: datetime | None
    review_on: date | None
    author: str
    supersedes_id: int | None
    superseded: bool
    mine: bool


@dataclass(frozen=True)
class SafetyPlanView:
    id: int
    person_id: int
    version: int
    template: str
    title: str
    sections: tuple[StoredSection, ...]
    texts: dict[str, str] = field(default_factory=dict)
    review_on: date | None = None
    created_by: str = ""
    signed_by: str = ""
    signed_at: datetime | None = None
    supersedes_id: int | None = None
    mine: bool = False

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


def _age(person: Person, today: date) -> int | None:
    try:
        if person.birth_date is not None:
            return age_on(person.birth_date, today)
        if person.birth_year is not None:
            return age_from_year(person.birth_year, today)
    except ValueError:
        return None
    return None


class SafetyPlanService(Service):
    def _row(self, s: Session, plan_id: int) -> SafetyPlan:
        row = s.get(SafetyPlan, plan_id)
        if row is None:
            raise VaultError("not found")
        self.require_person(s, row.person_id, Level.FULL)
        return row

    def history(self, person_id: int) -> list[SafetyPlanRow]:
        """Every plan of the person, oldest first (unsigned ones included)."""
        with self.audited("safety_plan_list", person_id=person_id) as s:
            rows = list(s.scalars(select(SafetyPlan).where(SafetyPlan.person_id == person_id)
                                  .order_by(SafetyPlan.created_at, SafetyPlan.id)))
            names = user_names(s, {r.signed_by_id or r.created_by_id for r in rows})
            superseded = {r.supersedes_id for r in rows if r.supersedes_id}
            return [SafetyPlanRow(
                r.id, r.person_id, r.template, read_snapshot(r.definition)[0],
                "signed" if r.signed_at else "draft", r.created_at, r.signed_at, r.review_on,
                names.get(r.signed_by_id or r.created_by_id, ""), r.supersedes_id,
                r.id in superseded, r.created_by_id == self.user.id) for r in rows]

    def get(self, plan_id: int) -> SafetyPlanView:
        with self.read() as s:
            row = self._row(s, plan_id)
            self.log(s, "view", person_id=row.person_id, record_type="safety_plan",
                     record_id=row.id)
            return self._view(s, row)

    def _view(self, s: Session, row: SafetyPlan) -> SafetyPlanView:
        title, sections = read_snapshot(row.definition)
        names = user_names(s, {row.created_by_id, row.signed_by_id})
        return SafetyPlanView(
            row.id, row.person_id, row.version, row.template, title, sections,
            dict(json.loads(row.sections or "{}")), row.review_on,
            names.get(row.created_by_id, ""), names.get(row.signed_by_id or 0, ""),
            row.signed_at, row.supersedes_id, row.created_by_id == self.user.id)

    def _template_for(self, s: Session, person_id: int) -> str:
        """The template the person gets: a child's by role, a partner's when a partner
        contact is in her record, else an adult victim's (never one for the man himself)."""
        roles = set(s.scalars(select(CaseMember.role).where(
            CaseMember.person_id == person_id)))
        if roles == {"perpetrator"}:
            raise ValidationError([_("A safety plan is made for a victim, a child or a "
                                     "partner.")])
        if "child" in roles:
            return "child"
        partner = s.scalar(select(PartnerContact.id).where(
            PartnerContact.person_id == person_id).limit(1))
        return "partner" if partner is not None else "adult"

    def start(self, person_id: int, *, case_id: int | None = None) -> int:
        """A new unsigned plan with the sections of the person's template (a child's by
        age); the one this user is already writing, if there is one."""
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            own = s.scalar(select(SafetyPlan.id).where(
                SafetyPlan.person_id == person_id, SafetyPlan.signed_at.is_(None),
                SafetyPlan.created_by_id == self.user.id).order_by(SafetyPlan.id.desc()))
            if own is not None:
                return int(own)
            code = self._template_for(s, person_id)
            person = s.get(Person, person_id)
            assert person is not None
            latest = s.scalar(select(SafetyPlan.id).where(
                SafetyPlan.person_id == person_id, SafetyPlan.signed_at.is_not(None))
                .order_by(SafetyPlan.signed_at.desc(), SafetyPlan.id.desc()).limit(1))
            if latest is not None:
                raise ValidationError([_("The person has a signed safety plan: make a new "
                                         "version of it (N on the plan).")])
            now = self.clock()
            row = SafetyPlan(person_id=person_id, case_id=case_id, template=code,
                             definition=snapshot(templates()[code], _age(person, self.today())),
                             sections="{}", created_by_id=self.user.id, created_at=now,
                             updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="safety_plan",
                     record_id=row.id)
            return row.id

    def amend(self, plan_id: int) -> int:
        """A new version of a signed plan: an unsigned copy that supersedes it once
        signed. The signed plan itself never changes."""
        with self.write() as s:
            old = self._row(s, plan_id)
            if old.signed_at is None:
                raise ValidationError([_("Only a signed plan gets a new version; an "
                                         "unsigned one is simply edited.")])
            newer = s.scalars(select(SafetyPlan).where(SafetyPlan.supersedes_id == old.id)
                              .order_by(SafetyPlan.id.desc()).limit(1)).first()
            if newer is not None:
                if newer.signed_at is None and newer.created_by_id == self.user.id:
                    return newer.id
                raise ValidationError([_("This plan has a newer version already: work on "
                                         "the newest one.")])
            now = self.clock()
            row = SafetyPlan(person_id=old.person_id, case_id=old.case_id,
                             template=old.template, definition=old.definition,
                             sections=old.sections, review_on=None,
                             created_by_id=self.user.id, created_at=now, updated_at=now,
                             supersedes_id=old.id)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=old.person_id, record_type="safety_plan",
                     record_id=row.id)
            return row.id

    def _draft(self, s: Session, plan_id: int) -> SafetyPlan:
        row = self._row(s, plan_id)
        if row.signed_at is not None:
            raise ValidationError([_("The plan is signed and cannot be changed. Make a new "
                                     "version of it.")])
        if row.created_by_id != self.user.id:
            raise NoAccess(row.person_id, "safety_plan", row.id)
        return row

    def _texts(self, row: SafetyPlan, texts: dict[str, str]) -> str:
        known = {sec.id for sec in read_snapshot(row.definition)[1]}
        if set(texts) - known:
            raise ValidationError([_("The plan has no such section.")])
        if any(len(t) > MAX_TEXT for t in texts.values()):
            raise ValidationError([_("A text may have at most {n} characters.", n=MAX_TEXT)])
        return json.dumps({k: v for k, v in texts.items() if v.strip()}, sort_keys=True,
                          ensure_ascii=False)

    def save(self, plan_id: int, version: int, texts: dict[str, str],
             review_on: date | None = None) -> int:
        """The plan as written so far (unsigned). Returns the new version."""
        with self.versioned("safety plan changed elsewhere") as (s, same_version):
            row = same_version(self._draft(s, plan_id), version)
            row.sections = self._texts(row, texts)
            row.review_on = review_on
            row.updated_at = self.clock()
            s.flush()
            self.log(s, "update", person_id=row.person_id, record_type="safety_plan",
                     record_id=row.id)
            return row.version

    def sign(self, plan_id: int, version: int, texts: dict[str, str],
             review_on: date | None) -> None:
        """Sign: at least one section written and a review date after today. Afterwards
        the database refuses any change; a new version supersedes it."""
        with self.versioned("safety plan changed elsewhere") as (s, same_version):
            row = same_version(self._draft(s, plan_id), version)
            stored = self._texts(row, texts)
            problems = [_(p) for p in review_problems(review_on, self.today())]
            if stored == "{}":
                problems.append(_("Write at least one section of the plan."))
            if problems:
                raise ValidationError(problems)
            now = self.clock()
            row.sections = stored
            row.review_on = review_on
            row.updated_at = now
            row.signed_at = now
            row.signed_by_id = self.user.id
            s.flush()
            self.log_sealed(s, "sign", "safety_plan", row.id, person_id=row.person_id)

    def discard(self, plan_id: int) -> None:
        """Delete an unsigned plan (its author only). Signed plans are never deleted."""
        with self.write() as s:
            row = self._draft(s, plan_id)
            s.delete(row)
            self.log(s, "delete", person_id=row.person_id, record_type="safety_plan",
                     record_id=row.id)


def safety_plan_review_due(svc: Service, s: Session) -> list[DueItem]:
    """The review of the newest signed safety plan of each person whose track this user
    holds, from 14 days before its review date (overdue after it)."""
    rows = s.execute(text(
        "SELECT DISTINCT p.person_id, p.review_on FROM safety_plans p "
        "JOIN case_members m ON m.person_id = p.person_id "
        "JOIN cases c ON c.id = m.case_id AND c.status = 'open' "
        "JOIN assignments a ON a.case_member_id = m.id AND a.ended_at IS NULL "
        "AND a.user_id = :u "
        "WHERE p.signed_at IS NOT NULL AND p.id = (SELECT x.id FROM safety_plans x "
        "  WHERE x.person_id = p.person_id AND x.signed_at IS NOT NULL "
        "  ORDER BY x.signed_at DESC, x.id DESC LIMIT 1)"), {"u": svc.user.id}).all()
    today = svc.today()
    items: list[DueItem] = []
    for pid, review_on in rows:
        if review_on is None:
            continue
        due = review_on if isinstance(review_on, date) else date.fromisoformat(str(review_on))
        if due > today + timedelta(days=14):
            continue
        person = s.get(Person, pid)
        name = summary(person).display_name if person else "?"
        items.append(DueItem("safety_plan_review", int(pid), None,
                             _("{name}: safety plan review due", name=name), due,
                             due < today))
    return items
