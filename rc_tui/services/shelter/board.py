"""The places board: who stays where today, the week's arrivals and departures;
moving a resident to another place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import shelter as rules
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.shelter.base import ShelterBase
from storage.models import Person, Stay


@dataclass(frozen=True)
class ChildLine:
    stay_id: int
    person_id: int
    name: str
    #: for those who may see the child ("" otherwise)
    gender: str = ""
    birth_year: int | None = None


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
    #: the admission's note, for those who may see the resident ("" otherwise)
    note: str = ""


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
    #: children staying today without a bed of their own (their mother's room is full)
    children_without_bed: int = 0


class BoardMixin(ShelterBase):
    def board(self, facility: str, day: date | None = None) -> BoardView:
        day = day or self.today()
        with self._audited_facility(facility, f"{facility}_board") as s:
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
            unseated = self._seat_children(lines, stays)
            arrivals, departures = rules.movements(bookings, day)
            names = {r.stay_id: r.name for r in residents}
            return BoardView(
                facility, day, lines, sum(1 for x in lines if x.state == "free"), residents,
                [(b.start, names.get(b.id, "?"), labels.get(b.place_id, "")) for b in arrivals
                 if b.id in names],
                [(b.expected_end or day, names.get(b.id, "?"), labels.get(b.place_id, ""))
                 for b in departures if b.id in names], unseated)

    @staticmethod
    def _seat_children(lines: list[BoardLine], stays: dict[int, Stay]) -> int:
        """Children without a place of their own take the free beds of their mother's
        room (the lines change in place); returns how many found none."""
        free: dict[str, list[int]] = {}
        for i, line in enumerate(lines):
            if line.state == "free":
                free.setdefault(line.room, []).append(i)
        families: list[tuple[str, int]] = []
        children: list[tuple[ResidentLine, ChildLine]] = []
        for line in lines:
            if line.resident is None or line.child_name:
                continue
            for child in line.resident.children:
                st = stays.get(child.stay_id)
                if st is not None and st.place_id is None:
                    families.append((line.room, child.stay_id))
                    children.append((line.resident, child))
        taken, unseated = rules.seat_children(free, families)
        for bed, (resident, child) in zip(taken, children, strict=True):
            if bed is not None:
                lines[bed] = replace(lines[bed], state="occupied" if not resident.planned
                                     else "planned", resident=resident,
                                     child_name=child.name, note="")
        return unseated

    def _residents(self, s: Session, stays: dict[int, Stay], labels: dict[int, str],
                   day: date) -> list[ResidentLine]:
        present = {i: st for i, st in stays.items()
                   if st.planned or st.departed_at is None or st.departed_at.date() > day}
        children: dict[int, list[ChildLine]] = {}
        for st in present.values():
            if st.accompanying_id is not None:
                child = s.get_one(Person, st.person_id)
                seen = self.access.level(s, st.person_id) >= Level.SHELTER
                children.setdefault(st.accompanying_id, []).append(
                    ChildLine(st.id, st.person_id, self._name(s, st.person_id),
                              (child.gender or "") if seen else "",
                              (child.birth_year or (child.birth_date.year if child.birth_date
                                                    else None)) if seen else None))
        lines = [ResidentLine(st.id, st.version, st.person_id, self._name(s, st.person_id),
                              labels.get(st.place_id or 0, ""), st.admitted_at.date(),
                              st.expected_end, st.planned, st.arrived_via or "",
                              children.get(st.id, []),
                              (st.admission_note or "") if self.access.level(
                                  s, st.person_id) >= Level.SHELTER else "")
                 for st in present.values() if st.accompanying_id is None]
        return sorted(lines, key=lambda r: (r.planned, r.since, r.stay_id))

    def residents(self, facility: str) -> list[ResidentLine]:
        """Current residents (and planned arrivals) with their children."""
        return self.board(facility).residents

    def move(self, stay_id: int, version: int, place_id: int) -> None:
        """Move a resident to another place from today."""
        with self.versioned("stay changed elsewhere") as (s, same_version):
            stay = same_version(self._stay(s, stay_id), version)
            start = max(self.today(), stay.admitted_at.date())
            self._check_place(s, stay.facility, place_id, start, stay.expected_end,
                              stay_id=stay.id)
            stay.place_id = place_id
            self.log(s, "update", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id)
