"""The shelter's gaps closed, through the service layer: children take beds of their
mother's room (the board never shows a full room as free), children's gender and birth year
and the admission note to those who may see them, the intake's "what happened" on the
person's own record and the case, the follow-up after a departure (how to reach her, the
outcome, three attempts), moving a resident, and hostile text in every new field."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from rc_tui.domain.instruments.content import Content
from rc_tui.services.accounts import ValidationError
from rc_tui.services.cases import CaseService
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.shelter import AdmissionInput, ShelterService
from storage.errors import NoAccess, PermissionDenied
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, hostile_cases
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    NOW,
    PER,
    PER_PASS,
    SIRI,
    SIRI_PASS,
    Family,
    as_user,
    family,
)

Login = Callable[[str, str], Vault]


def svc(v: Vault, when: datetime = NOW) -> ShelterService:
    return ShelterService(v, clock=lambda: when)


def rooms(login: Login) -> dict[str, int]:
    chef = svc(login(CHEF, CHEF_PASS))
    return {label: chef.add_place("shelter", room, label)
            for room, label in (("Rum 1", "1A"), ("Rum 1", "1B"), ("Rum 1", "1C"),
                                ("Rum 2", "2A"), ("Rum 3", "3A"))}


def woman(v: Vault, place: int, alias: str, children: int, note: str = "") -> int:
    return svc(v).admit(AdmissionInput(
        facility="shelter", person=PersonInput(alias=alias, gender="female"),
        arrived_via="police", admitted_at=NOW, place_id=place, note=note,
        children=[PersonInput(alias=f"{alias} barn {i}", gender=("male", "female")[i % 2],
                              birth_year=2016 + i) for i in range(children)])).stay_id


def test_children_take_beds_of_their_mothers_room(family: Family, as_user: Login) -> None:
    ids = rooms(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    woman(siri, ids["1A"], "Ros", 2)
    board = svc(siri).board("shelter")
    lines = {x.label: x for x in board.lines}
    assert [lines[b].child_name for b in ("1B", "1C")] == ["«Ros barn 0»", "«Ros barn 1»"]
    assert all(lines[b].state == "occupied" for b in ("1B", "1C"))
    assert board.free == 2 and board.children_without_bed == 0
    # a room with one bed and a woman with two children: none of them is free, two
    # children have no bed – never "free" places in a full room
    woman(siri, ids["2A"], "Lilja", 2)
    board = svc(siri).board("shelter")
    assert board.free == 1 and board.children_without_bed == 2
    assert {x.label for x in board.lines if x.state == "free"} == {"3A"}
    # children's gender and birth year, and the admission note, to shelter staff
    resident = next(r for r in board.residents if r.name == "«Ros»")
    assert [(c.gender, c.birth_year) for c in resident.children] == [("male", 2016),
                                                                     ("female", 2017)]


def test_admission_note_and_what_happened_to_those_allowed(family: Family,
                                                          as_user: Login) -> None:
    ids = rooms(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    woman(siri, ids["1A"], "Ros", 0, note="Slagen i natt, behöver sova.")
    resident = svc(siri).board("shelter").residents[0]
    assert resident.note == "Slagen i natt, behöver sova."
    assert svc(siri).stays_of(resident.person_id)[0].note == "Slagen i natt, behöver sova."
    intakes = CaseService(siri).intakes_of(resident.person_id)
    assert [i.what_happened for i in intakes] == ["Slagen i natt, behöver sova."]
    # a known woman admitted into her open case: the note stays with the stay; her
    # caseworker's intake account is on her record for shelter staff and on the case
    chef = as_user(CHEF, CHEF_PASS)
    svc(chef).admit(AdmissionInput(facility="shelter", person=None,
                                   existing_person_id=family.victim, arrived_via="self",
                                   admitted_at=NOW, place_id=ids["2A"], note="Kom själv."))
    assert svc(siri).stays_of(family.victim)[0].note == "Kom själv."
    account = CaseService(siri).intakes_of(family.victim)
    assert account and account[0].what_happened
    anna = as_user(ANNA, ANNA_PASS)
    detail = CaseService(anna).detail(family.case_id)
    assert detail.intakes[0][4] == account[0].what_happened
    # the perpetrator's caseworker: nothing of hers, neither the account nor the note
    per = as_user(PER, PER_PASS)
    with pytest.raises(NoAccess):
        CaseService(per).intakes_of(family.victim)
    assert all(not x[4] or x[4] != account[0].what_happened
               for x in CaseService(per).detail(family.case_id).intakes)
    assert svc(per).stays_of(family.victim) == []


def test_departure_followup_reach_outcome_three_attempts(family: Family,
                                                         as_user: Login) -> None:
    ids = rooms(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    stay_id = woman(siri, ids["1A"], "Ros", 1)
    version = svc(siri).board("shelter").residents[0].version
    left = NOW + timedelta(days=5)
    svc(siri, left).depart(stay_id, version, left, "relatives", reach="Sms efter kl 18")
    (row,) = svc(siri, left).departures_to_follow_up("shelter")
    assert row.reach == "Sms efter kl 18" and row.followup_due == left.date() + timedelta(14)
    # shelter staff who may see her see how to reach her; a manager too
    assert svc(as_user(CHEF, CHEF_PASS)).departures_to_follow_up("shelter")[0].reach
    day = left + timedelta(days=14)
    with pytest.raises(ValidationError):
        svc(siri, day).record_departure_followup(stay_id, row.version, "maybe")
    nxt = svc(siri, day).record_departure_followup(stay_id, row.version, "not_reached",
                                                   "Inget svar.")
    assert nxt == day.date() + timedelta(days=2)
    due = [d for d in HomeService(siri, clock=lambda: day).due_items()
           if d.kind == "departure_followup"]
    assert due[0].due == nxt
    (row,) = svc(siri, day).departures_to_follow_up("shelter")
    assert row.attempts == 1 and "Inget svar." in row.followup_note
    nxt = svc(siri, day).record_departure_followup(stay_id, row.version, "not_reached")
    (row,) = svc(siri, day).departures_to_follow_up("shelter")
    assert nxt is not None and row.attempts == 2
    # the third attempt that does not reach her closes it (as not reached)
    assert svc(siri, day).record_departure_followup(stay_id, row.version,
                                                    "not_reached") is None
    assert svc(siri, day).departures_to_follow_up("shelter") == []
    assert not [d for d in HomeService(siri, clock=lambda: day).due_items()
                if d.kind == "departure_followup"]


def test_move_a_resident(family: Family, as_user: Login) -> None:
    ids = rooms(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    stay_id = woman(siri, ids["3A"], "Ros", 0)
    woman(siri, ids["2A"], "Lilja", 0)
    r = next(r for r in svc(siri).board("shelter").residents if r.stay_id == stay_id)
    with pytest.raises(ValidationError, match=r"upptagen|already taken"):
        svc(siri).move(stay_id, r.version, ids["2A"])
    svc(siri).move(stay_id, r.version, ids["1A"])
    board = svc(siri).board("shelter")
    assert next(x for x in board.lines if x.label == "1A").resident.stay_id == stay_id  # type: ignore[union-attr]
    assert next(x for x in board.lines if x.label == "3A").state == "free"
    # a caseworker opens no shelter board, and cannot move her by the stay's number
    with pytest.raises(NoAccess):
        svc(as_user(BO, BO_PASS)).move(stay_id, r.version + 1, ids["3A"])


def test_hostile_text_in_the_new_fields(family: Family, as_user: Login) -> None:
    ids = rooms(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    stay_id = woman(siri, ids["1A"], "Ros", 0)
    version = svc(siri).board("shelter").residents[0].version
    cases = [(why, t) for why, t in hostile_cases() if len(t) <= 100_000]
    left = NOW + timedelta(hours=1)
    first = cases[0][1]
    svc(siri, left).depart(stay_id, version, left, "unknown", reach=first)
    (row,) = svc(siri, left).departures_to_follow_up("shelter")
    assert row.reach == unicodedata.normalize("NFC", first).strip()
    for why, hostile in cases[:2]:
        (row,) = svc(siri, left).departures_to_follow_up("shelter")
        svc(siri, left).record_departure_followup(stay_id, row.version, "not_reached",
                                                  hostile)
        (row,) = svc(siri, left).departures_to_follow_up("shelter")
        assert unicodedata.normalize("NFC", hostile).strip() in row.followup_note, why
    for why, hostile in cases:
        composed = unicodedata.normalize("NFC", hostile).strip()
        result = svc(siri).admit(AdmissionInput(
            facility="shelter", person=PersonInput(alias="X", gender="female"),
            arrived_via="self", admitted_at=NOW, note=hostile,
            placing_municipality=hostile, payer=hostile))
        stay = svc(siri).stays_of(result.person_id)[0]
        assert (stay.note, stay.placing_municipality, stay.payer) == (composed,) * 3, why
        if composed:
            assert CaseService(siri).intakes_of(result.person_id)[0].what_happened == \
                unicodedata.normalize("NFC", hostile), why
    with pytest.raises(ValidationError):
        svc(siri).admit(AdmissionInput(facility="shelter", person=PersonInput(alias="X"),
                                       arrived_via="self", admitted_at=NOW,
                                       payer="x" * 100_001))


def test_shelter_staff_assess_only_with_the_setting(family: Family, as_user: Login) -> None:
    """With the organisation's setting on, shelter staff run and sign, for a resident, the
    instruments for victims and children that need no special training – and see only those of her
    assessments; never anyone else's, never another instrument, never without it."""
    from rc_tui.domain.instruments.library import load_library
    from rc_tui.services.assessments import AssessmentService
    from rc_tui.services.settings import set_shelter_staff_assessments
    from tests.conftest import ADMIN, ADMIN_PASS
    from tests.service.test_housing import sign_perpetrator_assessment

    lib = load_library(None)
    acute = lib.get("rc-acute")
    ids = rooms(as_user)
    chef = as_user(CHEF, CHEF_PASS)
    svc(chef).admit(AdmissionInput(facility="shelter", person=None,
                                   existing_person_id=family.victim, arrived_via="self",
                                   admitted_at=NOW, place_id=ids["1A"]))
    # her caseworker's assessments: one victim-side, one with a training-required one
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=lambda: NOW)
    mine = anna.start(family.victim, acute)
    other = sign_perpetrator_assessment(as_user(ANNA, ANNA_PASS), family.victim)
    siri = AssessmentService(as_user(SIRI, SIRI_PASS), clock=lambda: NOW)
    with pytest.raises(NoAccess):  # the setting is off
        siri.start(family.victim, acute)
    with pytest.raises(NoAccess):
        siri.history(family.victim)
    with Vault.unlock(family.path, ADMIN, ADMIN_PASS) as admin:
        set_shelter_staff_assessments(admin, True)
    siri_v = Vault.unlock(family.path, SIRI, SIRI_PASS)
    try:
        siri = AssessmentService(siri_v, clock=lambda: NOW)
        aid = siri.start(family.victim, acute)
        answers = {item.id: "no" for item in acute.all_items()}
        content = Content(answers=answers)
        version = siri.save_draft(aid, siri.get(aid).version, content)
        siri.sign(aid, version, content, {"risk": "low"}, "Inga tecken i kväll.")
        assert siri.get(aid).signed
        shown = {r.id for r in siri.history(family.victim)}
        assert shown == {mine, aid}  # not the perpetrator-side one
        with pytest.raises(NoAccess):
            siri.get(other)
        with pytest.raises(NoAccess):  # a training-required instrument
            siri.start(family.victim, lib.get("rc-perpetrator"))
        with pytest.raises(NoAccess):  # not a resident
            siri.start(family.child, acute)
        with pytest.raises(NoAccess):
            siri.history(family.child)
    finally:
        siri_v.close(None)


def test_a_manager_links_an_anonymous_record_to_the_known_woman(family: Family,
                                                                as_user: Login) -> None:
    """«Ros» came anonymously with her son; she is Åsa, the victim of the family. A manager
    links the records: the stays become Åsa's (her son's stay still follows hers), Åsa
    joins the anonymous case, the anonymous record's journal and its access-log entries
    stay as they were, and shelter staff still read that history."""
    from sqlalchemy import func, select

    from rc_tui.services.records import RecordService
    from storage.models import AccessLog, Stay
    from tests.service.test_access import VICTIM_NO

    ids = rooms(as_user)
    siri_v = as_user(SIRI, SIRI_PASS)
    stay_id = woman(siri_v, ids["1A"], "Ros", 1, note="Kom i natt.")
    ros = svc(siri_v).board("shelter").residents[0].person_id
    RecordService(siri_v, clock=lambda: NOW).add_note(ros, "note", "Sover oroligt.",
                                                      sign=True)
    with siri_v.session() as s:
        entries_before = s.scalar(select(func.count()).select_from(AccessLog).where(
            AccessLog.person_id == ros))
    # only a manager links, and only an anonymous record, with a reason
    with pytest.raises(PermissionDenied):
        svc(siri_v).link_anonymous(ros, VICTIM_NO, "Samma kvinna.")
    chef = svc(as_user(CHEF, CHEF_PASS))
    with pytest.raises(ValidationError):
        chef.link_anonymous(ros, VICTIM_NO, "  ")
    with pytest.raises(ValidationError, match="anonym"):  # a named record is not anonymous
        chef.link_anonymous(family.perpetrator, VICTIM_NO, "Samma kvinna.")
    with pytest.raises(ValidationError):
        chef.link_anonymous(family.victim, VICTIM_NO, "Samma kvinna.")
    with pytest.raises(ValidationError):
        chef.link_anonymous(ros, "19121212-1213", "Samma kvinna.")
    assert chef.link_anonymous(ros, VICTIM_NO, "Hon berättade sitt namn.") == family.victim
    with pytest.raises(ValidationError):
        chef.link_anonymous(ros, VICTIM_NO, "Igen.")
    # the stays are hers now (the son's follows hers), on the board under her name
    with siri_v.session() as s:
        assert s.get_one(Stay, stay_id).person_id == family.victim
        assert s.scalar(select(func.count()).select_from(AccessLog).where(
            AccessLog.person_id == ros)) >= entries_before  # nothing rewritten or lost
        flagged = s.scalars(select(AccessLog).where(AccessLog.action == "link",
                                                    AccessLog.record_type == "person_link"))
        assert {e.person_id for e in flagged} == {ros, family.victim}
    siri = svc(as_user(SIRI, SIRI_PASS))
    resident = siri.board("shelter").residents[0]
    assert resident.person_id == family.victim and len(resident.children) == 1
    assert [st.note for st in siri.stays_of(family.victim)] == ["Kom i natt."]
    assert siri.stays_of(ros) == []
    # the anonymous record's history stays readable, and says where it went
    siri_again = as_user(SIRI, SIRI_PASS)
    assert RecordService(siri_again).journal(ros)[0].body == "Sover oroligt."
    (link,) = siri.links_of(ros)
    assert link.other_id == family.victim and link.anonymous
    assert link.reason == "Hon berättade sitt namn."
    assert siri.links_of(family.victim)[0].other_id == ros
    # the known woman joined the anonymous case; her caseworker gained nothing there
    anna = as_user(ANNA, ANNA_PASS)
    chef_v = as_user(CHEF, CHEF_PASS)
    ros_case = PeopleService(chef_v).get(ros).cases[0][0]
    members = {m.person.id: m for m in CaseService(chef_v).detail(ros_case).members}
    assert family.victim in members and not members[family.victim].assigned
    with pytest.raises(NoAccess):
        RecordService(anna).journal(ros)
    # a caseworker cannot see the link on the anonymous record either
    with pytest.raises(NoAccess):
        svc(anna).links_of(ros)
