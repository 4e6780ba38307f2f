"""The action plan: goals and actions (shelter staff write them too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain.casework import PLAN_KINDS, PLAN_STATUSES, RESPONSIBLE_KINDS
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.casework.base import CaseworkBase, _check_text
from rc_tui.services.errors import ValidationError, VaultError
from storage.models import Decision, PlanItem


@dataclass(frozen=True)
class PlanItemInput:
    kind: str
    text: str
    responsible_kind: str = "unit"
    responsible: str = ""
    start_on: date | None = None
    due_on: date | None = None
    status: str = "planned"
    decision_id: int | None = None
    implementation: str = ""


@dataclass(frozen=True)
class PlanItemView:
    id: int
    version: int
    data: PlanItemInput
    source_ref: str | None
    created_at: datetime


def _plan_fields(data: PlanItemInput) -> dict[str, object]:
    return {"kind": data.kind, "text": data.text, "responsible_kind": data.responsible_kind,
            "responsible": data.responsible, "start_on": data.start_on, "due_on": data.due_on,
            "status": data.status, "decision_id": data.decision_id,
            "implementation": data.implementation}


class PlansMixin(CaseworkBase):
    def _check_plan(self, data: PlanItemInput) -> None:
        problems: list[str] = []
        if data.kind not in PLAN_KINDS:
            problems.append(_("Choose goal or action."))
        if not data.text.strip():
            problems.append(_("Write the goal or the action."))
        if data.responsible_kind not in RESPONSIBLE_KINDS:
            problems.append(_("Choose who is responsible: unit, agency or person."))
        if data.status not in PLAN_STATUSES:
            problems.append(_("Choose a status."))
        if data.kind == "action" and not data.responsible.strip():
            problems.append(_("An action needs someone responsible."))
        if data.start_on and data.due_on and data.due_on < data.start_on:
            problems.append(_("The due date is before the start."))
        _check_text(problems, data.text, data.responsible, data.implementation)
        if problems:
            raise ValidationError(problems)

    def add_plan_item(self, person_id: int, data: PlanItemInput, *, case_id: int | None = None,
                      source_ref: str | None = None) -> int:
        self._check_plan(data)
        with self.write() as s:
            level = self.require_person(s, person_id, Level.SHELTER)
            self._check_decision_link(s, person_id, data.decision_id, level)
            now = self.clock()
            row = PlanItem(person_id=person_id, case_id=case_id, source_ref=source_ref,
                           created_by_id=self.user.id, created_at=now, updated_at=now,
                           **_plan_fields(data))
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="plan_item",
                     record_id=row.id)
            return row.id

    def update_plan_item(self, item_id: int, version: int, data: PlanItemInput) -> int:
        self._check_plan(data)
        with self.versioned("plan item changed elsewhere") as (s, same_version):
            row = s.get(PlanItem, item_id)
            if row is None:
                raise VaultError("not found")
            level = self.require_person(s, row.person_id, Level.SHELTER)
            same_version(row, version)
            if level < Level.FULL and data.decision_id is None:
                data = replace(data, decision_id=row.decision_id)  # kept as it was
            self._check_decision_link(s, row.person_id, data.decision_id, level)
            for key, value in _plan_fields(data).items():
                setattr(row, key, value)
            row.updated_at = self.clock()
            s.flush()
            self.log(s, "update", person_id=row.person_id, record_type="plan_item",
                     record_id=row.id)
            return row.version

    @staticmethod
    def _check_decision_link(s: Session, person_id: int, decision_id: int | None,
                             level: Level) -> None:
        if decision_id is None:
            return
        if level < Level.FULL:
            raise ValidationError([_("Only the person's own caseworker links decisions.")])
        dec = s.get(Decision, decision_id)
        if dec is None or dec.person_id != person_id:
            raise ValidationError([_("The decision is not this person's.")])

    def plan(self, person_id: int) -> list[PlanItemView]:
        with self.audited("plan", person_id=person_id, needed=Level.SHELTER) as s:
            level = self.access.level(s, person_id)
            rows = list(s.scalars(select(PlanItem).where(PlanItem.person_id == person_id)
                                  .order_by(PlanItem.kind.desc(), PlanItem.id)))
            return [PlanItemView(r.id, r.version, PlanItemInput(
                r.kind, r.text, r.responsible_kind, r.responsible, r.start_on, r.due_on,
                r.status, r.decision_id if level >= Level.FULL else None, r.implementation),
                r.source_ref, r.created_at)
                for r in rows]
