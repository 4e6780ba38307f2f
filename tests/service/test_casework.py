"""Investigation, assistance decisions, action plans, follow-up and closing through the
service layer with a fixed clock: consent, read-only records (service and database),
the due list on the home screen with frozen time, the child's six-month follow-up, the
investigator-is-provider warning, closing and reopening, need-to-know and hostile text."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from rc_tui.domain.casework import catalog
from rc_tui.domain.instruments.content import Content
from rc_tui.services.accounts import ValidationError
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.base import DueItem
from rc_tui.services.cases import CaseService
from rc_tui.services.casework import CaseworkService, DecisionInput, PlanItemInput
from rc_tui.services.home import HomeService
from rc_tui.services.records import RecordService
from rc_tui.services.settings import SettingError, set_investigation_after_stay_days
from storage.errors import ConflictError, NoAccess, PermissionDenied, VaultError
from storage.models import Stay
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, hostile_cases
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
from tests.service.test_assessments import ACUTE, acute_answers

TODAY = NOW.date()  # 2026-11-26
Login = Callable[[str, str], Vault]
WARNING = "Personens utredare ger också"


def cw(v: Vault, when: datetime = NOW) -> CaseworkService:
    return CaseworkService(v, clock=lambda: when)


def due(v: Vault, when: datetime, kind: str, person_id: int | None = None) -> list[DueItem]:
    return [d for d in HomeService(v, clock=lambda: when).due_items()
            if d.kind == kind and (person_id is None or d.person_id == person_id)]


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


def decision(person_id: int, outcome: str = "granted", *, intervention: str = "support_talks",
             basis: str = "sol_bistand", reasons: str = "Behov av stöd efter våld.",
             **kw: object) -> DecisionInput:
    return DecisionInput(person_id=person_id, intervention=intervention, outcome=outcome,
                         reasons=reasons, legal_basis=basis, **kw)  # type: ignore[arg-type]


def action(text_: str = "Ansöka om kontaktförbud", **kw: object) -> PlanItemInput:
    fields: dict[str, object] = {"kind": "action", "text": text_, "responsible_kind": "person",
                                 "responsible": "Anna Andersson"}
    fields.update(kw)
    return PlanItemInput(**fields)  # type: ignore[arg-type]


def raw(v: Vault, sql: str, **params: object) -> None:
    with v.session(write=True) as s:
        s.execute(text(sql), params)


def add_stay(v: Vault, person_id: int, admitted: datetime) -> None:
    with v.session(write=True) as s:
        s.add(Stay(person_id=person_id, facility="shelter", admitted_at=admitted))


# ---------------------------------------------------------------------- investigation

def test_adult_investigation_needs_consent_a_childs_does_not(family: Family,
                                                              as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    # the fixture recorded the victim's consent to investigation
    consents = RecordService(anna_v).consents(family.victim)
    assert [(c.kind, c.state) for c in consents] == [("investigation", "given")]
    inv = anna.start_investigation(family.victim, "adult", case_id=family.case_id)
    view = anna.investigation(inv)
    assert view.open and view.with_consent and view.template == "adult"
    assert view.started_on == TODAY and view.ended_on is None
    assert view.investigator == "Anna Andersson" and view.findings == {}
    assert view.days_open(TODAY + timedelta(days=10)) == 10
    # only one open investigation per person
    with pytest.raises(ValidationError, match="redan"):
        anna.start_investigation(family.victim, "adult")
    with pytest.raises(ValidationError):
        anna.start_investigation(family.victim, "child")
    with pytest.raises(ValidationError):
        anna.start_investigation(family.child, "elderly")
    assert [i.id for i in anna.investigations(family.victim)] == [inv]

    # the perpetrator has no consent: per may not start an adult investigation
    per_v = as_user(PER, PER_PASS)
    per = cw(per_v)
    with pytest.raises(ValidationError, match="samtycke"):
        per.start_investigation(family.perpetrator, "perpetrator")
    RecordService(per_v).record_consent(family.perpetrator, "investigation", "declined", "oral")
    with pytest.raises(ValidationError, match="samtycke"):
        per.start_investigation(family.perpetrator, "perpetrator")
    assert per.investigations(family.perpetrator) == []
    RecordService(per_v).record_consent(family.perpetrator, "investigation", "given", "written")
    # his investigation is the perpetrator service's template (his needs), never the
    # victim's – and hers never his
    with pytest.raises(ValidationError, match="mall"):
        per.start_investigation(family.perpetrator, "adult")
    with pytest.raises(ValidationError, match="mall"):
        anna.start_investigation(family.child, "perpetrator")
    perp_inv = per.start_investigation(family.perpetrator, "perpetrator")
    assert per.investigation(perp_inv).with_consent
    assert per.investigation(perp_inv).template == "perpetrator"

    # a child's need of protection is investigated without a consent
    with pytest.raises(ValidationError):
        anna.start_investigation(family.child, "adult")
    child_inv = anna.start_investigation(family.child, "child",
                                         started_on=TODAY - timedelta(days=3))
    child_view = anna.investigation(child_inv)
    assert not child_view.with_consent and child_view.template == "child"
    assert child_view.days_open(TODAY) == 3


def test_findings_assessments_conclusion_and_read_only(family: Family,
                                                       as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    inv = anna.start_investigation(family.victim, "adult")
    version = anna.investigation(inv).version
    # unknown need area refused (an area of the child template, too)
    with pytest.raises(ValidationError, match="behovsområde"):
        anna.save_investigation(inv, version, {"no_such_area": "x"}, [], "")
    with pytest.raises(ValidationError):
        anna.save_investigation(inv, version, {"threat_risk": "x"}, [], "")
    # only the person's signed assessments can be referred to
    assessments = AssessmentService(anna_v, clock=lambda: NOW)
    signed = assessments.start(family.victim, ACUTE)
    assessments.sign(signed, assessments.get(signed).version, Content(answers=acute_answers()),
                     {"risk": "low"}, "Inga riskfaktorer")
    draft = assessments.start(family.victim, ACUTE)
    childs = assessments.start(family.child, ACUTE)
    assessments.sign(childs, assessments.get(childs).version, Content(answers=acute_answers()),
                     {"risk": "low"}, "Barnets bedömning")
    for wrong in ([draft], [childs], [signed, 999_999]):
        with pytest.raises(ValidationError, match="signerade"):
            anna.save_investigation(inv, version, {}, wrong, "")
    findings = {"protection_short": "Skyddat boende behövs nu.", "financial": "  ",
                "housing_long": "Egen bostad på sikt."}
    v2 = anna.save_investigation(inv, version, findings, [signed], "Utkast")
    assert v2 > version
    view = anna.investigation(inv)
    assert view.findings == {"protection_short": "Skyddat boende behövs nu.",
                             "housing_long": "Egen bostad på sikt."}
    assert view.assessment_ids == [signed] and view.conclusion == "Utkast" and view.open
    # somebody saved in between: conflict
    with pytest.raises(ConflictError):
        anna.save_investigation(inv, version, findings, [], "Gammal version")
    # concluding needs a conclusion
    with pytest.raises(ValidationError, match="slutsatsen"):
        anna.save_investigation(inv, v2, findings, [signed], "   ", conclude=True)
    later = NOW + timedelta(days=20)
    cw(anna_v, later).save_investigation(inv, v2, findings, [signed],
                                         "Behov av skydd och stödsamtal.", conclude=True)
    done = anna.investigation(inv)
    assert not done.open and done.concluded_at == later
    assert done.ended_on == later.date() and done.days_open(TODAY + timedelta(days=99)) == 20
    assert done.conclusion == "Behov av skydd och stödsamtal."
    # read-only: through the service...
    with pytest.raises(ValidationError, match="skrivskyddad"):
        anna.save_investigation(inv, done.version, findings, [signed], "Ändrad", conclude=True)
    with pytest.raises(ValidationError):
        anna.save_investigation(inv, done.version, {}, [], "Ändrad")
    # ...and through the database itself
    with pytest.raises(DatabaseError, match="read-only"):
        raw(anna_v, "UPDATE investigations SET conclusion = 'x' WHERE id = :i", i=inv)
    with pytest.raises(DatabaseError, match="read-only"):
        raw(anna_v, "DELETE FROM investigations WHERE id = :i", i=inv)
    assert anna.investigation(inv).conclusion == "Behov av skydd och stödsamtal."
    # a concluded investigation lets a new one start
    assert anna.start_investigation(family.victim, "adult") != inv


# ---------------------------------------------------------------------- decisions

def test_decisions_follow_ups_and_appeal_information(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    appeal = str(catalog().appeal)
    # an ordinary decision rests on an investigation
    with pytest.raises(ValidationError, match="utredning"):
        anna.record_decision(decision(family.victim))
    assert anna.decisions(family.victim) == []
    # an emergency decision does not
    emergency = anna.record_decision(decision(family.victim, intervention="shelter_placement",
                                              basis="sol_brottsoffer", emergency=True))
    assert emergency.followup_due == TODAY + timedelta(days=30)
    ev = anna.decision(emergency.id)
    assert ev.emergency and ev.investigation_id is None and ev.appeal_text == ""
    assert ev.decided_by == "Anna Andersson" and ev.decided_at == NOW
    assert ev.legal_text == str(catalog().legal_bases["sol_brottsoffer"])
    inv = anna.start_investigation(family.victim, "adult")
    # granted: one follow-up after the intervention's interval...
    granted = anna.record_decision(decision(family.victim, case_id=family.case_id))
    assert granted.followup_due == TODAY + timedelta(days=90)
    gv = anna.decision(granted.id)
    assert gv.investigation_id == inv and gv.appeal_text == "" and gv.outcome == "granted"
    # ...capped at the end of the period
    capped = anna.record_decision(decision(
        family.victim, "partly", period_start=TODAY, period_end=date(2026, 12, 31)))
    assert capped.followup_due == date(2026, 12, 31)
    assert anna.decision(capped.id).appeal_text == appeal
    # refused: no follow-up, the appeal information stored
    refused = anna.record_decision(decision(family.victim, "refused", case_id=family.case_id,
                                            reasons="Behovet tillgodoses av jouren."))
    assert refused.followup_due is None
    assert anna.decision(refused.id).appeal_text == appeal
    follow = anna.followups(family.victim)
    by_decision = {f.decision_id: f for f in follow}
    assert len(follow) == 3 and len(by_decision) == 3
    assert refused.id not in by_decision
    assert by_decision[emergency.id].due_on == TODAY + timedelta(days=30)
    assert by_decision[granted.id].due_on == TODAY + timedelta(days=90)
    assert by_decision[capped.id].due_on == date(2026, 12, 31)
    assert by_decision[granted.id].what == "Stödsamtal"
    assert all(f.kind == "intervention" and f.done_at is None for f in follow)
    assert [d.id for d in anna.decisions(family.victim)] == \
        [emergency.id, granted.id, capped.id, refused.id]

    # the letter: appeal information for the refusal and the partial grant only
    number = CaseService(anna_v).detail(family.case_id).case_number
    letter = anna.decision_letter(refused.id)
    assert "Hur du överklagar" in letter and appeal in letter
    assert "Åsa Öberg" in letter and number in letter and "Beslut: avslag" in letter
    assert "Behovet tillgodoses av jouren." in letter
    assert str(catalog().legal_bases["sol_bistand"]) in letter
    assert "Beslutat av: Anna Andersson" in letter
    assert appeal in anna.decision_letter(capped.id)
    assert "Period: 2026-11-26 – 2026-12-31" in anna.decision_letter(capped.id)
    assert appeal not in anna.decision_letter(granted.id)
    assert "akut beslut" in anna.decision_letter(emergency.id)
    with anna_v.session() as s:
        logged = s.execute(text(
            "SELECT count(*) FROM access_log WHERE record_type = 'decision_letter' "
            "AND record_id = :i"), {"i": refused.id}).scalar()
    assert logged == 1

    # decisions never change: the database refuses
    for sql in ("UPDATE decisions SET outcome = 'granted' WHERE id = :i",
                "UPDATE decisions SET reasons = 'x' WHERE id = :i",
                "DELETE FROM decisions WHERE id = :i"):
        with pytest.raises(DatabaseError, match="never changed"):
            raw(anna_v, sql, i=refused.id)
    assert anna.decision(refused.id).outcome == "refused"


def test_decision_validation(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    anna.start_investigation(family.victim, "adult")
    child_inv = anna.start_investigation(family.child, "child")
    bad = [
        decision(family.victim, intervention="no_such_intervention"),
        decision(family.victim, basis="no_such_basis"),
        decision(family.victim, reasons=""),
        decision(family.victim, reasons=" \n\t "),
        decision(family.victim, outcome="maybe"),
        decision(family.victim, period_start=date(2026, 12, 1), period_end=date(2026, 11, 30)),
        decision(family.victim, reasons="x" * 100_001),
    ]
    for d in bad:
        with pytest.raises(ValidationError):
            anna.record_decision(d)
    with pytest.raises(ValidationError, match="inte den här personen"):
        anna.record_decision(decision(family.victim, investigation_id=child_inv))
    # a victim is granted no perpetrator programme, even past the screen that offers none
    with pytest.raises(ValidationError, match="inte för en person i den rollen"):
        anna.record_decision(decision(family.victim, intervention="perpetrator_programme",
                                      case_id=family.case_id))
    with pytest.raises(ValidationError, match="inte för en person i den rollen"):
        anna.record_decision(decision(family.victim, intervention="child_support"))
    with pytest.raises(ValidationError):
        anna.record_decision(decision(family.victim, provider_user="nobody"))
    assert anna.decisions(family.victim) == []
    assert anna.followups(family.victim) == []
    # a one-day period is fine
    ok = anna.record_decision(decision(family.victim, period_start=TODAY, period_end=TODAY))
    assert ok.followup_due == TODAY


# ---------------------------------------------------------------------- due items

def test_emergency_decision_makes_an_investigation_due(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    kind = "emergency_investigation"
    cw(anna_v).record_decision(decision(family.victim, emergency=True,
                                        intervention="shelter_placement",
                                        basis="sol_brottsoffer"))
    [item] = due(anna_v, NOW, kind)
    assert item.person_id == family.victim and item.case_id == family.case_id
    assert item.due == TODAY + timedelta(days=1) and not item.overdue
    assert "Åsa Öberg" in item.title
    assert not due(anna_v, NOW + timedelta(days=1), kind)[0].overdue
    assert due(anna_v, NOW + timedelta(days=2), kind)[0].overdue
    # other users never see it
    assert due(as_user(PER, PER_PASS), NOW, kind) == []
    # an investigation started: nothing due any more
    inv = cw(anna_v, NOW + timedelta(days=2)).start_investigation(family.victim, "adult")
    assert due(anna_v, NOW + timedelta(days=2), kind) == []
    # concluded before a second emergency decision: a new investigation must follow
    view = cw(anna_v).investigation(inv)
    cw(anna_v, NOW + timedelta(days=3)).save_investigation(inv, view.version, {}, [],
                                                           "Klart", conclude=True)
    assert due(anna_v, NOW + timedelta(days=3), kind) == []  # the first one is satisfied
    cw(anna_v, NOW + timedelta(days=4)).record_decision(
        decision(family.victim, emergency=True, intervention="protected_housing",
                 basis="sol_brottsoffer"))
    [second] = due(anna_v, NOW + timedelta(days=4), kind)
    assert second.due == TODAY + timedelta(days=5) and not second.overdue
    assert due(anna_v, NOW + timedelta(days=9), kind)[0].overdue
    cw(anna_v, NOW + timedelta(days=9)).start_investigation(family.victim, "adult")
    assert due(anna_v, NOW + timedelta(days=9), kind) == []


def test_followups_due_recorded_and_read_only(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    anna.start_investigation(family.victim, "adult")
    result = anna.record_decision(decision(family.victim, intervention="shelter_placement",
                                           basis="sol_brottsoffer"))
    due_on = TODAY + timedelta(days=30)
    assert result.followup_due == due_on
    before = due(anna_v, at(due_on - timedelta(days=1)), "followup", family.victim)
    assert len(before) == 1 and before[0].due == due_on and not before[0].overdue
    assert "Placering i skyddat boende" in before[0].title
    assert not due(anna_v, at(due_on), "followup")[0].overdue
    assert due(anna_v, at(due_on + timedelta(days=1)), "followup")[0].overdue
    # "continue" schedules the next one after the same interval
    [fu] = anna.followups(family.victim)
    when = at(due_on + timedelta(days=2))
    with pytest.raises(ValidationError):
        cw(anna_v, when).record_followup(fu.id, fu.version, "continue", "  ")
    with pytest.raises(ValidationError):
        cw(anna_v, when).record_followup(fu.id, fu.version, "maybe", "Bra")
    with pytest.raises(ConflictError):
        cw(anna_v, when).record_followup(fu.id, fu.version + 5, "continue", "Bra")
    nxt = cw(anna_v, when).record_followup(fu.id, fu.version, "continue", "Fortsatt behov.")
    assert nxt == when.date() + timedelta(days=30)
    items = due(anna_v, when, "followup", family.victim)
    assert [(i.due, i.overdue) for i in items] == [(nxt, False)]
    done = next(f for f in anna.followups(family.victim) if f.id == fu.id)
    assert done.outcome == "continue" and done.note == "Fortsatt behov."
    assert done.done_at == when and done.done_by == "Anna Andersson"
    # a recorded follow-up is read-only: service and database
    with pytest.raises(ValidationError):
        cw(anna_v, when).record_followup(fu.id, done.version, "end", "Igen")
    with pytest.raises(DatabaseError, match="read-only"):
        raw(anna_v, "UPDATE followups SET note = 'x' WHERE id = :i", i=fu.id)
    with pytest.raises(DatabaseError, match="read-only"):
        raw(anna_v, "DELETE FROM followups WHERE id = :i", i=fu.id)
    # "need met" schedules none
    second = next(f for f in anna.followups(family.victim) if f.done_at is None)
    assert second.due_on == nxt
    assert cw(anna_v, at(nxt)).record_followup(second.id, second.version, "need_met",
                                               "Behovet är tillgodosett.") is None
    assert due(anna_v, at(nxt + timedelta(days=400)), "followup", family.victim) == []
    assert all(f.done_at is not None for f in anna.followups(family.victim))
    # within a period the next one is capped at its end; at the end nothing follows
    end = date(2026, 12, 31)
    anna.record_decision(decision(family.victim, "partly", period_start=TODAY, period_end=end))
    first = next(f for f in anna.followups(family.victim) if f.done_at is None)
    assert first.due_on == end
    assert cw(anna_v, at(date(2026, 12, 10))).record_followup(
        first.id, first.version, "change", "Mindre stöd.") == end
    last = next(f for f in anna.followups(family.victim) if f.done_at is None)
    assert last.due_on == end and last.id != first.id
    assert cw(anna_v, at(end)).record_followup(last.id, last.version, "continue",
                                               "Perioden slutar.") is None
    assert all(f.done_at is not None for f in anna.followups(family.victim))


def test_shelter_stay_without_decision_makes_an_investigation_due(
        family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    kind = "investigation_start"
    add_stay(anna_v, family.victim, NOW)
    add_stay(anna_v, family.child, NOW)
    items = {i.person_id: i for i in due(anna_v, NOW, kind)}
    assert set(items) == {family.victim, family.child}
    assert items[family.victim].due == TODAY + timedelta(days=7)  # the default setting
    assert not items[family.victim].overdue
    assert due(anna_v, NOW + timedelta(days=8), kind, family.victim)[0].overdue
    # the administrator changes the number of days
    admin = as_user(ADMIN, ADMIN_PASS)
    with pytest.raises(SettingError):
        set_investigation_after_stay_days(admin, 0)
    with pytest.raises(SettingError):
        set_investigation_after_stay_days(admin, 61)
    set_investigation_after_stay_days(admin, 3)
    [item] = due(anna_v, NOW, kind, family.victim)
    assert item.due == TODAY + timedelta(days=3) and not item.overdue
    assert due(anna_v, NOW + timedelta(days=4), kind, family.victim)[0].overdue
    # a decision (here an emergency one) ends it for the victim...
    cw(anna_v).record_decision(decision(family.victim, emergency=True,
                                        intervention="shelter_placement",
                                        basis="sol_brottsoffer"))
    assert due(anna_v, NOW, kind, family.victim) == []
    # ...an investigation for the child
    assert due(anna_v, NOW, kind, family.child)
    cw(anna_v).start_investigation(family.child, "child")
    assert due(anna_v, NOW, kind) == []


def test_reported_child_makes_an_investigation_due_at_once(family: Family,
                                                           as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    kind = "investigation_start"
    assert due(anna_v, NOW, kind) == []
    reported = TODAY - timedelta(days=2)
    RecordService(anna_v, clock=lambda: NOW).record_child_report(
        family.child, family.case_id, "reported", "Barnet har bevittnat våld.",
        report_date=reported, receiving_unit="Barn och unga")
    [item] = due(anna_v, NOW, kind)
    assert item.person_id == family.child and item.due == reported and item.overdue
    assert "Ella Öberg" in item.title
    same_day = due(anna_v, at(reported), kind)
    assert same_day[0].due == reported and not same_day[0].overdue
    cw(anna_v).start_investigation(family.child, "child")
    assert due(anna_v, NOW, kind) == []


def test_plan_actions_and_long_child_investigations_are_due(family: Family,
                                                            as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    deadline = TODAY + timedelta(days=14)
    item = anna.add_plan_item(family.victim, action(due_on=deadline, start_on=TODAY))
    anna.add_plan_item(family.victim, action("Utan datum"))
    [plan] = due(anna_v, NOW, "plan")
    assert plan.person_id == family.victim and plan.due == deadline and not plan.overdue
    assert "Ansöka om kontaktförbud" in plan.title
    assert due(anna_v, at(deadline + timedelta(days=1)), "plan")[0].overdue
    version = anna.plan(family.victim)[0].version
    version = anna.update_plan_item(item, version, action(due_on=deadline, status="ongoing"))
    assert len(due(anna_v, NOW, "plan")) == 1
    anna.update_plan_item(item, version, action(due_on=deadline, status="done"))
    assert due(anna_v, NOW, "plan") == []
    # a child's investigation open more than 120 days
    # (1 January + 120 days = 1 May = four calendar months: both ways of counting agree)
    kind = "investigation_long"
    started = date(2026, 1, 1)
    inv = anna.start_investigation(family.child, "child", started_on=started)
    assert due(anna_v, at(date(2026, 5, 1)), kind) == []  # day 120
    [long] = due(anna_v, at(date(2026, 5, 2)), kind)  # day 121
    assert long.person_id == family.child and long.overdue and long.due <= date(2026, 5, 1)
    assert "Ella Öberg" in long.title
    # an adult's investigation is never "long"
    anna.start_investigation(family.victim, "adult", started_on=date(2025, 1, 1))
    assert [i.person_id for i in due(anna_v, NOW, kind)] == [family.child]
    view = anna.investigation(inv)
    anna.save_investigation(inv, view.version, {}, [], "Klart", conclude=True)
    assert due(anna_v, NOW, kind) == []


def test_long_child_investigation_is_overdue_the_day_it_appears(family: Family,
                                                                as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    started = date(2026, 7, 29)  # day 121 is 2026-11-27; four months is 2026-11-29
    cw(anna_v).start_investigation(family.child, "child", started_on=started)
    assert due(anna_v, at(date(2026, 11, 26)), "investigation_long") == []
    [item] = due(anna_v, at(date(2026, 11, 27)), "investigation_long")
    assert item.overdue and item.due < date(2026, 11, 27)


# ---------------------------------------------------------------------- child follow-up

def test_child_followup_up_to_six_months_after_the_investigation(family: Family,
                                                                 as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    concluded = datetime(2026, 8, 31, 14, 0)
    anna = cw(anna_v, concluded)
    inv = anna.start_investigation(family.child, "child", started_on=date(2026, 6, 1))
    with pytest.raises(ValidationError):  # still open
        anna.schedule_child_followup(inv, date(2026, 9, 30))
    anna.save_investigation(inv, anna.investigation(inv).version,
                            {"child_view": "Vill bo kvar med mamma."}, [], "Skydd behövs",
                            conclude=True)
    latest = date(2027, 2, 28)  # 31 August + six months
    for refused in (latest + timedelta(days=1), date(2027, 8, 31), date(2026, 8, 30)):
        with pytest.raises(ValidationError, match="2027-02-28"):
            anna.schedule_child_followup(inv, refused)
    first = anna.schedule_child_followup(inv, date(2026, 8, 31))
    last = anna.schedule_child_followup(inv, latest)
    rows = {f.id: f for f in anna.followups(family.child)}
    assert set(rows) == {first, last}
    assert rows[last].kind == "child_after" and rows[last].investigation_id == inv
    assert rows[last].due_on == latest and rows[last].decision_id is None
    items = due(anna_v, at(date(2027, 3, 1)), "followup", family.child)
    assert sorted(i.due for i in items) == [date(2026, 8, 31), latest]
    assert all(i.overdue for i in items)
    # not for an adult's investigation, concluded or not
    adult = anna.start_investigation(family.victim, "adult")
    with pytest.raises(ValidationError):
        anna.schedule_child_followup(adult, date(2026, 9, 30))
    anna.save_investigation(adult, anna.investigation(adult).version, {}, [], "Klart",
                            conclude=True)
    with pytest.raises(ValidationError):
        anna.schedule_child_followup(adult, date(2026, 9, 30))
    assert anna.followups(family.victim) == []


# ---------------------------------------------------------------------- warning

def test_investigator_who_gives_the_support_talks_is_warned(family: Family,
                                                            as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    anna.start_investigation(family.victim, "adult")
    other = anna.record_decision(decision(family.victim, provider_user=PER,
                                          provider="Per Persson"))
    assert other.warnings == [] and anna.warnings(family.victim) == []
    # refused talks given by the investigator: nobody gives them
    refused = anna.record_decision(decision(family.victim, "refused", provider_user=ANNA))
    assert refused.warnings == []
    same = anna.record_decision(decision(family.victim, provider_user=ANNA))
    assert len(same.warnings) == 1 and WARNING in same.warnings[0]
    assert WARNING in anna.warnings(family.victim)[0]
    # a support talk in the journal by the child's investigator
    anna.start_investigation(family.child, "child")
    assert anna.warnings(family.child) == []
    RecordService(anna_v, clock=lambda: NOW).add_note(family.child, "support_talk",
                                                      "Samtal om skolan", sign=True)
    assert WARNING in anna.warnings(family.child)[0]
    result = anna.record_decision(decision(family.child, intervention="child_support",
                                           basis="sol_barn"))
    assert WARNING in result.warnings[0]


def test_warning_in_english(family: Family, as_user: Login) -> None:
    from rc_tui import i18n

    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    anna.start_investigation(family.victim, "adult")
    i18n.set_language("en")
    try:
        result = anna.record_decision(decision(family.victim, "partly", provider_user=ANNA))
        assert "investigator also gives" in result.warnings[0]
        letter = anna.decision_letter(result.id)
        assert "How to appeal" in letter and str(catalog().appeal) in letter
        assert anna.decision(result.id).appeal_text.startswith("If you are not satisfied")
    finally:
        i18n.set_language("sv")


# ---------------------------------------------------------------------- plan

def test_plan_items_versions_and_validation(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    anna.start_investigation(family.victim, "adult")
    anna.start_investigation(family.child, "child")
    own = anna.record_decision(decision(family.victim)).id
    childs = anna.record_decision(decision(family.child, intervention="child_support",
                                           basis="sol_barn")).id
    goal = anna.add_plan_item(family.victim, PlanItemInput(
        "goal", "Eget boende inom ett år", responsible_kind="unit"), case_id=family.case_id)
    act = anna.add_plan_item(family.victim, action(start_on=TODAY, due_on=TODAY,
                                                   decision_id=own,
                                                   implementation="Jouren följer med."),
                             source_ref="samrad:1")
    items = {i.id: i for i in anna.plan(family.victim)}
    assert set(items) == {goal, act}
    assert items[act].data.decision_id == own and items[act].source_ref == "samrad:1"
    assert items[act].data.implementation == "Jouren följer med."
    assert items[goal].data.kind == "goal" and items[goal].data.responsible == ""
    version = items[act].version
    changed = action("Ansöka om kontaktförbud – klart", start_on=TODAY, status="ongoing",
                     responsible_kind="agency", responsible="Polisen")
    new_version = anna.update_plan_item(act, version, changed)
    assert new_version > version
    assert next(i for i in anna.plan(family.victim) if i.id == act).data == changed
    with pytest.raises(ConflictError):
        anna.update_plan_item(act, version, changed)
    for bad in (action(responsible=""), action(responsible="  "),
                action(start_on=TODAY, due_on=TODAY - timedelta(days=1)),
                action(""), action(kind="wish"), action(status="forgotten"),
                action(responsible_kind="nobody")):
        with pytest.raises(ValidationError):
            anna.add_plan_item(family.victim, bad)
        with pytest.raises(ValidationError):
            anna.update_plan_item(act, new_version, bad)
    # a decision of another person cannot be linked
    with pytest.raises(ValidationError, match="inte den här personen"):
        anna.add_plan_item(family.victim, action(decision_id=childs))
    with pytest.raises(ValidationError):
        anna.update_plan_item(act, new_version, action(decision_id=childs))
    with pytest.raises(ValidationError):
        anna.add_plan_item(family.victim, action(decision_id=999_999))
    assert len(anna.plan(family.victim)) == 2
    assert anna.add_plan_item(family.child, action(decision_id=childs))


# ---------------------------------------------------------------------- closing

def test_close_and_reopen_a_track_keeps_the_history(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    anna.add_plan_item(family.victim, action(due_on=TODAY + timedelta(days=3)))
    assert due(anna_v, NOW, "plan", family.victim)
    with pytest.raises(ValidationError):
        anna.close_track(family.case_id, family.victim, "  ")
    with pytest.raises(ValidationError):  # it is open
        anna.close_track(family.case_id, family.victim, "Öppna", reopen=True)
    closed_at = NOW + timedelta(days=1)
    cw(anna_v, closed_at).close_track(family.case_id, family.victim, "Behovet tillgodosett")
    [track] = anna.tracks(family.victim)
    assert track.closed and not track.case_closed and track.role == "victim"
    assert track.history == [(closed_at, "close", "Behovet tillgodosett", "Anna Andersson")]
    with pytest.raises(ValidationError):
        anna.close_track(family.case_id, family.victim, "Igen")
    # a closed track's due items disappear for the caseworker
    assert due(anna_v, NOW, "plan", family.victim) == []
    assert CaseService(anna_v).detail(family.case_id).status == "open"
    reopened_at = NOW + timedelta(days=5)
    cw(anna_v, reopened_at).close_track(family.case_id, family.victim, "Ny händelse",
                                        reopen=True)
    [track] = anna.tracks(family.victim)
    assert not track.closed
    assert [(h[0], h[1], h[2]) for h in track.history] == [
        (closed_at, "close", "Behovet tillgodosett"), (reopened_at, "reopen", "Ny händelse")]
    assert due(anna_v, NOW, "plan", family.victim)
    # the closing history never changes
    with pytest.raises(DatabaseError, match="never changed"):
        raw(anna_v, "UPDATE closures SET reason = 'x'")
    with pytest.raises(DatabaseError, match="never changed"):
        raw(anna_v, "DELETE FROM closures")
    # the victim is not in the other case
    with pytest.raises(VaultError):
        anna.close_track(family.other_case, family.victim, "Fel ärende")
    # per may not close the victim's track
    with pytest.raises(NoAccess):
        cw(as_user(PER, PER_PASS)).close_track(family.case_id, family.victim, "Försök")


def test_close_and_reopen_a_whole_case(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    chef_v = as_user(CHEF, CHEF_PASS)
    anna, chef = cw(anna_v), cw(chef_v)
    with pytest.raises(ValidationError):
        chef.close_case(family.case_id, "")
    # anna lacks full access to the perpetrator's track
    with pytest.raises(NoAccess):
        anna.close_case(family.case_id, "Klart")
    assert CaseService(anna_v).detail(family.case_id).status == "open"
    chef.close_case(family.case_id, "Alla behov tillgodosedda")
    assert CaseService(chef_v).detail(family.case_id).status == "closed"
    for person in (family.victim, family.perpetrator, family.child):
        [track] = chef.tracks(person)
        assert track.closed and track.case_closed
        assert [(h[1], h[2], h[3]) for h in track.history] == [
            ("close", "Alla behov tillgodosedda", "Chef")]
    with pytest.raises(ValidationError):
        chef.close_case(family.case_id, "Igen")
    assert HomeService(anna_v, clock=lambda: NOW).due_items() == []
    chef.close_case(family.case_id, "Ny anmälan", reopen=True)
    assert CaseService(chef_v).detail(family.case_id).status == "open"
    [track] = chef.tracks(family.victim)
    assert not track.case_closed
    assert [(h[1], h[2]) for h in track.history] == [
        ("close", "Alla behov tillgodosedda"), ("reopen", "Ny anmälan")]
    with pytest.raises(ValidationError):
        chef.close_case(family.case_id, "Ny anmälan", reopen=True)


def test_reopening_a_case_reopens_its_tracks(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    chef = cw(as_user(CHEF, CHEF_PASS))
    cw(anna_v).add_plan_item(family.victim, action(due_on=TODAY + timedelta(days=3)))
    assert due(anna_v, NOW, "plan", family.victim)
    chef.close_case(family.case_id, "Klart")
    assert due(anna_v, NOW, "plan", family.victim) == []
    chef.close_case(family.case_id, "Ny anmälan", reopen=True)
    assert not chef.tracks(family.victim)[0].closed
    assert due(anna_v, NOW, "plan", family.victim)


# ---------------------------------------------------------------------- access

def test_need_to_know(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    inv = anna.start_investigation(family.victim, "adult")
    dec = anna.record_decision(decision(family.victim)).id
    [fu] = anna.followups(family.victim)
    item = anna.add_plan_item(family.victim, action())
    add_stay(anna_v, family.victim, NOW)  # shelter staff see residents - not casework
    siri_v = as_user(SIRI, SIRI_PASS)
    assert RecordService(siri_v).journal(family.victim)  # the shelter level works

    def attempts(svc: CaseworkService) -> list[Callable[[], object]]:
        return [
            lambda: svc.investigations(family.victim),
            lambda: svc.investigation(inv),
            lambda: svc.start_investigation(family.victim, "adult"),
            lambda: svc.save_investigation(inv, 1, {}, [], ""),
            lambda: svc.decisions(family.victim),
            lambda: svc.decision(dec),
            lambda: svc.decision_letter(dec),
            lambda: svc.record_decision(decision(family.victim, emergency=True)),
            lambda: svc.warnings(family.victim),
            lambda: svc.plan(family.victim),
            lambda: svc.add_plan_item(family.victim, action()),
            lambda: svc.update_plan_item(item, 1, action()),
            lambda: svc.followups(family.victim),
            lambda: svc.record_followup(fu.id, fu.version, "end", "Försök"),
            lambda: svc.tracks(family.victim),
            lambda: svc.close_track(family.case_id, family.victim, "Försök"),
        ]

    for user, phrase in ((PER, PER_PASS), (SIRI, SIRI_PASS)):
        v = as_user(user, phrase)
        calls = attempts(cw(v))
        if user == SIRI:  # shelter staff write a resident's action plan (calls 9-11)
            calls = calls[:9] + calls[12:]
        for call in calls:
            with pytest.raises(NoAccess):
                call()
        with v.session() as s:
            denied = s.execute(text(
                "SELECT count(*) FROM access_log WHERE outcome = 'denied' "
                "AND username = :u AND person_id = :p"),
                {"u": user, "p": family.victim}).scalar()
        assert denied == len(calls), user
        about_her = {d.kind for d in HomeService(v).due_items() if d.person_id == family.victim}
        assert about_her <= ({"investigation_start", "shelter_plan"} if user == SIRI else set())
    # the shelter's plan items rest on no decision: the decision stays out of sight
    shelter = cw(as_user(SIRI, SIRI_PASS))
    assert [p.data.decision_id for p in shelter.plan(family.victim)] == [None]
    with pytest.raises(ValidationError):
        shelter.add_plan_item(family.victim, replace(action(), decision_id=dec))
    admin = as_user(ADMIN, ADMIN_PASS)
    for call in attempts(cw(admin)):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        cw(admin).close_case(family.case_id, "Försök")
    with pytest.raises(PermissionDenied):
        HomeService(admin).due_items()
    # nothing changed
    assert len(anna.decisions(family.victim)) == 1
    assert len(anna.plan(family.victim)) == 1
    assert anna.investigation(inv).open and not anna.tracks(family.victim)[0].closed


# ---------------------------------------------------------------------- hostile text

def test_hostile_text_is_stored_exactly(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = cw(anna_v)
    inv = anna.start_investigation(family.victim, "adult")
    version = anna.investigation(inv).version
    anna.record_decision(decision(family.victim))
    cases = [(why, t) for why, t in hostile_cases() if len(t) <= 100_000]
    assert len(cases) > 30
    for why, hostile in cases:
        composed = unicodedata.normalize("NFC", hostile)  # stored composed (NFC)
        blank = not hostile.strip()
        # reasons of a decision
        if blank:
            with pytest.raises(ValidationError):
                anna.record_decision(decision(family.victim, "refused", reasons=hostile))
        else:
            dec = anna.record_decision(decision(family.victim, "refused", reasons=hostile))
            assert anna.decision(dec.id).reasons == composed, why
            assert composed in anna.decision_letter(dec.id), why
        # findings and conclusion of the investigation
        version = anna.save_investigation(inv, version, {"financial": hostile}, [], hostile)
        view = anna.investigation(inv)
        assert view.conclusion == composed, why
        assert view.findings.get("financial", "") == ("" if blank else composed), why
        # plan text and implementation
        goal = PlanItemInput("goal", hostile, implementation=hostile,
                             due_on=TODAY + timedelta(days=1))
        if blank:
            with pytest.raises(ValidationError):
                anna.add_plan_item(family.victim, goal)
        else:
            pid = anna.add_plan_item(family.victim, goal)
            stored = next(i for i in anna.plan(family.victim) if i.id == pid)
            assert stored.data.text == composed and stored.data.implementation == composed, why
        # the follow-up note ("continue" schedules the next one for the next case)
        fu = next(f for f in anna.followups(family.victim) if f.done_at is None)
        if blank:
            with pytest.raises(ValidationError):
                anna.record_followup(fu.id, fu.version, "continue", hostile)
        else:
            anna.record_followup(fu.id, fu.version, "continue", hostile)
            done = next(f for f in anna.followups(family.victim) if f.id == fu.id)
            assert done.note == composed, why
    # the due list copes with all of it
    plan_items = due(anna_v, NOW, "plan", family.victim)
    assert len(plan_items) == sum(1 for _w, t in cases if t.strip())
    assert all("\n" not in i.title and "\r" not in i.title for i in plan_items)


def test_my_open_tracks_is_read_once_per_transaction(family: Family, as_user: Login) -> None:
    """Three due rules of one due list ask whose tracks are this user's: one query per
    transaction, a copy each time; the next transaction reads again (an assignment made
    meanwhile counts)."""
    from sqlalchemy import event

    from rc_tui.services.base import my_open_tracks

    anna_v = as_user(ANNA, ANNA_PASS)
    home = HomeService(anna_v, clock=lambda: NOW)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(anna_v.engine, "before_cursor_execute", seen)
    try:
        with anna_v.session() as s:
            first = my_open_tracks(home, s)
            count = len(statements)
            first.clear()  # the caller's copy
            again = my_open_tracks(home, s)
            assert len(statements) == count and again and family.victim in again
        with anna_v.session() as s:
            before = len(statements)
            assert my_open_tracks(home, s) == again
            assert len(statements) > before
    finally:
        event.remove(anna_v.engine, "before_cursor_execute", seen)
