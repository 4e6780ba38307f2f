"""The places board: who stays where today, the week's arrivals and departures;
moving a resident to another place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import shelter as rules
from rc_tui.i18n import _
from rc_tui.services.shelter.base import ShelterBase
from storage.models import Stay


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
            arrivals, departures = rules.movements(bookings, day)
            names = {r.stay_id: r.name for r in residents}
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
