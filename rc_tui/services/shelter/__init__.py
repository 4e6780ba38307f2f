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

Where things live (``ShelterService`` is composed of one part per concern):

* ``base`` – who works with which facility, the place and stay look-ups the parts share;
* ``places`` – setting up places, places out of use;
* ``board`` – the places board, moving a resident;
* ``admission`` – admitting (anonymous ones and children included), a planned arrival;
* ``departures`` – departures and the follow-up after a stay;
* ``stays`` – a person's stays on her own record; linking an anonymous record to the
  known person it turned out to be;
* ``turned_away`` – the turned-away register, its follow-up and statistics;
* ``shift_log`` – the shift log and the handover;
* ``due`` – the shelter's due items.
"""

from __future__ import annotations

from rc_tui.services.shelter.admission import AdmissionInput, AdmissionMixin, AdmissionResult
from rc_tui.services.shelter.base import BOARD_CAPABILITY, facilities_for
from rc_tui.services.shelter.board import BoardLine, BoardMixin, BoardView, ChildLine, ResidentLine
from rc_tui.services.shelter.departures import DepartureRow, DeparturesMixin
from rc_tui.services.shelter.due import shelter_due
from rc_tui.services.shelter.places import PlacesMixin, PlaceView
from rc_tui.services.shelter.shift_log import ShiftEntryView, ShiftLogMixin
from rc_tui.services.shelter.stays import LinkLine, LinksMixin, StayFactLine, StaysMixin, stay_line
from rc_tui.services.shelter.turned_away import TurnedAwayInput, TurnedAwayMixin, TurnedAwayRow

__all__ = [
    "BOARD_CAPABILITY", "AdmissionInput", "AdmissionResult", "BoardLine", "BoardView",
    "ChildLine", "DepartureRow", "LinkLine", "PlaceView",
    "ResidentLine", "ShelterService", "ShiftEntryView", "StayFactLine", "TurnedAwayInput",
    "TurnedAwayRow", "facilities_for", "shelter_due", "stay_line",
]


class ShelterService(PlacesMixin, BoardMixin, AdmissionMixin, DeparturesMixin, StaysMixin,
                     LinksMixin, TurnedAwayMixin, ShiftLogMixin):
    """The shelter and the temporary housing: ``ShelterService(vault, screen="shelter")``."""
