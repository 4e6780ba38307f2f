"""Samråd: coordination meetings for a family, minutes, agreed actions, the coordination
view.

The centre's manager convenes and chairs a samråd and writes the minutes. Information about
a person is recorded only when their consent to information exchange covers every agency
present, or under an explicit legal ground with a written rationale (logged and flagged for
the log review). Approving the minutes locks them and turns the agreed actions into items
of the persons' action plans. The coordination view respects the compartments: what the
user may not see is not shown, only that something exists.

Where things live (``SamradService`` is composed of one part per concern):

* ``base`` – the case and meeting look-ups, the chair's editable minutes;
* ``views`` – the DTOs and the labels screens and the minutes text share;
* ``meetings`` – convening, a case's samråd, one samråd as the user may see it;
* ``minutes`` – saving, approving and the minutes as text (extracts per agency);
* ``coordination`` – the coordination view and its warnings;
* ``due`` – the samråd's due items.
"""

from __future__ import annotations

from rc_tui.services.samrad.base import MAX_TEXT
from rc_tui.services.samrad.coordination import (
    CoordinationMember,
    CoordinationMixin,
    CoordinationView,
    coordination_warnings,
)
from rc_tui.services.samrad.due import samrad_due
from rc_tui.services.samrad.meetings import MeetingsMixin
from rc_tui.services.samrad.minutes import MinutesMixin
from rc_tui.services.samrad.views import (
    BASIS_LABELS,
    ActionInput,
    MemberView,
    OpenAction,
    Participant,
    PersonMinutes,
    Review,
    SamradRow,
    SamradView,
    agency_label,
    extract_line,
    present_agencies,
)

__all__ = [
    "BASIS_LABELS", "MAX_TEXT", "ActionInput", "CoordinationMember", "CoordinationView",
    "MemberView", "OpenAction", "Participant", "PersonMinutes", "Review", "SamradRow",
    "SamradService", "SamradView", "agency_label", "coordination_warnings", "extract_line",
    "present_agencies", "samrad_due",
]


class SamradService(MinutesMixin, MeetingsMixin, CoordinationMixin):
    """Samråd of a family's case: ``SamradService(vault, screen="samrad")``."""
