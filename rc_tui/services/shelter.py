"""Shelter operations: the places board, admissions (anonymous ones and children
included), departures, the turned-away register and the shift log with its handover.

Who may do what:

* the shelter (Siri): shelter staff and managers. Shelter staff see the residents and
  their children at ``Level.SHELTER`` – never investigations or risk assessments;
* the perpetrator service's temporary housing: caseworkers and managers; a resident's
  name shows only to those who may see the person (``summary_for``).

Nobody else can open a board, a register or a shift log (the refusal is access-logged),
and a resident's stay is shown on a person's record only at ``Level.SHELTER`` or above for
shelter stays (her own caseworker, shelter staff, managers) and at ``Level.FULL`` for the
temporary housing – never through another family member's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rc_tui.domain import casework as casework_rules
from rc_tui.domain import shelter as rules
from rc_tui.domain.shelter import (
    ARRIVED_VIA,
    DESTINATIONS,
    FACILITIES,
    REFERRALS,
    TURNED_AWAY_OUTCOMES,
    TURNED_AWAY_REASONS,
    TurnedAwayFact,
    TurnedAwayStats,
)
from rc_tui.i18n import _, _n
from rc_tui.services.access import Level
from rc_tui.services.accounts import ValidationError
from rc_tui.services.base import DueItem, Service, local_time
from rc_tui.services.cases import CaseService, member_warnings
from rc_tui.services.people import MAX_TEXT, PeopleService, PersonInput, summary_for, to_input
from rc_tui.services.records import index_note
from storage.errors import ConflictError, NoAccess, VaultError
from storage.models import (
    Case,
    CaseMember,
    ChildReport,
    Decision,
    Intake,
    Investigation,
    JournalNote,
    Person,
    Place,
    PlaceOutOfUse,
    PlanItem,
    Relation,
    ShiftEntry,
    ShiftRead,
    Stay,
    TurnedAway,
    User,
)
from storage.roles import Role

#: how an arrival is recorded as the case's first contact (intake channel)
_CHANNEL = {"self": "self", "police": "police", "unit": "social", "on_call": "social",
            "other": "authority"}
#: who works with which facility
_STAFF = {"shelter": {Role.SHELTER, Role.MANAGER},
          "perpetrator_housing": {Role.CASEWORKER, Role.MANAGER}}


def facilities_for(role: Role) -> list[str]:
    """The facilities a role works with (the home screen offers their boards)."""
    return [f for f, roles in _STAFF.items() if role in roles]


# ---------------------------------------------------------------------- views

@dataclass(frozen=True)
class PlaceView:
    id: int
    facility: str
    room: str
    label: str


@dataclass(frozen=True)
class ChildLine:
    stay_id: int
    person_id: int
    name: str


@dataclass(frozen=True)
class ResidentLine:
    stay_id: int
    version: int
    person_id: int
    name: str
    place: str
    since: date
    expected_end: date | None
    planned: bool
    arrived_via: str
    children: list[ChildLine] = field(default_factory=list)


@dataclass(frozen=True)
class BoardLine:
    place_id: int
    room: str
    label: str
    state: str  # free | occupied | planned | out_of_use
    resident: ResidentLine | None
    child_name: str  # a child's own bed: the child's name
    note: str  # out of use: since when and why; free: the next planned arrival


@dataclass(frozen=True)
class BoardView:
    facility: str
    day: date
    lines: list[BoardLine]
    free: int
    residents: list[ResidentLine]  # current and planned, adults, with their children
    arrivals: list[tuple[date, str, str]]  # the week's planned arrivals: day, name, place
    departures: list[tuple[date, str, str]]  # the week's expected departures


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


@dataclass(frozen=True)
class AdmissionResult:
    case_id: int
    case_number: str
    stay_id: int
    person_id: int
    child_ids: list[int]
    warnings: list[str]


@dataclass(frozen=True)
class StayFactLine:
    """A stay as shown on the person's own record."""

    facility: str
    place: str
    admitted_at: datetime
    planned: bool
    expected_end: date | None
    arrived_via: str
    departed_at: datetime | None
    destination: str


def stay_line(st: StayFactLine) -> str:
    """One stay as a line of the person's overview."""
    text = _(FACILITIES.get(st.facility, st.facility)) + ": " + (
        _("arrival planned {day}", day=f"{st.admitted_at:%Y-%m-%d}") if st.planned
        else f"{st.admitted_at:%Y-%m-%d}")
    if st.place:
        text += ", " + _("place {place}", place=st.place)
    if st.arrived_via:
        text += ", " + _("came via {via}", via=_(ARRIVED_VIA.get(st.arrived_via,
                                                                   st.arrived_via)))
    if st.departed_at is not None:
        text += "; " + _("left {day} ({where})", day=f"{st.departed_at:%Y-%m-%d}",
                         where=_(DESTINATIONS.get(st.destination, st.destination)))
    elif st.expected_end is not None:
        text += "; " + _("expected to stay until {day}", day=st.expected_end.isoformat())
    return text


@dataclass(frozen=True)
class TurnedAwayInput:
    facility: str
    requested_at: datetime
    reasons: list[str]
    referred_to: str
    contact: str = ""
    reach: str = ""
    children: int = 0
    reason_note: str = ""
    referred_note: str = ""


@dataclass(frozen=True)
class TurnedAwayRow:
    id: int
    version: int
    requested_at: datetime
    contact: str
    reach: str
    children: int
    reasons: list[str]
    reason_note: str
    referred_to: str
    referred_note: str
    followup_due: date
    followed_up_at: datetime | None
    outcome: str | None
    followup_note: str
    attempts: int
    recorded_by: str


@dataclass(frozen=True)
class ShiftEntryView:
    id: int
    written_at: datetime  # local time
    shift: str
    author: str
    body: str
    about: str  # the resident's name ('' when the entry is about no one)
    person_id: int | None
    read: bool


# ---------------------------------------------------------------------- the service

def _text_ok(problems: list[str], *texts: str) -> None:
    if any(len(t) > MAX_TEXT for t in texts):
        problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))


class ShelterService(Service):
    # ------------------------------------------------------------------ access
    def _require_facility(self, s: Session, facility: str) -> None:
        """Only the facility's own staff (and managers) see its board, register and log;
        every refusal is access-logged."""
        self.require_case_content()
        if facility not in FACILITIES:
            raise ValidationError([_("Unknown facility.")])
        if self.user.role not in _STAFF[facility]:
            raise NoAccess(None, facility, None)

    def may_open(self, facility: str) -> bool:
        return self.user.role in _STAFF.get(facility, set())

    def _name(self, s: Session, person_id: int) -> str:
        person = s.get(Person, person_id)
        return summary_for(self.access, s, person).display_name if person else "?"

    # ------------------------------------------------------------------ places
    def add_place(self, facility: str, room: str, label: str) -> int:
        """Managers set up the places (rooms and beds)."""
        problems: list[str] = []
        if not room.strip() or not label.strip():
            problems.append(_("Give the room and the place."))
        if len(room) > 200 or len(label) > 200:
            problems.append(_("A text may have at most {n} characters.", n=200))
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self._require_facility(s, facility)
            if self.user.role is not Role.MANAGER:
                raise NoAccess(None, "place", None)
            order = len(list(s.scalars(select(Place.id).where(Place.facility == facility))))
            place = Place(facility=facility, room=room.strip(), label=label.strip(),
                          sort_order=order, created_at=self.clock())
            s.add(place)
            s.flush()
            self.log(s, "create", record_type="place", record_id=place.id)
            return place.id

    def places(self, facility: str) -> list[PlaceView]:
        with self.read() as s:
            self._require_facility(s, facility)
            return [PlaceView(p.id, p.facility, p.room, p.label) for p in self._places(s, facility)]

    @staticmethod
    def _places(s: Session, facility: str) -> list[Place]:
        return list(s.scalars(select(Place).where(Place.facility == facility,
                                                  Place.retired_at.is_(None))
                              .order_by(Place.sort_order, Place.id)))

    def _rule_places(self, s: Session, facility: str) -> list[rules.Place]:
        periods: dict[int, list[rules.OutOfUse]] = {}
        for period in s.scalars(select(PlaceOutOfUse).join(
                Place, Place.id == PlaceOutOfUse.place_id).where(Place.facility == facility)):
            periods.setdefault(period.place_id, []).append(
                rules.OutOfUse(period.start_on, period.end_on, period.reason))
        return [rules.Place(p.id, p.facility, p.label, tuple(periods.get(p.id, ())), p.room)
                for p in self._places(s, facility)]

    @staticmethod
    def _bookings(s: Session, facility: str) -> list[rules.Booking]:
        return [rules.Booking(st.id, st.place_id, st.admitted_at.date(), st.expected_end,
                              st.departed_at.date() if st.departed_at else None,
                              arrived=not st.planned)
                for st in s.scalars(select(Stay).where(Stay.facility == facility,
                                                       Stay.place_id.is_not(None)))
                if st.place_id is not None]

    def set_out_of_use(self, place_id: int, start: date, end: date | None, reason: str) -> int:
        """A place out of use (repairs) from ``start`` up to, not including, ``end``."""
        problems: list[str] = []
        if not reason.strip():
            problems.append(_("Give the reason."))
        if end is not None and end <= start:
            problems.append(_("The period ends before it starts."))
        _text_ok(problems, reason)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            place = s.get(Place, place_id)
            if place is None:
                raise VaultError("not found")
            self._require_facility(s, place.facility)
            bookings = [b for b in self._bookings(s, place.facility) if b.place_id == place_id]
            probe = rules.Booking(0, place_id, start, end)
            if any(rules.booking_problems(probe, rules.Place(place_id, place.facility,
                                                              place.label), [b])
                   for b in bookings):
                raise ValidationError([_("{place} is booked in that period: move the "
                                         "resident or the arrival first.", place=place.label)])
            row = PlaceOutOfUse(place_id=place_id, start_on=start, end_on=end,
                                reason=reason.strip(), created_by_id=self.user.id,
                                created_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "create", record_type="place_out_of_use", record_id=row.id)
            return row.id

    def back_in_use(self, place_id: int, day: date) -> None:
        """End the place's current period out of use on ``day``."""
        with self.write() as s:
            place = s.get(Place, place_id)
            if place is None:
                raise VaultError("not found")
            self._require_facility(s, place.facility)
            for period in s.scalars(select(PlaceOutOfUse).where(
                    PlaceOutOfUse.place_id == place_id)):
                if period.start_on <= day and (period.end_on is None or period.end_on > day):
                    period.end_on = day  # [start, day): empty if it ends the day it began
                    self.log(s, "update", record_type="place_out_of_use", record_id=period.id)

    # ------------------------------------------------------------------ the board
    def board(self, facility: str, day: date | None = None) -> BoardView:
        day = day or self.today()
        with self.read() as s:
            self._require_facility(s, facility)
            places = self._rule_places(s, facility)
            bookings = self._bookings(s, facility)
            rows = rules.board(places, bookings, day)
            stays = {st.id: st for st in s.scalars(select(Stay).where(
                Stay.facility == facility,
                (Stay.departed_at.is_(None)) | (Stay.departed_at >= datetime.combine(
                    day, datetime.min.time())) | Stay.planned.is_(True)))}
            rooms = {row.place.id: row.place.room for row in rows}
            labels = {p.id: p.label for p in places}
            residents = self._residents(s, stays, labels, day)
            by_stay = {r.stay_id: r for r in residents}
            child_of = {c.stay_id: (r, c) for r in residents for c in r.children}
            lines: list[BoardLine] = []
            for row in rows:
                resident: ResidentLine | None = None
                child_name = ""
                note = ""
                if row.booking is not None:
                    if row.booking.id in by_stay:
                        resident = by_stay[row.booking.id]
                    elif row.booking.id in child_of:
                        resident, child = child_of[row.booking.id]
                        child_name = child.name
                elif row.state == "out_of_use":
                    period = rules.out_of_use_on(row.place, day)
                    if period is not None:
                        note = _("since {start}", start=period.start.isoformat()) + (
                            f" – {period.reason}" if period.reason else "")
                if row.state == "free" and row.next_arrival is not None:
                    note = _("arrival planned {day}", day=row.next_arrival.start.isoformat())
                lines.append(BoardLine(row.place.id, rooms.get(row.place.id, ""),
                                       row.place.label, row.state, resident, child_name, note))
            arrivals, departures = rules.movements(bookings, day)
            names = {r.stay_id: r.name for r in residents}
            self.log(s, "view", record_type=f"{facility}_board")
            return BoardView(
                facility, day, lines, rules.free_places(rows, facility), residents,
                [(b.start, names.get(b.id, "?"), labels.get(b.place_id, "")) for b in arrivals
                 if b.id in names],
                [(b.expected_end or day, names.get(b.id, "?"), labels.get(b.place_id, ""))
                 for b in departures if b.id in names])

    def _residents(self, s: Session, stays: dict[int, Stay], labels: dict[int, str],
                   day: date) -> list[ResidentLine]:
        present = {i: st for i, st in stays.items()
                   if st.planned or st.departed_at is None or st.departed_at.date() > day}
        children: dict[int, list[ChildLine]] = {}
        for st in present.values():
            if st.accompanying_id is not None:
                children.setdefault(st.accompanying_id, []).append(
                    ChildLine(st.id, st.person_id, self._name(s, st.person_id)))
        lines = [ResidentLine(st.id, st.version, st.person_id, self._name(s, st.person_id),
                              labels.get(st.place_id or 0, ""), st.admitted_at.date(),
                              st.expected_end, st.planned, st.arrived_via or "",
                              children.get(st.id, []))
                 for st in present.values() if st.accompanying_id is None]
        return sorted(lines, key=lambda r: (r.planned, r.since, r.stay_id))

    def residents(self, facility: str) -> list[ResidentLine]:
        """Current residents (and planned arrivals) with their children."""
        return self.board(facility).residents

    # ------------------------------------------------------------------ admission
    # C901: a flat list of independent input checks, each adding one problem, then the
    # one transaction that writes the admission
    def admit(self, data: AdmissionInput) -> AdmissionResult:  # noqa: C901
        """One transaction: the woman (anonymous if need be) and each child get their own
        record, a case with an intake, a stay each and the woman's place. No decision is
        needed; the due list then asks for the investigation, a child-report decision per
        child and an action plan for everyone."""
        problems: list[str] = []
        if data.arrived_via not in ARRIVED_VIA:
            problems.append(_("Choose how she came."))
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
        _text_ok(problems, data.note)
        if problems:
            raise ValidationError(problems)
        people = PeopleService(self.vault, screen=self.screen, clock=self.clock)
        cases = CaseService(self.vault, screen=self.screen, clock=self.clock)
        with self.write() as s:
            self._require_facility(s, data.facility)
            start = data.admitted_at.date()
            if data.place_id is not None:
                self._check_place(s, data.facility, data.place_id, start, data.expected_end)
            role = "perpetrator" if data.facility == "perpetrator_housing" else "victim"
            warnings: list[str] = []
            if data.existing_person_id is not None:
                # a person the centre knows: her stay joins her open case. A stay makes her
                # a resident whom every shelter employee sees at Level.SHELTER, so only a
                # user who already has her whole record (a manager, her assigned
                # caseworker, emergency access) may admit her by her record – never one who
                # only knows that she exists; and nobody is assigned to her by admitting her
                self.require_person(s, data.existing_person_id, Level.FULL)
                adult = s.get_one(Person, data.existing_person_id)
                case = s.scalar(select(Case).join(CaseMember, CaseMember.case_id == Case.id)
                                .where(CaseMember.person_id == adult.id, Case.status == "open")
                                .order_by(Case.id).limit(1))
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
                raise ValidationError([_("She is already staying here.")])
            stay = Stay(person_id=adult.id, facility=data.facility, admitted_at=data.admitted_at,
                        planned=data.planned, expected_end=data.expected_end,
                        arrived_via=data.arrived_via, place_id=data.place_id, case_id=case_id,
                        created_by_id=self.user.id)
            s.add(stay)
            s.flush()
            self._log_stay(s, stay, existing=data.existing_person_id is not None)
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

    def _log_stay(self, s: Session, stay: Stay, *, existing: bool) -> None:
        """A stay of a person the centre already knew widens who sees her (shelter staff
        see residents): logged as a link of an existing person and flagged for review."""
        if existing:
            self.log(s, "link", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id, flagged=True, reason="existing person; admitted")
        else:
            self.log(s, "create", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id)

    @staticmethod
    def _current_stay(s: Session, person_id: int) -> Stay | None:
        return s.scalar(select(Stay).where(Stay.person_id == person_id,
                                           Stay.departed_at.is_(None)).limit(1))

    def _check_place(self, s: Session, facility: str, place_id: int, start: date,
                     end: date | None, stay_id: int = 0) -> None:
        places = {p.id: p for p in self._rule_places(s, facility)}
        if place_id not in places:
            raise ValidationError([_("Choose a place of this facility.")])
        problems = rules.booking_problems(rules.Booking(stay_id, place_id, start, end),
                                          places[place_id], self._bookings(s, facility))
        if problems:
            raise ValidationError(problems)

    def arrive(self, stay_id: int, version: int, when: datetime) -> None:
        """A planned arrival has come: her stay (and her children's) starts now."""
        try:
            with self.write() as s:
                stay = self._stay(s, stay_id, version)
                if not stay.planned:
                    raise ValidationError([_("She has already arrived.")])
                for st in [stay, *self._children(s, stay)]:
                    st.planned = False
                    st.admitted_at = when
                    self.log(s, "update", person_id=st.person_id, record_type="stay",
                             record_id=st.id)
        except StaleDataError as exc:
            raise ConflictError("stay changed elsewhere") from exc

    def move(self, stay_id: int, version: int, place_id: int) -> None:
        """Move a resident to another place from today."""
        try:
            with self.write() as s:
                stay = self._stay(s, stay_id, version)
                start = max(self.today(), stay.admitted_at.date())
                self._check_place(s, stay.facility, place_id, start, stay.expected_end,
                                  stay_id=stay.id)
                stay.place_id = place_id
                self.log(s, "update", person_id=stay.person_id, record_type="stay",
                         record_id=stay.id)
        except StaleDataError as exc:
            raise ConflictError("stay changed elsewhere") from exc

    def _stay(self, s: Session, stay_id: int, version: int) -> Stay:
        stay = s.get(Stay, stay_id)
        if stay is None:
            raise VaultError("not found")
        self._require_facility(s, stay.facility)
        if stay.version != version:
            raise ConflictError("stay changed elsewhere")
        return stay

    @staticmethod
    def _children(s: Session, stay: Stay) -> list[Stay]:
        return list(s.scalars(select(Stay).where(Stay.accompanying_id == stay.id,
                                                 Stay.departed_at.is_(None))))

    # ------------------------------------------------------------------ departure
    def depart(self, stay_id: int, version: int, when: datetime, destination: str,
               note: str = "") -> date:
        """She leaves (her children with her): the destination is recorded and a follow-up
        falls due. Returns the follow-up's due date."""
        problems: list[str] = []
        if destination not in DESTINATIONS:
            problems.append(_("Choose where she went."))
        _text_ok(problems, note)
        if problems:
            raise ValidationError(problems)
        try:
            with self.write() as s:
                stay = self._stay(s, stay_id, version)
                if stay.departed_at is not None:
                    raise ValidationError([_("She has already left.")])
                if when < stay.admitted_at:
                    raise ValidationError([_("The departure is before the arrival.")])
                for st in [stay, *self._children(s, stay)]:
                    st.departed_at = when
                    st.destination = destination
                    st.departure_note = note.strip() or None
                    st.departed_by_id = self.user.id
                    self.log(s, "update", person_id=st.person_id, record_type="stay",
                             record_id=st.id)
                return rules.departure_followup_due(when.date())
        except StaleDataError as exc:
            raise ConflictError("stay changed elsewhere") from exc

    def record_departure_followup(self, stay_id: int, version: int, note: str) -> None:
        if not note.strip():
            raise ValidationError([_("Write what the follow-up found.")])
        problems: list[str] = []
        _text_ok(problems, note)
        if problems:
            raise ValidationError(problems)
        try:
            with self.write() as s:
                stay = self._stay(s, stay_id, version)
                if stay.departed_at is None:
                    raise ValidationError([_("She has not left.")])
                stay.followed_up_at = self.clock()
                stay.followup_note = note
                self.log(s, "update", person_id=stay.person_id, record_type="stay",
                         record_id=stay.id)
        except StaleDataError as exc:
            raise ConflictError("stay changed elsewhere") from exc

    def departures_to_follow_up(self, facility: str
                                ) -> list[tuple[int, int, str, datetime, str]]:
        """Departures not yet followed up, however long ago: (stay id, version, name,
        departed, destination), oldest first."""
        with self.read() as s:
            self._require_facility(s, facility)
            rows = s.scalars(select(Stay).where(
                Stay.facility == facility, Stay.accompanying_id.is_(None),
                Stay.departed_at.is_not(None), Stay.followed_up_at.is_(None))
                .order_by(Stay.departed_at))
            return [(st.id, st.version, self._name(s, st.person_id), st.departed_at,
                     st.destination or "") for st in rows if st.departed_at is not None]

    # ------------------------------------------------------------------ the person's stays
    def stays_of(self, person_id: int) -> list[StayFactLine]:
        """The person's stays, for her own record: shelter stays from ``Level.SHELTER``
        (shelter staff, her own caseworker, managers), the temporary housing only with the
        whole record. Nobody sees them through another family member's record."""
        with self.read() as s:
            self.require_case_content()
            level = self.access.level(s, person_id)
            if level < Level.SHELTER:
                return []
            labels = {p.id: p.label for p in s.scalars(select(Place))}
            out = [StayFactLine(st.facility, labels.get(st.place_id or 0, ""), st.admitted_at,
                                st.planned, st.expected_end, st.arrived_via or "",
                                st.departed_at, st.destination or "")
                   for st in s.scalars(select(Stay).where(Stay.person_id == person_id)
                                       .order_by(Stay.admitted_at))
                   if st.facility == "shelter" or level >= Level.FULL]
            if out:
                self.log(s, "view", person_id=person_id, record_type="stays")
            return out

    # ------------------------------------------------------------------ turned away
    def register_turned_away(self, data: TurnedAwayInput) -> int:
        problems: list[str] = []
        if not data.reasons or any(r not in TURNED_AWAY_REASONS for r in data.reasons):
            problems.append(_("Choose at least one reason."))
        if data.referred_to not in REFERRALS:
            problems.append(_("Choose where she was referred."))
        if not 0 <= data.children <= 20:
            problems.append(_("The number of children must be 0–20."))
        if len(data.contact) > 200:
            problems.append(_("A text may have at most {n} characters.", n=200))
        _text_ok(problems, data.reach, data.reason_note, data.referred_note)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self._require_facility(s, data.facility)
            row = TurnedAway(
                facility=data.facility, requested_at=data.requested_at,
                contact=data.contact.strip(), reach=data.reach, children=data.children,
                reasons=",".join(dict.fromkeys(data.reasons)), reason_note=data.reason_note,
                referred_to=data.referred_to, referred_note=data.referred_note,
                followup_due=rules.turned_away_followup_due(data.requested_at.date()),
                recorded_by_id=self.user.id, created_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "create", record_type="turned_away", record_id=row.id)
            return row.id

    def turned_away(self, facility: str, *, open_only: bool = False, limit: int = 500
                    ) -> list[TurnedAwayRow]:
        with self.read() as s:
            self._require_facility(s, facility)
            q = (select(TurnedAway, User.username)
                 .outerjoin(User, User.id == TurnedAway.recorded_by_id)
                 .where(TurnedAway.facility == facility))
            if open_only:
                q = q.where(TurnedAway.followed_up_at.is_(None))
            rows = s.execute(q.order_by(TurnedAway.requested_at.desc()).limit(limit)).all()
            self.log(s, "view", record_type="turned_away_register")
            return [TurnedAwayRow(
                r.id, r.version, r.requested_at, r.contact, r.reach, r.children,
                rules.reason_codes(r.reasons), r.reason_note, r.referred_to, r.referred_note,
                r.followup_due, r.followed_up_at, r.followup_outcome, r.followup_note or "",
                r.attempts, by or "") for r, by in rows]

    def record_turned_away_followup(self, row_id: int, version: int, outcome: str,
                                    note: str = "") -> date | None:
        """Record a follow-up attempt. Not reached: another attempt falls due (up to three
        in all, then the request is closed as not reached). Returns the next due date, or
        None when the request is closed."""
        problems: list[str] = []
        if outcome not in TURNED_AWAY_OUTCOMES:
            problems.append(_("Choose the outcome."))
        _text_ok(problems, note)
        if problems:
            raise ValidationError(problems)
        try:
            with self.write() as s:
                row = s.get(TurnedAway, row_id)
                if row is None:
                    raise VaultError("not found")
                self._require_facility(s, row.facility)
                if row.version != version:
                    raise ConflictError("request changed elsewhere")
                if row.followed_up_at is not None:
                    raise ValidationError([_("The follow-up is already recorded.")])
                now = self.clock()
                line = f"{now:%Y-%m-%d %H:%M} {_(TURNED_AWAY_OUTCOMES[outcome])}" + (
                    f": {note.strip()}" if note.strip() else "")
                row.followup_note = "\n".join(x for x in (row.followup_note, line) if x)
                row.followup_outcome = outcome
                next_due: date | None = None
                if outcome == "not_reached" and row.attempts + 1 < 3:
                    row.attempts += 1
                    next_due = rules.turned_away_followup_due(now.date())
                    row.followup_due = next_due
                else:
                    row.followed_up_at = now
                self.log(s, "update", record_type="turned_away", record_id=row.id)
                return next_due
        except StaleDataError as exc:
            raise ConflictError("request changed elsewhere") from exc

    def turned_away_stats(self, facility: str, year: int) -> TurnedAwayStats:
        with self.read() as s:
            self._require_facility(s, facility)
            facts = [TurnedAwayFact(r.requested_at.date(), tuple(rules.reason_codes(r.reasons)),
                                    r.referred_to, r.followed_up_at is not None,
                                    r.followup_outcome)
                     for r in s.scalars(select(TurnedAway).where(
                         TurnedAway.facility == facility))]
            self.log(s, "view", record_type="turned_away_stats")
            return rules.turned_away_stats(facts, year)

    # ------------------------------------------------------------------ shift log
    def write_entry(self, facility: str, body: str, person_id: int | None = None) -> int:
        """A timestamped shift-log entry. About a resident, it also lands in her (or the
        child's) journal as a signed note."""
        problems: list[str] = []
        if not body.strip():
            problems.append(_("The entry is empty."))
        _text_ok(problems, body)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self._require_facility(s, facility)
            now = self.clock()
            note_id: int | None = None
            if person_id is not None:
                stay = s.scalar(select(Stay).where(Stay.person_id == person_id,
                                                   Stay.facility == facility).limit(1))
                if stay is None:
                    raise ValidationError([_("Only about a resident of this facility.")])
                self.require_person(s, person_id, Level.SHELTER)
                note = JournalNote(person_id=person_id, case_id=stay.case_id, note_type="shift",
                                   body=body, author_id=self.user.id, created_at=now,
                                   signed_at=now)
                s.add(note)
                s.flush()
                index_note(s, note)
                self.log_sealed(s, "create", "journal_note", note.id, person_id=person_id)
                note_id = note.id
            entry = ShiftEntry(facility=facility, written_at=now,
                               author_id=self.user.id, body=body, person_id=person_id,
                               journal_note_id=note_id)
            s.add(entry)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="shift_entry",
                     record_id=entry.id)
            return entry.id

    def shift_log(self, facility: str, days: int = 3) -> list[ShiftEntryView]:
        """The entries of the last ``days`` days, newest first."""
        return self._entries(facility, self.clock() - timedelta(days=days), unread_only=False)

    def handover(self, facility: str) -> list[ShiftEntryView]:
        """What this user has not read yet (others' entries of the last two weeks), oldest
        first: the handover summary at the start of a shift."""
        entries = self._entries(facility, self.clock() - timedelta(days=rules.HANDOVER_DAYS),
                                unread_only=True)
        return list(reversed(entries))

    def _entries(self, facility: str, since: datetime, *, unread_only: bool
                 ) -> list[ShiftEntryView]:
        with self.read() as s:
            self._require_facility(s, facility)
            read = set(s.scalars(select(ShiftRead.entry_id).join(
                ShiftEntry, ShiftEntry.id == ShiftRead.entry_id).where(
                ShiftRead.user_id == self.user.id, ShiftEntry.written_at >= since)))
            rows = s.execute(select(ShiftEntry, User.username)
                             .outerjoin(User, User.id == ShiftEntry.author_id)
                             .where(ShiftEntry.facility == facility,
                                    ShiftEntry.written_at >= since)
                             .order_by(ShiftEntry.written_at.desc(), ShiftEntry.id.desc())
                             ).all()
            out: list[ShiftEntryView] = []
            for e, by in rows:
                is_read = e.id in read or e.author_id == self.user.id
                if unread_only and is_read:
                    continue
                when = local_time(e.written_at)
                out.append(ShiftEntryView(
                    e.id, when, rules.shift_of(when.hour), by or "", e.body,
                    self._name(s, e.person_id) if e.person_id is not None else "",
                    e.person_id, is_read))
            self.log(s, "view", record_type="shift_log")
            return out

    def mark_read(self, entry_ids: list[int]) -> int:
        """Mark entries read for this user (the handover is done); returns how many."""
        with self.write() as s:
            facilities = set(s.scalars(select(ShiftEntry.facility).where(
                ShiftEntry.id.in_(entry_ids))))
            for facility in facilities:
                self._require_facility(s, facility)
            done = set(s.scalars(select(ShiftRead.entry_id).where(
                ShiftRead.user_id == self.user.id, ShiftRead.entry_id.in_(entry_ids))))
            valid = set(s.scalars(select(ShiftEntry.id).where(ShiftEntry.id.in_(entry_ids))))
            new = [i for i in dict.fromkeys(entry_ids) if i in valid and i not in done]
            now = self.clock()
            for entry_id in new:
                s.add(ShiftRead(entry_id=entry_id, user_id=self.user.id, read_at=now))
            if new:
                self.log(s, "update", record_type="shift_reads", record_id=len(new))
            return len(new)


# ---------------------------------------------------------------------- due items

def shelter_due(svc: Service, s: Session) -> list[DueItem]:
    """For shelter staff and managers: the investigation to start for a woman staying
    without a decision, a child-report decision for every accompanying child, an action
    plan for the woman and each child, the follow-up after a departure, the unread
    handover and every turned-away request not yet followed up. For managers and the
    person's caseworkers: the follow-up after leaving the temporary housing."""
    role = svc.user.role
    today = svc.today()
    items: list[DueItem] = []

    def add(kind: str, person_id: int | None, case_id: int | None, title: str, due: date
            ) -> None:
        items.append(DueItem(kind, person_id, case_id, title, due, due < today))

    def name(person_id: int) -> str:
        person = s.get(Person, person_id)
        return summary_for(svc.access, s, person).display_name if person else "?"

    if role in (Role.SHELTER, Role.MANAGER):
        stay_days = int(svc.vault.setting("investigation_after_stay_days")
                        or casework_rules.DEFAULT_STAY_DAYS)
        current = list(s.scalars(select(Stay).where(
            Stay.facility == "shelter", Stay.departed_at.is_(None), Stay.planned.is_(False))))
        ids = [st.person_id for st in current]
        decided = set(s.scalars(select(Decision.person_id).where(Decision.person_id.in_(ids))))
        investigated = set(s.scalars(select(Investigation.person_id).where(
            Investigation.person_id.in_(ids))))
        reported = set(s.scalars(select(ChildReport.child_person_id).where(
            ChildReport.child_person_id.in_(ids))))
        planned = set(s.scalars(select(PlanItem.person_id).where(PlanItem.person_id.in_(ids))))
        for st in current:
            admitted = st.admitted_at.date()
            who = name(st.person_id)
            if st.accompanying_id is None and st.person_id not in decided \
                    and st.person_id not in investigated:
                add("investigation_start", st.person_id, st.case_id,
                    _("Start an investigation: {name} is at the shelter without a decision",
                      name=who) if role is Role.MANAGER else
                    _("Investigation due: {name} is here without a decision (Nexus starts "
                      "it)", name=who), admitted + timedelta(days=stay_days))
            if st.accompanying_id is not None and st.person_id not in reported:
                add("child_report", st.person_id, st.case_id,
                    _("Child welfare report or decision missing: {name} (at the shelter)",
                      name=who), admitted)
            if st.person_id not in planned:
                add("shelter_plan", st.person_id, st.case_id,
                    _("Write the action plan for {name} (at the shelter)", name=who),
                    rules.plan_due(admitted))
        for st in s.scalars(select(Stay).where(
                Stay.facility == "shelter", Stay.accompanying_id.is_(None),
                Stay.departed_at.is_not(None), Stay.followed_up_at.is_(None))):
            assert st.departed_at is not None
            add("departure_followup", st.person_id, st.case_id,
                _("Follow up after the stay: {name} left {day}", name=name(st.person_id),
                  day=f"{st.departed_at:%Y-%m-%d}"),
                rules.departure_followup_due(st.departed_at.date()))
        for row in s.scalars(select(TurnedAway).where(TurnedAway.facility == "shelter",
                                                      TurnedAway.followed_up_at.is_(None))):
            add("turned_away", None, None,
                _("Follow up the request the shelter could not meet ({when}, {who})",
                  when=f"{row.requested_at:%Y-%m-%d}", who=row.contact or _("anonymous")),
                row.followup_due)
    if role is Role.SHELTER:
        read = select(ShiftRead.entry_id).where(ShiftRead.user_id == svc.user.id)
        since = svc.clock() - timedelta(days=rules.HANDOVER_DAYS)
        unread = list(s.scalars(select(ShiftEntry.written_at).where(
            ShiftEntry.facility == "shelter", ShiftEntry.written_at >= since,
            ShiftEntry.author_id != svc.user.id, ShiftEntry.id.not_in(read))
            .order_by(ShiftEntry.written_at)))
        if unread:
            add("handover", None, None,
                _n("Handover: {n} shift-log entry you have not read",
                   "Handover: {n} shift-log entries you have not read", len(unread),
                   n=len(unread)),
                unread[0].date())
    if role in (Role.CASEWORKER, Role.MANAGER):
        mine = svc.access.assigned_persons(s)
        for st in s.scalars(select(Stay).where(
                Stay.facility == "perpetrator_housing", Stay.departed_at.is_not(None),
                Stay.followed_up_at.is_(None))):
            if role is Role.MANAGER or st.person_id in mine:
                assert st.departed_at is not None
                add("departure_followup", st.person_id, st.case_id,
                    _("Follow up after the temporary housing: {name} left {day}",
                      name=name(st.person_id), day=f"{st.departed_at:%Y-%m-%d}"),
                    rules.departure_followup_due(st.departed_at.date()))
    return items
