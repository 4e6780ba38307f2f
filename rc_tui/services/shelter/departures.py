"""Departures and the follow-up after a stay.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain import shelter as rules
from rc_tui.domain.shelter import DESTINATIONS
from rc_tui.i18n import _
from rc_tui.services.errors import ValidationError
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import Stay


class DeparturesMixin(ShelterBase):
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
        with self.versioned("stay changed elsewhere") as (s, same_version):
            stay = same_version(self._stay(s, stay_id), version)
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

    def record_departure_followup(self, stay_id: int, version: int, note: str) -> None:
        if not note.strip():
            raise ValidationError([_("Write what the follow-up found.")])
        problems: list[str] = []
        _text_ok(problems, note)
        if problems:
            raise ValidationError(problems)
        with self.versioned("stay changed elsewhere") as (s, same_version):
            stay = same_version(self._stay(s, stay_id), version)
            if stay.departed_at is None:
                raise ValidationError([_("She has not left.")])
            stay.followed_up_at = self.clock()
            stay.followup_note = note
            self.log(s, "update", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id)

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
