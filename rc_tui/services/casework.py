"""Investigation, assistance decisions, action plans, follow-up and closing.

All of it is the person's own track: ``Level.FULL`` (never shelter staff or another
member's caseworker) – except the action plan, which shelter staff write for every woman
and child staying with them (``Level.SHELTER``; they see no decisions, so their plan items
rest on none). Every read and write is access-logged. Due items are computed from
the records (see the rules at the end), so nothing due can be forgotten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rc_tui.domain import casework as rules
from rc_tui.domain.casework import (
    FOLLOWUP_OUTCOMES,
    OUTCOMES,
    PLAN_KINDS,
    PLAN_STATUSES,
    RESPONSIBLE_KINDS,
    LetterFacts,
    catalog,
)
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.accounts import ValidationError
from rc_tui.services.base import DueItem, Service
from rc_tui.services.people import summary, summary_for
from storage.errors import ConflictError, NoAccess, VaultError
from storage.models import (
    Assessment,
    Assignment,
    Case,
    CaseMember,
    ChildReport,
    Closure,
    Consent,
    Decision,
    FollowUp,
    Investigation,
    JournalNote,
    Person,
    PlanItem,
    Stay,
    User,
)

MAX_TEXT = 100_000


@dataclass(frozen=True)
class InvestigationView:
    id: int
    version: int
    person_id: int
    case_id: int | None
    template: str
    investigator: str
    investigator_id: int
    started_on: date
    ended_on: date | None
    findings: dict[str, str]
    assessment_ids: list[int]
    conclusion: str
    concluded_at: datetime | None
    with_consent: bool

    @property
    def open(self) -> bool:
        return self.concluded_at is None

    def days_open(self, today: date) -> int:
        return ((self.ended_on or today) - self.started_on).days


@dataclass(frozen=True)
class DecisionInput:
    person_id: int
    intervention: str
    outcome: str
    reasons: str
    legal_basis: str
    emergency: bool = False
    investigation_id: int | None = None
    case_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    provider: str = ""
    provider_user: str = ""  # a username, when a colleague provides it


@dataclass(frozen=True)
class DecisionView:
    id: int
    person_id: int
    case_id: int | None
    intervention: str
    outcome: str
    reasons: str
    legal_basis: str
    legal_text: str
    appeal_text: str
    emergency: bool
    investigation_id: int | None
    period_start: date | None
    period_end: date | None
    provider: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class DecisionResult:
    id: int
    followup_due: date | None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlanItemInput:
    kind: str
    text: str
    responsible_kind: str = "unit"
    responsible: str = ""
    start_on: date | None = None
    due_on: date | None = None
    status: str = "planned"
    decision_id: int | None = None
    implementation: str = ""


@dataclass(frozen=True)
class PlanItemView:
    id: int
    version: int
    data: PlanItemInput
    source_ref: str | None
    created_at: datetime


@dataclass(frozen=True)
class FollowUpView:
    id: int
    version: int
    kind: str
    due_on: date
    decision_id: int | None
    investigation_id: int | None
    what: str
    done_at: datetime | None
    outcome: str | None
    note: str
    done_by: str


@dataclass(frozen=True)
class TrackState:
    case_id: int
    case_number: str
    role: str
    closed: bool
    case_closed: bool
    history: list[tuple[datetime, str, str, str]]  # when, action, reason, by


def _check_text(problems: list[str], *texts: str) -> None:
    if any(len(t) > MAX_TEXT for t in texts):
        problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))


def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(s.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


class CaseworkService(Service):
    # ------------------------------------------------------------------ investigation
    def start_investigation(self, person_id: int, template: str, *,
                            case_id: int | None = None, started_on: date | None = None) -> int:
        """Start an investigation. An adult's needs a given consent to investigation; a
        child's need of protection is investigated without one when there is none."""
        if template not in catalog().templates:
            raise ValidationError([_("Choose adult or child.")])
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            consent = s.scalars(select(Consent).where(
                Consent.person_id == person_id, Consent.kind == "investigation")
                .order_by(Consent.id.desc()).limit(1)).first()
            given = consent is not None and consent.state == "given"
            if template == "adult" and not given:
                raise ValidationError([_("An investigation starts from a recorded consent: "
                                         "record the person's consent first (C).")])
            if s.scalar(select(Investigation.id).where(
                    Investigation.person_id == person_id,
                    Investigation.concluded_at.is_(None)).limit(1)) is not None:
                raise ValidationError([_("An investigation of this person is already open.")])
            now = self.clock()
            row = Investigation(person_id=person_id, case_id=case_id,
                                consent_id=consent.id if given and consent else None,
                                template=template, investigator_id=self.user.id,
                                started_on=started_on or now.date(), created_at=now,
                                updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="investigation",
                     record_id=row.id)
            return row.id

    def investigations(self, person_id: int) -> list[InvestigationView]:
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
            rows = list(s.scalars(select(Investigation).where(
                Investigation.person_id == person_id).order_by(Investigation.id)))
            names = _names(s, {r.investigator_id for r in rows})
            self.log(s, "view", person_id=person_id, record_type="investigation_list")
            return [self._inv_view(r, names) for r in rows]

    def investigation(self, investigation_id: int) -> InvestigationView:
        with self.read() as s:
            row = self._investigation(s, investigation_id)
            self.log(s, "view", person_id=row.person_id, record_type="investigation",
                     record_id=row.id)
            return self._inv_view(row, _names(s, {row.investigator_id}))

    def _investigation(self, s: Session, investigation_id: int) -> Investigation:
        row = s.get(Investigation, investigation_id)
        if row is None:
            raise VaultError("not found")
        self.require_person(s, row.person_id, Level.FULL)
        return row

    @staticmethod
    def _inv_view(r: Investigation, names: dict[int, str]) -> InvestigationView:
        return InvestigationView(
            r.id, r.version, r.person_id, r.case_id, r.template,
            names.get(r.investigator_id, ""), r.investigator_id, r.started_on, r.ended_on,
            dict(json.loads(r.findings)), [int(x) for x in json.loads(r.assessment_ids)],
            r.conclusion, r.concluded_at, r.consent_id is not None)

    def save_investigation(self, investigation_id: int, version: int,
                           findings: dict[str, str], assessment_ids: list[int],
                           conclusion: str, *, conclude: bool = False) -> int:
        """Save the findings; ``conclude`` ends it (a conclusion is required) and makes it
        read-only. Returns the new version."""
        problems: list[str] = []
        _check_text(problems, conclusion, *findings.values())
        if conclude and not conclusion.strip():
            problems.append(_("Write the conclusion before the investigation is concluded."))
        if problems:
            raise ValidationError(problems)
        try:
            with self.write() as s:
                row = self._investigation(s, investigation_id)
                if row.concluded_at is not None:
                    raise ValidationError([_("The investigation is concluded and read-only.")])
                if row.version != version:
                    raise ConflictError("investigation changed elsewhere")
                areas = {code for code, _t in catalog().templates[row.template].areas}
                unknown = set(findings) - areas
                if unknown:
                    raise ValidationError([_("Unknown need area: {area}",
                                             area=sorted(unknown)[0][:40])])
                known = set(s.scalars(select(Assessment.id).where(
                    Assessment.person_id == row.person_id, Assessment.signed_at.is_not(None))))
                if set(assessment_ids) - known:
                    raise ValidationError([_("Only the person's signed assessments can be "
                                             "referred to.")])
                now = self.clock()
                row.findings = json.dumps({k: v for k, v in findings.items() if v.strip()},
                                          ensure_ascii=False, sort_keys=True)
                row.assessment_ids = json.dumps(sorted(set(assessment_ids)))
                row.conclusion = conclusion
                row.updated_at = now
                if conclude:
                    row.concluded_at = now
                    row.concluded_by_id = self.user.id
                    row.ended_on = now.date()
                s.flush()
                if conclude:
                    self.log_sealed(s, "sign", "investigation", row.id,
                                    person_id=row.person_id)
                else:
                    self.log(s, "update", person_id=row.person_id,
                             record_type="investigation", record_id=row.id)
                return row.version
        except StaleDataError as exc:
            raise ConflictError("investigation changed elsewhere") from exc

    # ------------------------------------------------------------------ decisions
    def record_decision(self, d: DecisionInput) -> DecisionResult:
        """Record an assistance decision (read-only from then on). A granted or partly
        granted intervention gets its follow-up scheduled; a refusal or partial grant
        carries the appeal information; an emergency decision needs no investigation
        (one is then due), any other decision rests on the person's investigation."""
        cat = catalog()
        problems: list[str] = []
        if d.intervention not in cat.interventions:
            problems.append(_("Choose the intervention."))
        if d.outcome not in OUTCOMES:
            problems.append(_("Choose granted, partly granted or refused."))
        if not d.reasons.strip():
            problems.append(_("Write the reasons for the decision."))
        if d.legal_basis not in cat.legal_bases:
            problems.append(_("Choose the legal basis."))
        if d.period_start and d.period_end and d.period_end < d.period_start:
            problems.append(_("The period ends before it starts."))
        _check_text(problems, d.reasons, d.provider)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self.require_person(s, d.person_id, Level.FULL)
            investigation_id = d.investigation_id
            if investigation_id is not None:
                inv = s.get(Investigation, investigation_id)
                if inv is None or inv.person_id != d.person_id:
                    raise ValidationError([_("The investigation is not this person's.")])
            elif not d.emergency:
                latest = s.scalars(select(Investigation).where(
                    Investigation.person_id == d.person_id)
                    .order_by(Investigation.id.desc()).limit(1)).first()
                if latest is None:
                    raise ValidationError([_("A decision rests on an investigation: start "
                                             "one (U), or record an emergency decision.")])
                investigation_id = latest.id
            provider_user_id = None
            if d.provider_user:
                provider_user_id = s.scalar(select(User.id).where(
                    User.username == d.provider_user))
                if provider_user_id is None:
                    raise ValidationError([_("No user {name}.", name=d.provider_user[:32])])
            now = self.clock()
            row = Decision(
                person_id=d.person_id, case_id=d.case_id, investigation_id=investigation_id,
                intervention=d.intervention, outcome=d.outcome, reasons=d.reasons,
                legal_basis=d.legal_basis, legal_text=str(cat.legal_bases[d.legal_basis]),
                appeal_text=str(cat.appeal) if rules.appeal_needed(d.outcome) else "",
                emergency=d.emergency, period_start=d.period_start, period_end=d.period_end,
                provider=d.provider, provider_user_id=provider_user_id,
                decided_by_id=self.user.id, decided_at=now)
            s.add(row)
            s.flush()
            self.log_sealed(s, "create", "decision", row.id, person_id=d.person_id)
            due = None
            if d.outcome != "refused":
                due = rules.followup_due(now.date(),
                                         cat.interventions[d.intervention].follow_up_days,
                                         d.period_end)
                follow = FollowUp(person_id=d.person_id, kind="intervention",
                                  decision_id=row.id, due_on=due, created_at=now)
                s.add(follow)
                s.flush()
                self.log(s, "create", person_id=d.person_id, record_type="followup",
                         record_id=follow.id)
            warnings = self._provider_warnings(s, d.person_id)
            return DecisionResult(row.id, due, warnings)

    def _provider_warnings(self, s: Session, person_id: int) -> list[str]:
        investigators = set(s.scalars(select(Investigation.investigator_id).where(
            Investigation.person_id == person_id)))
        givers = set(s.scalars(select(Decision.provider_user_id).where(
            Decision.person_id == person_id, Decision.provider_user_id.is_not(None),
            Decision.intervention.in_(("support_talks", "child_support", "perpetrator_talks")),
            Decision.outcome != "refused")))
        givers |= set(s.scalars(select(JournalNote.author_id).where(
            JournalNote.person_id == person_id, JournalNote.note_type == "support_talk",
            JournalNote.author_id.is_not(None))))
        if rules.investigator_is_provider(investigators, {g for g in givers if g}):
            return [_("The person's investigator also gives the person's support talks: "
                      "the one who investigates should not be the one who gives the talks.")]
        return []

    def warnings(self, person_id: int) -> list[str]:
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
            return self._provider_warnings(s, person_id)

    def decisions(self, person_id: int) -> list[DecisionView]:
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
            rows = list(s.scalars(select(Decision).where(Decision.person_id == person_id)
                                  .order_by(Decision.decided_at, Decision.id)))
            names = _names(s, {r.decided_by_id for r in rows})
            self.log(s, "view", person_id=person_id, record_type="decision_list")
            return [self._dec_view(r, names) for r in rows]

    def decision(self, decision_id: int) -> DecisionView:
        with self.read() as s:
            row = self._decision(s, decision_id)
            self.log(s, "view", person_id=row.person_id, record_type="decision",
                     record_id=row.id)
            return self._dec_view(row, _names(s, {row.decided_by_id}))

    def _decision(self, s: Session, decision_id: int) -> Decision:
        row = s.get(Decision, decision_id)
        if row is None:
            raise VaultError("not found")
        self.require_person(s, row.person_id, Level.FULL)
        return row

    @staticmethod
    def _dec_view(r: Decision, names: dict[int, str]) -> DecisionView:
        return DecisionView(r.id, r.person_id, r.case_id, r.intervention, r.outcome,
                            r.reasons, r.legal_basis, r.legal_text, r.appeal_text, r.emergency,
                            r.investigation_id, r.period_start, r.period_end, r.provider,
                            names.get(r.decided_by_id, ""), r.decided_at)

    def decision_letter(self, decision_id: int) -> str:
        """The decision letter as text (viewing it is logged like any read)."""
        with self.read() as s:
            row = self._decision(s, decision_id)
            person = s.get(Person, row.person_id)
            case = s.get(Case, row.case_id) if row.case_id else None
            names = _names(s, {row.decided_by_id})
            self.log(s, "view", person_id=row.person_id, record_type="decision_letter",
                     record_id=row.id)
            name = summary_for(self.access, s, person).display_name if person else ""
            return rules.decision_letter(LetterFacts(
                name, case.case_number if case else "", row.intervention, row.outcome,
                row.reasons, row.legal_text, row.decided_at, names.get(row.decided_by_id, ""),
                row.period_start, row.period_end, row.provider, row.emergency,
                row.appeal_text))

    # ------------------------------------------------------------------ action plan
    def _check_plan(self, data: PlanItemInput) -> None:
        problems: list[str] = []
        if data.kind not in PLAN_KINDS:
            problems.append(_("Choose goal or action."))
        if not data.text.strip():
            problems.append(_("Write the goal or the action."))
        if data.responsible_kind not in RESPONSIBLE_KINDS:
            problems.append(_("Choose who is responsible: unit, agency or person."))
        if data.status not in PLAN_STATUSES:
            problems.append(_("Choose a status."))
        if data.kind == "action" and not data.responsible.strip():
            problems.append(_("An action needs someone responsible."))
        if data.start_on and data.due_on and data.due_on < data.start_on:
            problems.append(_("The due date is before the start."))
        _check_text(problems, data.text, data.responsible, data.implementation)
        if problems:
            raise ValidationError(problems)

    def add_plan_item(self, person_id: int, data: PlanItemInput, *, case_id: int | None = None,
                      source_ref: str | None = None) -> int:
        self._check_plan(data)
        with self.write() as s:
            level = self.require_person(s, person_id, Level.SHELTER)
            self._check_decision_link(s, person_id, data.decision_id, level)
            now = self.clock()
            row = PlanItem(person_id=person_id, case_id=case_id, source_ref=source_ref,
                           created_by_id=self.user.id, created_at=now, updated_at=now,
                           **_plan_fields(data))
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="plan_item",
                     record_id=row.id)
            return row.id

    def update_plan_item(self, item_id: int, version: int, data: PlanItemInput) -> int:
        self._check_plan(data)
        try:
            with self.write() as s:
                row = s.get(PlanItem, item_id)
                if row is None:
                    raise VaultError("not found")
                level = self.require_person(s, row.person_id, Level.SHELTER)
                if row.version != version:
                    raise ConflictError("plan item changed elsewhere")
                if level < Level.FULL and data.decision_id is None:
                    data = replace(data, decision_id=row.decision_id)  # kept as it was
                self._check_decision_link(s, row.person_id, data.decision_id, level)
                for key, value in _plan_fields(data).items():
                    setattr(row, key, value)
                row.updated_at = self.clock()
                s.flush()
                self.log(s, "update", person_id=row.person_id, record_type="plan_item",
                         record_id=row.id)
                return row.version
        except StaleDataError as exc:
            raise ConflictError("plan item changed elsewhere") from exc

    @staticmethod
    def _check_decision_link(s: Session, person_id: int, decision_id: int | None,
                             level: Level) -> None:
        if decision_id is None:
            return
        if level < Level.FULL:
            raise ValidationError([_("Only the person's own caseworker links decisions.")])
        dec = s.get(Decision, decision_id)
        if dec is None or dec.person_id != person_id:
            raise ValidationError([_("The decision is not this person's.")])

    def plan(self, person_id: int) -> list[PlanItemView]:
        with self.read() as s:
            level = self.require_person(s, person_id, Level.SHELTER)
            rows = list(s.scalars(select(PlanItem).where(PlanItem.person_id == person_id)
                                  .order_by(PlanItem.kind.desc(), PlanItem.id)))
            self.log(s, "view", person_id=person_id, record_type="plan")
            return [PlanItemView(r.id, r.version, PlanItemInput(
                r.kind, r.text, r.responsible_kind, r.responsible, r.start_on, r.due_on,
                r.status, r.decision_id if level >= Level.FULL else None, r.implementation),
                r.source_ref, r.created_at)
                for r in rows]

    # ------------------------------------------------------------------ follow-up
    def followups(self, person_id: int) -> list[FollowUpView]:
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
            rows = list(s.scalars(select(FollowUp).where(FollowUp.person_id == person_id)
                                  .order_by(FollowUp.due_on, FollowUp.id)))
            decisions = {d.id: d for d in s.scalars(select(Decision).where(
                Decision.person_id == person_id))}
            names = _names(s, {r.done_by_id for r in rows})
            self.log(s, "view", person_id=person_id, record_type="followup_list")
            out = []
            for r in rows:
                dec = decisions.get(r.decision_id or 0)
                what = rules.intervention_label(dec.intervention) if dec else \
                    rules.label(rules.FOLLOWUP_KINDS, r.kind)
                out.append(FollowUpView(r.id, r.version, r.kind, r.due_on, r.decision_id,
                                        r.investigation_id, what, r.done_at, r.outcome, r.note,
                                        names.get(r.done_by_id or 0, "")))
            return out

    def record_followup(self, followup_id: int, version: int, outcome: str, note: str
                        ) -> date | None:
        """Record what the follow-up found. "Continue" and "change" schedule the next one
        (same interval); returns its date."""
        problems: list[str] = []
        if outcome not in FOLLOWUP_OUTCOMES:
            problems.append(_("Choose the outcome: need met, continue, change or end."))
        if not note.strip():
            problems.append(_("Write what the follow-up found."))
        _check_text(problems, note)
        if problems:
            raise ValidationError(problems)
        try:
            with self.write() as s:
                row = s.get(FollowUp, followup_id)
                if row is None:
                    raise VaultError("not found")
                self.require_person(s, row.person_id, Level.FULL)
                if row.done_at is not None:
                    raise ValidationError([_("This follow-up is already recorded.")])
                if row.version != version:
                    raise ConflictError("follow-up changed elsewhere")
                now = self.clock()
                row.done_at, row.done_by_id, row.outcome, row.note = (now, self.user.id,
                                                                      outcome, note)
                s.flush()
                self.log(s, "update", person_id=row.person_id, record_type="followup",
                         record_id=row.id)
                nxt: date | None = None
                if outcome in ("continue", "change") and row.kind == "intervention":
                    dec = s.get(Decision, row.decision_id) if row.decision_id else None
                    days = catalog().interventions[dec.intervention].follow_up_days \
                        if dec and dec.intervention in catalog().interventions else 90
                    nxt = rules.followup_due(now.date(), days, dec.period_end if dec else None)
                    if nxt <= now.date():
                        nxt = None  # the period is over: nothing more to follow up
                    else:
                        follow = FollowUp(person_id=row.person_id, kind=row.kind,
                                          decision_id=row.decision_id, due_on=nxt,
                                          created_at=now)
                        s.add(follow)
                        s.flush()
                        self.log(s, "create", person_id=row.person_id,
                                 record_type="followup", record_id=follow.id)
                return nxt
        except StaleDataError as exc:
            raise ConflictError("follow-up changed elsewhere") from exc

    def schedule_child_followup(self, investigation_id: int, due_on: date) -> int:
        """A child's situation followed up after a concluded investigation – up to six
        months after it was concluded."""
        with self.write() as s:
            inv = self._investigation(s, investigation_id)
            if inv.template != "child" or inv.concluded_at is None:
                raise ValidationError([_("Only after a child's concluded investigation.")])
            latest = rules.child_followup_latest(inv.concluded_at.date())
            if not inv.concluded_at.date() <= due_on <= latest:
                raise ValidationError([_("A child's situation may be followed up until {date} "
                                         "(six months after the investigation).",
                                         date=latest.isoformat())])
            row = FollowUp(person_id=inv.person_id, kind="child_after",
                           investigation_id=inv.id, due_on=due_on, created_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=inv.person_id, record_type="followup",
                     record_id=row.id)
            return row.id

    # ------------------------------------------------------------------ closing
    def tracks(self, person_id: int) -> list[TrackState]:
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
            out = []
            for member, case in s.execute(select(CaseMember, Case).join(
                    Case, Case.id == CaseMember.case_id).where(
                    CaseMember.person_id == person_id).order_by(Case.opened_at)):
                if not self.access.case_visible(s, case.id):
                    continue
                rows = s.scalars(select(Closure).where(
                    Closure.case_id == case.id,
                    (Closure.person_id == person_id) | Closure.person_id.is_(None))
                    .order_by(Closure.id)).all()
                names = _names(s, {r.by_id for r in rows})
                out.append(TrackState(case.id, case.case_number, member.role,
                                      member.closed_at is not None, case.status == "closed",
                                      [(r.at, r.action, r.reason, names.get(r.by_id, ""))
                                       for r in rows]))
            return out

    def close_track(self, case_id: int, person_id: int, reason: str, *,
                    reopen: bool = False) -> None:
        """Close (or reopen) one person's track in a case, with the reason."""
        if not reason.strip():
            raise ValidationError([_("Write the reason.")])
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            member = s.scalars(select(CaseMember).where(
                CaseMember.case_id == case_id, CaseMember.person_id == person_id)).first()
            if member is None:
                raise VaultError("not found")
            if reopen == (member.closed_at is None):
                raise ValidationError([_("The track is already open.") if reopen
                                       else _("The track is already closed.")])
            now = self.clock()
            member.closed_at = None if reopen else now
            case = s.get(Case, case_id)
            if reopen and case is not None and case.status == "closed":
                case.status, case.closed_at, case.close_reason = "open", None, None
            s.add(Closure(case_id=case_id, person_id=person_id,
                          action="reopen" if reopen else "close", reason=reason,
                          by_id=self.user.id, at=now))
            self.log(s, "update", person_id=person_id, record_type="track",
                     record_id=member.id, reason="reopen" if reopen else "close")

    def close_case(self, case_id: int, reason: str, *, reopen: bool = False) -> None:
        """Close (or reopen) a whole case: every open track with it (reopening opens the
        tracks the closure closed; tracks closed before stay closed). Only a manager, or a
        caseworker with the whole record of every member, may do it."""
        if not reason.strip():
            raise ValidationError([_("Write the reason.")])
        with self.write() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise VaultError("not found")
            self.require_case_content()
            members = list(s.scalars(select(CaseMember).where(CaseMember.case_id == case_id)))
            for member in members:
                if not reopen and member.closed_at is not None:
                    continue
                if self.access.level(s, member.person_id) < Level.FULL:
                    raise NoAccess(member.person_id, "case", case_id)
            if reopen == (case.status == "open"):
                raise ValidationError([_("The case is already open.") if reopen
                                       else _("The case is already closed.")])
            now = self.clock()
            if reopen:  # the tracks the case closure closed open again (not earlier ones)
                for member in members:
                    if member.closed_at is not None and member.closed_at == case.closed_at:
                        member.closed_at = None
            case.status = "open" if reopen else "closed"
            case.closed_at = None if reopen else now
            case.close_reason = None if reopen else reason
            if not reopen:
                for member in members:
                    if member.closed_at is None:
                        member.closed_at = now
            s.add(Closure(case_id=case_id, person_id=None,
                          action="reopen" if reopen else "close", reason=reason,
                          by_id=self.user.id, at=now))
            self.log(s, "update", record_type="case", record_id=case_id,
                     reason="reopen" if reopen else "close")


def _plan_fields(data: PlanItemInput) -> dict[str, object]:
    return {"kind": data.kind, "text": data.text, "responsible_kind": data.responsible_kind,
            "responsible": data.responsible, "start_on": data.start_on, "due_on": data.due_on,
            "status": data.status, "decision_id": data.decision_id,
            "implementation": data.implementation}


# ---------------------------------------------------------------------- due items

def _my_persons(svc: Service, s: Session) -> dict[int, int]:
    """Persons on an open track this user is assigned to -> case id."""
    rows = s.execute(
        select(CaseMember.person_id, CaseMember.case_id)
        .join(Assignment, Assignment.case_member_id == CaseMember.id)
        .join(Case, Case.id == CaseMember.case_id)
        .where(Assignment.user_id == svc.user.id, Assignment.ended_at.is_(None),
               CaseMember.closed_at.is_(None), Case.status == "open")).all()
    return {p: c for p, c in rows}


def _name(s: Session, person_id: int) -> str:
    person = s.get(Person, person_id)
    return summary(person).display_name if person else "?"


def casework_due(svc: Service, s: Session) -> list[DueItem]:
    """Investigations that must start, emergency decisions awaiting an investigation,
    follow-ups, overdue plan actions and child investigations open too long."""
    mine = _my_persons(svc, s)
    if not mine:
        return []
    today = svc.today()
    ids = list(mine)
    items: list[DueItem] = []
    investigations: dict[int, list[Investigation]] = {}
    for inv in s.scalars(select(Investigation).where(Investigation.person_id.in_(ids))):
        investigations.setdefault(inv.person_id, []).append(inv)
    decided = {p for p in s.scalars(select(Decision.person_id).where(
        Decision.person_id.in_(ids)))}
    stay_days = int(svc.vault.setting("investigation_after_stay_days")
                    or rules.DEFAULT_STAY_DAYS)

    def add(kind: str, person_id: int, title: str, due: date) -> None:
        items.append(DueItem(kind, person_id, mine.get(person_id), title, due, due < today))

    # a shelter stay without a decision: the investigation must start
    for stay in s.scalars(select(Stay).where(Stay.person_id.in_(ids),
                                             Stay.facility == "shelter")):
        fact = rules.StayFact(stay.person_id, stay.admitted_at.date(),
                              stay.person_id in decided, stay.person_id in investigations)
        due = rules.investigation_due_after_stay(fact, stay_days)
        if due is not None:
            add("investigation_start", stay.person_id,
                _("Start an investigation: {name} is at the shelter without a decision",
                  name=_name(s, stay.person_id)), due)
    # a child reported to the child unit: the investigation starts without delay
    for report in s.scalars(select(ChildReport).where(
            ChildReport.child_person_id.in_(ids), ChildReport.decision == "reported")):
        due = rules.investigation_due_after_report(
            report.report_date or report.created_at.date(),
            report.child_person_id in investigations)
        if due is not None:
            add("investigation_start", report.child_person_id,
                _("Start the investigation of {name} (reported child) without delay",
                  name=_name(s, report.child_person_id)), due)
    # an emergency decision: an investigation must follow
    for dec in s.scalars(select(Decision).where(Decision.person_id.in_(ids),
                                                Decision.emergency.is_(True))):
        started = [datetime.combine(i.started_on, datetime.min.time())
                   for i in investigations.get(dec.person_id, [])
                   if i.concluded_at is None or i.concluded_at >= dec.decided_at]
        due = rules.emergency_needs_investigation(dec.decided_at, True, started)
        if due is not None:
            add("emergency_investigation", dec.person_id,
                _("Emergency decision for {name}: an investigation must follow",
                  name=_name(s, dec.person_id)), due)
    # follow-ups not yet recorded
    decisions = {d.id: d.intervention for d in s.scalars(select(Decision).where(
        Decision.person_id.in_(ids)))}
    for fu in s.scalars(select(FollowUp).where(FollowUp.person_id.in_(ids),
                                               FollowUp.done_at.is_(None))):
        what = rules.intervention_label(decisions[fu.decision_id]) if fu.decision_id in \
            decisions else rules.label(rules.FOLLOWUP_KINDS, fu.kind)
        add("followup", fu.person_id, _("Follow up {what} for {name}", what=what,
                                         name=_name(s, fu.person_id)), fu.due_on)
    # plan actions with a due date, not done
    for item in s.scalars(select(PlanItem).where(
            PlanItem.person_id.in_(ids), PlanItem.due_on.is_not(None),
            PlanItem.status.in_(("planned", "ongoing")))):
        assert item.due_on is not None
        add("plan", item.person_id, _("Plan: {text} ({name})", text=item.text.splitlines()[0]
                                      [:60] if item.text else "", name=_name(s, item.person_id)),
            item.due_on)
    # a child's investigation open for more than four months
    for person_id, invs in investigations.items():
        for inv in invs:
            if inv.template == "child" and inv.concluded_at is None and \
                    rules.child_investigation_overdue(inv.started_on, today):
                add("investigation_long", person_id,
                    _("The investigation of {name} has been open more than four months",
                      name=_name(s, person_id)),
                    inv.started_on + timedelta(days=rules.CHILD_INVESTIGATION_DAYS))
    return items
