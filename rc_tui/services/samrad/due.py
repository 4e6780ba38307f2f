"""The samråd's due items (computed from the records, never stored).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import samrad as rules
from rc_tui.i18n import _
from rc_tui.services.base import DueItem, Service
from storage.models import Case, Samrad


def samrad_due(svc: Service, s: Session) -> list[DueItem]:
    """Minutes not approved within three working days of the meeting (for the chair)."""
    today = svc.today()
    items: list[DueItem] = []
    for row, number in s.execute(select(Samrad, Case.case_number).join(
            Case, Case.id == Samrad.case_id).where(
            Samrad.chair_id == svc.user.id, Samrad.approved_at.is_(None))):
        due = rules.approval_due(row.meeting_on)
        if row.meeting_on <= today:
            items.append(DueItem("samrad_minutes", None, row.case_id,
                                 _("Approve the minutes of the samråd {date} ({case})",
                                   date=row.meeting_on.isoformat(), case=number),
                                 due, due < today))
    return items
