"""Investigation, assistance decisions, action plans, follow-up and closing.

All of it is the person's own track: ``Level.FULL`` (never shelter staff or another
member's caseworker) – except the action plan, which shelter staff write for every woman
and child staying with them (``Level.SHELTER``; they see no decisions, so their plan items
rest on none). Every read and write is access-logged. Due items are computed from
the records (``due``), so nothing due can be forgotten.

Where things live (``CaseworkService`` is composed of one part per concern):

* ``base`` – the text limit, user names, the investigation and decision look-ups;
* ``investigations`` – starting, saving and concluding an investigation;
* ``decisions`` – assistance decisions and the provider warning;
* ``letters`` – the decision letter;
* ``plans`` – the action plan;
* ``followup`` – follow-ups of decisions and of a child's investigation;
* ``closing`` – closing and reopening tracks and cases;
* ``due`` – casework's due items.
"""

from __future__ import annotations

from rc_tui.services.casework.base import MAX_TEXT
from rc_tui.services.casework.closing import ClosingMixin, TrackState
from rc_tui.services.casework.decisions import (
    DecisionInput,
    DecisionResult,
    DecisionsMixin,
    DecisionView,
)
from rc_tui.services.casework.due import casework_due
from rc_tui.services.casework.followup import FollowUpMixin, FollowUpView
from rc_tui.services.casework.investigations import InvestigationsMixin, InvestigationView
from rc_tui.services.casework.letters import LettersMixin
from rc_tui.services.casework.plans import PlanItemInput, PlanItemView, PlansMixin

__all__ = [
    "MAX_TEXT", "CaseworkService", "DecisionInput", "DecisionResult", "DecisionView",
    "FollowUpView", "InvestigationView", "PlanItemInput", "PlanItemView", "TrackState",
    "casework_due",
]


class CaseworkService(InvestigationsMixin, DecisionsMixin, LettersMixin, PlansMixin,
                      FollowUpMixin, ClosingMixin):
    """A person's own track: ``CaseworkService(vault, screen="casework")``."""
