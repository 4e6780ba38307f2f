"""Casework's due items (computed from the records, never stored).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import casework as rules
from rc_tui.i18n import _
from rc_tui.services.base import DueItem, Service, my_open_tracks
from rc_tui.services.people import display_names
from storage.models import (
    ChildReport,
    Decision,
    FollowUp,
    Investigation,
    PlanItem,
    Stay,
)

# ---------------------------------------------------------------------- due items

def casework_due(svc: Service, s: Session) -> list[DueItem]:
    """Investigations that must start, emergency decisions awaiting an investigation,
    follow-ups, overdue plan actions and child investigations open too long."""
    mine = my_open_tracks(svc, s)
    if not mine:
        return []
    today = svc.today()
    ids = list(mine)
    items: list[DueItem] = []
    # the names of every person the items may be about, in one query (one per item was
    # half the due list's statements)
    names = display_names(s, ids)
    investigations: dict[int, list[Investigation]] = {}
    for inv in s.scalars(select(Investigation).where(Investigation.person_id.in_(ids))):
        investigations.setdefault(inv.person_id, []).append(inv)
    # every decision about them, once (three rules below look at them)
    all_decisions = list(s.scalars(select(Decision).where(Decision.person_id.in_(ids))
                                   .order_by(Decision.id)))
    decided = {d.person_id for d in all_decisions}

    def add(kind: str, person_id: int, title: str, due: date) -> None:
        items.append(DueItem(kind, person_id, mine.get(person_id), title, due, due < today))

    # a shelter stay without a decision: the investigation must start
    for person_id, stay_due in _stays_without_decision(svc, s, ids, decided,
                                                       set(investigations)):
        add("investigation_start", person_id,
            _("Start an investigation: {name} is at the shelter without a decision",
              name=names.get(person_id, "?")), stay_due)
    # a child reported to the child unit: the investigation starts without delay
    for report in s.scalars(select(ChildReport).where(
            ChildReport.child_person_id.in_(ids), ChildReport.decision == "reported")):
        due = rules.investigation_due_after_report(
            report.report_date or report.created_at.date(),
            report.child_person_id in investigations)
        if due is not None:
            add("investigation_start", report.child_person_id,
                _("Start the investigation of {name} (reported child) without delay",
                  name=names.get(report.child_person_id, "?")), due)
    # an emergency decision: an investigation must follow
    for dec in (d for d in all_decisions if d.emergency):
        started = [datetime.combine(i.started_on, datetime.min.time())
                   for i in investigations.get(dec.person_id, [])
                   if i.concluded_at is None or i.concluded_at >= dec.decided_at]
        due = rules.emergency_needs_investigation(dec.decided_at, True, started)
        if due is not None:
            add("emergency_investigation", dec.person_id,
                _("Emergency decision for {name}: an investigation must follow",
                  name=names.get(dec.person_id, "?")), due)
    # follow-ups not yet recorded
    decisions = {d.id: d.intervention for d in all_decisions}
    for fu in s.scalars(select(FollowUp).where(FollowUp.person_id.in_(ids),
                                               FollowUp.done_at.is_(None))):
        what = rules.intervention_label(decisions[fu.decision_id]) if fu.decision_id in \
            decisions else rules.label(rules.FOLLOWUP_KINDS, fu.kind)
        add("followup", fu.person_id, _("{name}: follow up {what}", what=what,
                                         name=names.get(fu.person_id, "?")), fu.due_on)
    # plan actions with a due date, not done
    for item in s.scalars(select(PlanItem).where(
            PlanItem.person_id.in_(ids), PlanItem.due_on.is_not(None),
            PlanItem.status.in_(("planned", "ongoing")))):
        assert item.due_on is not None
        first_line = item.text.splitlines()[0][:60] if item.text else ""
        add("plan", item.person_id, _("{name}: plan – {text}", text=first_line,
                                      name=names.get(item.person_id, "?")), item.due_on)
    # a child's investigation open for more than four months
    for person_id, invs in investigations.items():
        for inv in invs:
            if inv.template == "child" and inv.concluded_at is None and \
                    rules.child_investigation_overdue(inv.started_on, today):
                add("investigation_long", person_id,
                    _("The investigation of {name} has been open more than four months",
                      name=names.get(person_id, "?")),
                    inv.started_on + timedelta(days=rules.CHILD_INVESTIGATION_DAYS))
    return items


def _stays_without_decision(svc: Service, s: Session, ids: list[int], decided: set[int],
                            investigated: set[int]) -> list[tuple[int, date]]:
    """(person, due) for each shelter stay whose investigation must start. The setting is
    read only when there is a stay: it is a guarded transaction of its own beside the due
    list's, and reading it for every due list was about half the list's CPU on the
    100,000-person demo (13 ms against 7 ms as a caseworker)."""
    found: list[tuple[int, date]] = []
    stay_days: int | None = None
    for stay in s.scalars(select(Stay).where(Stay.person_id.in_(ids),
                                             Stay.facility == "shelter")):
        if stay_days is None:
            stay_days = int(svc.vault.setting("investigation_after_stay_days")
                            or rules.DEFAULT_STAY_DAYS)
        fact = rules.StayFact(stay.person_id, stay.admitted_at.date(),
                              stay.person_id in decided, stay.person_id in investigated)
        due = rules.investigation_due_after_stay(fact, stay_days)
        if due is not None:
            found.append((stay.person_id, due))
    return found
