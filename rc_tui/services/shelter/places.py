"""The places (rooms and beds) of a facility, and places out of use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from rc_tui.domain import shelter as rules
from rc_tui.i18n import _
from rc_tui.services.access import Capability
from rc_tui.services.errors import ValidationError, VaultError
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import Place, PlaceOutOfUse


@dataclass(frozen=True)
class PlaceView:
    id: int
    facility: str
    room: str
    label: str


class PlacesMixin(ShelterBase):
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
            self.require(Capability.MANAGE_PLACES)
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
