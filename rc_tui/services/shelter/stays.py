"""A person's stays as shown on her own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain.shelter import DESTINATIONS, FACILITIES, arrived_via
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
    #: temporary housing: whether it rests on a signed risk assessment, the manager's
    #: reason for admitting without one, and whether it executes a decision
    assessed: bool = False
    override_reason: str = ""
    decided: bool = False
    placing_municipality: str = ""
    payer: str = ""
    #: the admission's note: what happened, what she (he) needed that night
    note: str = ""


def stay_line(st: StayFactLine) -> str:
    """One stay as a line of the person's overview."""
    text = _(FACILITIES.get(st.facility, st.facility)) + ": " + (
        _("arrival planned {day}", day=f"{st.admitted_at:%Y-%m-%d}") if st.planned
        else f"{st.admitted_at:%Y-%m-%d}")
    if st.place:
        text += ", " + _("place {place}", place=st.place)
    if st.arrived_via:
        via = arrived_via(st.facility)
        text += ", " + _("came via {via}", via=_(via.get(st.arrived_via, st.arrived_via)))
    if st.departed_at is not None:
        text += "; " + _("left {day} ({where})", day=f"{st.departed_at:%Y-%m-%d}",
                         where=_(DESTINATIONS.get(st.destination, st.destination)))
    elif st.expected_end is not None:
        text += "; " + _("expected to stay until {day}", day=st.expected_end.isoformat())
    if st.facility == "perpetrator_housing":
        text += "; " + (_("on a signed risk assessment") if st.assessed else
                        _("admitted without a signed risk assessment: {reason}",
                          reason=st.override_reason) if st.override_reason else
                        _("no risk assessment recorded"))
        if st.decided:
            text += ", " + _("executes a decision")
    if st.placing_municipality:
        text += "; " + _("placed by {municipality}", municipality=st.placing_municipality)
    if st.payer:
        text += ", " + _("paid by {payer}", payer=st.payer)
    return text


class StaysMixin(ShelterBase):
    def stays_of(self, person_id: int) -> list[StayFactLine]:
        """The person's stays, for his or her own record: with the whole record all of
        them; at ``Level.SHELTER`` only the stays of the facility that gives it (shelter
        staff the shelter's, the perpetrator service the temporary housing's). Nobody sees
        them through another family member's record."""
        with self.read() as s:
            self.require(Capability.CASE_CONTENT)
            level = self.access.level(s, person_id)
            if level < Level.SHELTER:
                return []
            shown = {"shelter": level >= Level.FULL
                     or person_id in self.access.shelter_residents(s),
                     "perpetrator_housing": level >= Level.FULL
                     or person_id in self.access.housing_residents(s)}
            labels = {p.id: p.label for p in s.scalars(select(Place))}
            out = [StayFactLine(st.facility, labels.get(st.place_id or 0, ""), st.admitted_at,
                                st.planned, st.expected_end, st.arrived_via or "",
                                st.departed_at, st.destination or "",
                                st.assessment_id is not None, st.override_reason or "",
                                st.decision_id is not None, st.placing_municipality or "",
                                st.payer or "", st.admission_note or "")
                   for st in s.scalars(select(Stay).where(Stay.person_id == person_id)
                                       .order_by(Stay.admitted_at))
                   if shown.get(st.facility, False)]
            if out:
                self.log(s, "view", person_id=person_id, record_type="stays")
            return out
