"""The shelter and the temporary housing in the demo, as they stand on the day the demo is
made (so the board is current when it is opened)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from rc_tui.demo.assessments import _fill_answers, _library, _sign_demo
from rc_tui.demo.base import DEMO_MANAGER, DEMO_PERPETRATOR_WORKER, Clock, as_user
from rc_tui.demo.families import Registered
from rc_tui.demo.words import HOUSING_PLACES, SHELTER_PLACES, SHIFT_NOTES, TURNED_AWAY
from rc_tui.services.access import Level
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.people import PersonInput
from rc_tui.services.shelter import AdmissionInput, ShelterService, TurnedAwayInput
from storage.vault import Vault


def shelter(vault: Vault, registered: list[Registered], rng: random.Random) -> None:
    """The shelter and the temporary housing as they stand today: places (one out of use),
    stays of known women and their children (two left earlier, one of them not yet
    followed up), an anonymous woman admitted last night with two children, a planned
    arrival, turned-away requests over the year and the shift log of the last two days.
    Dates follow the day the demo is made, so the board is current when it is opened."""
    today = date.today()
    now = datetime.combine(today, datetime.min.time()).replace(hour=8)
    clock = Clock(now)
    women = [(fam, person_ids) for fam, _case, person_ids in registered
             if fam.members[0].data.gender == "female"][-4:]
    with as_user(vault, DEMO_MANAGER) as manager:
        svc = ShelterService(manager, screen="demo", clock=clock)
        ids = [svc.add_place("shelter", room, label) for room, label in SHELTER_PLACES]
        flat = [svc.add_place("perpetrator_housing", room, label)
                for room, label in HOUSING_PLACES]
        svc.set_out_of_use(ids[7], today - timedelta(days=5), None,
                           "Vattenskada, hantverkare nästa vecka")
        for number, (fam, person_ids) in enumerate(women):
            children = [person_ids[i] for i in fam.index_of("child")]
            if number < 2:  # stayed earlier and left
                clock.now = fam.opened + timedelta(days=1)
                result = svc.admit(AdmissionInput(
                    "shelter", None, "unit", clock.now, place_id=ids[number],
                    expected_end=clock.now.date() + timedelta(days=30),
                    existing_person_id=person_ids[0], existing_child_ids=children))
                clock.now += timedelta(days=28 + number * 9)
                svc.depart(result.stay_id, 1, clock.now, ["own_housing", "relatives"][number],
                           reach=["Mobil, efter kl 17", "Via systern, sms"][number])
                clock.now += timedelta(days=12)
                version = next(d.version for d in svc.departures_to_follow_up("shelter")
                               if d.stay_id == result.stay_id)
                if number == 0:
                    svc.record_departure_followup(result.stay_id, version, "safe",
                                                  "Nådd per telefon. Trygg i egen bostad.")
                else:  # not reached once: the next attempt is due
                    svc.record_departure_followup(result.stay_id, version, "not_reached",
                                                  "Inget svar, lämnade inget meddelande.")
            else:  # staying now
                clock.now = now - timedelta(days=12 if number == 2 else 3)
                svc.admit(AdmissionInput(
                    "shelter", None, "police" if number == 2 else "self", clock.now,
                    place_id=ids[2] if number == 2 else ids[0],
                    expected_end=today + timedelta(days=5 if number == 2 else 40),
                    existing_person_id=person_ids[0], existing_child_ids=children))
        clock.now = now
    _man_in_the_flat(vault, registered, [pids[0] for _f, pids in women[2:]], flat[0], now, rng)
    with as_user(vault, "siri") as siri:
        svc = ShelterService(siri, screen="demo", clock=clock)
        clock.now = now - timedelta(hours=8, minutes=20)  # 23.40 last night
        anonymous = svc.admit(AdmissionInput(
            "shelter", PersonInput(alias="Linnea", gender="female", birth_year=1991),
            "police", clock.now, place_id=ids[4], expected_end=today + timedelta(days=30),
            children=[PersonInput(alias="Linneas son", gender="male", birth_year=2017),
                      PersonInput(alias="Linneas dotter", gender="female", birth_year=2021)],
            note="Kom med polisen efter misshandel i hemmet. Vill vara anonym."))
        clock.now = now
        svc.admit(AdmissionInput(
            "shelter", PersonInput(alias="Maja", gender="female"), "on_call",
            now + timedelta(days=2, hours=6), place_id=ids[8], planned=True,
            expected_end=today + timedelta(days=32)))
        for days_ago in range(340, 0, -29):
            reasons, referred, note = TURNED_AWAY[days_ago % len(TURNED_AWAY)]
            clock.now = now - timedelta(days=days_ago, hours=rng.randrange(0, 12))
            row = svc.register_turned_away(TurnedAwayInput(
                "shelter", clock.now, reasons, referred,
                contact=rng.choice(["", "Sara", "Okänd kvinna", "Mina"]),
                reach=rng.choice(["", "Via socialjouren", "Sms efter kl 18"]),
                children=rng.randrange(0, 3), referred_note=note))
            if days_ago > 30:
                clock.now += timedelta(days=2)
                svc.record_turned_away_followup(
                    row, 1, rng.choice(["safe", "safe", "supported", "declined"]))
        clock.now = now - timedelta(days=1)
        svc.register_turned_away(TurnedAwayInput(
            "shelter", clock.now, ["no_place"], "other_shelter", contact="Okänd kvinna",
            reach="Via socialjouren", children=1, referred_note="Skyddat boende i regionen"))
    for username, hours, about, body in SHIFT_NOTES:
        with as_user(vault, username) as staff:
            clock.now = now - timedelta(hours=hours)
            ShelterService(staff, screen="demo", clock=clock).write_entry(
                "shelter", body, person_id=anonymous.person_id if about else None)


def _man_in_the_flat(vault: Vault, registered: list[Registered], staying: list[int],
                     place: int, now: datetime, rng: random.Random) -> None:
    """A man in the temporary housing, admitted by the perpetrator service's caseworker on
    his signed risk assessment, in his family's case – preferably the family of a woman
    staying at the shelter now, so the coordination view warns about it."""
    with as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        svc = ShelterService(worker, screen="demo", clock=Clock(now))
        candidates: list[tuple[bool, int]] = []
        with svc.read() as s:
            for fam, _case, pids in registered:
                if fam.index_of("perpetrator"):
                    perp = pids[fam.index_of("perpetrator")[0]]
                    if svc.access.level(s, perp) >= Level.FULL:
                        candidates.append((pids[0] in staying, perp))
        if not candidates:
            return
        man = max(candidates)[1]
        clock = Clock(now - timedelta(days=22))
        assessments = AssessmentService(worker, screen="demo", clock=clock)
        inst = _library().get("rc-perpetrator")
        aid = assessments.start(man, inst)
        _sign_demo(assessments, aid, _fill_answers(inst, rng, 0.5, clock.now.date()), rng)
        clock.now = now - timedelta(days=20)
        ShelterService(worker, screen="demo", clock=clock).admit(AdmissionInput(
            "perpetrator_housing", None, "unit", clock.now, place_id=place,
            expected_end=now.date() + timedelta(days=40), existing_person_id=man,
            note="Måste lämna hemmet efter polisanmälan; vill delta i samtalen."))
