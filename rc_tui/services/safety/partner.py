"""Partner contacts: the record is hers, his side reads its outcome and flag (see the
package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.domain.safety import (
    MAX_TEXT,
    PARTNER_CONTACT_DAYS,
    PARTNER_OUTCOMES,
    ContactFacts,
    contact_problems,
    partner_contact_due,
)
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import DueItem, Service, local_time, user_names
from rc_tui.services.errors import ValidationError
from rc_tui.services.people import PersonInput, display_names, summary, summary_for
from storage.models import Case, CaseMember, PartnerContact, Person

#: the member roles a partner may have in his case (never a child, never another
#: perpetrator)
PARTNER_ROLES = ("victim", "other")

# ---------------------------------------------------------------------- partner contact

@dataclass(frozen=True)
class PartnerContactInput:
    """What the narrow form collects. ``partner_id`` None: she is not known to the
    centre, and an anonymous record (``alias``) is made for her in his case."""

    perpetrator_id: int
    partner_id: int | None
    outcome: str
    contacted_at: datetime
    informed_service: bool = False
    informed_support: bool = False
    safety_view: str = ""
    fear: str = ""
    wants_contact: str = ""
    consent_pass_on: bool = False
    safety_flag: bool = False
    note: str = ""
    alias: str = ""


@dataclass(frozen=True)
class PartnerChoice:
    """A member of his case the contact may be with: as the man's caseworker sees her
    (the family compartment: the name unless protected, nothing more)."""

    person_id: int
    name: str


@dataclass(frozen=True)
class PartnerContactOutcome:
    """What the man's side sees of one contact made for him: when, the outcome and the
    safety flag. ``person_id`` is his."""

    id: int
    person_id: int
    contacted_at: datetime
    outcome: str
    safety_flag: bool
    recorded_by: str


@dataclass(frozen=True)
class PartnerContactView:
    """The whole contact, for her side (``person_id`` is hers)."""

    id: int
    person_id: int
    contacted_at: datetime
    outcome: str
    informed_service: bool
    informed_support: bool
    safety_view: str
    fear: str
    wants_contact: str
    consent_pass_on: bool
    safety_flag: bool
    note: str
    recorded_by: str


@dataclass(frozen=True)
class PartnerContactCounts:
    """Partner contacts counted over the men the user may see (managers: the centre).
    ``became_due``: men whose contact fell due in the period; ``attempts``: every contact
    recorded in the period, by outcome; ``open_now``: men for whom one is due today."""

    became_due: int
    attempts: int
    reached: int
    declined: int
    not_reached: int
    open_now: int

    @property
    def done(self) -> int:
        return self.reached + self.declined


def _open_perpetrator_tracks(s: Session, person_id: int) -> list[tuple[int, datetime]]:
    """(case id, opened) of the man's open tracks as perpetrator in open cases."""
    return [(int(r[0]), r[1] if isinstance(r[1], datetime) else datetime.fromisoformat(
        str(r[1]))) for r in s.execute(text(
            "SELECT m.case_id, m.added_at FROM case_members m JOIN cases c ON c.id = m.case_id "
            "WHERE m.person_id = :p AND m.role = 'perpetrator' AND m.closed_at IS NULL "
            "AND c.status = 'open' ORDER BY m.added_at"), {"p": person_id}).all()]


def _contacts_of(s: Session, perpetrator_ids: set[int]) -> dict[int, list[ContactFacts]]:
    out: dict[int, list[ContactFacts]] = {}
    if not perpetrator_ids:
        return out
    for row in s.scalars(select(PartnerContact).where(
            PartnerContact.perpetrator_id.in_(perpetrator_ids))):
        out.setdefault(row.perpetrator_id, []).append(
            ContactFacts(row.outcome, row.contacted_at))
    return out


class PartnerContactService(Service):
    def partners(self, person_id: int) -> list[PartnerChoice]:
        """Whom the contact may be with: the victims and other adults of his open cases,
        as his caseworker may see them (name, or "protected person")."""
        with self.audited("partner_choice", person_id=person_id) as s:
            cases = [cid for cid, _opened in _open_perpetrator_tracks(s, person_id)]
            if not cases:
                return []
            members = s.scalars(select(CaseMember.person_id).where(
                CaseMember.case_id.in_(cases), CaseMember.role.in_(PARTNER_ROLES),
                CaseMember.person_id != person_id).distinct())
            out = []
            for pid in sorted(set(members)):
                person = s.get(Person, pid)
                if person is not None and self.access.level(s, pid) >= Level.EXISTS:
                    out.append(PartnerChoice(pid, summary_for(self.access, s, person)
                                             .display_name))
            return out

    def record(self, data: PartnerContactInput) -> int:
        """Record a contact (or an attempt) with his partner, in her compartment. The man's
        caseworker needs his whole record and an open track of his in the service; the
        contact is written to her record whatever they may see of her, and grants them
        nothing. Recorded is final: the database refuses any change."""
        self.require(Capability.CASE_CONTENT)
        now = self.clock()
        # the time of the contact is typed in local time (as an intake's is)
        problems = [_(p) for p in contact_problems(
            data.outcome, data.safety_view, data.fear, data.wants_contact, data.contacted_at,
            local_time(now))]
        if len(data.note) > MAX_TEXT or len(data.alias) > 200:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
        if problems:
            raise ValidationError(problems)
        reached = data.outcome == "reached"
        with self.write() as s:
            self.require_person(s, data.perpetrator_id, Level.FULL)
            tracks = _open_perpetrator_tracks(s, data.perpetrator_id)
            if not tracks:
                raise ValidationError([_("A partner contact is made for a man with an open "
                                         "track in the perpetrator service.")])
            case_ids = [cid for cid, _opened in tracks]
            if data.partner_id is None:
                partner_id, case_id = self._anonymous(s, case_ids[-1], data.alias)
            else:
                partner_id = data.partner_id
                member = s.execute(select(CaseMember.case_id).where(
                    CaseMember.person_id == partner_id, CaseMember.case_id.in_(case_ids),
                    CaseMember.role.in_(PARTNER_ROLES))).first()
                if member is None or partner_id == data.perpetrator_id:
                    raise ValidationError([_("The partner must be a victim or another adult "
                                             "in his case.")])
                case_id = int(member[0])
            row = PartnerContact(
                person_id=partner_id, perpetrator_id=data.perpetrator_id, case_id=case_id,
                contacted_at=data.contacted_at, outcome=data.outcome,
                informed_service=data.informed_service and data.outcome != "not_reached",
                informed_support=data.informed_support and data.outcome != "not_reached",
                safety_view=data.safety_view if reached else "",
                fear=data.fear if reached else "",
                wants_contact=data.wants_contact if reached else "",
                consent_pass_on=data.consent_pass_on and reached,
                safety_flag=data.safety_flag, note=data.note if data.note.strip() else "",
                recorded_by_id=self.user.id, created_at=now)
            s.add(row)
            s.flush()
            # logged as hers (the record is in her compartment), and sealed
            self.log_sealed(s, "create", "partner_contact", row.id, person_id=partner_id)
            return row.id

    def _anonymous(self, s: Session, case_id: int, alias: str) -> tuple[int, int]:
        """A record for a partner not known to the centre: an alias only, added to his case
        as a victim – with no track for anyone (a manager assigns her a caseworker)."""
        from rc_tui.services.cases import CaseService
        from rc_tui.services.people import PeopleService

        shown = alias.strip() or _("Partner")
        person = PeopleService(self.vault, screen=self.screen, clock=self.clock).create_in(
            s, PersonInput(alias=shown, gender="unknown"))
        case = s.get(Case, case_id)
        assert case is not None
        CaseService(self.vault, screen=self.screen, clock=self.clock).add_member_in(
            s, case, person, "victim", created=True, own_case=False, track=False)
        return person.id, case_id

    def outcomes(self, person_id: int) -> list[PartnerContactOutcome]:
        """The man's side: the contacts made for him – outcome and safety flag only."""
        with self.audited("partner_contact_outcome", person_id=person_id) as s:
            rows = list(s.execute(select(
                PartnerContact.id, PartnerContact.contacted_at, PartnerContact.outcome,
                PartnerContact.safety_flag, PartnerContact.recorded_by_id).where(
                PartnerContact.perpetrator_id == person_id)
                .order_by(PartnerContact.contacted_at, PartnerContact.id)).all())
            names = user_names(s, {r[4] for r in rows})
            return [PartnerContactOutcome(r[0], person_id, r[1], r[2], bool(r[3]),
                                          names.get(r[4], "")) for r in rows]

    def for_partner(self, person_id: int) -> list[PartnerContactView]:
        """Her side: every partner contact in her record, whole."""
        with self.audited("partner_contact", person_id=person_id) as s:
            rows = list(s.scalars(select(PartnerContact).where(
                PartnerContact.person_id == person_id)
                .order_by(PartnerContact.contacted_at, PartnerContact.id)))
            names = user_names(s, {r.recorded_by_id for r in rows})
            return [PartnerContactView(
                r.id, r.person_id, r.contacted_at, r.outcome, r.informed_service,
                r.informed_support, r.safety_view, r.fear, r.wants_contact,
                r.consent_pass_on, r.safety_flag, r.note, names.get(r.recorded_by_id, ""))
                for r in rows]

    def counts(self, start: date | None = None, end: date | None = None
               ) -> PartnerContactCounts:
        """Contacts due, made and attempted in [start, end] (whole history when not
        given) over the men whose whole record the user may see; ``open_now`` today."""
        self.require(Capability.CASE_CONTENT)
        first = start or date.min
        last = end or date.max
        with self.read() as s:
            tracks = s.execute(text(
                "SELECT m.person_id, m.added_at, m.closed_at, c.status FROM case_members m "
                "JOIN cases c ON c.id = m.case_id WHERE m.role = 'perpetrator'")).all()
            men = {int(r[0]) for r in tracks
                   if self.access.level(s, int(r[0])) >= Level.FULL}
            contacts = _contacts_of(s, men)
            became_due = 0
            open_now = 0
            today = self.today()
            for pid, added, closed, status in tracks:
                if int(pid) not in men:
                    continue
                opened = _as_datetime(added).date()
                if first <= opened + timedelta(days=PARTNER_CONTACT_DAYS) <= last:
                    became_due += 1
                if closed is None and status == "open":
                    due = partner_contact_due(opened, contacts.get(int(pid), []))
                    open_now += due is not None and due <= today
            made = [c for cs in contacts.values() for c in cs
                    if first <= c.contacted_at.date() <= last]
            by = {o: sum(1 for c in made if c.outcome == o) for o in PARTNER_OUTCOMES}
            self.log(s, "view", record_type="partner_contact_counts")
            return PartnerContactCounts(became_due, len(made), by["reached"], by["declined"],
                                        by["not_reached"], open_now)


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def partner_contact_due_items(svc: Service, s: Session) -> list[DueItem]:
    """A partner contact is due for every man whose track in the service this user holds
    (until she is reached, declines, or three attempts did not reach her); and where she
    wants contact from the victim side, that contact is due for her caseworker – or, while
    her track has nobody, for the managers (who assign one)."""
    rows = s.execute(text(
        "SELECT DISTINCT m.person_id, m.added_at FROM case_members m "
        "JOIN cases c ON c.id = m.case_id AND c.status = 'open' "
        "JOIN assignments a ON a.case_member_id = m.id AND a.ended_at IS NULL "
        "AND a.user_id = :u WHERE m.role = 'perpetrator' AND m.closed_at IS NULL"),
        {"u": svc.user.id}).all()
    today = svc.today()
    items: list[DueItem] = []
    first: dict[int, date] = {}
    for pid, added in rows:
        opened = _as_datetime(added).date()
        first[int(pid)] = min(first.get(int(pid), opened), opened)
    contacts = _contacts_of(s, set(first))
    dues = {pid: due for pid, opened in first.items()
            if (due := partner_contact_due(opened, contacts.get(pid, []))) is not None
            and due <= today + timedelta(days=14)}
    names = display_names(s, dues)  # one query, not one per man
    for pid, due in dues.items():
        items.append(DueItem("partner_contact", pid, None,
                             _("{name}: partner contact due", name=names.get(pid, "?")),
                             due, due < today))
    items += _victim_side_contact_due(svc, s)
    return items


def _victim_side_contact_due(svc: Service, s: Session) -> list[DueItem]:
    wanted = s.execute(text(
        "SELECT p.person_id, max(p.created_at) FROM partner_contacts p "
        "WHERE p.outcome = 'reached' AND p.wants_contact = 'yes' GROUP BY p.person_id")).all()
    items: list[DueItem] = []
    manager = svc.access.can(Capability.ALL_CASES)
    mine = svc.access.assigned_persons(s)
    for raw_pid, when in wanted:
        pid = int(raw_pid)
        assigned = s.scalar(text(
            "SELECT count(*) FROM assignments a JOIN case_members m "
            "ON m.id = a.case_member_id WHERE m.person_id = :p AND a.ended_at IS NULL"),
            {"p": pid})
        if pid in mine:
            # done once her caseworker has written in her journal after the contact
            later = s.scalar(text(
                "SELECT count(*) FROM journal_notes WHERE person_id = :p AND created_at > :t"),
                {"p": pid, "t": when})
            if later:
                continue
        elif not (manager and not assigned):
            continue
        person = s.get(Person, pid)
        name = summary(person).display_name if person else "?"
        day = _as_datetime(when).date()
        title = (_("{name} wants contact from the victim side (partner contact)", name=name)
                 if pid in mine else
                 _("{name} wants contact from the victim side: assign a caseworker",
                   name=name))
        items.append(DueItem("partner_wants_contact", pid, None, title, day,
                             day < svc.today()))
    return items
