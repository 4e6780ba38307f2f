"""Assistance decisions (read-only once recorded) and the provider warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import casework as rules
from rc_tui.domain.casework import OUTCOMES, catalog
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.base import user_names
from rc_tui.services.casework.base import CaseworkBase, _check_text
from rc_tui.services.errors import ValidationError
from storage.models import CaseMember, Decision, FollowUp, Investigation, JournalNote, User


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


class DecisionsMixin(CaseworkBase):
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
            # the person's role (in the case, else in any case) decides what may be granted
            roles = set(s.scalars(select(CaseMember.role).where(
                CaseMember.person_id == d.person_id,
                *([CaseMember.case_id == d.case_id] if d.case_id is not None else []))))
            if not cat.interventions[d.intervention].offered_to(roles):
                raise ValidationError([_("This intervention is not for a person in this "
                                         "role.")])
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
        with self.audited("decision_list", person_id=person_id) as s:
            rows = list(s.scalars(select(Decision).where(Decision.person_id == person_id)
                                  .order_by(Decision.decided_at, Decision.id)))
            names = user_names(s, {r.decided_by_id for r in rows})
            return [self._dec_view(r, names) for r in rows]

    def decision(self, decision_id: int) -> DecisionView:
        with self.read() as s:
            row = self._decision(s, decision_id)
            self.log(s, "view", person_id=row.person_id, record_type="decision",
                     record_id=row.id)
            return self._dec_view(row, user_names(s, {row.decided_by_id}))

    @staticmethod
    def _dec_view(r: Decision, names: dict[int, str]) -> DecisionView:
        return DecisionView(r.id, r.person_id, r.case_id, r.intervention, r.outcome,
                            r.reasons, r.legal_basis, r.legal_text, r.appeal_text, r.emergency,
                            r.investigation_id, r.period_start, r.period_end, r.provider,
                            names.get(r.decided_by_id, ""), r.decided_at)
