"""Risk assessments through the service layer: drafts, signing (rationale, deviation,
training), read-only after signing through every path, amendments, the stored definition,
need-to-know, current level, re-assessment due items, and the 0.1 screening migration."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from rc_tui.domain.instruments.content import Content, Factor, Incident, Scenario
from rc_tui.domain.instruments.library import load_library
from rc_tui.services.accounts import ValidationError
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from storage.errors import ConflictError, NoAccess, PermissionDenied
from storage.models import Assessment
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
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

LIB = load_library(None)
ACUTE = LIB.get("rc-acute")
DANGER = LIB.get("rc-danger-victim")
PERP = LIB.get("rc-perpetrator")

ALL_NO = {item.id: "no" for item in ACUTE.all_items()}


def clock_at(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def acute_answers(**yes: str) -> dict[str, str]:
    return {**ALL_NO, **yes}


def test_draft_sign_and_read_back(family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE, case_id=family.case_id)
    view = anna.get(aid)
    assert not view.signed and view.mine and view.person_name == "Åsa Öberg"
    content = Content(answers=acute_answers(threat_to_kill="yes"),
                      evidence={"threat_to_kill": "Sms i går: 'du ska dö'"})
    version = anna.save_draft(aid, view.version, content)
    assert anna.get(aid).content.evidence["threat_to_kill"].startswith("Sms")
    result = anna.sign(aid, version, content, {"risk": "high"}, "Hot om att döda i går.")
    assert result.suggested == "high" and result.critical == ("threat_to_kill",)
    signed = anna.get(aid)
    assert signed.signed and signed.judgement == {"risk": "high"}
    assert signed.rationale == "Hot om att döda i går."
    rows = anna.history(family.victim)
    assert [(r.status, r.level, r.level_label) for r in rows] == [("signed", "high", "hög")]
    # the definition and its version are stored with the assessment
    with anna.vault.session() as s:
        row = s.get(Assessment, aid)
        assert row is not None
        assert row.instrument_version == ACUTE.version and len(row.definition_sha256) == 64
        assert json.loads(row.definition)["id"] == "rc-acute"
        assert row.suggested_level == "high" and row.score == 1


def test_rationale_and_everything_else_is_required(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE)
    version = anna.get(aid).version
    half = Content(answers={"threat_to_kill": "no"})
    with pytest.raises(ValidationError) as err:
        anna.sign(aid, version, half, {}, "   ")
    reasons = " ".join(err.value.reasons)
    assert "inte besvarade" in reasons and "motiveringen" in reasons.lower()
    assert "samlade bedömningen" in reasons
    full = Content(answers=acute_answers())
    # all "no": the score suggests low; a different level needs a written reason
    with pytest.raises(ValidationError) as err:
        anna.sign(aid, version, full, {"risk": "high"}, "Motivering")
    assert "skiljer sig" in " ".join(err.value.reasons)
    anna.sign(aid, version, full, {"risk": "high"}, "Motivering", "Hot via ombud i dag.")
    view = anna.get(aid)
    assert view.deviation_reason == "Hot via ombud i dag."


def test_training_must_be_confirmed(family: Family,
                                    as_user: Callable[[str, str], Vault]) -> None:
    per = AssessmentService(as_user(PER, PER_PASS), clock=clock_at(NOW))
    aid = per.start(family.perpetrator, PERP)
    answers = {f"{item.id}@{tf}": "absent" for item in PERP.all_items()
               for tf in item.timeframes}
    judgement = {"acute": "low", "future": "medium", "severity": "medium"}
    content = Content(answers=answers, factors=[Factor("Ny partner", "present")],
                      scenarios=[Scenario("Eskalerar vid umgänge", "medium", "Kontaktförbud")])
    version = per.get(aid).version
    with pytest.raises(ValidationError, match="utbildning"):
        per.sign(aid, version, content, judgement, "SPJ-bedömning")
    per.sign(aid, version, content, judgement, "SPJ-bedömning", training_confirmed=True)
    view = per.get(aid)
    assert view.training_confirmed and view.content.scenarios[0].measures == "Kontaktförbud"


def test_signed_assessment_cannot_change_through_any_path(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE)
    view = anna.get(aid)
    content = Content(answers=acute_answers())
    anna.sign(aid, view.version, content, {"risk": "low"}, "Inga riskfaktorer")
    version = anna.get(aid).version
    with pytest.raises(ValidationError):
        anna.save_draft(aid, version, content)
    with pytest.raises(ValidationError):
        anna.sign(aid, version, content, {"risk": "high"}, "Ändrad")
    with pytest.raises(ValidationError):
        anna.discard(aid)
    # the database itself refuses: raw SQL and the ORM
    vault = anna.vault
    with pytest.raises(DatabaseError, match="read-only"), vault.session(write=True) as s:
        s.execute(text("UPDATE assessments SET level = 'low', rationale = 'x' WHERE id = :i"),
                  {"i": aid})
    with pytest.raises(DatabaseError, match="read-only"), vault.session(write=True) as s:
        s.execute(text("DELETE FROM assessments WHERE id = :i"), {"i": aid})
    with pytest.raises(DatabaseError, match="read-only"), vault.session(write=True) as s:
        row = s.get(Assessment, aid)
        assert row is not None
        row.answers = "{}"
    assert anna.get(aid).rationale == "Inga riskfaktorer"


def test_amend_makes_a_linked_new_version(family: Family,
                                          as_user: Callable[[str, str], Vault]) -> None:
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE)
    anna.sign(aid, anna.get(aid).version, Content(answers=acute_answers()), {"risk": "low"},
              "Första")
    later = AssessmentService(anna.vault, clock=clock_at(NOW + timedelta(days=3)))
    new_id = later.amend(aid)
    new = later.get(new_id)
    assert new.supersedes_id == aid and not new.signed
    assert new.content.answers == acute_answers()  # starts from the old answers
    changed = Content(answers=acute_answers(strangulation="yes"))
    later.sign(new_id, new.version, changed, {"risk": "high"}, "Strypning i helgen")
    prev = later.previous_signed(new_id)
    assert prev is not None and prev.id == aid
    rows = later.history(family.victim)
    assert [(r.id, r.superseded) for r in rows] == [(aid, True), (new_id, False)]
    with pytest.raises(ValidationError):
        later.amend(later.start(family.victim, ACUTE))  # a draft is edited, not amended


def test_draft_conflicts_and_ownership(family: Family,
                                       as_user: Callable[[str, str], Vault]) -> None:
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE)
    v1 = anna.get(aid).version
    v2 = anna.save_draft(aid, v1, Content(answers={"fear": "yes"}))
    with pytest.raises(ConflictError):  # an older window saving over a newer draft
        anna.save_draft(aid, v1, Content(answers={"fear": "no"}))
    assert anna.get(aid).content.answers == {"fear": "yes"}
    chef = AssessmentService(as_user(CHEF, CHEF_PASS))
    assert chef.get(aid).content.answers == {"fear": "yes"}  # managers read
    with pytest.raises(NoAccess):  # but a draft is its author's
        chef.save_draft(aid, v2, Content(answers={"fear": "no"}))
    # a malformed answer never reaches the database, but the rest of the draft is kept
    # (a half-typed value must not cost the user everything else they wrote)
    v3 = anna.save_draft(aid, v2, Content(answers={"fear": "maybe", "weapon": "yes"}))
    assert anna.get(aid).content.answers == {"weapon": "yes"}
    with pytest.raises(ValidationError):  # the acute screening has no incident calendar
        anna.save_draft(aid, v3, Content(incidents=[Incident("2026-01-01", 3)]))
    anna.discard(aid)
    assert anna.history(family.victim) == []


def test_need_to_know(family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE)
    anna.sign(aid, anna.get(aid).version, Content(answers=acute_answers(fear="yes")),
              {"risk": "low"}, "Rädd men inga andra faktorer")
    per = AssessmentService(as_user(PER, PER_PASS))
    with pytest.raises(NoAccess):  # the perpetrator's caseworker: the victim's compartment
        per.get(aid)
    with pytest.raises(NoAccess):
        per.history(family.victim)
    with pytest.raises(NoAccess):
        per.start(family.victim, ACUTE)
    assert per.current_level(family.victim) is None
    with pytest.raises(NoAccess):  # anna sees that the perpetrator exists, nothing more
        AssessmentService(anna.vault).history(family.perpetrator)
    # shelter staff see residents' records, never assessments
    from storage.models import Stay

    with anna.vault.session(write=True) as s:
        s.add(Stay(person_id=family.victim, facility="shelter", admitted_at=NOW))
    siri_vault = as_user(SIRI, SIRI_PASS)
    siri = AssessmentService(siri_vault)
    with pytest.raises(NoAccess):
        siri.history(family.victim)
    assert PeopleService(siri_vault).get(family.victim).risk == ""
    admin = Vault.unlock(family.path, ADMIN, ADMIN_PASS)
    try:
        with pytest.raises(PermissionDenied):
            AssessmentService(admin).history(family.victim)
    finally:
        admin.close(None)
    with anna.vault.session() as s:
        denied = s.execute(text(
            "SELECT count(*) FROM access_log WHERE outcome = 'denied' AND person_id = :p"),
            {"p": family.victim}).scalar()
    assert denied and denied >= 4


def test_current_level_in_header_and_lists(family: Family,
                                           as_user: Callable[[str, str], Vault]) -> None:
    vault = as_user(ANNA, ANNA_PASS)
    anna = AssessmentService(vault, clock=clock_at(NOW))
    assert PeopleService(vault).get(family.victim).risk == ""
    aid = anna.start(family.victim, ACUTE)
    anna.sign(aid, anna.get(aid).version, Content(answers=acute_answers(weapon="yes",
                                                                        fear="yes")),
              {"risk": "medium"}, "Två faktorer")
    assert PeopleService(vault).get(family.victim).risk == "medel 2026-11-26"
    members = CaseService(vault).detail(family.case_id).members
    victim_row = next(m for m in members if m.person.id == family.victim)
    assert victim_row.person.risk == "medel 2026-11-26"
    # a draft does not change the current level
    anna.start(family.victim, ACUTE)
    assert anna.current_level(family.victim) is not None
    assert anna.current_level(family.victim).level == "medium"  # type: ignore[union-attr]


def test_reassessment_due(family: Family, as_user: Callable[[str, str], Vault]) -> None:
    vault = as_user(ANNA, ANNA_PASS)
    day0 = NOW + timedelta(days=1)  # after the family's intake
    anna = AssessmentService(vault, clock=clock_at(day0))
    aid = anna.start(family.victim, DANGER, case_id=family.case_id)
    answers = {item.id: "no" for item in DANGER.all_items() if item.type == "yes_no"}
    answers.update({item.id: "1" for item in DANGER.all_items() if item.type == "scale"})
    anna.sign(aid, anna.get(aid).version, Content(answers=answers), {"risk": "low"},
              "Låg risk nu")

    def due_on(when: datetime) -> list[tuple[str, str, bool]]:
        home = HomeService(vault, clock=clock_at(when))
        return [(d.kind, d.due.isoformat(), d.overdue) for d in home.due_items()
                if d.kind == "reassessment"]

    days = DANGER.reassess_days
    assert days is not None
    assert due_on(day0 + timedelta(days=1)) == []
    due_date = (day0 + timedelta(days=days)).date().isoformat()
    assert due_on(day0 + timedelta(days=days - 7)) == [("reassessment", due_date, False)]
    assert due_on(day0 + timedelta(days=days + 1)) == [("reassessment", due_date, True)]
    # a new incident recorded after the assessment: due at once
    RecordService(vault, clock=clock_at(day0 + timedelta(days=5))).add_note(
        family.victim, "incident", "Ny misshandel i går enligt polisen.", sign=True)
    assert due_on(day0 + timedelta(days=6)) == [
        ("reassessment", (day0 + timedelta(days=6)).date().isoformat(), False)]
    # a new assessment resolves it
    later = AssessmentService(vault, clock=clock_at(day0 + timedelta(days=7)))
    new_id = later.amend(aid)
    later.sign(new_id, later.get(new_id).version, Content(answers=answers),
               {"risk": "medium"}, "Ny händelse", "Ny misshandel, poängen fångar inte den.")
    assert due_on(day0 + timedelta(days=8)) == []
    # per (another compartment) never gets the victim's due item
    per_home = HomeService(as_user(PER, PER_PASS), clock=clock_at(day0 + timedelta(days=200)))
    assert [d for d in per_home.due_items() if d.kind == "reassessment"] == []


def test_a_new_intake_makes_the_reassessment_due(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    vault = as_user(ANNA, ANNA_PASS)
    anna = AssessmentService(vault, clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE, case_id=family.case_id)
    anna.sign(aid, anna.get(aid).version, Content(answers=acute_answers()), {"risk": "low"},
              "Låg")
    later = NOW + timedelta(days=2)
    assert [d for d in HomeService(vault, clock=clock_at(later)).due_items()
            if d.kind == "reassessment"] == []
    _new_intake_row(vault, family, later)  # a new report in the family's case
    assert [d.kind for d in HomeService(vault, clock=clock_at(later)).due_items()
            if d.kind == "reassessment"] == ["reassessment"]


def _new_intake_row(vault: Vault, family: Family, when: datetime) -> None:
    from storage.models import Intake

    with vault.session(write=True) as s:
        s.add(Intake(case_id=family.case_id, contact_person_id=family.victim,
                     occurred_at=when, channel="police", what_happened="Ny anmälan",
                     immediate_danger=True, created_at=when))


def test_organisation_thresholds_are_stored_with_the_assessment(
        family: Family, as_user: Callable[[str, str], Vault], tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "overrides.yaml").write_text(
        "rc-acute:\n  thresholds:\n    - {min: 0, level: low}\n    - {min: 1, level: medium}\n"
        "    - {min: 2, level: high}\n", encoding="utf-8")
    local = load_library(folder).get("rc-acute")
    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, local)
    answers = acute_answers(weapon="yes")
    result = anna.sign(aid, anna.get(aid).version, Content(answers=answers),
                       {"risk": "medium"}, "Lokala gränser")
    assert result.suggested == "medium"  # shipped thresholds would say low
    # the stored assessment keeps the thresholds it was made with
    view = anna.get(aid)
    assert [t.minimum for t in view.instrument.scoring.thresholds] == [0, 1, 2]
    assert view.score().suggested == "medium"


def test_hostile_text_is_stored_exactly(family: Family,
                                        as_user: Callable[[str, str], Vault]) -> None:
    from tests.conftest import hostile_cases

    anna = AssessmentService(as_user(ANNA, ANNA_PASS), clock=clock_at(NOW))
    aid = anna.start(family.victim, ACUTE)
    version = anna.get(aid).version
    for _why, hostile in hostile_cases():
        composed = unicodedata.normalize("NFC", hostile)  # stored composed (NFC)
        if len(hostile) > 100_000:
            continue
        content = Content(answers=acute_answers(), evidence={"fear": hostile})
        version = anna.save_draft(aid, version, content, rationale=hostile)
        view = anna.get(aid)
        assert view.rationale == composed
        # blank evidence is no evidence; anything else is kept exactly
        assert view.content.evidence.get("fear", "") == (composed if hostile.strip() else "")


def test_migration_turns_old_screenings_into_signed_assessments(tmp_path: Path) -> None:
    """A 0.1 database with intake screenings: after the upgrade they are signed
    assessments with the questions that were asked, and the screenings table is gone."""
    from alembic import command

    from rc_tui.domain.instruments.loader import from_snapshot_json
    from rc_tui.domain.instruments.scoring import score
    from storage import db, schema

    path = tmp_path / "old.db"
    key = bytes(range(32))
    engine = db.make_engine(path, key)
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(text(
            "INSERT INTO persons (id, interpreter_needed, may_call, may_text, may_letter, "
            "protection_level, created_at, updated_at, version) "
            "VALUES (1, 0, 1, 1, 1, 'none', '2026-01-01', '2026-01-01', 1)"))
        answers = {"threat_to_kill": False, "strangulation": True, "weapon": None,
                   "escalation": False, "separation": True, "fear": True,
                   "children_at_risk": False}
        conn.execute(text(
            "INSERT INTO screenings (person_id, kind, answers, result, created_at) "
            "VALUES (1, 'acute_intake', :a, 'high', '2026-01-02 10:00:00')"),
            {"a": json.dumps(answers)})
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT level, signed_at, definition, answers, instrument_version "
            "FROM assessments")).one()
        tables = {r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))}
    engine.dispose()
    assert "screenings" not in tables
    level, signed_at, definition, stored, version = row
    assert level == "high" and signed_at is not None and version == "0.1"
    inst = from_snapshot_json(definition)
    content = Content.from_json(stored)
    assert content.answers["weapon"] == "unknown" and content.answers["fear"] == "yes"
    # the stored definition reproduces the 0.1 rule (strangulation is critical)
    assert score(inst, content.answers).suggested == "high"


def test_new_intake_person_has_no_level(installed: Path) -> None:
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        result = CaseService(v).register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
            members=[MemberInput("victim", PersonInput(given_name="Ny", family_name="Person"))]))
        assert PeopleService(v).get(result.person_ids[0]).risk == ""
