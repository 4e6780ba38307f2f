"""The shelter's due items (computed from the records, never stored).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import casework as casework_rules
from rc_tui.domain import shelter as rules
from rc_tui.i18n import _, _n
from rc_tui.services.access import Capability
from rc_tui.services.base import DueItem, Service
from rc_tui.services.people import summary_for
from rc_tui.services.shelter.departures import followup_due
from storage.models import (
    ChildReport,
    Decision,
    Investigation,
    Person,
    PlanItem,
    ShiftEntry,
    ShiftRead,
    Stay,
    TurnedAway,
)


def shelter_due(svc: Service, s: Session) -> list[DueItem]:
    """For shelter staff and managers: the investigation to start for a woman staying
    without a decision, a child-report decision for every accompanying child, an action
    plan for the woman and each child, the follow-up after a departure, the unread
    handover and every turned-away request not yet followed up. For managers and the
    person's caseworkers: the follow-up after leaving the temporary housing."""
    can = svc.access.can
    today = svc.today()
    items: list[DueItem] = []

    def add(kind: str, person_id: int | None, case_id: int | None, title: str, due: date
            ) -> None:
        items.append(DueItem(kind, person_id, case_id, title, due, due < today))

    def name(person_id: int) -> str:
        person = s.get(Person, person_id)
        return summary_for(svc.access, s, person).display_name if person else "?"

    if can(Capability.SHELTER_BOARD):
        # read only when a woman stays without a decision: a setting is a guarded
        # transaction of its own beside the due list's, a third of an empty shelter's
        # due list (as for the caseworkers' rule in services.casework.due)
        days = functools.cache(lambda: int(svc.vault.setting("investigation_after_stay_days")
                                           or casework_rules.DEFAULT_STAY_DAYS))
        current = list(s.scalars(select(Stay).where(
            Stay.facility == "shelter", Stay.departed_at.is_(None), Stay.planned.is_(False))))
        ids = [st.person_id for st in current]
        decided = set(s.scalars(select(Decision.person_id).where(Decision.person_id.in_(ids))))
        investigated = set(s.scalars(select(Investigation.person_id).where(
            Investigation.person_id.in_(ids))))
        reported = set(s.scalars(select(ChildReport.child_person_id).where(
            ChildReport.child_person_id.in_(ids))))
        planned = set(s.scalars(select(PlanItem.person_id).where(PlanItem.person_id.in_(ids))))
        for st in current:
            admitted = st.admitted_at.date()
            who = name(st.person_id)
            if st.accompanying_id is None and st.person_id not in decided \
                    and st.person_id not in investigated:
                add("investigation_start", st.person_id, st.case_id,
                    _("Start an investigation: {name} is at the shelter without a decision",
                      name=who) if can(Capability.ALL_CASES) else
                    _("Investigation due: {name} is here without a decision (Nexus starts "
                      "it)", name=who), admitted + timedelta(days=days()))
            if st.accompanying_id is not None and st.person_id not in reported:
                add("child_report", st.person_id, st.case_id,
                    _("Child welfare report or decision missing: {name} (at the shelter)",
                      name=who), admitted)
            if st.person_id not in planned:
                add("shelter_plan", st.person_id, st.case_id,
                    _("Write the action plan for {name} (at the shelter)", name=who),
                    rules.plan_due(admitted))
        for st in s.scalars(select(Stay).where(
                Stay.facility == "shelter", Stay.accompanying_id.is_(None),
                Stay.departed_at.is_not(None), Stay.followed_up_at.is_(None))):
            assert st.departed_at is not None
            add("departure_followup", st.person_id, st.case_id,
                _("Follow up after the stay: {name} left {day}", name=name(st.person_id),
                  day=f"{st.departed_at:%Y-%m-%d}"),
                followup_due(st))
        for row in s.scalars(select(TurnedAway).where(TurnedAway.facility == "shelter",
                                                      TurnedAway.followed_up_at.is_(None))):
            add("turned_away", None, None,
                _("Follow up the request the shelter could not meet ({when}, {who})",
                  when=f"{row.requested_at:%Y-%m-%d}", who=row.contact or _("anonymous")),
                row.followup_due)
    if can(Capability.SHIFT_HANDOVER):
        read = select(ShiftRead.entry_id).where(ShiftRead.user_id == svc.user.id)
        since = svc.clock() - timedelta(days=rules.HANDOVER_DAYS)
        unread = list(s.scalars(select(ShiftEntry.written_at).where(
            ShiftEntry.facility == "shelter", ShiftEntry.written_at >= since,
            ShiftEntry.author_id != svc.user.id, ShiftEntry.id.not_in(read))
            .order_by(ShiftEntry.written_at)))
        if unread:
            add("handover", None, None,
                _n("Handover: {n} shift-log entry you have not read",
                   "Handover: {n} shift-log entries you have not read", len(unread),
                   n=len(unread)),
                unread[0].date())
    if can(Capability.HOUSING_BOARD):
        _housing_due(svc, s, add, name)
    return items


def _housing_due(svc: Service, s: Session, add: Callable[[str, int | None, int | None, str,
                                                          date], None],
                 name: Callable[[int], str]) -> None:
    """The temporary housing's due items, for those who work with the man (managers, his
    own caseworkers, the perpetrator service): his action plan within a week of arriving,
    the end of his stay (agree on it, then plan the move out) and the follow-up after he
    left."""
    mine = svc.access.assigned_persons(s) | svc.access.housing_residents(s)
    everyone = svc.access.can(Capability.ALL_CASES)
    stays = [st for st in s.scalars(select(Stay).where(
        Stay.facility == "perpetrator_housing", Stay.accompanying_id.is_(None),
        (Stay.departed_at.is_(None)) | (Stay.followed_up_at.is_(None))))
        if everyone or st.person_id in mine]
    current = [st for st in stays if st.departed_at is None and not st.planned]
    planned = set(s.scalars(select(PlanItem.person_id).where(
        PlanItem.person_id.in_([st.person_id for st in current]))))
    for st in current:
        admitted = st.admitted_at.date()
        who = name(st.person_id)
        if st.person_id not in planned:
            add("housing_plan", st.person_id, st.case_id,
                _("Write the action plan for {name} (temporary housing)", name=who),
                rules.plan_due(admitted))
        if st.expected_end is None:
            add("housing_end", st.person_id, st.case_id,
                _("Agree when {name}'s temporary housing ends", name=who),
                rules.plan_due(admitted))
        else:
            add("housing_end", st.person_id, st.case_id,
                _("{name}'s temporary housing ends {day}: plan where he moves",
                  name=who, day=st.expected_end.isoformat()),
                rules.housing_end_due(st.expected_end))
    for st in stays:
        if st.departed_at is not None and st.followed_up_at is None:
            add("housing_followup", st.person_id, st.case_id,
                _("Follow up after the temporary housing: {name} left {day}",
                  name=name(st.person_id), day=f"{st.departed_at:%Y-%m-%d}"),
                followup_due(st))
