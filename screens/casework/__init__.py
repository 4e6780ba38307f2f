"""Casework: investigations, decisions and their letters, plan items, follow-ups."""

from screens.casework.close_dialog import CloseDialog
from screens.casework.common import KEYS
from screens.casework.decision import DecisionScreen
from screens.casework.decision_letter import DecisionLetterScreen
from screens.casework.follow_up_dialog import FollowUpDialog
from screens.casework.investigation import InvestigationScreen
from screens.casework.plan_item_dialog import PlanItemDialog
from screens.casework.template_dialog import TemplateDialog

__all__ = [
    "KEYS",
    "CloseDialog",
    "DecisionLetterScreen",
    "DecisionScreen",
    "FollowUpDialog",
    "InvestigationScreen",
    "PlanItemDialog",
    "TemplateDialog",
]
