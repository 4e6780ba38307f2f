"""Samråd in the demo: two families discussed in a meeting chaired by the manager."""

from __future__ import annotations

from datetime import timedelta

from rc_tui.demo.base import DEMO_MANAGER, Clock, as_user
from rc_tui.demo.families import Registered
from rc_tui.services.samrad import ActionInput, Participant, PersonMinutes, Review, SamradService
from storage.vault import Vault


def samrad(vault: Vault, registered: list[Registered]) -> None:
    """Two families discussed in a samråd chaired by the manager: one approved (its actions
    in the victim's plan), a follow-up one not yet approved (on the chair's due list)."""
    chosen = [(fam, case_id, pids) for fam, case_id, pids in registered
              if fam.index_of("perpetrator")][:2]
    if not chosen:
        return
    with as_user(vault, DEMO_MANAGER) as chef:
        for number, (fam, case_id, pids) in enumerate(chosen):
            clock = Clock(fam.opened + timedelta(days=20))
            svc = SamradService(chef, screen="demo", clock=clock)
            sid = svc.request(case_id, "Polisen, relationsvåldsgruppen", clock.now.date(),
                              "Nexus, rum 2")
            people = [Participant("participant", "centre", "ordförande", "Cecilia"),
                      Participant("participant", "police", "utredare"),
                      Participant("apology", "school", "kurator")]
            victim = PersonMinutes(
                pids[0], "Polisen har en ny anmälan om hot. Centret har pågående stödsamtal.",
                "Hög risk den närmaste månaden; ökad risk vid umgänge.", "danger",
                "Fara för hennes liv enligt polisens bedömning; samtycke kunde inte inhämtas i "
                "tid.", (ActionInput("Ansöka om kontaktförbud", "police", 1,
                                     clock.now.date() + timedelta(days=7)),
                         ActionInput("Uppdatera säkerhetsplanen med henne", "centre", 2,
                                     clock.now.date() + timedelta(days=10))))
            version = svc.save(sid, svc.get(sid).version, people, [victim], {})
            svc.approve(sid, version)
            if number == 0:
                clock.now += timedelta(days=45)
                follow = svc.request(case_id, "Nexus", clock.now.date(), "Nexus, rum 2")
                view = svc.get(follow)
                reviews = {a.id: Review("done" if a.agency == "police" else "changed",
                                        "Klart." if a.agency == "police" else
                                        "Hon har flyttat till skyddat boende.")
                           for a in view.outstanding}
                svc.save(follow, view.version, people[:2], [], reviews)
