"""Departures and the follow-up after a stay: how she may be reached, the outcome, and up
to three attempts (as the turned-away register has it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain import shelter as rules
from rc_tui.domain.shelter import DESTINATIONS, FOLLOWUP_ATTEMPTS, followup_outcomes
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.errors import ValidationError
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import Stay


@dataclass(frozen=True)
class DepartureRow:
    """A departure still to follow up."""

    stay_id: int
    version: int
    person_id: int
    name: str
    departed_at: datetime
    destination: str
    #: how she may be reached, and what earlier attempts found (for those who may see her)
    reach: str
    followup_note: str
    attempts: int
    followup_due: date


def followup_due(stay: Stay) -> date:
    """When the (next) follow-up attempt is due."""
    assert stay.departed_at is not None
    return stay.followup_due or rules.departure_followup_due(stay.departed_at.date())


class DeparturesMixin(ShelterBase):
    def depart(self, stay_id: int, version: int, when: datetime, destination: str,
               note: str = "", reach: str = "") -> date:
        """She leaves (her children with her): the destination and how she may be reached
        are recorded and a follow-up falls due. Returns the follow-up's due date."""
        problems: list[str] = []
        if destination not in DESTINATIONS:
            problems.append(_("Choose where she went."))
        _text_ok(problems, note, reach)
        if problems:
            raise ValidationError(problems)
        with self.versioned("stay changed elsewhere") as (s, same_version):
            stay = same_version(self._stay(s, stay_id), version)
            if stay.departed_at is not None:
                raise ValidationError([_("He has already left.")
                                       if stay.facility == "perpetrator_housing"
                                       else _("She has already left.")])
            if when < stay.admitted_at:
                raise ValidationError([_("The departure is before the arrival.")])
            due = rules.departure_followup_due(when.date())
            # set before the loop's log entries flush the row: one version step
            stay.reach = reach.strip() or None
            stay.followup_due = due
            for st in [stay, *self._children(s, stay)]:
                st.departed_at = when
                st.destination = destination
                st.departure_note = note.strip() or None
                st.departed_by_id = self.user.id
                self.log(s, "update", person_id=st.person_id, record_type="stay",
                         record_id=st.id)
            return due

    def record_departure_followup(self, stay_id: int, version: int, outcome: str,
                                  note: str = "") -> date | None:
        """Record a follow-up attempt after a departure. Not reached: another attempt falls
        due (three in all, then it is closed as not reached). Returns the next due date,
        or None when the follow-up is done."""
        problems: list[str] = []
        with self.read() as s:
            outcomes = followup_outcomes(self._stay(s, stay_id).facility)
        if outcome not in outcomes:
            problems.append(_("Choose the outcome."))
        _text_ok(problems, note)
        if problems:
            raise ValidationError(problems)
        with self.versioned("stay changed elsewhere") as (s, same_version):
            stay = same_version(self._stay(s, stay_id), version)
            if stay.departed_at is None:
                raise ValidationError([_("He has not left.")
                                       if stay.facility == "perpetrator_housing"
                                       else _("She has not left.")])
            if stay.followed_up_at is not None:
                raise ValidationError([_("The follow-up is already recorded.")])
            now = self.clock()
            line = f"{now:%Y-%m-%d %H:%M} {_(outcomes[outcome])}" + (
                f": {note.strip()}" if note.strip() else "")
            stay.followup_note = "\n".join(x for x in (stay.followup_note, line) if x)
            stay.followup_outcome = outcome
            next_due: date | None = None
            if outcome == "not_reached" and stay.followup_attempts + 1 < FOLLOWUP_ATTEMPTS:
                stay.followup_attempts += 1
                next_due = rules.turned_away_followup_due(now.date())
                stay.followup_due = next_due
            else:
                stay.followed_up_at = now
            self.log(s, "update", person_id=stay.person_id, record_type="stay",
                     record_id=stay.id)
            return next_due

    def departures_to_follow_up(self, facility: str) -> list[DepartureRow]:
        """Departures not yet followed up, however long ago, oldest first. How to reach
        her and what earlier attempts found only for those who may see her."""
        with self.read() as s:
            self._require_facility(s, facility)
            rows = s.scalars(select(Stay).where(
                Stay.facility == facility, Stay.accompanying_id.is_(None),
                Stay.departed_at.is_not(None), Stay.followed_up_at.is_(None))
                .order_by(Stay.departed_at))
            out: list[DepartureRow] = []
            for st in rows:
                if st.departed_at is None:
                    continue
                seen = self.access.level(s, st.person_id) >= Level.SHELTER
                out.append(DepartureRow(
                    st.id, st.version, st.person_id, self._name(s, st.person_id),
                    st.departed_at,
                    st.destination or "", (st.reach or "") if seen else "",
                    (st.followup_note or "") if seen else "", st.followup_attempts,
                    followup_due(st)))
            return out
