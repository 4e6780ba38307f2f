"""The home screen: recently opened persons and the due list.

Due items are computed from the records every time (never stored), so none can be lost
or forgotten. Later features add their own rules to ``DUE_RULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.assessments import reassessment_due
from rc_tui.services.base import DueItem, Service
from rc_tui.services.casework import casework_due
from rc_tui.services.drafts import drafts_due
from rc_tui.services.people import PersonSummary, display_names, summary_for
from rc_tui.services.referrals import referrals_due
from rc_tui.services.retention import retention_due
from rc_tui.services.safety import partner_contact_due_items, safety_plan_review_due
from rc_tui.services.samrad import samrad_due
from rc_tui.services.sessions import sessions_due
from rc_tui.services.shelter import shelter_due
from storage.models import Person


def _child_reports_due(svc: Service, s: Session) -> list[DueItem]:
    """Every child in an open case needs a report or a decision that none is needed."""
    rows = s.execute(text(
        "SELECT m.person_id, m.case_id, c.case_number, m.added_at FROM case_members m "
        "JOIN cases c ON c.id = m.case_id "
        "JOIN assignments a ON a.case_member_id = m.id AND a.ended_at IS NULL "
        "WHERE m.role = 'child' AND c.status = 'open' AND a.user_id = :u "
        "AND NOT EXISTS (SELECT 1 FROM child_reports r "
        "  WHERE r.child_person_id = m.person_id AND r.case_id = m.case_id)"
    ), {"u": svc.user.id}).all()
    today = svc.today()
    items: list[DueItem] = []
    names = display_names(s, (row[0] for row in rows))
    for person_id, case_id, number, added_at in rows:
        name = names.get(person_id, "?")
        added = added_at if isinstance(added_at, datetime) else datetime.fromisoformat(
            str(added_at))
        items.append(DueItem(
            "child_report", person_id, case_id,
            _("Child welfare report or decision missing: {name} ({case})", name=name,
              case=number),
            added.date(), added.date() < today))  # "without delay": due the same day
    return items


def _declined_followup_due(svc: Service, s: Session) -> list[DueItem]:
    """A declined investigation needs safety advice, other actors, an offer to return."""
    rows = s.execute(text(
        "SELECT c.person_id, c.recorded_at FROM consents c "
        "WHERE c.kind = 'investigation' AND c.state = 'declined' AND c.recorded_by_id = :u "
        "AND c.id = (SELECT max(id) FROM consents x WHERE x.person_id = c.person_id "
        "  AND x.kind = 'investigation') "
        "AND NOT (c.safety_advice_given AND c.other_actors_info_given "
        "  AND c.offer_to_return_given)"
    ), {"u": svc.user.id}).all()
    items: list[DueItem] = []
    names = display_names(s, (row[0] for row in rows))
    for person_id, recorded_at in rows:
        name = names.get(person_id, "?")
        when = recorded_at if isinstance(recorded_at, datetime) else datetime.fromisoformat(
            str(recorded_at))
        items.append(DueItem("declined_followup", person_id, None,
                             _("Declined investigation: safety advice, other actors and an "
                               "offer to return not all recorded for {name}", name=name),
                             when.date(), when.date() < svc.today()))
    return items


DUE_RULES: list[Callable[[Service, Session], list[DueItem]]] = [
    _child_reports_due,
    _declined_followup_due,
    reassessment_due,
    casework_due,
    samrad_due,
    shelter_due,
    partner_contact_due_items,
    safety_plan_review_due,
    sessions_due,
    referrals_due,
    drafts_due,
    retention_due,
]


#: kinds that are due once per person, whichever rule (and wording) found them
ONE_PER_PERSON = frozenset({"investigation_start", "child_report"})


class HomeService(Service):
    def due_items(self) -> list[DueItem]:
        """Everything due for this user, overdue first."""
        self.require(Capability.CASE_CONTENT)
        # a snapshot: the due list takes no write lock (it logs nothing)
        items = self.reading(lambda s: [item for rule in DUE_RULES for item in rule(self, s)])
        # one line per thing due, however many rules see it (e.g. a manager assigned to
        # a shelter resident's track)
        unique = {(d.kind, d.person_id) if d.kind in ONE_PER_PERSON and d.person_id
                  else (d.kind, d.person_id, d.title, d.due): d for d in items}
        return sorted(unique.values(), key=lambda d: (not d.overdue, d.due, d.title))

    def recent_persons(self, limit: int = 10) -> list[PersonSummary]:
        """Persons this user opened recently (from the access log: nothing extra stored)."""
        self.require(Capability.CASE_CONTENT)
        with self.read() as s:
            ids = [r[0] for r in s.execute(text(
                "SELECT person_id, max(id) AS last FROM access_log "
                "WHERE user_id = :u AND action = 'view' AND record_type = 'person' "
                "AND person_id IS NOT NULL GROUP BY person_id ORDER BY last DESC LIMIT :n"
            ), {"u": self.user.id, "n": limit}).all()]
            people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(ids)))}
            # the list shows no risk level: without it, no query per person
            return [summary_for(self.access, s, people[i], risk=False) for i in ids
                    if i in people and self.access.level(s, i) >= Level.EXISTS]
