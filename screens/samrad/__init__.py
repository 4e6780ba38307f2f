"""Samråd (coordination meetings with other agencies): list, form, minutes, coordination."""

from screens.samrad.action_dialog import ActionDialog
from screens.samrad.common import AGENCY_CODES, agency_options
from screens.samrad.coordination import CoordinationScreen
from screens.samrad.form import SamradScreen
from screens.samrad.list import SamradListScreen
from screens.samrad.minutes import MinutesScreen
from screens.samrad.participant_dialog import ParticipantDialog
from screens.samrad.request_dialog import RequestDialog

__all__ = [
    "AGENCY_CODES",
    "ActionDialog",
    "CoordinationScreen",
    "MinutesScreen",
    "ParticipantDialog",
    "RequestDialog",
    "SamradListScreen",
    "SamradScreen",
    "agency_options",
]
