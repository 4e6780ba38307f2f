"""Shelter operations through the service, with frozen time: places and the board,
anonymous admission with two children and the due items it creates, departure and its
follow-up, the turned-away register (follow-up, attempts, statistics), the shift log
(handover per user, mark read, the resident's journal) and the compartments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from rc_tui.domain import shelter as rules
from rc_tui.services.accounts import ValidationError
from rc_tui.services.casework import CaseworkService, PlanItemInput
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.shelter import (
    AdmissionInput,
    ShelterService,
    TurnedAwayInput,
    facilities_for,
)
from storage.errors import ConflictError, NoAccess, PermissionDenied
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, create, enrol
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
from tests.service.test_housing import sign_perpetrator_assessment

Login = Callable[[str, str], Vault]


def at(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def svc(v: Vault, when: datetime = NOW) -> ShelterService:
    return ShelterService(v, clock=at(when))


def places(login: Login) -> dict[str, int]:
    chef = svc(login(CHEF, CHEF_PASS))
    ids = {label: chef.add_place("shelter", room, label)
           for room, label in (("Rum 1", "1A"), ("Rum 1", "1B"), ("Rum 2", "2A"))}
    ids["L1"] = chef.add_place("perpetrator_housing", "Lägenheten", "L1")
    return ids


def admit_anonymous(v: Vault, place: int | None, when: datetime = NOW, *,
                    planned: bool = False) -> tuple[int, int, list[int]]:
    result = svc(v, when).admit(AdmissionInput(
        facility="shelter", person=PersonInput(alias="Rosen", gender="female"),
        arrived_via="police", admitted_at=when, place_id=place,
        expected_end=when.date() + timedelta(days=30), planned=planned,
        children=[PersonInput(alias="Rosens son", birth_year=2019),
                  PersonInput(alias="Rosens dotter", birth_year=2022)]))
    return result.stay_id, result.person_id, result.child_ids


def test_anonymous_admission_with_two_children_creates_the_due_items(
        family: Family, as_user: Login, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = places(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    read: list[str] = []
    real_setting = siri.setting

    def setting(name: str) -> object:
        read.append(name)
        return real_setting(name)

    monkeypatch.setattr(siri, "setting", setting)
    # an empty shelter's due list does not read the days setting (a transaction of its
    # own); it is read once a woman stays without a decision
    HomeService(siri, clock=at(NOW)).due_items()
    assert "investigation_after_stay_days" not in read
    stay_id, woman, (son, daughter) = admit_anonymous(siri, ids["1A"])
    # each child has a record of its own, in the same case, with the mother's relation
    shown = PeopleService(siri, clock=at(NOW)).get(woman)
    assert shown.display_name == "«Rosen»" and not shown.data.given_name
    assert len(shown.cases) == 1
    child = PeopleService(siri, clock=at(NOW)).get(son)
    assert [c[0] for c in child.cases] == [c[0] for c in shown.cases]
    # the due list: investigation within the configured days, a child-report decision
    # per child, an action plan for the woman and each child
    due = HomeService(siri, clock=at(NOW)).due_items()
    kinds = sorted((d.kind, d.person_id) for d in due)
    assert ("investigation_start", woman) in kinds
    assert ("child_report", son) in kinds and ("child_report", daughter) in kinds
    assert {p for k, p in kinds if k == "shelter_plan"} == {woman, son, daughter}
    inv = next(d for d in due if d.kind == "investigation_start")
    assert inv.due == NOW.date() + timedelta(days=7) and not inv.overdue
    assert "investigation_after_stay_days" in read
    # the manager sees the same, once each
    chef_due = HomeService(as_user(CHEF, CHEF_PASS), clock=at(NOW)).due_items()
    assert sum(1 for d in chef_due if (d.kind, d.person_id) == ("investigation_start",
                                                                  woman)) == 1
    # the items go when done: a child report, a plan item
    case_id = shown.cases[0][0]
    RecordService(siri, clock=at(NOW)).record_child_report(son, case_id, "not_needed",
                                                             "Ingen oro just nu.")
    CaseworkService(siri, clock=at(NOW)).add_plan_item(woman, PlanItemInput(
        "goal", "Trygg plats", "unit", "Siri", None, None, "planned", None, ""))
    left = {(d.kind, d.person_id) for d in HomeService(siri, clock=at(NOW)).due_items()}
    assert ("child_report", son) not in left and ("shelter_plan", woman) not in left
    assert ("child_report", daughter) in left
    # a week and a day later the investigation is overdue
    later = HomeService(siri, clock=at(NOW + timedelta(days=8))).due_items()
    assert next(d for d in later if d.kind == "investigation_start").overdue
    # the board
    board = svc(siri).board("shelter")
    line = next(x for x in board.lines if x.label == "1A")
    assert line.state == "occupied" and line.resident is not None
    assert line.resident.name == "«Rosen»" and len(line.resident.children) == 2
    # her children take beds of her room: 1B holds one of them, the other has none
    # (Rum 1 has two beds); 2A is the one free place
    child_bed = next(x for x in board.lines if x.label == "1B")
    assert child_bed.state == "occupied" and child_bed.child_name == "«Rosens son»"
    assert child_bed.resident is not None and child_bed.resident.name == "«Rosen»"
    assert board.free == 1 and board.children_without_bed == 1
    assert stay_id == line.resident.stay_id


def test_no_double_booking_out_of_use_and_planned_arrivals(family: Family,
                                                           as_user: Login) -> None:
    ids = places(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    admit_anonymous(siri, ids["1A"])
    with pytest.raises(ValidationError, match=r"upptagen|already taken"):
        admit_anonymous(siri, ids["1A"])
    # a planned arrival holds its bed from its day
    soon = NOW + timedelta(days=3)
    planned_stay, _w, _c = admit_anonymous(siri, ids["2A"], soon, planned=True)
    with pytest.raises(ValidationError, match=r"upptagen|already taken"):
        admit_anonymous(siri, ids["2A"], NOW)  # would run into the planned arrival
    board = svc(siri).board("shelter")
    assert next(x for x in board.lines if x.label == "2A").state == "free"
    assert [a[1] for a in board.arrivals] == ["«Rosen»"]
    assert next(x for x in svc(siri, soon).board("shelter").lines
                if x.label == "2A").state == "planned"
    # out of use: not while booked, and a place out of use cannot be booked
    with pytest.raises(ValidationError, match=r"bokad|booked"):
        svc(siri).set_out_of_use(ids["1A"], NOW.date(), None, "Vattenskada")
    svc(siri).set_out_of_use(ids["1B"], NOW.date(), None, "Vattenskada")
    with pytest.raises(ValidationError, match=r"ur bruk|out of use"):
        admit_anonymous(siri, ids["1B"])
    board = svc(siri).board("shelter")
    assert next(x for x in board.lines if x.label == "1B").state == "out_of_use"
    assert board.free == 1  # 2A is free tonight; its arrival comes in three days
    assert next(x for x in board.lines if x.label == "2A").note.endswith("2026-11-29")
    svc(siri).back_in_use(ids["1B"], NOW.date())
    back = svc(siri).board("shelter")  # 1B back, and taken at once by Rosen's child
    assert back.free == 1 and next(x for x in back.lines if x.label == "1B").child_name
    # the planned arrival comes
    resident = next(r for r in svc(siri, soon).board("shelter").residents
                    if r.stay_id == planned_stay)
    svc(siri, soon).arrive(planned_stay, resident.version, soon)
    assert next(x for x in svc(siri, soon).board("shelter").lines
                if x.label == "2A").state == "occupied"


def test_departure_creates_the_followup(family: Family, as_user: Login) -> None:
    ids = places(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    stay_id, woman, children = admit_anonymous(siri, ids["1A"])
    resident = svc(siri).board("shelter").residents[0]
    later = NOW + timedelta(days=10)
    with pytest.raises(ValidationError):
        svc(siri, later).depart(stay_id, resident.version, later, "somewhere")
    due_on = svc(siri, later).depart(stay_id, resident.version, later, "own_housing",
                                     "Egen lägenhet via bostadsbolaget")
    assert due_on == later.date() + timedelta(days=14)
    with pytest.raises(ConflictError):  # the old version
        svc(siri, later).depart(stay_id, resident.version, later, "unknown")
    board = svc(siri, later).board("shelter")
    assert board.free == 3 and not board.residents  # the children left with her
    due = HomeService(siri, clock=at(later)).due_items()
    follow = [d for d in due if d.kind == "departure_followup"]
    assert [d.person_id for d in follow] == [woman] and follow[0].due == due_on
    # the stays of the woman's own record; the follow-up recorded removes the item
    stays = svc(siri).stays_of(woman)
    assert stays[0].destination == "own_housing" and stays[0].place == "1A"
    assert all(svc(siri).stays_of(c)[0].departed_at == later for c in children)
    (row,) = svc(siri, later).departures_to_follow_up("shelter")
    svc(siri, later).record_departure_followup(stay_id, row.version, "safe",
                                               "Nådd per telefon, trygg.")
    assert not [d for d in HomeService(siri, clock=at(later)).due_items()
                if d.kind == "departure_followup"]


def test_turned_away_request_gets_a_followup_and_is_counted(family: Family,
                                                            as_user: Login) -> None:
    siri = as_user(SIRI, SIRI_PASS)
    with pytest.raises(ValidationError):
        svc(siri).register_turned_away(TurnedAwayInput("shelter", NOW, [], "other_shelter"))
    first = svc(siri).register_turned_away(TurnedAwayInput(
        "shelter", NOW, ["no_place"], "other_shelter", contact="Okänd kvinna",
        reach="Via socialjouren", children=2, referred_note="Jouren i grannkommunen"))
    svc(siri).register_turned_away(TurnedAwayInput(
        "shelter", NOW - timedelta(days=400), ["substance_use"], "health"))
    svc(siri).register_turned_away(TurnedAwayInput(
        "shelter", NOW, ["accessibility", "no_place"], "on_call"))
    due = [d for d in HomeService(siri, clock=at(NOW)).due_items() if d.kind == "turned_away"]
    assert len(due) == 3 and all(d.person_id is None for d in due)
    assert any("Okänd kvinna" in d.title for d in due)
    stats = svc(siri).turned_away_stats("shelter", NOW.year)
    assert stats.total == 2
    assert stats.by_reason == {"no_place": 2, "accessibility": 1}
    assert stats.by_referral == {"other_shelter": 1, "on_call": 1}
    # not reached: another attempt falls due; the third closes it as not reached
    row = next(r for r in svc(siri).turned_away("shelter") if r.id == first)
    next_due = svc(siri).record_turned_away_followup(first, row.version, "not_reached")
    assert next_due == NOW.date() + timedelta(days=2)
    for _attempt in range(2):
        row = next(r for r in svc(siri).turned_away("shelter") if r.id == first)
        svc(siri).record_turned_away_followup(first, row.version, "not_reached", "Inget svar")
    row = next(r for r in svc(siri).turned_away("shelter") if r.id == first)
    assert row.followed_up_at is not None and row.attempts == 2
    assert row.followup_note.count("\n") == 2
    stats = svc(siri).turned_away_stats("shelter", NOW.year)
    assert stats.followed_up == 1 and stats.not_reached == 1
    assert len([d for d in HomeService(siri, clock=at(NOW)).due_items()
                if d.kind == "turned_away"]) == 2
    # statistics as plain rules
    assert rules.turned_away_stats([], 2026).total == 0


def test_shift_log_handover_mark_read_and_journal(family: Family, as_user: Login) -> None:
    ids = places(as_user)
    enrol(family.path, "natt", "Natt", Role.SHELTER, "nattpersonalens fras")
    siri = as_user(SIRI, SIRI_PASS)
    natt = as_user("natt", "nattpersonalens fras")
    _stay, woman, _children = admit_anonymous(siri, ids["1A"])
    evening = NOW.replace(hour=21, minute=40)
    svc(siri, evening).write_entry("shelter", "Lugn kväll, larmet testat.")
    svc(siri, evening).write_entry("shelter", "Rosen oroad efter sms.", person_id=woman)
    with pytest.raises(ValidationError):
        svc(siri, evening).write_entry("shelter", "   ")
    with pytest.raises(ValidationError):
        svc(siri, evening).write_entry("shelter", "x" * 100_001)
    with pytest.raises(ValidationError):  # not a resident
        svc(siri, evening).write_entry("shelter", "x", person_id=family.perpetrator)
    # the entry about her is in her journal, signed
    notes = RecordService(siri, clock=at(evening)).journal(woman)
    assert [(n.note_type, n.body) for n in notes] == [("shift", "Rosen oroad efter sms.")]
    assert notes[0].signed
    # the night shift's handover: both unread; the writer has nothing to hand over to herself
    night = NOW.replace(hour=22, minute=5)
    handover = svc(natt, night).handover("shelter")
    assert [e.body for e in handover] == ["Lugn kväll, larmet testat.",
                                          "Rosen oroad efter sms."]
    assert handover[1].about == "«Rosen»" and handover[0].shift == "evening"
    assert svc(siri, night).handover("shelter") == []
    due = [d for d in HomeService(natt, clock=at(night)).due_items() if d.kind == "handover"]
    assert len(due) == 1 and "2" in due[0].title
    assert svc(natt, night).mark_read([e.id for e in handover]) == 2
    assert svc(natt, night).mark_read([e.id for e in handover]) == 0
    assert svc(natt, night).handover("shelter") == []
    assert not [d for d in HomeService(natt, clock=at(night)).due_items()
                if d.kind == "handover"]
    log = svc(natt, night).shift_log("shelter")
    assert all(e.read for e in log) and rules.shift_of(night.hour) == "night"
    # entries never change
    with natt.session(write=True) as s, pytest.raises(DatabaseError, match="read-only"):
        s.execute(text("UPDATE shift_entries SET body = 'x'"))


def test_compartments_and_roles(family: Family, as_user: Login) -> None:
    ids = places(as_user)
    siri = as_user(SIRI, SIRI_PASS)
    # the victim of the family comes to the shelter: her caseworker admits nothing, siri
    # records the stay for the known woman through the manager
    chef = as_user(CHEF, CHEF_PASS)
    svc(chef).admit(AdmissionInput(facility="shelter", person=None,
                                   existing_person_id=family.victim, arrived_via="self",
                                   admitted_at=NOW, place_id=ids["1A"]))
    # shelter staff: the resident at SHELTER level, never her assessments or investigations
    assert svc(siri).stays_of(family.victim)[0].place == "1A"
    with pytest.raises(NoAccess):
        CaseworkService(siri, clock=at(NOW)).investigations(family.victim)
    # her own caseworker sees the stay on her record
    anna = as_user(ANNA, ANNA_PASS)
    assert svc(anna).stays_of(family.victim)[0].facility == "shelter"
    # the perpetrator's caseworker sees nothing of it, opens no board, register or log
    per = as_user(PER, PER_PASS)
    assert svc(per).stays_of(family.victim) == []
    assert svc(per).stays_of(family.perpetrator) == []
    for call in (lambda: svc(per).board("shelter"),
                 lambda: svc(per).turned_away("shelter"),
                 lambda: svc(per).shift_log("shelter"),
                 lambda: svc(per).handover("shelter")):
        with pytest.raises(NoAccess):
            call()
    assert not [d for d in HomeService(per, clock=at(NOW)).due_items()
                if d.person_id == family.victim]
    # an unrelated caseworker neither; the refusals are in the access log
    with pytest.raises(NoAccess):
        svc(as_user(BO, BO_PASS)).board("shelter")
    with chef.session() as s:
        denied = s.execute(text("SELECT count(*) FROM access_log WHERE outcome = 'denied' "
                                "AND record_type = 'shelter'")).scalar()
    assert denied == 5
    # administrators see no case content; shelter staff no temporary housing
    with Vault.unlock(family.path, ADMIN, ADMIN_PASS) as v, pytest.raises(PermissionDenied):
        svc(v).board("shelter")
    with pytest.raises(NoAccess):
        svc(siri).board("perpetrator_housing")
    assert facilities_for(Role.SHELTER) == ["shelter"]
    assert facilities_for(Role.CASEWORKER) == ["perpetrator_housing"]
    # the temporary housing: the perpetrator service admits its own client, assessed
    sign_perpetrator_assessment(per, family.perpetrator)
    svc(per).admit(AdmissionInput(facility="perpetrator_housing", person=None,
                                  existing_person_id=family.perpetrator, arrived_via="unit",
                                  admitted_at=NOW, place_id=ids["L1"]))
    board = svc(per).board("perpetrator_housing")
    assert board.lines[0].resident is not None and board.free == 0
    assert svc(per).stays_of(family.perpetrator)[0].facility == "perpetrator_housing"
    assert svc(anna).stays_of(family.perpetrator) == []  # anna: only exists-level
    with pytest.raises(ValidationError, match=r"vuxna|adults only"):
        svc(per).admit(AdmissionInput(
            facility="perpetrator_housing", person=PersonInput(alias="X"),
            arrived_via="self", admitted_at=NOW, children=[PersonInput(alias="Y")]))


def test_admission_validation(family: Family, as_user: Login) -> None:
    siri = as_user(SIRI, SIRI_PASS)
    with pytest.raises(ValidationError) as exc:
        svc(siri).admit(AdmissionInput(facility="shelter", person=PersonInput(),
                                       arrived_via="bus", admitted_at=NOW,
                                       expected_end=date(2026, 1, 1),
                                       children=[PersonInput()]))
    assert len(exc.value.reasons) == 4


def test_migration_keeps_stays_and_spares_the_due_list_old_departures(tmp_path: Path) -> None:
    """A database at 0007 with stays: after 0008 the stays are intact, a stay that had
    ended counts as followed up (no flood of old departures on the due list), a current
    one is still on the board's terms (no place, not planned)."""
    from alembic import command

    from storage import db, schema

    path = tmp_path / "old.db"
    v = create(path)
    key = bytes(v._data_key)
    v.close(None)
    path.unlink()
    engine = db.make_engine(path, key)
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        conn.execute(text(
            "INSERT INTO persons (id, alias, interpreter_needed, may_call, may_text, "
            "may_letter, protection_level, created_at, updated_at, version) VALUES "
            "(1, 'A', 0, 0, 0, 0, 'none', '2025-01-01', '2025-01-01', 1), "
            "(2, 'B', 0, 0, 0, 0, 'none', '2025-01-01', '2025-01-01', 1)"))
        conn.execute(text(
            "INSERT INTO stays (id, person_id, facility, admitted_at, departed_at, version) "
            "VALUES (1, 1, 'shelter', '2025-02-01 10:00:00', '2025-03-01 10:00:00', 1), "
            "(2, 2, 'shelter', '2026-11-01 10:00:00', NULL, 1)"))
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        rows = conn.execute(text("SELECT id, person_id, departed_at, followed_up_at, "
                                 "planned, place_id FROM stays ORDER BY id")).all()
    engine.dispose()
    assert rows[0][1] == 1 and rows[0][3] == rows[0][2]
    assert rows[1][1] == 2 and rows[1][3] is None and rows[1][4] == 0 and rows[1][5] is None
