"""Follow-ups of decisions and of a child's concluded investigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain import casework as rules
from rc_tui.domain.casework import FOLLOWUP_OUTCOMES, catalog
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.base import user_names
from rc_tui.services.casework.base import CaseworkBase, _check_text
from rc_tui.services.errors import ValidationError, VaultError
from storage.models import Decision, FollowUp


@dataclass(frozen=True)
class FollowUpView:
    id: int
    version: int
    kind: str
    due_on: date
    decision_id: int | None
    investigation_id: int | None
    what: str
    done_at: datetime | None
    outcome: str | None
    note: str
    done_by: str


class FollowUpMixin(CaseworkBase):
    def followups(self, person_id: int) -> list[FollowUpView]:
        with self.audited("followup_list", person_id=person_id) as s:
            rows = list(s.scalars(select(FollowUp).where(FollowUp.person_id == person_id)
                                  .order_by(FollowUp.due_on, FollowUp.id)))
            decisions = {d.id: d for d in s.scalars(select(Decision).where(
                Decision.person_id == person_id))}
            names = user_names(s, {r.done_by_id for r in rows})
            out = []
            for r in rows:
                dec = decisions.get(r.decision_id or 0)
                what = rules.intervention_label(dec.intervention) if dec else \
                    rules.label(rules.FOLLOWUP_KINDS, r.kind)
                out.append(FollowUpView(r.id, r.version, r.kind, r.due_on, r.decision_id,
                                        r.investigation_id, what, r.done_at, r.outcome, r.note,
                                        names.get(r.done_by_id or 0, "")))
            return out

    def record_followup(self, followup_id: int, version: int, outcome: str, note: str
                        ) -> date | None:
        """Record what the follow-up found. "Continue" and "change" schedule the next one
        (same interval); returns its date."""
        problems: list[str] = []
        if outcome not in FOLLOWUP_OUTCOMES:
            problems.append(_("Choose the outcome: need met, continue, change or end."))
        if not note.strip():
            problems.append(_("Write what the follow-up found."))
        _check_text(problems, note)
        if problems:
            raise ValidationError(problems)
        with self.versioned("follow-up changed elsewhere") as (s, same_version):
            row = s.get(FollowUp, followup_id)
            if row is None:
                raise VaultError("not found")
            self.require_person(s, row.person_id, Level.FULL)
            if row.done_at is not None:
                raise ValidationError([_("This follow-up is already recorded.")])
            same_version(row, version)
            now = self.clock()
            row.done_at, row.done_by_id, row.outcome, row.note = (now, self.user.id,
                                                                  outcome, note)
            s.flush()
            self.log(s, "update", person_id=row.person_id, record_type="followup",
                     record_id=row.id)
            nxt: date | None = None
            if outcome in ("continue", "change") and row.kind == "intervention":
                dec = s.get(Decision, row.decision_id) if row.decision_id else None
                days = catalog().interventions[dec.intervention].follow_up_days \
                    if dec and dec.intervention in catalog().interventions else 90
                nxt = rules.followup_due(now.date(), days, dec.period_end if dec else None)
                if nxt <= now.date():
                    nxt = None  # the period is over: nothing more to follow up
                else:
                    follow = FollowUp(person_id=row.person_id, kind=row.kind,
                                      decision_id=row.decision_id, due_on=nxt,
                                      created_at=now)
                    s.add(follow)
                    s.flush()
                    self.log(s, "create", person_id=row.person_id,
                             record_type="followup", record_id=follow.id)
            return nxt

    def schedule_child_followup(self, investigation_id: int, due_on: date) -> int:
        """A child's situation followed up after a concluded investigation – up to six
        months after it was concluded."""
        with self.write() as s:
            inv = self._investigation(s, investigation_id)
            if inv.template != "child" or inv.concluded_at is None:
                raise ValidationError([_("Only after a child's concluded investigation.")])
            latest = rules.child_followup_latest(inv.concluded_at.date())
            if not inv.concluded_at.date() <= due_on <= latest:
                raise ValidationError([_("A child's situation may be followed up until {date} "
                                         "(six months after the investigation).",
                                         date=latest.isoformat())])
            row = FollowUp(person_id=inv.person_id, kind="child_after",
                           investigation_id=inv.id, due_on=due_on, created_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=inv.person_id, record_type="followup",
                     record_id=row.id)
            return row.id
