"""The perpetrator service's temporary housing through the service layer: admission only on
a signed risk assessment of him (a manager may override, stating why: flagged), in his
family's case, linked to the decision it executes; access follows the stay for the
perpetrator service (and for nobody else); the due items; the coordination rule; hostile
text. Each test is also an insider's attempt: the service API called directly."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from rc_tui.domain.instruments.content import Content
from rc_tui.domain.instruments.library import load_library
from rc_tui.services.accounts import ValidationError
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.casework import CaseworkService, DecisionInput
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.samrad import SamradService
from rc_tui.services.shelter import AdmissionInput, ShelterService, stay_line
from storage.errors import NoAccess, PermissionDenied
from storage.models import AccessLog, Stay
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
LIB = load_library(None)
HOUSING = "perpetrator_housing"


def svc(v: Vault) -> ShelterService:
    return ShelterService(v, clock=lambda: NOW)


def flat(login: Login) -> int:
    return svc(login(CHEF, CHEF_PASS)).add_place(HOUSING, "Lägenheten", "L1")


def sign_perpetrator_assessment(v: Vault, person_id: int, *, sign: bool = True) -> int:
    """The perpetrator-side structured assessment of him, signed (or left a draft)."""
    perp = LIB.get("rc-perpetrator")
    assessments = AssessmentService(v, clock=lambda: NOW)
    aid = assessments.start(person_id, perp)
    answers = {f"{item.id}@{tf}": "absent" for item in perp.all_items()
               for tf in item.timeframes}
    content = Content(answers=answers)
    version = assessments.get(aid).version
    if sign:
        assessments.sign(aid, version, content,
                         {"acute": "low", "future": "medium", "severity": "medium"},
                         "Bedömd inför tillfälligt boende.", training_confirmed=True)
    else:
        assessments.save_draft(aid, version, content)
    return aid


def known_man(family: Family, place: int, **kw: object) -> AdmissionInput:
    fields: dict[str, object] = {"admitted_at": NOW, **kw}
    return AdmissionInput(facility=HOUSING, person=None, existing_person_id=family.perpetrator,
                          arrived_via="unit", place_id=place,
                          **fields)  # type: ignore[arg-type]


def new_man(place: int | None, **kw: object) -> AdmissionInput:
    return AdmissionInput(facility=HOUSING, person=PersonInput(alias="Mannen", gender="male"),
                          arrived_via="self", admitted_at=NOW, place_id=place,
                          expected_end=NOW.date() + timedelta(days=60),
                          **kw)  # type: ignore[arg-type]


def test_known_man_needs_a_signed_assessment_and_joins_his_familys_case(
        family: Family, as_user: Login) -> None:
    place = flat(as_user)
    per_v = as_user(PER, PER_PASS)
    per = svc(per_v)
    # no assessment, then only a draft: refused, nothing written
    with pytest.raises(ValidationError, match="riskbedömning"):
        per.admit(known_man(family, place))
    sign_perpetrator_assessment(per_v, family.perpetrator, sign=False)
    with pytest.raises(ValidationError, match="riskbedömning"):
        per.admit(known_man(family, place))
    # a caseworker's override reason is no override: only a manager's
    with pytest.raises(PermissionDenied):
        per.admit(known_man(family, place, override_reason="Akut, han måste ut i kväll."))
    with per_v.session() as s:
        assert s.scalar(select(Stay.id)) is None
    aid = sign_perpetrator_assessment(per_v, family.perpetrator)
    result = per.admit(known_man(family, place))
    # his existing record, in his family's case (the coordination rules see them together)
    assert result.person_id == family.perpetrator and result.case_id == family.case_id
    with per_v.session() as s:
        stay = s.get_one(Stay, result.stay_id)
        assert stay.assessment_id == aid and stay.override_reason is None
        assert s.execute(text("SELECT gender FROM persons WHERE id = :p"),
                         {"p": family.perpetrator}).scalar() != "female"
    line = stay_line(per.stays_of(family.perpetrator)[0])
    assert "signerad riskbedömning" in line
    with pytest.raises(ValidationError, match="redan"):
        per.admit(known_man(family, place))


def test_an_assessment_past_its_reassessment_day_is_not_enough(
        family: Family, as_user: Login) -> None:
    """rc-perpetrator asks for a re-assessment after 90 days: an older one does not carry an
    admission (the manager may still override); a victim-side assessment of him never."""
    place = flat(as_user)
    per_v = as_user(PER, PER_PASS)
    sign_perpetrator_assessment(per_v, family.perpetrator)
    late = ShelterService(per_v, clock=lambda: NOW + timedelta(days=91))
    with pytest.raises(ValidationError, match="gjorts om"):
        late.admit(known_man(family, place, admitted_at=NOW + timedelta(days=91)))
    assert ShelterService(as_user(CHEF, CHEF_PASS), clock=lambda: NOW + timedelta(days=91)
                          ).admit(known_man(family, place, admitted_at=NOW + timedelta(days=91),
                                            override_reason="Akut.")).stay_id


def test_a_manager_may_override_with_a_reason_flagged(family: Family, as_user: Login) -> None:
    place = flat(as_user)
    chef_v = as_user(CHEF, CHEF_PASS)
    with pytest.raises(ValidationError, match="riskbedömning"):
        svc(chef_v).admit(new_man(place, override_reason="   "))
    result = svc(chef_v).admit(new_man(place, override_reason="Polisen avvisade honom i natt."))
    with chef_v.session() as s:
        stay = s.get_one(Stay, result.stay_id)
        assert stay.override_reason == "Polisen avvisade honom i natt."
        assert stay.assessment_id is None
        flagged = s.scalars(select(AccessLog).where(AccessLog.action == "override",
                                                    AccessLog.flagged.is_(True))).all()
        assert len(flagged) == 1 and "Polisen avvisade" in (flagged[0].reason or "")
        assert flagged[0].person_id == result.person_id
    line = stay_line(svc(chef_v).stays_of(result.person_id)[0])
    assert "utan signerad riskbedömning" in line and "Polisen avvisade" in line


def test_access_follows_the_stay_for_the_perpetrator_service_only(
        family: Family, as_user: Login) -> None:
    """The bugs: the flat's residents shown without their names, the caseworker unable to open
    the man or write a shift-log entry about him. Those who work in the perpetrator service
    (hold a perpetrator's track) now see the residents at the shelter level; a caseworker
    who does not (bo, anna), and shelter staff, still see nothing of him."""
    place = flat(as_user)
    chef = svc(as_user(CHEF, CHEF_PASS))
    result = chef.admit(new_man(place, override_reason="Akut."))
    man = result.person_id
    per_v = as_user(PER, PER_PASS)
    per = svc(per_v)
    board = per.board(HOUSING)
    assert board.lines[0].resident is not None
    assert board.lines[0].resident.name == "«Mannen»"
    assert PeopleService(per_v).get(man).display_name == "«Mannen»"
    per.write_entry(HOUSING, "Han kom i kväll, lugn.", person_id=man)
    assert RecordService(per_v).journal(man)[0].body == "Han kom i kväll, lugn."
    assert per.stays_of(man)[0].facility == HOUSING
    stay = board.residents[0]
    # anna (victim side) and bo (unrelated) open the housing's board by their role, but
    # see no name, cannot open him, write about him, nor act on his stay by its number
    for user, phrase in ((ANNA, ANNA_PASS), (BO, BO_PASS)):
        v = as_user(user, phrase)
        other = svc(v)
        shown = other.board(HOUSING).lines[0].resident
        assert shown is not None and "Mannen" not in shown.name
        assert other.stays_of(man) == []
        with pytest.raises(NoAccess):
            PeopleService(v).get(man)
        with pytest.raises(NoAccess):
            other.write_entry(HOUSING, "x", person_id=man)
        with pytest.raises(NoAccess):
            other.depart(stay.stay_id, stay.version, NOW + timedelta(hours=1), "unknown")
        with pytest.raises(NoAccess):
            other.move(stay.stay_id, stay.version, place)
        assert not [d for d in HomeService(v, clock=lambda: NOW).due_items()
                    if d.person_id == man]
    # shelter staff: no housing at all
    siri = as_user(SIRI, SIRI_PASS)
    with pytest.raises(NoAccess):
        svc(siri).board(HOUSING)
    with pytest.raises(NoAccess):
        PeopleService(siri).get(man)
    # the perpetrator service's worker may act on the stay
    per.depart(stay.stay_id, stay.version, NOW + timedelta(hours=1), "relatives")


def test_due_items_plan_end_and_followup(family: Family, as_user: Login) -> None:
    place = flat(as_user)
    per_v = as_user(PER, PER_PASS)
    sign_perpetrator_assessment(per_v, family.perpetrator)
    result = svc(per_v).admit(known_man(family, place,
                                        expected_end=NOW.date() + timedelta(days=30)))
    due = {d.kind: d for d in HomeService(per_v, clock=lambda: NOW).due_items()
           if d.person_id == family.perpetrator}
    assert due["housing_plan"].due == NOW.date() + timedelta(days=7)
    assert due["housing_end"].due == NOW.date() + timedelta(days=23)
    assert "housing_followup" not in due
    # the victim's caseworker gets none of it
    anna = as_user(ANNA, ANNA_PASS)
    assert not [d for d in HomeService(anna, clock=lambda: NOW).due_items()
                if d.kind.startswith("housing")]
    stay = svc(per_v).board(HOUSING).residents[0]
    assert stay.stay_id == result.stay_id
    svc(per_v).depart(stay.stay_id, stay.version, NOW + timedelta(days=3), "own_housing")
    later = NOW + timedelta(days=4)
    due = {d.kind: d for d in HomeService(per_v, clock=lambda: later).due_items()
           if d.person_id == family.perpetrator and d.kind.startswith("housing")}
    assert set(due) == {"housing_followup"}


def test_stay_links_the_decision_it_executes(family: Family, as_user: Login) -> None:
    place = flat(as_user)
    per_v = as_user(PER, PER_PASS)
    sign_perpetrator_assessment(per_v, family.perpetrator)
    casework = CaseworkService(per_v, clock=lambda: NOW)
    other = casework.record_decision(DecisionInput(
        person_id=family.perpetrator, intervention="perpetrator_talks", outcome="granted",
        reasons="Motiverande samtal.", legal_basis="sol_bistand", emergency=True))
    with pytest.raises(ValidationError, match="beslut"):
        svc(per_v).admit(known_man(family, place, decision_id=other.id))
    housing = casework.record_decision(DecisionInput(
        person_id=family.perpetrator, intervention=HOUSING, outcome="granted",
        reasons="Måste lämna hemmet.", legal_basis="sol_bistand", emergency=True))
    result = svc(per_v).admit(known_man(family, place))
    with per_v.session() as s:
        assert s.get_one(Stay, result.stay_id).decision_id == housing.id
    assert "verkställer ett beslut" in stay_line(svc(per_v).stays_of(family.perpetrator)[0])


def test_coordination_rule_fires_when_the_victim_is_protected(
        family: Family, as_user: Login) -> None:
    """His stay in the flat (no decision needed) and her stay at the shelter: the rule
    "perpetrator housing while the victim is protected" fires for the manager and, without
    details, for the victim's side – never for his."""
    place = flat(as_user)
    shelter_bed = svc(as_user(CHEF, CHEF_PASS)).add_place("shelter", "Rum 1", "1A")
    chef_v = as_user(CHEF, CHEF_PASS)
    svc(chef_v).admit(AdmissionInput(facility="shelter", person=None,
                                     existing_person_id=family.victim, arrived_via="police",
                                     admitted_at=NOW, place_id=shelter_bed))
    rule = "Tillfälligt boende för våldsutövaren"
    assert not any(rule in w for w in SamradService(chef_v).coordination(
        family.case_id).warnings)
    svc(chef_v).admit(known_man(family, place, override_reason="Akut."))
    assert any(rule in w for w in SamradService(chef_v).coordination(family.case_id).warnings)
    anna = SamradService(as_user(ANNA, ANNA_PASS)).coordination(family.case_id)
    assert anna.warnings and not any(rule in w for w in anna.warnings)
    per = SamradService(as_user(PER, PER_PASS)).coordination(family.case_id)
    assert not per.warnings or all("skydd" not in w for w in per.warnings)


def test_hostile_text_through_the_admission(family: Family, as_user: Login) -> None:
    chef_v = as_user(CHEF, CHEF_PASS)
    chef = svc(chef_v)
    cases = [(why, t) for why, t in hostile_cases() if len(t) <= 100_000]
    for why, hostile in cases:
        composed = unicodedata.normalize("NFC", hostile)
        data = new_man(None, override_reason=hostile, note=hostile,
                       placing_municipality=hostile, payer=hostile)
        if not hostile.strip():
            with pytest.raises(ValidationError):
                chef.admit(data)
            continue
        result = chef.admit(data)
        stays = chef.stays_of(result.person_id)
        assert stays[0].override_reason == composed.strip(), why
        assert stays[0].placing_municipality == composed.strip(), why
        assert stays[0].payer == composed.strip(), why
        assert composed.strip() in stay_line(stays[0]), why
    with pytest.raises(ValidationError):
        chef.admit(new_man(None, override_reason="x" * 100_001))


def test_each_facility_sees_only_its_own_stays_of_a_person(family: Family,
                                                           as_user: Login) -> None:
    """A person who stayed at the shelter and later in the temporary housing: the
    perpetrator service sees the housing stay only, shelter staff the shelter stay only."""
    place = flat(as_user)
    chef_v = as_user(CHEF, CHEF_PASS)
    chef = svc(chef_v)
    bed = chef.add_place("shelter", "Rum 1", "1A")
    first = chef.admit(AdmissionInput(facility="shelter", person=None,
                                      existing_person_id=family.victim, arrived_via="self",
                                      admitted_at=NOW, place_id=bed))
    version = chef.board("shelter").residents[0].version
    chef.depart(first.stay_id, version, NOW + timedelta(days=1), "own_housing")
    later = NOW + timedelta(days=2)
    ShelterService(chef_v, clock=lambda: later).admit(AdmissionInput(
        facility=HOUSING, person=None, existing_person_id=family.victim, arrived_via="unit",
        admitted_at=later, place_id=place, override_reason="Akut."))
    per = svc(as_user(PER, PER_PASS))
    assert [st.facility for st in per.stays_of(family.victim)] == [HOUSING]
    siri = svc(as_user(SIRI, SIRI_PASS))
    assert [st.facility for st in siri.stays_of(family.victim)] == ["shelter"]
    assert [st.facility for st in chef.stays_of(family.victim)] == ["shelter", HOUSING]


def test_migration_0016_from_the_previous_schema(tmp_path: Path) -> None:
    """A database at 0015 with a stay: after 0016 the stay is intact with none of the new
    facts (no assessment, override, decision, note, follow-up attempts), the link table is
    there, and running 0016 on a database that has the columns already adds nothing."""
    from alembic import command

    from storage import db, schema
    from tests.conftest import create

    path = tmp_path / "old.db"
    v = create(path)
    key = bytes(v._data_key)
    v.close(None)
    path.unlink()
    engine = db.make_engine(path, key)
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0015")
        conn.execute(text(
            "INSERT INTO persons (id, alias, interpreter_needed, may_call, may_text, "
            "may_letter, protection_level, created_at, updated_at, version) VALUES "
            "(1, 'A', 0, 0, 0, 0, 'none', '2025-01-01', '2025-01-01', 1)"))
        conn.execute(text(
            "INSERT INTO stays (id, person_id, facility, admitted_at, version, planned) "
            "VALUES (1, 1, 'perpetrator_housing', '2026-11-01 10:00:00', 1, 0)"))
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        row = conn.execute(text(
            "SELECT person_id, assessment_id, override_reason, decision_id, admission_note, "
            "followup_attempts, followup_due FROM stays")).one()
        assert tuple(row) == (1, None, None, None, None, 0, None)
        assert conn.execute(text("SELECT count(*) FROM person_links")).scalar() == 0
        # rewound to 0015 by dropping its tables only (as the tests do): 0016 again
        from tests.conftest import drop_tables_added_after

        drop_tables_added_after(conn, "0015")
        conn.execute(text("UPDATE alembic_version SET version_num = '0015'"))
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        assert conn.execute(text("SELECT count(*) FROM stays")).scalar() == 1
    engine.dispose()
