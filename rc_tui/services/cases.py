"""Cases (ärenden), their members and relations, assignments, and the intake."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rc_tui.domain import ages, identity
from rc_tui.domain.vocab import CHANNELS, MEMBER_ROLES, RELATION_KINDS
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level, capabilities_of, roles_with
from rc_tui.services.base import Service
from rc_tui.services.errors import NoAccess, ValidationError, VaultError
from rc_tui.services.people import (
    PeopleService,
    PersonInput,
    PersonSummary,
    summary_for,
    to_input,
)
from storage.models import (
    Assignment,
    Case,
    CaseMember,
    Intake,
    Person,
    Relation,
    User,
)
from storage.roles import Role


@dataclass(frozen=True)
class MemberInput:
    role: str
    person: PersonInput | None = None
    existing_person_id: int | None = None


@dataclass(frozen=True)
class IntakeInput:
    occurred_at: datetime
    channel: str
    what_happened: str
    immediate_danger: bool
    members: list[MemberInput]
    referrer_name: str = ""


@dataclass(frozen=True)
class IntakeResult:
    case_id: int
    case_number: str
    intake_id: int
    person_ids: list[int]
    warnings: list[str]
    #: existing persons added to the case whose own track the user does not hold: the
    #: link granted nothing (a manager's assignment or emergency access is needed)
    no_access: list[int] = field(default_factory=list)
    #: whether the user may open the new case (not when every member was an existing
    #: person whose track the user does not hold)
    case_visible: bool = True


@dataclass(frozen=True)
class Linked:
    """What putting one person into a case did for the user who did it."""

    person_id: int
    member_id: int
    #: an existing person whose own track the user does not hold: added to the case, but
    #: no access was granted
    no_access: bool


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    person: PersonSummary
    role: str
    assigned: list[str]
    closed: bool = False  # this person's track in the case is closed


@dataclass(frozen=True)
class IntakeLine:
    """An intake as shown on its contact person's own record: what happened."""

    occurred_at: datetime
    case_number: str
    channel: str
    immediate_danger: bool
    what_happened: str


@dataclass(frozen=True)
class CaseDetail:
    id: int
    case_number: str
    status: str
    opened_at: datetime
    members: list[MemberRow]
    relations: list[tuple[str, str, str]]  # from name, kind, to name
    #: when, channel, referrer, danger, what happened (only intakes whose contact person
    #: the user may see in full)
    intakes: list[tuple[datetime, str, str, bool, str]]
    version: int


@dataclass(frozen=True)
class CaseRow:
    id: int
    case_number: str
    opened_at: datetime
    members: list[tuple[str, str]] = field(default_factory=list)  # (role, display name)


def intake_assignment_roles(contact_role: str) -> set[str]:
    """Which tracks the caseworker doing an intake is assigned to.

    Compartments: an intake made with a victim does not assign the perpetrator's track
    (that goes to the perpetrator service via a manager), and an intake made with a
    perpetrator does not assign the victim's track.
    """
    if contact_role == "perpetrator":
        return {"perpetrator"}
    return {"victim", "child", "other"}


def member_warnings(data: PersonInput, role: str, *, contacted: bool, today: date
                    ) -> list[str]:
    """The age rules for one person at intake (warnings, never a refusal); the intake
    screen shows them as the person is added, the service returns them with the result."""
    age: int | None = None
    try:
        if data.id_number.strip():
            age = ages.age_on(identity.parse_identity_number(data.id_number, today).birth_date,
                              today)
        elif data.birth_year:
            age = ages.age_from_year(data.birth_year, today)
    except (identity.IdentityNumberError, ValueError):
        age = None
    return ages.intake_warnings(age, role, gender=data.gender, contacted_on_own=contacted)


def no_access_text() -> str:
    """What a user who linked an existing person without holding their track is told."""
    return _("The existing person was added to the case, but that gives you no access to "
             "their own track. Ask a manager to assign you (T on the case), or take "
             "emergency access (logged and reviewed).")


def case_search_numbers(case_number: str) -> str:
    """What the case search index holds: the number without separators ("rc20260012"),
    and the serial alone ("0012"), which the search looks up only as four digits typed
    on their own (``search.case_query``).

    Not the bare "20260012": it would also match a birth date."""
    words = [case_number.replace("-", "").lower()]
    serial = case_number.rsplit("-", 1)[-1]
    if serial.isdigit() and serial != case_number:
        words.append(serial)
    return " ".join(words)


class CaseService(Service):
    # ------------------------------------------------------------------ intake
    def register_intake(self, data: IntakeInput) -> IntakeResult:
        """One transaction: a new case, its members, the intake, and the assignments."""
        self.require(Capability.CASE_CONTENT)
        problems: list[str] = []
        if data.channel not in CHANNELS:
            problems.append(_("Choose how the contact came."))
        if not data.members:
            problems.append(_("Add at least one person."))
        if len(data.what_happened) > 100_000 or len(data.referrer_name) > 200:
            problems.append(_("A text may have at most {n} characters.", n=100_000))
        for m in data.members:
            if m.role not in MEMBER_ROLES:
                problems.append(_("Choose a role for every person."))
                break
        if problems:
            raise ValidationError(problems)
        people = PeopleService(self.vault, screen=self.screen, clock=self.clock)
        warnings: list[str] = []
        with self.write() as s:
            case = self.new_case_in(s)
            contact_role = data.members[0].role
            assign_roles = intake_assignment_roles(contact_role)
            person_ids: list[int] = []
            no_access: list[int] = []
            for index, m in enumerate(data.members):
                created = m.existing_person_id is None
                if m.existing_person_id is not None:
                    person = s.get(Person, m.existing_person_id)
                    if person is None:
                        raise VaultError("not found")
                elif m.person is not None:
                    person = people.create_in(s, m.person)
                else:
                    raise ValidationError([_("Add at least one person.")])
                linked = self.add_member_in(s, case, person, m.role, created=created,
                                            own_case=True, track=m.role in assign_roles)
                if linked.no_access:
                    no_access.append(person.id)
                person_ids.append(person.id)
                warnings.extend(member_warnings(to_input(person), m.role,
                                                contacted=index == 0, today=self.today()))
            intake = Intake(
                case_id=case.id, contact_person_id=person_ids[0], occurred_at=data.occurred_at,
                channel=data.channel, referrer_name=data.referrer_name.strip() or None,
                what_happened=data.what_happened, immediate_danger=data.immediate_danger,
                created_by_id=self.user.id, created_at=self.clock(),
            )
            s.add(intake)
            s.flush()
            self.log(s, "create", person_id=person_ids[0], record_type="intake",
                     record_id=intake.id)
            return IntakeResult(case.id, case.case_number, intake.id, person_ids, warnings,
                                no_access, self.access.case_visible(s, case.id))

    def new_case_in(self, s: Session) -> Case:
        year = self.today().year
        prefix = f"RC-{year}-"
        last = s.scalar(select(func.max(Case.case_number)).where(
            Case.case_number.like(prefix + "%")))
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        case = Case(case_number=f"{prefix}{number:04d}", status="open", opened_at=self.clock(),
                    created_by_id=self.user.id)
        s.add(case)
        s.flush()
        s.execute(text("INSERT INTO case_fts (rowid, numbers) VALUES (:id, :n)"),
                  {"id": case.id, "n": case_search_numbers(case.case_number)})
        self.log(s, "create", record_type="case", record_id=case.id)
        return case

    def add_member_in(self, s: Session, case: Case, person: Person, role: str, *,
                      created: bool, own_case: bool, track: bool) -> Linked:
        """The one rule for every write that puts a person into a case (a new intake, "add
        person" on a case, the duplicate offer, a shelter admission): the person may be
        added to the case, but the user who does it gains nothing beyond what they had.

        * ``created``: the person was created in this same write by this user. Otherwise
          the person exists already and must be visible to the user at least at
          ``Level.EXISTS`` (else ``NoAccess``); the link is logged as ``link`` and flagged
          for the log review whatever else happens.
        * ``track``: the user would work with this member's own track. They are assigned
          to it only when that widens nothing: the person was created in this write, or is
          an existing person whose own track the user already holds (an active assignment)
          – and only in ``own_case``, a case created in this write or one where the user
          already holds a track (so emergency access to one member, which ends with the
          session, never turns into a lasting assignment). Managers see every case, so
          their own assignments widen nothing.
        * Access to an existing person's own track otherwise comes only from a manager's
          assignment (``assign``) or emergency access with a stated reason
          (``PeopleService.emergency_access``) – both flagged for the log review.
        """
        if not created:
            self.require_person(s, person.id, Level.EXISTS)
            if s.scalar(select(CaseMember.id).where(CaseMember.case_id == case.id,
                                                    CaseMember.person_id == person.id)):
                raise ValidationError([_("The person is already in the case.")])
        holds = self.access.can(Capability.ALL_CASES) or (
            own_case and (created or person.id in self.access.assigned_persons(s)))
        member = CaseMember(case_id=case.id, person_id=person.id, role=role,
                            added_at=self.clock(), added_by_id=self.user.id)
        s.add(member)
        s.flush()
        if created:
            self.log(s, "create", person_id=person.id, record_type="case_member",
                     record_id=member.id)
        else:
            self.log(s, "link", person_id=person.id, record_type="case_member",
                     record_id=member.id, flagged=True,
                     reason="existing person; access already held" if holds
                     else "existing person; no access granted")
        if track and holds:
            self._assign(s, member, self.user.id, self.user.username)
        return Linked(person.id, member.id, not created and not holds)

    def _assign(self, s: Session, member: CaseMember, user_id: int, username: str) -> None:
        """Every assignment is an escalation of someone's access: flagged for the log
        review, with the assignee in the reason (the entry's user is who assigned)."""
        s.add(Assignment(case_member_id=member.id, user_id=user_id,
                         assigned_by_id=self.user.id, assigned_at=self.clock()))
        s.flush()
        self.access.reset()
        self.log(s, "assign", person_id=member.person_id, record_type="case_member",
                 record_id=member.id, reason=f"assigned {username}", flagged=True)

    # ------------------------------------------------------------------ members
    def add_member(self, case_id: int, role: str, data: PersonInput | None = None,
                   existing_person_id: int | None = None) -> Linked:
        self.require(Capability.CASE_CONTENT)
        if role not in MEMBER_ROLES:
            raise ValidationError([_("Choose a role for every person.")])
        people = PeopleService(self.vault, screen=self.screen, clock=self.clock)
        with self.write() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise VaultError("not found")
            if not self.access.case_visible(s, case_id):
                raise NoAccess(None, "case", case_id)
            own_case = case_id in self.access.my_cases(s)
            if existing_person_id is not None:
                person = s.get(Person, existing_person_id)
                if person is None:
                    raise VaultError("not found")
            elif data is not None:
                person = people.create_in(s, data)
            else:
                raise ValidationError([_("Add at least one person.")])
            return self.add_member_in(s, case, person, role,
                                      created=existing_person_id is None,
                                      own_case=own_case, track=role != "perpetrator")

    def add_relation(self, case_id: int, from_person: int, to_person: int, kind: str) -> None:
        self.require(Capability.CASE_CONTENT)
        if kind not in RELATION_KINDS:
            raise ValidationError([_("Choose a relation.")])
        if from_person == to_person:
            raise ValidationError([_("A person cannot be related to themselves.")])
        with self.write() as s:
            if not self.access.case_visible(s, case_id):
                raise NoAccess(None, "case", case_id)
            members = set(s.scalars(select(CaseMember.person_id).where(
                CaseMember.case_id == case_id)))
            if not {from_person, to_person} <= members:
                raise ValidationError([_("Both persons must be in the case.")])
            rel = Relation(case_id=case_id, from_person_id=from_person,
                           to_person_id=to_person, kind=kind, created_at=self.clock())
            s.add(rel)
            s.flush()
            self.log(s, "create", person_id=from_person, record_type="relation",
                     record_id=rel.id)

    def assign(self, member_id: int, username: str) -> None:
        """A manager assigns a caseworker to one member's track."""
        self.require(Capability.CASE_CONTENT)
        self.require(Capability.ASSIGN)
        with self.write() as s:
            member = s.get(CaseMember, member_id)
            user = s.scalar(select(User).where(User.username == username))
            if member is None or user is None or Capability.CASE_CONTENT not in capabilities_of(
                    Role(user.role)):
                raise VaultError("not found")
            self._assign(s, member, user.id, user.username)

    def caseworkers(self) -> list[tuple[str, str]]:
        """(username, name) of users who can be assigned to tracks."""
        with self.read() as s:
            rows = s.execute(select(User.username, User.display_name).where(
                User.role.in_([r.value for r in roles_with(Capability.CASE_CONTENT)]),
                User.status == "active").order_by(User.username)).all()
            return [(r[0], r[1]) for r in rows]

    # ------------------------------------------------------------------ reading
    def detail(self, case_id: int) -> CaseDetail:
        self.require(Capability.CASE_CONTENT)
        with self.read() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise VaultError("not found")
            if not self.access.case_visible(s, case_id):
                raise NoAccess(None, "case", case_id)
            members: list[MemberRow] = []
            names: dict[int, str] = {}
            for member, person in s.execute(
                select(CaseMember, Person).join(Person, Person.id == CaseMember.person_id)
                .where(CaseMember.case_id == case_id).order_by(CaseMember.id)
            ).all():
                assigned = list(s.scalars(
                    select(User.username).join(Assignment, Assignment.user_id == User.id)
                    .where(Assignment.case_member_id == member.id,
                           Assignment.ended_at.is_(None))))
                row = summary_for(self.access, s, person, case_id=case_id)
                names[person.id] = row.display_name
                members.append(MemberRow(member.id, row, member.role, assigned,
                                         member.closed_at is not None))
            relations = [
                (names.get(r.from_person_id, "?"), r.kind, names.get(r.to_person_id, "?"))
                for r in s.scalars(select(Relation).where(Relation.case_id == case_id))
            ]
            intakes = [
                (i.occurred_at, i.channel, i.referrer_name or "", i.immediate_danger,
                 i.what_happened)
                for i in s.scalars(select(Intake).where(Intake.case_id == case_id)
                                   .order_by(Intake.occurred_at))
                if self.access.level(s, i.contact_person_id) == Level.FULL
            ]
            self.log(s, "view", record_type="case", record_id=case.id)
            return CaseDetail(case.id, case.case_number, case.status, case.opened_at, members,
                              relations, intakes, case.version)

    def intakes_of(self, person_id: int) -> list[IntakeLine]:
        """The intakes the person was the contact of, what happened included, for the
        person's own record: from ``Level.SHELTER`` (her caseworker, managers, the staff of
        the facility she stays at – so she need not tell her story twice), never through
        another family member's record."""
        with self.audited("intakes", person_id=person_id, needed=Level.SHELTER) as s:
            return [IntakeLine(i.occurred_at, number, i.channel, i.immediate_danger,
                               i.what_happened)
                    for i, number in s.execute(
                        select(Intake, Case.case_number).join(Case, Case.id == Intake.case_id)
                        .where(Intake.contact_person_id == person_id)
                        .order_by(Intake.occurred_at))]

    def my_open_cases(self, limit: int = 50) -> list[CaseRow]:
        """Open cases where the user is assigned to at least one track."""
        self.require(Capability.CASE_CONTENT)
        with self.read() as s:
            case_ids = list(s.scalars(
                select(CaseMember.case_id).join(Assignment,
                                                Assignment.case_member_id == CaseMember.id)
                .join(Case, Case.id == CaseMember.case_id)
                .where(Assignment.user_id == self.user.id, Assignment.ended_at.is_(None),
                       Case.status == "open")
                .group_by(CaseMember.case_id).order_by(CaseMember.case_id.desc()).limit(limit)))
            cases = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(case_ids)))}
            members: dict[int, list[tuple[str, str]]] = {i: [] for i in case_ids}
            for m, p in s.execute(
                select(CaseMember, Person).join(Person, Person.id == CaseMember.person_id)
                .where(CaseMember.case_id.in_(case_ids)).order_by(CaseMember.id)
            ).all():
                # the name only: without the risk level, no query per member
                members[m.case_id].append((m.role, summary_for(
                    self.access, s, p, case_id=m.case_id, risk=False).display_name))
            return [CaseRow(i, cases[i].case_number, cases[i].opened_at, members[i])
                    for i in case_ids]

    def referrer_suggestions(self) -> list[str]:
        """Referrer names used before (for autocomplete), most recent first."""
        self.require(Capability.CASE_CONTENT)
        with self.read() as s:
            query = (select(Intake.referrer_name, func.max(Intake.id).label("last"))
                     .where(Intake.referrer_name.is_not(None)))
            if not self.access.can(Capability.ALL_CASES):  # only from intakes this user may read
                query = query.where(Intake.contact_person_id.in_(
                    self.access.assigned_persons(s) | self.access.grants.emergency))
            rows = s.execute(query.group_by(Intake.referrer_name)
                             .order_by(text("last DESC")).limit(200)).all()
            return [r[0] for r in rows if r[0]]
