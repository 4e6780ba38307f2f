"""The person view's tabs, one pane widget each."""

from screens.person.panes.assessments import AssessmentsPane
from screens.person.panes.base import PersonPane
from screens.person.panes.decisions import DecisionsPane
from screens.person.panes.investigation import InvestigationPane
from screens.person.panes.journal import JournalPane
from screens.person.panes.overview import OverviewPane
from screens.person.panes.plans import PlansPane
from screens.person.panes.samrad import SamradPane

__all__ = [
    "AssessmentsPane", "DecisionsPane", "InvestigationPane", "JournalPane", "OverviewPane",
    "PersonPane", "PlansPane", "SamradPane",
]
