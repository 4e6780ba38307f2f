"""Admission (anonymous ones and children included) and a planned arrival coming.

The temporary housing takes a man only on a signed risk assessment of him made with a
perpetrator-side instrument (the seed: "on condition that a threat and risk assessment has
been made"); a manager may admit without one, stating why – the stay keeps the reason and
the admission's access-log entry is flagged for review. A known man is admitted in his
family's case (the case where he is the perpetrator), so the coordination rules see his
stay next to a protected victim's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain.instruments.loader import safe_snapshot
from rc_tui.domain.shelter import ARRIVED_VIA, FACILITIES, HOUSING_INTERVENTION
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.cases import CaseService, member_warnings
from rc_tui.services.errors import ValidationError
from rc_tui.services.people import PeopleService, PersonInput, to_input
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import Assessment, Case, CaseMember, Decision, Intake, Person, Relation, Stay

#: how an arrival is recorded as the case's first contact (intake channel)
_CHANNEL = {"self": "self", "police": "police", "unit": "social", "on_call": "social",
            "other": "authority"}


@dataclass(frozen=True)
class AdmissionInput:
    facility: str
    person: PersonInput | None
    arrived_via: str
    admitted_at: datetime
    place_id: int | None = None
    expected_end: date | None = None
    children: list[PersonInput] = field(default_factory=list)
    planned: bool = False
    note: str = ""
    existing_person_id: int | None = None
    existing_child_ids: list[int] = field(default_factory=list)
    #: temporary housing: a manager's reason for admitting without a signed assessment
    override_reason: str = ""
    #: the decision the stay executes (temporary housing: found when not given)
    decision_id: int | None = None
    placing_municipality: str = ""
    payer: str = ""


@dataclass(frozen=True)
class AdmissionResult:
    case_id: int
    case_number: str
    stay_id: int
    person_id: int
    child_ids: list[int]
    warnings: list[str]


class AdmissionMixin(ShelterBase):
    # C901: a flat list of independent input checks, each adding one problem, then the
    # one transaction that writes the admission
    def admit(self, data: AdmissionInput) -> AdmissionResult:  # noqa: C901
        """One transaction: the woman (anonymous if need be) and each child get their own
        record, a case with an intake, a stay each and the woman's place. No decision is
        needed; the due list then asks for the investigation, a child-report decision per
        child and an action plan for everyone."""
        problems: list[str] = []
        housing = data.facility == "perpetrator_housing"
        if data.arrived_via not in ARRIVED_VIA:
            problems.append(_("Choose how he came.") if housing else _("Choose how she came."))
        if data.person is None and data.existing_person_id is None:
            problems.append(_("Add at least one person."))
        if data.person is not None and not (data.person.alias.strip()
                                            or data.person.given_name.strip()
                                            or data.person.family_name.strip()):
            problems.append(_("Give a name or an alias (an alias alone is fine)."))
        for given in data.children:
            if not (given.alias.strip() or given.given_name.strip()
                    or given.family_name.strip()):
                problems.append(_("Give every child a name or an alias."))
                break
        if data.facility == "perpetrator_housing" and (data.children
                                                       or data.existing_child_ids):
            problems.append(_("The temporary housing takes adults only."))
        if data.expected_end is not None and data.expected_end <= data.admitted_at.date():
            problems.append(_("The stay ends before it starts."))
        _text_ok(problems, data.note, data.override_reason, data.placing_municipality,
                 data.payer)
        if problems:
            raise ValidationError(problems)
        people = PeopleService(self.vault, screen=self.screen, clock=self.clock)
        cases = CaseService(self.vault, screen=self.screen, clock=self.clock)
        with self.write() as s:
            self._require_facility(s, data.facility)
            start = data.admitted_at.date()
            if data.place_id is not None:
                self._check_place(s, data.facility, data.place_id, start, data.expected_end)
            role = "perpetrator" if housing else "victim"
            warnings: list[str] = []
            if data.existing_person_id is not None:
                # a person the centre knows: her stay joins her open case. A stay makes her
                # a resident whom every shelter employee sees at Level.SHELTER, so only a
                # user who already has her whole record (a manager, her assigned
                # caseworker, emergency access) may admit her by her record – never one who
                # only knows that she exists; and nobody is assigned to her by admitting her
                self.require_person(s, data.existing_person_id, Level.FULL)
                adult = s.get_one(Person, data.existing_person_id)
                # his (her) family's case: the open case where the person has this role,
                # else any open case of the person
                case = s.scalar(select(Case).join(CaseMember, CaseMember.case_id == Case.id)
                                .where(CaseMember.person_id == adult.id, Case.status == "open")
                                .order_by((CaseMember.role != role), Case.id).limit(1))
                new_case = case is None
                if case is None:
                    case = cases.new_case_in(s)
                    cases.add_member_in(s, case, adult, role, created=False, own_case=True,
                                        track=False)
            else:
                assert data.person is not None
                case = cases.new_case_in(s)
                new_case = True
                adult = people.create_in(s, data.person)
                cases.add_member_in(s, case, adult, role, created=True, own_case=True,
                                    track=False)
                warnings += member_warnings(data.person, role, contacted=True,
                                            today=self.today())
            case_id, case_number = case.id, case.case_number
            if self._current_stay(s, adult.id) is not None:
                raise ValidationError([_("He is already staying here.") if housing
                                       else _("She is already staying here.")])
            assessment_id = decision_id = None
            override = ""
            if housing:
                assessment_id, missing = self._signed_assessment(s, adult.id)
                if assessment_id is None:
                    override = data.override_reason.strip()
                    if not override:
                        raise ValidationError([missing])
                    self.require(Capability.HOUSING_OVERRIDE)
                decision_id = self._housing_decision(s, adult.id, data.decision_id)
            stay = Stay(person_id=adult.id, facility=data.facility, admitted_at=data.admitted_at,
                        planned=data.planned, expected_end=data.expected_end,
                        arrived_via=data.arrived_via, place_id=data.place_id, case_id=case_id,
                        created_by_id=self.user.id, assessment_id=assessment_id,
                        override_reason=override or None, decision_id=decision_id,
                        placing_municipality=data.placing_municipality.strip() or None,
                        payer=data.payer.strip() or None,
                        admission_note=data.note.strip() or None)
            s.add(stay)
            s.flush()
            self._log_stay(s, stay, existing=data.existing_person_id is not None)
            if override:
                self.log(s, "override", person_id=adult.id, record_type="stay",
                         record_id=stay.id, flagged=True,
                         reason="admitted without a signed risk assessment: " + override)
            child_ids: list[int] = []
            members = set(s.scalars(select(CaseMember.person_id).where(
                CaseMember.case_id == case_id)))
            known: list[Person] = []
            for child_id in data.existing_child_ids:
                self.require_person(s, child_id, Level.FULL)
                if child_id not in members:
                    raise ValidationError([_("A known child comes from the same case.")])
                known.append(s.get_one(Person, child_id))
            incoming: list[Person | PersonInput] = [*known, *data.children]
            for child_input in incoming:
                if isinstance(child_input, Person):
                    child = child_input
                else:
                    child = people.create_in(s, child_input)
                    cases.add_member_in(s, case, child, "child", created=True, own_case=True,
                                        track=False)
                    s.add(Relation(case_id=case_id, from_person_id=adult.id,
                                   to_person_id=child.id, kind="parent_of",
                                   created_at=self.clock()))
                child_stay = Stay(person_id=child.id, facility=data.facility,
                                  admitted_at=data.admitted_at, planned=data.planned,
                                  expected_end=data.expected_end, arrived_via=data.arrived_via,
                                  accompanying_id=stay.id, case_id=case_id,
                                  created_by_id=self.user.id)
                s.add(child_stay)
                s.flush()
                self._log_stay(s, child_stay, existing=isinstance(child_input, Person))
                child_ids.append(child.id)
                warnings += member_warnings(to_input(child), "child", contacted=False,
                                            today=self.today())
            if new_case:
                intake = Intake(
                    case_id=case_id, contact_person_id=adult.id, occurred_at=data.admitted_at,
                    channel=_CHANNEL[data.arrived_via],
                    what_happened=data.note or _("Admitted to {facility}.", facility=_(
                        FACILITIES[data.facility])),
                    immediate_danger=False, created_by_id=self.user.id, created_at=self.clock())
                s.add(intake)
                s.flush()
                self.log(s, "create", person_id=adult.id, record_type="intake",
                         record_id=intake.id)
            return AdmissionResult(case_id, case_number, stay.id, adult.id, child_ids, warnings)

    def _signed_assessment(self, s: Session, person_id: int) -> tuple[int | None, str]:
        """His newest signed assessment made with a perpetrator-side instrument (a
        victim-side screening of him is no risk assessment of him), or why there is none
        to admit him on: none signed, or the newest past the re-assessment day its
        instrument sets – the admission rests on a current judgement of his risk."""
        for row_id, definition, signed_at in s.execute(
                select(Assessment.id, Assessment.definition, Assessment.signed_at).where(
                    Assessment.person_id == person_id, Assessment.signed_at.is_not(None))
                .order_by(Assessment.signed_at.desc(), Assessment.id.desc())):
            inst = safe_snapshot(definition)
            if inst is None or inst.target != "perpetrator":
                continue
            if inst.reassess_days and signed_at is not None:
                due = signed_at.date() + timedelta(days=inst.reassess_days)
                if due < self.today():
                    return None, _("His risk assessment was due for re-assessment on {day}: "
                                   "sign a new one before he is admitted (a manager may admit "
                                   "him without one, stating why).", day=due.isoformat())
            return int(row_id), ""
        return None, _("A signed risk assessment of him is needed before he is admitted (a "
                       "manager may admit him without one, stating why).")

    def _housing_decision(self, s: Session, person_id: int, given: int | None) -> int | None:
        """The decision the stay executes: the one given (it must grant him the temporary
        housing), else his newest one that does and has not run out."""
        granted = select(Decision).where(Decision.person_id == person_id,
                                         Decision.intervention == HOUSING_INTERVENTION,
                                         Decision.outcome.in_(("granted", "partly")))
        if given is not None:
            if s.scalar(granted.where(Decision.id == given)) is None:
                raise ValidationError([_("Choose a decision that grants him the temporary "
                                         "housing.")])
            return given
        today = self.today()
        for d in s.scalars(granted.order_by(Decision.decided_at.desc())):
            if d.period_end is None or d.period_end >= today:
                return d.id
        return None

    def _log_stay(self, s: Session, stay: Stay, *, existing: bool) -> None:
        """A stay of a person the centre already knew widens who sees her (shelter staff
        see residents): logged as a link of an existing person and flagged for review."""
        if existing:
            self.log(s, "link", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id, flagged=True, reason="existing person; admitted")
        else:
            self.log(s, "create", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id)

    def arrive(self, stay_id: int, version: int, when: datetime) -> None:
        """A planned arrival has come: her stay (and her children's) starts now."""
        with self.versioned("stay changed elsewhere") as (s, same_version):
            stay = same_version(self._stay(s, stay_id), version)
            if not stay.planned:
                raise ValidationError([_("He has already arrived.")
                                       if stay.facility == "perpetrator_housing"
                                       else _("She has already arrived.")])
            for st in [stay, *self._children(s, stay)]:
                st.planned = False
                st.admitted_at = when
                self.log(s, "update", person_id=st.person_id, record_type="stay",
                         record_id=st.id)
