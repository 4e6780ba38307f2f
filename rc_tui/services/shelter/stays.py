"""A person's stays as shown on her own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain.shelter import ARRIVED_VIA, DESTINATIONS, FACILITIES
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.shelter.base import ShelterBase
from storage.models import Place, Stay


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


class StaysMixin(ShelterBase):
    def stays_of(self, person_id: int) -> list[StayFactLine]:
        """The person's stays, for her own record: shelter stays from ``Level.SHELTER``
        (shelter staff, her own caseworker, managers), the temporary housing only with the
        whole record. Nobody sees them through another family member's record."""
        with self.read() as s:
            self.require(Capability.CASE_CONTENT)
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
