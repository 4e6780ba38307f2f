"""A family registered as the demo caseworker would: the intake, relations, an acute
screening, consents, child welfare reports and signed journal notes; then the perpetrator
tracks the manager assigns to the perpetrator-service caseworker."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from rc_tui.demo.assessments import acute_assessment
from rc_tui.demo.base import (
    BASE_DATE,
    DEMO_MANAGER,
    DEMO_PERPETRATOR_WORKER,
    Clock,
    as_user,
)
from rc_tui.demo.families import Family, Registered, fill
from rc_tui.demo.words import CHILD_NOTES, NOTE_TEXTS, PERPETRATOR_NOTES, RECEIVING_UNITS
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.records import RecordService
from storage.vault import Vault


def register(worker: Vault, rng: random.Random, fam: Family, *,
             force_missing_report: bool) -> tuple[int, list[int]]:
    """One family's intake and records, as the demo caseworker; (case id, person ids)."""
    clock = Clock(fam.opened)
    cases = CaseService(worker, screen="demo", clock=clock)
    records = RecordService(worker, screen="demo", clock=clock)
    result = cases.register_intake(IntakeInput(
        occurred_at=fam.opened - timedelta(hours=rng.randrange(1, 48)), channel=fam.channel,
        what_happened=fam.what_happened, immediate_danger=fam.danger,
        members=[MemberInput(m.role, m.data) for m in fam.members],
        referrer_name=fam.referrer))
    pid = result.person_ids
    victim = pid[0]
    victim_data = fam.members[0].data
    if rng.random() < 0.7:
        answers: dict[str, bool | None] = {
            key: (rng.random() < 0.3) if rng.random() < 0.9 else None
            for key in ("threat_to_kill", "strangulation", "weapon", "escalation",
                        "separation", "fear", "children_at_risk")}
        acute_assessment(worker, clock, victim, result.case_id, result.intake_id, answers)
    perps = [pid[i] for i in fam.index_of("perpetrator")]
    children = [(pid[i], fam.members[i].data) for i in fam.index_of("child")]
    for perp in perps:
        cases.add_relation(result.case_id, victim, perp, fam.partner_kind)
    for child, _data in children:
        cases.add_relation(result.case_id, victim, child, "parent_of")
        if perps and fam.perpetrator_is_parent:
            cases.add_relation(result.case_id, perps[0], child, "parent_of")

    # Consent: to the investigation, and to exchanging information with the police.
    clock.now += timedelta(minutes=40)
    if rng.random() < 0.72:
        records.record_consent(victim, "investigation", "given",
                               "written" if rng.random() < 0.6 else "oral",
                               note="Samtycke inhämtat vid första samtalet.")
    else:
        complete = rng.random() < 0.7
        records.record_consent(
            victim, "investigation", "declined", "oral", safety_advice_given=True,
            other_actors_info_given=complete or rng.random() < 0.5,
            offer_to_return_given=complete,
            note="Vill inte ha någon utredning nu. Information om kvinnojour och skyddat "
                 "boende given.")
    if fam.channel == "police" or rng.random() < 0.35:
        state = "given" if rng.random() < 0.7 else "declined"
        records.record_consent(victim, "info_exchange", state, "written", agency="police")
        if state == "given" and rng.random() < 0.1:
            clock.now += timedelta(days=9)
            records.record_consent(victim, "info_exchange", "withdrawn", "oral",
                                   agency="police", note="Återkallat i telefonsamtal.")

    # Child welfare reports: made without delay, or a reasoned decision that none is needed.
    for index, (child, _data) in enumerate(children):
        if (force_missing_report and index == 0) or rng.random() < 0.12:
            continue
        if rng.random() < 0.75:
            records.record_child_report(
                child, result.case_id, "reported",
                "Barnet har bevittnat våld i hemmet.", report_date=fam.opened.date(),
                receiving_unit=rng.choice(RECEIVING_UNITS))
        else:
            records.record_child_report(
                child, result.case_id, "not_needed",
                "Barnet är redan aktuellt hos Barn och unga; pågående utredning sedan "
                "tidigare, handläggaren informerad.")

    # Journal notes, signed: the victim's track and sometimes a child talk.
    partner = "partnern" if fam.partner_kind == "partner" else "expartnern"
    gender = victim_data.gender
    when = fam.opened + timedelta(hours=1)
    kinds = ["contact", *rng.choices(["phone", "support_talk", "home_visit", "note"],
                                     weights=[3, 4, 1, 2], k=rng.randrange(1, 5))]
    for kind in kinds:
        clock.now = min(when, datetime.combine(BASE_DATE, datetime.min.time()))
        body = fill(rng.choice(NOTE_TEXTS[kind]), gender, partner)
        records.add_note(victim, kind, body, sign=True, case_id=result.case_id)
        when += timedelta(days=rng.randrange(3, 15), hours=rng.randrange(0, 5))
    for child, data in children:
        if rng.random() < 0.3:
            clock.now = min(when, datetime.combine(BASE_DATE, datetime.min.time()))
            body = rng.choice(CHILD_NOTES).format(namn=data.given_name or "barnet")
            records.add_note(child, "support_talk", body, sign=True, case_id=result.case_id)
    return result.case_id, pid


def perpetrator_tracks(vault: Vault, registered: list[Registered],
                       rng: random.Random) -> None:
    """The manager assigns the perpetrator's track of most cases to the perpetrator-service
    caseworker ``per``, who writes a few signed notes there: the compartments of the
    need-to-know rules (anna sees that the perpetrator exists, per sees that track)."""
    chosen = [(fam, case_id, person_ids[fam.index_of("perpetrator")[0]])
              for fam, case_id, person_ids in registered
              if fam.index_of("perpetrator") and rng.random() < 0.6]
    if not chosen:
        return
    clock = Clock(chosen[0][0].opened)
    with as_user(vault, DEMO_MANAGER) as manager:
        cases = CaseService(manager, screen="demo", clock=clock)
        for fam, case_id, perp in chosen:
            clock.now = fam.opened + timedelta(days=1)
            member = next(m for m in cases.detail(case_id).members if m.person.id == perp)
            cases.assign(member.member_id, DEMO_PERPETRATOR_WORKER)
    with as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        records = RecordService(worker, screen="demo", clock=clock)
        for fam, case_id, perp in chosen:
            perp_index = fam.index_of("perpetrator")[0]
            gender = fam.members[perp_index].data.gender
            partner = "partnern" if fam.partner_kind == "partner" else "expartnern"
            when = fam.opened + timedelta(days=rng.randrange(3, 10), hours=2)
            for template in rng.sample(PERPETRATOR_NOTES, rng.randrange(1, 3)):
                clock.now = min(when, datetime.combine(BASE_DATE, datetime.min.time()))
                records.add_note(perp, "support_talk", fill(template, gender, partner),
                                 sign=True, case_id=case_id)
                when += timedelta(days=rng.randrange(7, 15))
