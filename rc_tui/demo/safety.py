"""Partner contacts and safety plans in the demo, as they stand on the day the demo is
made: in the first family whose man is in the perpetrator service, his caseworker has
reached his partner (she feels unsafe and wants contact from the victim side), and her
own caseworker has made and signed a safety plan with her, due for review next week; in
the next such family a first attempt did not reach her."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rc_tui.demo.base import DEMO_CASEWORKER, DEMO_PERPETRATOR_WORKER, Clock, as_user
from rc_tui.demo.families import Registered
from rc_tui.services.errors import NoAccess, ValidationError
from rc_tui.services.safety import PartnerContactInput, PartnerContactService, SafetyPlanService
from storage.vault import Vault

PLAN = {
    "warning_signs": "Han slutar svara i telefon och börjar fråga var hon har varit. "
                     "Dricker mer på fredagar.",
    "safe_places": "Systern (ringer dygnet runt). Grannen på våning 2 har en nyckel.",
    "code_word": "\"Har du sett min blå halsduk?\" – systern ringer 112.",
    "escape_bag": "Hos systern: pass, bankkort, kopia på hyreskontraktet, barnens "
                  "mediciner, laddare.",
    "children": "Barnen går till grannen på våning 2. Förskolan vet vem som får hämta.",
    "digital": "Platsdelningen avstängd; nytt lösenord till e-post och BankID-appen.",
    "police": "112 vid fara. Kontaktperson hos polisen: brottsofferhandläggaren.",
    "his_programme": "Om han blir mer kontrollerande under behandlingen: ring Nexus.",
}


def safety(vault: Vault, registered: list[Registered]) -> None:
    """A reached partner with a signed safety plan, and an attempt that did not reach
    another partner (see the module docstring)."""
    today = date.today()
    clock = Clock(datetime.combine(today, datetime.min.time()).replace(hour=9))
    done: list[tuple[int, int]] = []  # (man, woman) contacted
    with as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        contacts = PartnerContactService(worker, screen="demo", clock=clock)
        for fam, _case_id, person_ids in registered:
            if len(done) == 2 or not fam.index_of("perpetrator"):
                continue
            man = person_ids[fam.index_of("perpetrator")[0]]
            woman = person_ids[0]
            first = not done
            clock.now = datetime.combine(today - timedelta(days=10 if first else 3),
                                         datetime.min.time()).replace(hour=13)
            try:
                if first:
                    contacts.record(PartnerContactInput(
                        man, woman, "reached", clock.now, informed_service=True,
                        informed_support=True, safety_view="unsafe", fear="some",
                        wants_contact="yes", consent_pass_on=True, safety_flag=True,
                        note="Nås på mobilen efter 17. Är rädd för helgerna; har "
                             "berättat om förskolan."))
                else:
                    contacts.record(PartnerContactInput(man, woman, "not_reached",
                                                        clock.now))
            except (NoAccess, ValidationError):
                continue  # not his client, or no partner in the case
            done.append((man, woman))
    if not done:
        return
    with as_user(vault, DEMO_CASEWORKER) as worker:
        clock.now = datetime.combine(today - timedelta(days=8), datetime.min.time()).replace(
            hour=10)
        plans = SafetyPlanService(worker, screen="demo", clock=clock)
        woman = done[0][1]
        try:
            plan = plans.start(woman)
        except (NoAccess, ValidationError):
            return
        view = plans.get(plan)
        texts = {k: v for k, v in PLAN.items() if k in {s.id for s in view.sections}}
        plans.sign(plan, view.version, texts, today + timedelta(days=7))
