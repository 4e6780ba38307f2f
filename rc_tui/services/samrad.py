"""Samråd: coordination meetings for a family, minutes, agreed actions, the coordination
view.

The centre's manager convenes and chairs a samråd and writes the minutes. Information about
a person is recorded only when their consent to information exchange covers every agency
present, or under an explicit legal ground with a written rationale (logged and flagged for
the log review). Approving the minutes locks them and turns the agreed actions into items
of the persons' action plans. The coordination view respects the compartments: what the
user may not see is not shown, only that something exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rc_tui.domain import samrad as rules
from rc_tui.domain.casework import (
    OUTCOMES,
    PLAN_STATUSES,
    intervention_label,
)
from rc_tui.domain.casework import label as cw_label
from rc_tui.domain.vocab import AGENCIES, MEMBER_ROLES, label
from rc_tui.i18n import N_, _, _n
from rc_tui.services.access import Level
from rc_tui.services.accounts import ValidationError
from rc_tui.services.base import DueItem, Service
from rc_tui.services.people import summary_for
from storage.errors import ConflictError, NoAccess, PermissionDenied, VaultError
from storage.models import (
    Case,
    CaseMember,
    Consent,
    Decision,
    Person,
    PlanItem,
    Samrad,
    SamradAction,
    SamradParticipant,
    SamradPerson,
    Stay,
    User,
)

MAX_TEXT = 100_000


def agency_label(code: str) -> str:
    return _("the centre") if code == rules.CENTRE else label(AGENCIES, code)


@dataclass(frozen=True)
class Participant:
    kind: str
    agency: str
    role: str = ""
    name: str = ""
    undertaking: bool = False


@dataclass(frozen=True)
class ActionInput:
    what: str
    agency: str
    order_no: int = 1
    due_on: date | None = None


@dataclass(frozen=True)
class PersonMinutes:
    person_id: int
    info_shared: str = ""
    risk_view: str = ""
    legal_ground: str | None = None
    ground_rationale: str = ""
    actions: tuple[ActionInput, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.info_shared.strip() or self.risk_view.strip() or self.actions)


@dataclass(frozen=True)
class Review:
    outcome: str
    note: str = ""


@dataclass(frozen=True)
class MemberView:
    person_id: int
    role: str
    name: str
    full: bool  # the user may see this member's part of the minutes
    coverage: dict[str, bool]
    minutes: PersonMinutes | None
    consents: dict[str, str] = field(default_factory=dict)  # agency -> state in force
    #: per receiving agency: why the person's part may go into its extract ("consent",
    #: "ground") or "" (left out) – under the samråd's extract rules
    basis: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenAction:
    id: int
    person_id: int
    person_name: str
    what: str
    agency: str
    due_on: date | None
    from_meeting: date
    review: Review | None


@dataclass(frozen=True)
class SamradView:
    id: int
    version: int
    case_id: int
    case_number: str
    requested_by: str
    requested_at: datetime
    meeting_on: date
    place: str
    chair: str
    chair_id: int
    previous_id: int | None
    repeat: bool
    approved_at: datetime | None
    participants: list[Participant]
    members: list[MemberView]
    outstanding: list[OpenAction]
    hidden_members: int

    @property
    def approved(self) -> bool:
        return self.approved_at is not None



@dataclass(frozen=True)
class SamradRow:
    id: int
    meeting_on: date
    requested_by: str
    chair: str
    chair_id: int
    approved: bool
    repeat: bool


@dataclass(frozen=True)
class CoordinationMember:
    person_id: int
    role: str
    name: str
    full: bool
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CoordinationView:
    case_number: str
    members: list[CoordinationMember]
    warnings: list[str]


BASIS_LABELS: dict[str, str] = {"consent": N_("consent"), "ground": N_("legal ground")}


def extract_line(basis: dict[str, str]) -> str:
    """Per receiving agency, whether its extract holds the person and on which basis."""
    given = [f"{agency_label(a)} ({cw_label(BASIS_LABELS, b)})"
             for a, b in basis.items() if b]
    return _("In extracts for: {agencies}",
             agencies=", ".join(given) if given else _("no agency"))


def present_agencies(participants: list[Participant]) -> set[str]:
    """The agencies at the table (participants and observers; not those with apologies)."""
    return {p.agency for p in participants if p.kind in ("participant", "observer")}


def _consents(s: Session, person_id: int) -> dict[str, str]:
    """The information-exchange consent in force per agency (latest event wins)."""
    out: dict[str, str] = {}
    for c in s.scalars(select(Consent).where(Consent.person_id == person_id,
                                             Consent.kind == "info_exchange")
                       .order_by(Consent.id)):
        if c.agency:
            out[c.agency] = c.state
    return out


class SamradService(Service):
    # ------------------------------------------------------------------ access
    def _case(self, s: Session, case_id: int) -> Case:
        self.require_case_content()
        case = s.get(Case, case_id)
        if case is None:
            raise VaultError("not found")
        if not self.access.case_visible(s, case_id):
            raise NoAccess(None, "case", case_id)
        return case

    def _meeting(self, s: Session, samrad_id: int) -> Samrad:
        row = s.get(Samrad, samrad_id)
        if row is None:
            raise VaultError("not found")
        self._case(s, row.case_id)
        return row

    def _editable(self, s: Session, samrad_id: int, version: int) -> Samrad:
        """The meeting, for its chair to write or approve: not approved, not changed since
        ``version`` was read."""
        row = self._meeting(s, samrad_id)
        if row.chair_id != self.user.id:
            raise PermissionDenied("only the chair writes and approves the minutes")
        if row.approved_at is not None:
            raise ValidationError([_("The minutes are approved and read-only.")])
        if row.version != version:
            raise ConflictError("samråd changed elsewhere")
        return row

    # ------------------------------------------------------------------ meetings
    def request(self, case_id: int, requested_by: str, meeting_on: date, place: str = ""
                ) -> int:
        """Convene a samråd (the centre's manager chairs it). Any unit or agency may have
        asked for it: ``requested_by``. A follow-up links to the previous samråd of the
        case; a family back within twelve months is flagged as a repeat."""
        if not self.access.is_manager:
            raise PermissionDenied("the centre's manager convenes a samråd")
        if not requested_by.strip():
            raise ValidationError([_("Write who asked for the samråd.")])
        with self.write() as s:
            self._case(s, case_id)
            members = set(s.scalars(select(CaseMember.person_id).where(
                CaseMember.case_id == case_id)))
            earlier_cases = set(s.scalars(select(CaseMember.case_id).where(
                CaseMember.person_id.in_(members)))) if members else {case_id}
            earlier = list(s.scalars(select(Samrad).where(
                Samrad.case_id.in_(earlier_cases)).order_by(Samrad.meeting_on)))
            previous = next((m for m in reversed(earlier) if m.case_id == case_id
                             and m.meeting_on <= meeting_on), None)
            now = self.clock()
            row = Samrad(case_id=case_id, requested_by=requested_by, requested_at=now,
                         meeting_on=meeting_on, place=place, chair_id=self.user.id,
                         previous_id=previous.id if previous else None,
                         repeat=rules.is_repeat(meeting_on, [m.meeting_on for m in earlier]),
                         created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", record_type="samrad", record_id=row.id)
            return row.id

    def for_case(self, case_id: int) -> list[SamradRow]:
        with self.read() as s:
            self._case(s, case_id)
            rows = list(s.scalars(select(Samrad).where(Samrad.case_id == case_id)
                                  .order_by(Samrad.meeting_on.desc(), Samrad.id.desc())))
            names = dict(s.execute(select(User.id, User.display_name)).all())
            self.log(s, "view", record_type="samrad_list", record_id=case_id)
            return [SamradRow(r.id, r.meeting_on, r.requested_by, names.get(r.chair_id, ""),
                              r.chair_id, r.approved_at is not None, r.repeat) for r in rows]

    def get(self, samrad_id: int) -> SamradView:
        with self.read() as s:
            row = self._meeting(s, samrad_id)
            view = self._view(s, row)
            self.log(s, "view", record_type="samrad", record_id=row.id)
            for m in view.members:
                if m.full and m.minutes is not None:
                    self.log(s, "view", person_id=m.person_id, record_type="samrad_minutes",
                             record_id=row.id)
            return view

    def _view(self, s: Session, row: Samrad) -> SamradView:
        case = s.get(Case, row.case_id)
        assert case is not None
        names = dict(s.execute(select(User.id, User.display_name)).all())
        participants = [Participant(p.kind, p.agency, p.role, p.name, p.undertaking)
                        for p in s.scalars(select(SamradParticipant).where(
                            SamradParticipant.samrad_id == row.id)
                            .order_by(SamradParticipant.id))]
        agencies = present_agencies(participants)
        extract_rules = self._extract_rules(row)
        recorded = {p.person_id: p for p in s.scalars(select(SamradPerson).where(
            SamradPerson.samrad_id == row.id))}
        actions: dict[int, list[ActionInput]] = {}
        for a in s.scalars(select(SamradAction).where(SamradAction.samrad_id == row.id)
                           .order_by(SamradAction.order_no, SamradAction.id)):
            actions.setdefault(a.person_id, []).append(
                ActionInput(a.what, a.agency, a.order_no, a.due_on))
        members: list[MemberView] = []
        hidden = 0
        for member in s.scalars(select(CaseMember).where(CaseMember.case_id == row.case_id)
                                .order_by(CaseMember.id)):
            person = s.get(Person, member.person_id)
            if person is None:
                continue
            level = self.access.level(s, member.person_id)
            if level < Level.EXISTS:
                hidden += 1
                continue
            full = level >= Level.FULL
            rec = recorded.get(member.person_id)
            minutes = None
            if full and (rec is not None or member.person_id in actions):
                minutes = PersonMinutes(
                    member.person_id, rec.info_shared if rec else "",
                    rec.risk_view if rec else "", rec.legal_ground if rec else None,
                    rec.ground_rationale if rec else "",
                    tuple(actions.get(member.person_id, [])))
            consents = _consents(s, member.person_id) if full else {}
            basis = {agency: rules.extract_basis(consents, minutes.legal_ground, agency,
                                                 agencies, extract_rules)
                     for agency in AGENCIES} if minutes is not None else {}
            members.append(MemberView(
                member.person_id, member.role, summary_for(self.access, s, person).display_name,
                full, rules.coverage(consents, agencies) if full else {}, minutes, consents,
                basis))
        outstanding: list[OpenAction] = []
        if row.previous_id is not None:
            prev = s.get(Samrad, row.previous_id)
            for a in s.scalars(select(SamradAction).where(
                    SamradAction.samrad_id == row.previous_id).order_by(SamradAction.order_no)):
                if self.access.level(s, a.person_id) < Level.FULL:
                    continue
                person = s.get(Person, a.person_id)
                review = Review(a.outcome, a.outcome_note) if a.outcome and \
                    a.reviewed_in_id == row.id else None
                outstanding.append(OpenAction(
                    a.id, a.person_id,
                    summary_for(self.access, s, person).display_name if person else "",
                    a.what, a.agency, a.due_on, prev.meeting_on if prev else row.meeting_on,
                    review))
        return SamradView(row.id, row.version, row.case_id, case.case_number,
                          row.requested_by, row.requested_at, row.meeting_on, row.place,
                          names.get(row.chair_id, ""), row.chair_id, row.previous_id,
                          row.repeat, row.approved_at, participants, members, outstanding,
                          hidden)

    @staticmethod
    def _extract_rules(row: Samrad) -> rules.ExtractRules:
        """The rules an approved samråd was approved under (those approved before the
        rules were stored: the rules as first shipped); the rules in force for one still
        being written."""
        if row.approved_at is not None:
            return rules.rules_from_json(row.extract_rules or rules.LEGACY_RULES)
        return rules.current_rules()

    # ------------------------------------------------------------------ minutes
    # C901: the consent and legal-ground checks per person and agency, each adding one
    # problem, are kept in the one transaction that saves the minutes
    def save(self, samrad_id: int, version: int, participants: list[Participant],  # noqa: C901
             persons: list[PersonMinutes], reviews: dict[int, Review], *,
             place: str | None = None) -> int:
        """Save the minutes as written so far (the chair, before approval). Refused when
        information about a person is recorded without consent covering every agency
        present and without a legal ground with a rationale."""
        problems: list[str] = []
        for p in participants:
            if p.kind not in rules.PARTICIPANT_KINDS:
                problems.append(_("Choose participant, observer or apologies."))
            if p.agency != rules.CENTRE and p.agency not in AGENCIES:
                problems.append(_("Choose the agency."))
            if p.kind == "observer" and not p.undertaking:
                problems.append(_("An observer takes part only with a recorded "
                                  "confidentiality undertaking."))
            if len(p.role) + len(p.name) > 600:
                problems.append(_("A text may have at most {n} characters.", n=600))
        for person in persons:
            for a in person.actions:
                if not a.what.strip() or (a.agency != rules.CENTRE and a.agency not in AGENCIES):
                    problems.append(_("An action needs what is to be done and the agency "
                                      "responsible."))
            texts = [person.info_shared, person.risk_view, person.ground_rationale,
                     *(a.what for a in person.actions)]
            if any(len(t) > MAX_TEXT for t in texts):
                problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
            if person.legal_ground and person.legal_ground not in rules.data().legal_grounds:
                problems.append(_("Choose the legal ground."))
        for review in reviews.values():
            if review.outcome not in rules.ACTION_OUTCOMES:
                problems.append(_("Choose the outcome: done, circumstances changed or the "
                                  "agency did not act."))
        if problems:
            raise ValidationError(list(dict.fromkeys(problems)))
        try:
            with self.write() as s:
                row = self._editable(s, samrad_id, version)
                members = set(s.scalars(select(CaseMember.person_id).where(
                    CaseMember.case_id == row.case_id)))
                agencies = present_agencies(participants)
                flagged: list[int] = []
                for person in persons:
                    if person.person_id not in members:
                        raise ValidationError([_("Only the family's members are discussed.")])
                    self.require_person(s, person.person_id, Level.FULL)
                    if person.empty:
                        continue
                    ok, missing = rules.may_record(
                        _consents(s, person.person_id), agencies, person.legal_ground,
                        person.ground_rationale)
                    found = s.get(Person, person.person_id)
                    name = summary_for(self.access, s, found).display_name if found else "?"
                    if not ok:
                        raise ValidationError([_(
                            "{name}: the consent to information exchange does not cover "
                            "{agencies}. Record the consent, or choose a legal ground and "
                            "write why.", name=name,
                            agencies=", ".join(agency_label(a) for a in missing))])
                    if missing:
                        flagged.append(person.person_id)
                s.query(SamradParticipant).filter(
                    SamradParticipant.samrad_id == row.id).delete()
                s.query(SamradPerson).filter(SamradPerson.samrad_id == row.id).delete()
                s.query(SamradAction).filter(SamradAction.samrad_id == row.id).delete()
                for p in participants:
                    s.add(SamradParticipant(samrad_id=row.id, kind=p.kind, agency=p.agency,
                                            role=p.role, name=p.name,
                                            undertaking=p.undertaking))
                for person in persons:
                    if person.empty and not person.legal_ground:
                        continue
                    s.add(SamradPerson(samrad_id=row.id, person_id=person.person_id,
                                       legal_ground=person.legal_ground,
                                       ground_rationale=person.ground_rationale,
                                       info_shared=person.info_shared,
                                       risk_view=person.risk_view))
                    for a in person.actions:
                        s.add(SamradAction(samrad_id=row.id, person_id=person.person_id,
                                           what=a.what, agency=a.agency, order_no=a.order_no,
                                           due_on=a.due_on))
                if row.previous_id is not None:
                    for action in s.scalars(select(SamradAction).where(
                            SamradAction.samrad_id == row.previous_id)):
                        given = reviews.get(action.id)
                        if given is not None:
                            action.outcome, action.outcome_note = given.outcome, given.note
                            action.reviewed_in_id = row.id
                if place is not None:
                    row.place = place
                row.updated_at = self.clock()
                s.flush()
                self.log(s, "update", record_type="samrad", record_id=row.id)
                for person_id in flagged:  # shared without consent: for the log review
                    self.log(s, "update", person_id=person_id, record_type="samrad_minutes",
                             record_id=row.id, flagged=True,
                             reason="recorded under a legal ground without consent")
                return row.version
        except StaleDataError as exc:
            raise ConflictError("samråd changed elsewhere") from exc

    def approve(self, samrad_id: int, version: int) -> int:
        """The chair approves (justerar) the minutes: read-only from now on; each agreed
        action becomes an item of the person's action plan. Returns the number of actions
        that went into plans."""
        try:
            with self.write() as s:
                row = self._editable(s, samrad_id, version)
                if s.scalar(select(SamradParticipant.id).where(
                        SamradParticipant.samrad_id == row.id,
                        SamradParticipant.kind == "participant").limit(1)) is None:
                    raise ValidationError([_("Record who took part before approving.")])
                if row.previous_id is not None and s.scalar(select(SamradAction.id).where(
                        SamradAction.samrad_id == row.previous_id,
                        SamradAction.reviewed_in_id.is_(None)).limit(1)) is not None:
                    raise ValidationError([_("Review every open action from the previous "
                                             "samråd first.")])
                case = s.get(Case, row.case_id)
                now = self.clock()
                count = 0
                for a in s.scalars(select(SamradAction).where(
                        SamradAction.samrad_id == row.id).order_by(SamradAction.order_no)):
                    item = PlanItem(
                        person_id=a.person_id, case_id=row.case_id, kind="action",
                        text=a.what, responsible_kind="agency" if a.agency != rules.CENTRE
                        else "unit", responsible=agency_label(a.agency), due_on=a.due_on,
                        status="planned",
                        source_ref=f"samråd {case.case_number if case else ''} "
                                   f"{row.meeting_on.isoformat()} #{a.order_no}",
                        created_by_id=self.user.id, created_at=now, updated_at=now)
                    s.add(item)
                    s.flush()
                    a.plan_item_id = item.id
                    self.log(s, "create", person_id=a.person_id, record_type="plan_item",
                             record_id=item.id)
                    count += 1
                row.approved_at = now
                row.approved_by_id = self.user.id
                row.extract_rules = rules.rules_to_json(rules.current_rules())
                s.flush()
                self.log_sealed(s, "sign", "samrad", row.id)
                return count
        except StaleDataError as exc:
            raise ConflictError("samråd changed elsewhere") from exc

    def minutes_text(self, samrad_id: int, for_agency: str | None = None) -> str:
        """The minutes as text. For a receiving agency: only the persons whose consent
        covers that agency, or whose recorded legal ground covers it (under the rules the
        samråd was approved under). The centre's copy says, per person, which agencies'
        extracts hold them and why."""
        view = self.get(samrad_id)
        lines = [_("Minutes of samråd – case {case}", case=view.case_number),
                 f"{_('Date')}: {view.meeting_on.isoformat()}   {_('Place')}: "
                 f"{view.place or '–'}",
                 f"{_('Chair')}: {view.chair}   {_('Requested by')}: {view.requested_by}",
                 _("Approved {when}", when=f"{view.approved_at:%Y-%m-%d}") if view.approved_at
                 else _("Not yet approved"),
                 _("Repeat case: back within twelve months.") if view.repeat else "",
                 ""]
        if for_agency:
            lines.insert(1, _("Extract for: {agency}", agency=agency_label(for_agency)))
        for kind in ("participant", "observer", "apology"):
            people = [p for p in view.participants if p.kind == kind]
            if people:
                lines.append(cw_label(rules.PARTICIPANT_KINDS, kind).capitalize() + ": " +
                             "; ".join(f"{agency_label(p.agency)}"
                                       + (f" ({p.role})" if p.role else "")
                                       + (f" {p.name}" if p.name else "")
                                       + (" – " + _("confidentiality undertaking recorded")
                                          if p.undertaking and kind == "observer" else "")
                                       for p in people))
        if view.outstanding:
            lines += ["", _("Actions from the previous samråd") + ":"]
            for a in view.outstanding:
                outcome = cw_label(rules.ACTION_OUTCOMES, a.review.outcome) if a.review \
                    else _("not reviewed")
                lines.append(f"• {a.person_name}: {a.what} ({agency_label(a.agency)}) – "
                             f"{outcome}" + (f": {a.review.note}" if a.review and
                                             a.review.note else ""))
        left_out = 0
        for m in view.members:
            if m.minutes is None:
                continue
            if for_agency and for_agency != rules.CENTRE and not m.basis.get(for_agency):
                left_out += 1
                continue
            lines += ["", f"— {m.name} ({label(MEMBER_ROLES, m.role)}) —"]
            if not for_agency or for_agency == rules.CENTRE:
                lines.append(extract_line(m.basis))
            if m.minutes.legal_ground:
                lines.append(_("Shared without consent under: {ground}",
                               ground=str(rules.data().legal_grounds[m.minutes.legal_ground]
                                          .label)) + f" – {m.minutes.ground_rationale}")
            if m.minutes.info_shared:
                lines += [_("Information shared") + ":", m.minutes.info_shared]
            if m.minutes.risk_view:
                lines += [_("Joint view of risk") + ":", m.minutes.risk_view]
            for act in m.minutes.actions:
                lines.append(f"{act.order_no}. {act.what} – {agency_label(act.agency)}"
                             + (f", {_('by')} {act.due_on.isoformat()}" if act.due_on else ""))
        if left_out:
            lines += ["", _n("{n} person left out: the sharing does not cover this agency.",
                             "{n} people left out: the sharing does not cover this agency.",
                             left_out, n=left_out)]
        return "\n".join(line for line in lines if line is not None)

    # ------------------------------------------------------------------ coordination
    def coordination(self, case_id: int) -> CoordinationView:
        """All interventions, plans and open actions of all family members on one page,
        with the coordination warnings. Members the user may not see in full appear only
        as existing; a warning that involves them is given without details."""
        today = self.today()
        with self.read() as s:
            case = self._case(s, case_id)
            members = list(s.scalars(select(CaseMember).where(CaseMember.case_id == case_id)
                                     .order_by(CaseMember.id)))
            facts: list[rules.MemberFacts] = []
            out: list[CoordinationMember] = []
            full_ids: set[int] = set()
            for member in members:
                pid = member.person_id
                decisions = list(s.scalars(select(Decision).where(
                    Decision.person_id == pid, Decision.outcome != "refused")))
                active = [d for d in decisions if d.period_end is None or d.period_end >= today]
                plan = list(s.scalars(select(PlanItem).where(PlanItem.person_id == pid)))
                open_plan = [p for p in plan if p.status in ("planned", "ongoing")]
                overdue = sum(1 for p in open_plan if p.due_on and p.due_on < today)
                shelter = s.scalar(select(Stay.id).where(
                    Stay.person_id == pid, Stay.facility == "shelter",
                    Stay.departed_at.is_(None)).limit(1)) is not None
                facts.append(rules.MemberFacts(pid, member.role,
                                               frozenset(d.intervention for d in active),
                                               shelter, bool(plan), overdue))
                level = self.access.level(s, pid)
                if level < Level.EXISTS:
                    continue
                person = s.get(Person, pid)
                name = summary_for(self.access, s, person).display_name if person else "?"
                if level < Level.FULL:
                    out.append(CoordinationMember(pid, member.role, name, False))
                    continue
                full_ids.add(pid)
                lines = [f"{_('Intervention')}: {intervention_label(d.intervention)} "
                         f"({cw_label(OUTCOMES, d.outcome)}"
                         + (f", {_('until')} {d.period_end}" if d.period_end else "") + ")"
                         for d in active]
                lines += [f"{_('Plan')}: {p.text.splitlines()[0] if p.text else ''} – "
                          f"{p.responsible} ({cw_label(PLAN_STATUSES, p.status)}"
                          + (f", {p.due_on}" if p.due_on else "")
                          + (" – " + _("overdue") if p.due_on and p.due_on < today else "")
                          + ")" for p in open_plan]
                if member.closed_at is not None:
                    lines.append(_("Track closed."))
                out.append(CoordinationMember(pid, member.role, name, True, lines))
                self.log(s, "view", person_id=pid, record_type="coordination",
                         record_id=case_id)
            warnings = coordination_warnings(facts, full_ids,
                                             {m.person_id: m.name for m in out})
            return CoordinationView(case.case_number, out, warnings)


def coordination_warnings(facts: list[rules.MemberFacts], full_ids: set[int],
                          names: dict[int, str]) -> list[str]:
    """The warnings as this user may see them. All involved members in the user's
    compartment: the warning itself. Some outside it: nothing, unless the rule data lets a
    track the user works with act on it – and then only that this client's
    interventions need coordinating, never what was found or in which other track (a
    generic "something in another track" would itself tell the perpetrator's side that
    the victim is protected)."""
    by_id = {r.id: r for r in rules.data().rules}
    roles = {f.person_id: f.role for f in facts}
    out: list[str] = []
    for w in rules.warnings(facts):
        if set(w.persons) <= full_ids:
            text = w.text
        else:
            rule = by_id[w.rule]
            actors = [pid for pid in w.persons
                      if pid in full_ids and roles.get(pid) in rule.act_roles]
            if not actors:
                continue
            text = _("Coordination needed for {name}: talk with the samråd's chair before "
                     "interventions are decided or changed.", name=names.get(actors[0], "?"))
        if text not in out:
            out.append(text)
    return out


# ---------------------------------------------------------------------- due items

def samrad_due(svc: Service, s: Session) -> list[DueItem]:
    """Minutes not approved within three working days of the meeting (for the chair)."""
    today = svc.today()
    items: list[DueItem] = []
    for row, number in s.execute(select(Samrad, Case.case_number).join(
            Case, Case.id == Samrad.case_id).where(
            Samrad.chair_id == svc.user.id, Samrad.approved_at.is_(None))):
        due = rules.approval_due(row.meeting_on)
        if row.meeting_on <= today:
            items.append(DueItem("samrad_minutes", None, row.case_id,
                                 _("Approve the minutes of the samråd {date} ({case})",
                                   date=row.meeting_on.isoformat(), case=number),
                                 due, due < today))
    return items
