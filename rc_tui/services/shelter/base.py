"""What every part of the shelter service shares: who works with which facility
(the refusal is access-logged), and the place and stay look-ups.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import shelter as rules
from rc_tui.domain.shelter import FACILITIES
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level, capabilities_of
from rc_tui.services.base import Service
from rc_tui.services.errors import ValidationError, VaultError
from rc_tui.services.people import MAX_TEXT, summary_for
from storage.models import Person, Place, PlaceOutOfUse, Stay
from storage.roles import Role

#: what it takes to work with a facility (its board, register and shift log); who has it
#: is the capability table (``rc_tui.services.capabilities.CAPABILITIES``)
BOARD_CAPABILITY = {"shelter": Capability.SHELTER_BOARD,
                    "perpetrator_housing": Capability.HOUSING_BOARD}


def facilities_for(role: Role) -> list[str]:
    """The facilities a role works with (the home screen offers their boards)."""
    return [f for f, cap in BOARD_CAPABILITY.items() if cap in capabilities_of(role)]


def _text_ok(problems: list[str], *texts: str) -> None:
    if any(len(t) > MAX_TEXT for t in texts):
        problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))


class ShelterBase(Service):
    """The facility check and the place and stay look-ups the parts share."""

    # ------------------------------------------------------------------ access
    def _require_facility(self, s: Session, facility: str) -> None:
        """Only the facility's own staff (and managers) see its board, register and log;
        every refusal is access-logged."""
        self.require(Capability.CASE_CONTENT)
        if facility not in FACILITIES:
            raise ValidationError([_("Unknown facility.")])
        self.require(BOARD_CAPABILITY[facility])

    def _audited_facility(self, facility: str, record_type: str
                          ) -> AbstractContextManager[Session]:
        """``audited`` for what belongs to a facility (its board, register, log)."""
        return self.audited(record_type, check=lambda s: self._require_facility(s, facility))

    def may_open(self, facility: str) -> bool:
        cap = BOARD_CAPABILITY.get(facility)
        return cap is not None and self.access.can(cap)

    def _name(self, s: Session, person_id: int) -> str:
        person = s.get(Person, person_id)
        return summary_for(self.access, s, person).display_name if person else "?"

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

    def _stay(self, s: Session, stay_id: int) -> Stay:
        """A stay to act on: the facility's staff only, and only a resident they may see
        (a caseworker who opens the temporary housing's board without working in the
        perpetrator service cannot move or discharge a man by his stay's number)."""
        stay = s.get(Stay, stay_id)
        if stay is None:
            raise VaultError("not found")
        self._require_facility(s, stay.facility)
        self.require_person(s, stay.person_id, Level.SHELTER)
        return stay

    @staticmethod
    def _children(s: Session, stay: Stay) -> list[Stay]:
        return list(s.scalars(select(Stay).where(Stay.accompanying_id == stay.id,
                                                 Stay.departed_at.is_(None))))
