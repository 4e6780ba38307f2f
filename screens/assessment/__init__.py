"""Risk assessments: the form, the read view, their dialogs and the trend chart."""

from screens.assessment.chooser import InstrumentChooser
from screens.assessment.entry_dialog import EntryDialog
from screens.assessment.form import AssessmentScreen
from screens.assessment.options import answer_options, level_options, score_lines
from screens.assessment.read import AssessmentReadScreen, render_assessment, unavailable
from screens.assessment.sections_dialog import SectionsDialog
from screens.assessment.sign_dialog import SignDialog
from screens.assessment.text_dialog import TextDialog
from screens.assessment.trend import LEVEL_ROWS, trend_chart

__all__ = [
    "LEVEL_ROWS",
    "AssessmentReadScreen",
    "AssessmentScreen",
    "EntryDialog",
    "InstrumentChooser",
    "SectionsDialog",
    "SignDialog",
    "TextDialog",
    "answer_options",
    "level_options",
    "render_assessment",
    "score_lines",
    "trend_chart",
    "unavailable",
]
