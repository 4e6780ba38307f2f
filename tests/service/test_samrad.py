"""Samråd through the service, with frozen time: the consent gate (covered, not covered,
legal ground with rationale), approval that locks, actions into the plans, carried-over
actions reviewed, the 3-working-day and 12-month rules, coordination warnings and
compartments, minutes extracts per agency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from rc_tui.domain import samrad as rules
from rc_tui.services.accounts import ValidationError
from rc_tui.services.casework import CaseworkService, DecisionInput
from rc_tui.services.home import HomeService
from rc_tui.services.records import RecordService
from rc_tui.services.samrad import (
    ActionInput,
    Participant,
    PersonMinutes,
    Review,
    SamradService,
)
from storage.errors import PermissionDenied
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    NOW,
    PER,
    PER_PASS,
    Family,
    as_user,
    family,
)

MEETING = date(2026, 11, 27)
POLICE = [Participant("participant", "centre", "chair"), Participant("participant", "police")]


def at(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def test_working_days_and_repeat_rules() -> None:
    assert rules.easter(2026) == date(2026, 4, 5)
    assert rules.approval_due(date(2026, 11, 27)) == date(2026, 12, 2)  # Fri -> Wed
    assert rules.approval_due(date(2026, 12, 23)) == date(2026, 12, 30)  # over Christmas
    assert rules.approval_due(date(2026, 4, 1)) == date(2026, 4, 8)  # over Easter
    assert not rules.is_working_day(date(2026, 6, 19))  # midsummer eve
    assert rules.is_repeat(date(2026, 11, 1), [date(2025, 11, 1)])
    assert not rules.is_repeat(date(2026, 11, 2), [date(2025, 11, 1)])
    assert not rules.is_repeat(date(2026, 11, 1), [])


def test_consent_gate(family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    svc = SamradService(chef, clock=at(NOW))
    sid = svc.request(family.case_id, "Polisen", MEETING, "Nexus")
    version = svc.get(sid).version
    shared = PersonMinutes(family.victim, "Hot mot henne i helgen.", "Hög risk.")
    # not covered: the victim has not consented to exchange with the police
    with pytest.raises(ValidationError, match="täcker inte"):
        svc.save(sid, version, POLICE, [shared], {})
    # a legal ground needs a written rationale
    grounded = PersonMinutes(family.victim, "Hot mot henne i helgen.", "Hög risk.", "danger")
    with pytest.raises(ValidationError):
        svc.save(sid, version, POLICE, [grounded], {})
    # with the rationale: recorded, and flagged for the log review
    grounded = PersonMinutes(family.victim, "Hot mot henne i helgen.", "Hög risk.", "danger",
                             "Akut fara för hennes liv.")
    version = svc.save(sid, version, POLICE, [grounded], {})
    with chef.session() as s:
        flagged = s.execute(text(
            "SELECT count(*) FROM access_log WHERE record_type = 'samrad_minutes' "
            "AND flagged = 1 AND person_id = :p"), {"p": family.victim}).scalar()
    assert flagged == 1
    # covered by consent: no legal ground needed
    RecordService(as_user(ANNA, ANNA_PASS)).record_consent(
        family.victim, "info_exchange", "given", "written", agency="police")
    view = svc.get(sid)
    assert next(m for m in view.members if m.person_id == family.victim).coverage == {
        "police": True}
    svc.save(sid, view.version, POLICE, [shared], {})
    # an observer needs a confidentiality undertaking
    with pytest.raises(ValidationError, match="sekretessförbindelse"):
        svc.save(sid, svc.get(sid).version,
                 [*POLICE, Participant("observer", "health", "student")], [shared], {})


def test_approval_locks_and_actions_reach_the_plans(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    svc = SamradService(chef, clock=at(NOW))
    sid = svc.request(family.case_id, "Nexus", MEETING)
    with pytest.raises(ValidationError, match="vem som deltog"):
        svc.approve(sid, svc.get(sid).version)
    actions = (ActionInput("Ansök om kontaktförbud", "police", 1, MEETING + timedelta(7)),
               ActionInput("Säkerhetsplan med skolan", "centre", 2))
    centre_only = [Participant("participant", "centre", "chair")]
    version = svc.save(sid, svc.get(sid).version, centre_only,
                       [PersonMinutes(family.victim, "Delat inom centret.", "", None, "",
                                      actions)], {})
    assert svc.approve(sid, version) == 2
    plan = CaseworkService(as_user(ANNA, ANNA_PASS)).plan(family.victim)
    assert {p.data.text for p in plan} == {"Ansök om kontaktförbud",
                                           "Säkerhetsplan med skolan"}
    assert all(p.source_ref and p.source_ref.startswith("samråd") for p in plan)
    # the plan action's date puts it on the victim's caseworker's due list
    due = HomeService(as_user(ANNA, ANNA_PASS), clock=at(NOW + timedelta(days=10))).due_items()
    assert any(d.kind == "plan" and "kontaktförbud" in d.title for d in due)
    # approved minutes are read-only: through the service and in the database
    with pytest.raises(ValidationError, match="justerade"):
        svc.save(sid, svc.get(sid).version, centre_only, [], {})
    with pytest.raises(DatabaseError, match="read-only"), chef.session(write=True) as s:
        s.execute(text("UPDATE samrad_persons SET info_shared = 'x'"))
    with pytest.raises(DatabaseError, match="read-only"), chef.session(write=True) as s:
        s.execute(text("DELETE FROM samrad_actions"))
    with pytest.raises(DatabaseError, match="read-only"), chef.session(write=True) as s:
        s.execute(text("UPDATE samrad SET place = 'x'"))


def test_follow_up_samrad_reviews_open_actions_and_repeat_flag(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    svc = SamradService(chef, clock=at(NOW))
    first = svc.request(family.case_id, "Nexus", MEETING)
    centre = [Participant("participant", "centre", "chair")]
    v = svc.save(first, svc.get(first).version, centre, [PersonMinutes(
        family.victim, "", "", None, "", (ActionInput("Kontakta skolan", "centre", 1),))], {})
    svc.approve(first, v)
    assert not svc.get(first).repeat
    second = svc.request(family.case_id, "Polisen", MEETING + timedelta(days=60))
    view = svc.get(second)
    assert view.previous_id == first and view.repeat
    [open_action] = view.outstanding
    assert open_action.what == "Kontakta skolan"
    v = svc.save(second, view.version, centre, [], {})
    with pytest.raises(ValidationError, match="föregående"):
        svc.approve(second, v)
    v = svc.save(second, v, centre, [],
                 {open_action.id: Review("not_acted", "Skolan nåddes inte")})
    svc.approve(second, v)
    minutes = svc.minutes_text(second)
    assert "Kontakta skolan" in minutes and "myndigheten agerade inte" in minutes
    later = svc.request(family.case_id, "Nexus", MEETING + timedelta(days=500))
    assert not svc.get(later).repeat  # more than twelve months after the last one


def test_minutes_approval_due_in_three_working_days(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    SamradService(chef, clock=at(NOW)).request(family.case_id, "Nexus", MEETING)

    def due(on: date) -> list[tuple[str, bool]]:
        home = HomeService(chef, clock=at(datetime.combine(on, datetime.min.time())))
        return [(d.due.isoformat(), d.overdue) for d in home.due_items()
                if d.kind == "samrad_minutes"]

    assert due(MEETING - timedelta(days=1)) == []  # not held yet
    assert due(MEETING) == [("2026-12-02", False)]
    assert due(date(2026, 12, 3)) == [("2026-12-02", True)]
    with pytest.raises(PermissionDenied):  # only the manager convenes
        SamradService(as_user(ANNA, ANNA_PASS)).request(family.case_id, "x", MEETING)


def test_coordination_warnings_and_compartments(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    from storage.models import Stay

    chef = as_user(CHEF, CHEF_PASS)
    with chef.session(write=True) as s:
        s.add(Stay(person_id=family.victim, facility="shelter", admitted_at=NOW))
    per = as_user(PER, PER_PASS)
    per_work = CaseworkService(per, clock=at(NOW))
    RecordService(per).record_consent(family.perpetrator, "investigation", "given", "oral")
    per_work.start_investigation(family.perpetrator, "perpetrator", case_id=family.case_id)
    per_work.record_decision(DecisionInput(
        family.perpetrator, "perpetrator_housing", "granted", "Behöver bostad.", "sol_bistand",
        case_id=family.case_id))
    full = SamradService(chef, clock=at(NOW)).coordination(family.case_id)
    assert any("Tillfälligt boende för våldsutövaren" in w for w in full.warnings)
    assert any("saknar handlingsplan" in w for w in full.warnings)
    limited = SamradService(per, clock=at(NOW)).coordination(family.case_id)
    # per sees his own track in full and only that the others exist; the warning that
    # involves the victim's protection is not his to act on: not shown at all, not even
    # as "something in another track" (that alone tells him she is protected)
    shown = "\n".join(limited.warnings + [line for m in limited.members for line in m.lines])
    assert "Tillfälligt boende för våldsutövare" in shown  # his own intervention
    assert "skyddat boende" not in shown and "Siri" not in shown
    assert limited.warnings == ["En familjemedlem saknar handlingsplan."]  # his own client
    assert [m.full for m in limited.members if m.person_id == family.victim] == [False]
    # anna (the victim's and the child's caseworker) can act on it for the victim: told
    # that coordination is needed for her client, not what the perpetrator was granted
    anna = SamradService(as_user(ANNA, ANNA_PASS), clock=at(NOW)).coordination(
        family.case_id)
    assert any("Samordning behövs för Åsa Öberg" in w for w in anna.warnings), anna.warnings
    told = "\n".join(anna.warnings)
    assert "boende för våldsutövaren" not in told and "våldsutövar" not in told


def test_minutes_extract_leaves_out_what_the_agency_is_not_covered_for(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    svc = SamradService(chef, clock=at(NOW))
    RecordService(as_user(ANNA, ANNA_PASS)).record_consent(
        family.victim, "info_exchange", "given", "written", agency="police")
    sid = svc.request(family.case_id, "Polisen", MEETING)
    people = [*POLICE, Participant("participant", "school")]
    child = PersonMinutes(family.child, "Skolan ser oro.", "", "child", "Barnet kan behöva "
                          "skydd.")
    victim = PersonMinutes(family.victim, "Hot i helgen.", "")
    with pytest.raises(ValidationError):  # the school is not covered by her consent
        svc.save(sid, svc.get(sid).version, people, [victim, child], {})
    svc.save(sid, svc.get(sid).version, POLICE, [victim], {})
    assert "Hot i helgen" in svc.minutes_text(sid, "police")
    extract = svc.minutes_text(sid, "school")
    assert "Hot i helgen" not in extract and "1 person utelämnad:" in extract
