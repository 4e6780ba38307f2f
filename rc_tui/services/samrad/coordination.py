"""The coordination view of a family: interventions, plans, open actions and
the coordination warnings, within the user's compartments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from rc_tui.domain import samrad as rules
from rc_tui.domain.casework import OUTCOMES, PLAN_STATUSES, intervention_label
from rc_tui.domain.casework import label as cw_label
from rc_tui.domain.shelter import HOUSING_INTERVENTION
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.people import summary_for
from rc_tui.services.samrad.base import SamradBase
from storage.models import CaseMember, Decision, Person, PlanItem, Stay


@dataclass(frozen=True)
class CoordinationMember:
    person_id: int
    role: str
    name: str
    full: bool
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CoordinationView:
    case_number: str
    members: list[CoordinationMember]
    warnings: list[str]


class CoordinationMixin(SamradBase):
    def coordination(self, case_id: int) -> CoordinationView:
        """All interventions, plans and open actions of all family members on one page,
        with the coordination warnings. Members the user may not see in full appear only
        as existing; a warning that involves them is given without details."""
        today = self.today()
        with self.read() as s:
            case = self._case(s, case_id)
            members = list(s.scalars(select(CaseMember).where(CaseMember.case_id == case_id)
                                     .order_by(CaseMember.id)))
            facts: list[rules.MemberFacts] = []
            out: list[CoordinationMember] = []
            full_ids: set[int] = set()
            for member in members:
                pid = member.person_id
                decisions = list(s.scalars(select(Decision).where(
                    Decision.person_id == pid, Decision.outcome != "refused")))
                active = [d for d in decisions if d.period_end is None or d.period_end >= today]
                plan = list(s.scalars(select(PlanItem).where(PlanItem.person_id == pid)))
                open_plan = [p for p in plan if p.status in ("planned", "ongoing")]
                overdue = sum(1 for p in open_plan if p.due_on and p.due_on < today)
                current = set(s.scalars(select(Stay.facility).where(
                    Stay.person_id == pid, Stay.departed_at.is_(None))))
                # a current stay in the temporary housing is that intervention, with or
                # without a decision (a manager may admit him at once)
                housing = {HOUSING_INTERVENTION} if "perpetrator_housing" in current else set()
                facts.append(rules.MemberFacts(pid, member.role,
                                               frozenset({d.intervention for d in active}
                                                         | housing),
                                               "shelter" in current, bool(plan), overdue))
                level = self.access.level(s, pid)
                if level < Level.EXISTS:
                    continue
                person = s.get(Person, pid)
                name = (summary_for(self.access, s, person, case_id=case_id).display_name
                        if person else "?")
                if level < Level.FULL:
                    out.append(CoordinationMember(pid, member.role, name, False))
                    continue
                full_ids.add(pid)
                lines = [f"{_('Intervention')}: {intervention_label(d.intervention)} "
                         f"({cw_label(OUTCOMES, d.outcome)}"
                         + (f", {_('until')} {d.period_end}" if d.period_end else "") + ")"
                         for d in active]
                lines += [f"{_('Plan')}: {p.text.splitlines()[0] if p.text else ''} – "
                          f"{p.responsible} ({cw_label(PLAN_STATUSES, p.status)}"
                          + (f", {p.due_on}" if p.due_on else "")
                          + (" – " + _("overdue") if p.due_on and p.due_on < today else "")
                          + ")" for p in open_plan]
                if member.closed_at is not None:
                    lines.append(_("Track closed."))
                out.append(CoordinationMember(pid, member.role, name, True, lines))
                self.log(s, "view", person_id=pid, record_type="coordination",
                         record_id=case_id)
            warnings = coordination_warnings(facts, full_ids,
                                             {m.person_id: m.name for m in out})
            return CoordinationView(case.case_number, out, warnings)


def coordination_warnings(facts: list[rules.MemberFacts], full_ids: set[int],
                          names: dict[int, str]) -> list[str]:
    """The warnings as this user may see them. All involved members in the user's
    compartment: the warning itself. Some outside it: nothing, unless the rule data lets a
    track the user works with act on it – and then only that this client's
    interventions need coordinating, never what was found or in which other track (a
    generic "something in another track" would itself tell the perpetrator's side that
    the victim is protected)."""
    by_id = {r.id: r for r in rules.data().rules}
    roles = {f.person_id: f.role for f in facts}
    out: list[str] = []
    for w in rules.warnings(facts):
        if set(w.persons) <= full_ids:
            text = w.text
        else:
            rule = by_id[w.rule]
            actors = [pid for pid in w.persons
                      if pid in full_ids and roles.get(pid) in rule.act_roles]
            if not actors:
                continue
            text = _("Coordination needed for {name}: talk with the samråd's chair before "
                     "interventions are decided or changed.", name=names.get(actors[0], "?"))
        if text not in out:
            out.append(text)
    return out
