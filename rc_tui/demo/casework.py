"""Casework in the demo: investigations, decisions (granted, partly, refused, an emergency
decision), action plans and follow-ups for the victims who consented to an investigation;
a child's investigation; one closed track."""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta

from rc_tui.demo.base import DEMO_CASEWORKER, Clock, as_user
from rc_tui.demo.families import Registered
from rc_tui.demo.words import CHILD_FINDINGS, FINDINGS
from rc_tui.services.accounts import ValidationError
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.casework import CaseworkService, DecisionInput, PlanItemInput
from storage.vault import Vault


def casework(vault: Vault, registered: list[Registered], rng: random.Random) -> None:
    """Investigations, decisions (granted, partly, refused, an emergency decision), action
    plans and follow-ups for the victims with a consent to investigation; a child's
    investigation; one closed track."""
    with as_user(vault, DEMO_CASEWORKER) as worker:
        clock = Clock(registered[0][0].opened)
        svc = CaseworkService(worker, screen="demo", clock=clock)
        assessments = AssessmentService(worker, screen="demo", clock=clock)
        closed_one = False
        for index, (fam, case_id, pids) in enumerate(registered):
            victim = pids[0]
            clock.now = fam.opened + timedelta(days=3, hours=4)
            if index == 2:  # an emergency decision on a weekend, before any investigation
                svc.record_decision(DecisionInput(
                    victim, "protected_housing", "granted",
                    "Akut skyddsbehov efter hot med kniv; ingen plats i Siri i natt.",
                    "sol_brottsoffer", emergency=True, case_id=case_id,
                    period_start=clock.now.date(),
                    period_end=clock.now.date() + timedelta(days=14),
                    provider="Jourboende via socialjouren"))
                continue
            try:
                inv_id = svc.start_investigation(victim, "adult", case_id=case_id)
            except ValidationError:
                continue  # no consent to an investigation: nothing more here
            signed = [r.id for r in assessments.history(victim) if r.status == "signed"]
            areas = dict(rng.sample(sorted(FINDINGS.items()), rng.randrange(2, 5)))
            inv = svc.investigation(inv_id)
            conclude = rng.random() < 0.7
            clock.now += timedelta(days=rng.randrange(10, 30))
            svc.save_investigation(inv_id, inv.version, areas, signed[-2:],
                                   "Behov av skydd och stödsamtal; ekonomiskt stöd via "
                                   "försörjningsstöd." if conclude else "",
                                   conclude=conclude)
            if not conclude:
                continue
            talks = svc.record_decision(DecisionInput(
                victim, "support_talks", "granted",
                "Behov av stöd att bearbeta våldet och planera för säkerheten.",
                "sol_bistand", case_id=case_id, period_start=clock.now.date(),
                period_end=clock.now.date() + timedelta(days=180),
                provider="Nexus, stödsamtal (inte utredaren)"))
            if rng.random() < 0.4:
                svc.record_decision(DecisionInput(
                    victim, "financial_referral", "refused" if rng.random() < 0.5
                    else "partly",
                    "Behovet tillgodoses genom försörjningsstöd som redan är beviljat.",
                    "sol_bistand", case_id=case_id))
            start = clock.now.date()
            svc.add_plan_item(victim, PlanItemInput(
                "goal", "Känna sig trygg i sitt boende", "person", "Den våldsutsatta",
                start, start + timedelta(days=180), "ongoing"), case_id=case_id)
            svc.add_plan_item(victim, PlanItemInput(
                "action", "Stödsamtal varannan vecka", "unit", "Nexus stödsamtal", start,
                start + timedelta(days=90), "ongoing", talks.id,
                "Samtal tisdagar 10–11, säker väg in via personalingången."), case_id=case_id)
            svc.add_plan_item(victim, PlanItemInput(
                "action", "Ansöka om kontaktförbud", "agency", "Polisen", start,
                start + timedelta(days=14), "done" if rng.random() < 0.6 else "planned"),
                case_id=case_id)
            if rng.random() < 0.5:
                for fu in svc.followups(victim):
                    if fu.done_at is None:
                        clock.now = datetime.combine(fu.due_on, datetime.min.time()) + \
                            timedelta(hours=10)
                        svc.record_followup(fu.id, fu.version, "continue",
                                            "Samtalen hjälper; fortsätter som planerat.")
                        break
            if not closed_one and rng.random() < 0.3:
                clock.now += timedelta(days=30)
                svc.close_track(case_id, victim, "Behoven är tillgodosedda; har flyttat och "
                                "har stöd av kvinnojouren.")
                closed_one = True
        # a reported child: the child's need of protection is investigated
        for fam, case_id, pids in registered:
            kids = fam.index_of("child")
            if not kids:
                continue
            child = pids[kids[0]]
            clock.now = fam.opened + timedelta(days=6)
            with contextlib.suppress(ValidationError):
                inv_id = svc.start_investigation(child, "child", case_id=case_id)
                inv = svc.investigation(inv_id)
                svc.save_investigation(inv_id, inv.version, CHILD_FINDINGS, [], "")
                break
