"""The person: the person view (one pane per tab) and its forms and dialogs, one per file."""

from screens.person.child_report_dialog import ChildReportDialog
from screens.person.consent_dialog import ConsentDialog
from screens.person.edit import PROTECTION_KEYS, PersonEditScreen
from screens.person.emergency import EmergencyAccessScreen
from screens.person.note import NOTE_KEYS, NoteScreen
from screens.person.screen import PersonScreen, protection_banner

__all__ = [
    "NOTE_KEYS",
    "PROTECTION_KEYS",
    "ChildReportDialog",
    "ConsentDialog",
    "EmergencyAccessScreen",
    "NoteScreen",
    "PersonEditScreen",
    "PersonScreen",
    "protection_banner",
]
