"""Shelter and perpetrator housing: the board, admissions, departures, turned-away requests
and the shift log."""

from screens.shelter.admission import AdmissionScreen
from screens.shelter.board import BoardScreen
from screens.shelter.common import STATE_STYLE
from screens.shelter.departure_dialog import DepartureDialog
from screens.shelter.followup_dialog import (
    DepartureFollowupDialog,
    FollowUpDialog,
    TurnedAwayFollowupDialog,
)
from screens.shelter.place_dialog import PlaceDialog
from screens.shelter.shift_entry_dialog import ShiftEntryDialog
from screens.shelter.shift_log import ShiftLogScreen
from screens.shelter.turned_away import TurnedAwayScreen
from screens.shelter.turned_away_dialog import TurnedAwayDialog

__all__ = [
    "STATE_STYLE",
    "AdmissionScreen",
    "BoardScreen",
    "DepartureDialog",
    "DepartureFollowupDialog",
    "FollowUpDialog",
    "PlaceDialog",
    "ShiftEntryDialog",
    "ShiftLogScreen",
    "TurnedAwayDialog",
    "TurnedAwayFollowupDialog",
    "TurnedAwayScreen",
]
