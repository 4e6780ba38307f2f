"""Partner contacts and safety plans through the service layer (fixed clock): the contact
is hers – the perpetrator side sees only its outcome and safety flag, through the
services and as an insider with his own key and rc-tui's storage API; contacts are due
and counted; safety plans are signed, read-only (service and database) and versioned,
with their review on the due list; hostile text through both."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, timedelta

import pytest
import sqlcipher3
from sqlalchemy import text

from rc_tui.services.accounts import ValidationError
from rc_tui.services.base import DueItem
from rc_tui.services.cases import CaseService
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService
from rc_tui.services.records import RecordService
from rc_tui.services.safety import (
    PartnerContactInput,
    PartnerContactOutcome,
    PartnerContactService,
    SafetyPlanService,
)
from rc_tui.services.search import SearchService
from storage import db
from storage.errors import NoAccess
from storage.vault import Vault
from tests.conftest import (
    ANNA,
    ANNA_PASS,
    MANAGER,
    MANAGER_PASS,
    drop_tables_added_after,
    hostile_cases,
)
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

Login = Callable[[str, str], Vault]
TODAY = NOW.date()
HER_NOTE = "Hon sover hos systern på Lönngatan 3 och är rädd för helgerna"
HER_ALIAS = "Partnern Lönn"


def pcs(v: Vault, when: datetime = NOW) -> PartnerContactService:
    return PartnerContactService(v, clock=lambda: when)


def plans(v: Vault, when: datetime = NOW) -> SafetyPlanService:
    return SafetyPlanService(v, clock=lambda: when)


def due(v: Vault, when: datetime, kind: str) -> list[DueItem]:
    return [d for d in HomeService(v, clock=lambda: when).due_items() if d.kind == kind]


def reached(family: Family, note: str = HER_NOTE, **kw: object) -> PartnerContactInput:
    values: dict[str, object] = dict(
        perpetrator_id=family.perpetrator, partner_id=family.victim, outcome="reached",
        contacted_at=NOW, informed_service=True, informed_support=True,
        safety_view="unsafe", fear="great", wants_contact="yes", consent_pass_on=True,
        safety_flag=True, note=note)
    values.update(kw)
    return PartnerContactInput(**values)  # type: ignore[arg-type]


def _key(path: object) -> bytes:
    v = Vault.unlock(path, PER, PER_PASS)  # type: ignore[arg-type]
    key = bytes(v._data_key)
    v.close(None)
    return key


# ---------------------------------------------------------------------- partner contact

def test_partner_contact_is_due_for_his_caseworker_until_she_is_reached(
        family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    items = due(per, NOW, "partner_contact")
    assert [(d.person_id, d.due, d.overdue) for d in items] == [
        (family.perpetrator, TODAY + timedelta(days=14), False)]
    assert not due(as_user(ANNA, ANNA_PASS), NOW, "partner_contact")  # not her track
    later = NOW + timedelta(days=15)
    assert due(per, later, "partner_contact")[0].overdue
    pcs(per, later).record(PartnerContactInput(family.perpetrator, family.victim,
                                               "not_reached", later))
    retry = due(per, later, "partner_contact")
    assert [d.due for d in retry] == [later.date() + timedelta(days=7)]
    pcs(per, later).record(reached(family, contacted_at=later))
    assert not due(per, later + timedelta(days=30), "partner_contact")


def test_three_attempts_that_do_not_reach_her_end_the_due_item(
        family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    for day in range(3):
        when = NOW + timedelta(days=day)
        pcs(per, when).record(PartnerContactInput(family.perpetrator, family.victim,
                                                  "not_reached", when))
    assert not due(per, NOW + timedelta(days=30), "partner_contact")
    counts = pcs(per, NOW + timedelta(days=3)).counts()
    assert (counts.attempts, counts.not_reached, counts.done, counts.open_now) == (3, 3, 0, 0)


def test_the_perpetrator_side_sees_only_the_outcome_and_the_flag(
        family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    contact = pcs(per).record(reached(family))
    # his side: the outcome and the safety flag – the DTO has no field for anything else
    seen = pcs(per).outcomes(family.perpetrator)
    assert [(o.id, o.outcome, o.safety_flag) for o in seen] == [(contact, "reached", True)]
    assert {f.name for f in fields(PartnerContactOutcome)} == {
        "id", "person_id", "contacted_at", "outcome", "safety_flag", "recorded_by"}
    assert seen[0].person_id == family.perpetrator
    # her record stays closed to him, however he asks
    for attempt in (lambda: pcs(per).for_partner(family.victim),
                    lambda: pcs(per).outcomes(family.victim),
                    lambda: RecordService(per).journal(family.victim),
                    lambda: plans(per).history(family.victim),
                    lambda: plans(per).start(family.victim)):
        with pytest.raises(NoAccess):
            attempt()
    assert PeopleService(per).get(family.victim).restricted
    everything = repr([HomeService(per, clock=lambda: NOW).due_items(),
                       SearchService(per).search("Lönngatan"),
                       SearchService(per).search("systern"), seen,
                       pcs(per).partners(family.perpetrator), pcs(per).counts()])
    assert "Lönngatan" not in everything and "systern" not in everything
    assert "great" not in everything and "unsafe" not in everything
    # her side: the whole record
    anna = as_user(ANNA, ANNA_PASS)
    whole = pcs(anna).for_partner(family.victim)
    assert [(c.note, c.safety_view, c.fear, c.wants_contact, c.consent_pass_on)
            for c in whole] == [(HER_NOTE, "unsafe", "great", "yes", True)]
    assert pcs(as_user(CHEF, CHEF_PASS)).for_partner(family.victim)[0].note == HER_NOTE
    # her caseworker has the victim side's contact due; the manager has nothing to assign
    assert [d.person_id for d in due(anna, NOW, "partner_wants_contact")] == [family.victim]
    assert not due(as_user(CHEF, CHEF_PASS), NOW, "partner_wants_contact")
    # the access log holds her id for the contact, never his
    with per.session() as s:
        logged = s.execute(text(
            "SELECT person_id FROM access_log WHERE record_type = 'partner_contact' "
            "AND action = 'create'")).scalars().all()
    assert logged == [family.victim]


def test_an_insider_with_his_key_finds_her_answers_only_in_her_record(
        family: Family, as_user: Login) -> None:
    """The man's caseworker, with his own passphrase and rc-tui's storage API: her
    answers are stored once, in the partner-contact row in her compartment – not in his
    record, journal, drafts, the access log or an index; he cannot move the row into his
    compartment (read-only), and a change with the triggers dropped is reported."""
    per = as_user(PER, PER_PASS)
    contact = pcs(per).record(reached(family))
    conn = db.connect(family.path, _key(family.path))
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        holders = set()
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}").fetchall():
                if any(isinstance(v, str) and "Lönngatan" in v for v in row):
                    holders.add(table)
        assert holders == {"partner_contacts"}
        assert conn.execute("SELECT person_id, perpetrator_id FROM partner_contacts "
                            "WHERE id = ?", (contact,)).fetchone() == (
            family.victim, family.perpetrator)
        for sql in ("UPDATE partner_contacts SET person_id = perpetrator_id",
                    "UPDATE partner_contacts SET note = ''",
                    "DELETE FROM partner_contacts",
                    "INSERT OR REPLACE INTO partner_contacts SELECT * FROM partner_contacts"):
            with pytest.raises(sqlcipher3.dbapi2.IntegrityError, match="read-only"):
                conn.execute(sql)
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                "AND tbl_name = 'partner_contacts'").fetchall()
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE partner_contacts SET person_id = perpetrator_id")
        for _name, sql in triggers:
            conn.execute(sql)
    finally:
        conn.close()
    with Vault.unlock(family.path, MANAGER, MANAGER_PASS) as v:
        problems = v.check().problems
    assert f"partner contact {contact} was changed after it was sealed" in problems


def test_the_contact_is_made_only_for_his_client_and_with_a_partner_in_his_case(
        family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    for partner in (family.child, family.outsider, family.perpetrator):
        with pytest.raises(ValidationError):
            pcs(per).record(reached(family, partner_id=partner))
    with pytest.raises(ValidationError):  # her answers only when she was reached
        pcs(per).record(reached(family, safety_view="", fear=""))
    with pytest.raises(ValidationError):
        pcs(per).record(reached(family, contacted_at=NOW + timedelta(days=1)))
    for user, phrase in ((ANNA, ANNA_PASS), (SIRI, SIRI_PASS)):
        with pytest.raises(NoAccess):
            pcs(as_user(user, phrase)).record(reached(family))
    assert [p.person_id for p in pcs(per).partners(family.perpetrator)] == [family.victim]
    # the victim's name is protected: he sees that she exists, not who she is
    assert "Åsa" not in pcs(per).partners(family.perpetrator)[0].name
    # not reached: no answers are kept, whatever the form sent
    pid = pcs(per).record(reached(family, outcome="not_reached"))
    kept = next(c for c in pcs(as_user(ANNA, ANNA_PASS)).for_partner(family.victim)
                if c.id == pid)
    assert (kept.safety_view, kept.fear, kept.wants_contact, kept.informed_service) == (
        "", "", "", False)


def test_an_anonymous_partner_gets_a_record_of_her_own_and_nobody_a_track(
        family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    pcs(per).record(reached(family, partner_id=None, alias=HER_ALIAS))
    chef = as_user(CHEF, CHEF_PASS)
    members = CaseService(chef).detail(family.case_id).members
    her = next(m for m in members if HER_ALIAS in m.person.display_name)
    assert her.role == "victim" and not her.assigned
    assert PeopleService(per).get(her.person.id).restricted  # he sees that she exists
    with pytest.raises(NoAccess):
        pcs(per).for_partner(her.person.id)
    assert pcs(chef).for_partner(her.person.id)[0].note == HER_NOTE
    # she wants contact from the victim side: the manager assigns her a caseworker
    wanted = due(chef, NOW, "partner_wants_contact")
    assert [d.person_id for d in wanted] == [her.person.id]
    CaseService(chef).assign(her.member_id, ANNA)
    assert not due(chef, NOW, "partner_wants_contact")
    assert [d.person_id for d in due(as_user(ANNA, ANNA_PASS), NOW,
                                     "partner_wants_contact")] == [her.person.id]


def test_partner_contacts_are_counted(family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    assert pcs(per).counts().open_now == 0  # not due before day 14
    assert pcs(per, NOW + timedelta(days=14)).counts().open_now == 1
    pcs(per).record(PartnerContactInput(family.perpetrator, family.victim, "not_reached",
                                        NOW - timedelta(days=1)))
    pcs(per).record(reached(family))
    counts = pcs(per).counts()
    assert (counts.became_due, counts.attempts, counts.reached, counts.not_reached,
            counts.declined, counts.done, counts.open_now) == (1, 2, 1, 1, 0, 1, 0)
    period = pcs(per).counts(TODAY, TODAY)
    assert (period.attempts, period.became_due) == (1, 0)
    assert pcs(as_user(CHEF, CHEF_PASS)).counts().attempts == 2
    anna = pcs(as_user(ANNA, ANNA_PASS)).counts()  # she works with no man in the service
    assert (anna.became_due, anna.attempts) == (0, 0)


def test_hostile_text_in_a_partner_contact(family: Family, as_user: Login) -> None:
    per, anna = pcs(as_user(PER, PER_PASS)), pcs(as_user(ANNA, ANNA_PASS))
    cases = [(why, t) for why, t in hostile_cases() if len(t) <= 20_000]
    assert len(cases) > 30
    made = {per.record(reached(family, note=hostile)): (why, hostile) for why, hostile in cases}
    stored = {c.id: c.note for c in anna.for_partner(family.victim)}
    for contact, (why, hostile) in made.items():
        expected = unicodedata.normalize("NFC", hostile) if hostile.strip() else ""
        assert stored[contact] == expected, why
    # as the alias of an anonymous partner's record (a name: one line, at most 200)
    anonymous = {per.record(reached(family, partner_id=None, alias=hostile[:200])): why
                 for why, hostile in cases[:12]}
    chef_v = as_user(CHEF, CHEF_PASS)
    with chef_v.session() as s:
        hers = dict(s.execute(text("SELECT id, person_id FROM partner_contacts")).all())
    for contact, why in anonymous.items():
        assert [c.id for c in pcs(chef_v).for_partner(hers[contact])] == [contact], why
    with pytest.raises(ValidationError):
        per.record(reached(family, note="x" * 20_001))


# ---------------------------------------------------------------------- safety plans

TEXTS = {"warning_signs": "Han slutar prata och kollar hennes telefon",
         "code_word": "Blåbär", "police": "112; kontaktperson hos polisen"}


def test_a_signed_plan_is_read_only_and_a_new_version_supersedes_it(
        family: Family, as_user: Login) -> None:
    anna = plans(as_user(ANNA, ANNA_PASS))
    pid = anna.start(family.victim)
    assert anna.start(family.victim) == pid  # the one being written
    view = anna.get(pid)
    assert view.template == "adult" and "code_word" in [s.id for s in view.sections]
    version = anna.save(pid, view.version, {"code_word": "Blåbär"})
    with pytest.raises(ValidationError):
        anna.sign(pid, version, {"code_word": "Blåbär"}, TODAY)  # review after today
    with pytest.raises(ValidationError):
        anna.sign(pid, version, {"code_word": "  "}, TODAY + timedelta(days=90))
    with pytest.raises(ValidationError):
        anna.save(pid, version, {"no_such_section": "x"})
    anna.sign(pid, version, TEXTS, TODAY + timedelta(days=90))
    signed = anna.get(pid)
    assert signed.signed and signed.texts == TEXTS
    with pytest.raises(ValidationError):
        anna.save(pid, signed.version, {"code_word": "Omskrivet"})
    with pytest.raises(ValidationError):
        anna.discard(pid)
    with pytest.raises(ValidationError):
        anna.start(family.victim)  # a new version of the signed one, not a second plan
    new = anna.amend(pid)
    assert anna.amend(pid) == new
    assert anna.get(new).texts == TEXTS and anna.get(new).supersedes_id == pid
    anna.sign(new, anna.get(new).version, {**TEXTS, "code_word": "Lingon"},
              TODAY + timedelta(days=60))
    rows = anna.history(family.victim)
    assert [(r.id, r.status, r.superseded) for r in rows] == [
        (pid, "signed", True), (new, "signed", False)]
    assert anna.get(pid).texts["code_word"] == "Blåbär"
    with pytest.raises(ValidationError):
        anna.amend(pid)  # the newest version is amended, never an older one


def test_a_signed_plan_cannot_be_changed_in_the_database(
        family: Family, as_user: Login) -> None:
    anna = plans(as_user(ANNA, ANNA_PASS))
    pid = anna.start(family.victim)
    anna.sign(pid, anna.get(pid).version, TEXTS, TODAY + timedelta(days=90))
    conn = db.connect(family.path, _key(family.path))
    try:
        for sql in ("UPDATE safety_plans SET sections = '{}'",
                    "UPDATE safety_plans SET signed_at = NULL",
                    "DELETE FROM safety_plans",
                    "INSERT OR REPLACE INTO safety_plans SELECT * FROM safety_plans"):
            with pytest.raises(sqlcipher3.dbapi2.IntegrityError, match="read-only"):
                conn.execute(sql)
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                "AND tbl_name = 'safety_plans'").fetchall()
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE safety_plans SET sections = '{\"code_word\": \"Omskrivet\"}'")
        for _name, sql in triggers:
            conn.execute(sql)
    finally:
        conn.close()
    with Vault.unlock(family.path, MANAGER, MANAGER_PASS) as v:
        assert f"signed safety plan {pid} was changed after it was sealed" in v.check().problems


def test_plans_follow_the_need_to_know_and_the_persons_role(
        family: Family, as_user: Login) -> None:
    for user, phrase in ((PER, PER_PASS), (SIRI, SIRI_PASS)):
        with pytest.raises(NoAccess):
            plans(as_user(user, phrase)).start(family.victim)
    anna = plans(as_user(ANNA, ANNA_PASS))
    child = anna.get(anna.start(family.child))
    ids = [s.id for s in child.sections]
    # born 2016: nine at the least – the sections for a child of that age
    assert child.template == "child" and "child_call" in ids and "child_phone" not in ids
    assert "escape_bag" not in ids
    with pytest.raises(ValidationError):  # no safety plan for the man himself
        plans(as_user(PER, PER_PASS)).start(family.perpetrator)
    # a partner contact in her record: the partner's template
    pcs(as_user(PER, PER_PASS)).record(reached(family))
    partner = anna.get(anna.start(family.victim))
    assert partner.template == "partner" and "his_programme" in [s.id for s in
                                                                  partner.sections]
    # a draft is its author's
    with pytest.raises(NoAccess):
        plans(as_user(CHEF, CHEF_PASS)).save(partner.id, partner.version, TEXTS)


def test_the_review_of_the_newest_signed_plan_is_due(family: Family, as_user: Login) -> None:
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = plans(anna_v)
    pid = anna.start(family.victim)
    anna.sign(pid, anna.get(pid).version, TEXTS, TODAY + timedelta(days=30))
    assert not due(anna_v, NOW, "safety_plan_review")
    soon = due(anna_v, NOW + timedelta(days=20), "safety_plan_review")
    assert [(d.person_id, d.due, d.overdue) for d in soon] == [
        (family.victim, TODAY + timedelta(days=30), False)]
    assert due(anna_v, NOW + timedelta(days=31), "safety_plan_review")[0].overdue
    assert not due(as_user(PER, PER_PASS), NOW + timedelta(days=31), "safety_plan_review")
    later = plans(anna_v, NOW + timedelta(days=31))
    new = later.amend(pid)
    later.sign(new, later.get(new).version, TEXTS, TODAY + timedelta(days=120))
    assert not due(anna_v, NOW + timedelta(days=31), "safety_plan_review")


def test_hostile_text_in_a_safety_plan(family: Family, as_user: Login) -> None:
    anna = plans(as_user(ANNA, ANNA_PASS))
    pid = anna.start(family.victim)
    version = anna.get(pid).version
    cases = [(why, t) for why, t in hostile_cases() if len(t) <= 20_000]
    for why, hostile in cases:
        version = anna.save(pid, version, {"warning_signs": hostile, "code_word": "x"})
        stored = anna.get(pid).texts
        expected = unicodedata.normalize("NFC", hostile)
        assert stored.get("warning_signs", "") == (expected if hostile.strip() else ""), why
    anna.sign(pid, version, {"code_word": cases[0][1]}, TODAY + timedelta(days=10))
    assert anna.get(pid).texts["code_word"] == unicodedata.normalize("NFC", cases[0][1])


# ---------------------------------------------------------------------- migration

def test_migration_0014_from_the_previous_schema(family: Family) -> None:
    """A database at 0013 (no partner contacts, no safety plans) gains both tables and
    their read-only triggers; its sealed records still check."""
    from storage import schema

    conn = db.connect(family.path, _key(family.path))
    try:
        drop_tables_added_after(conn, "0013")  # these two, and what later migrations add
        conn.execute("UPDATE alembic_version SET version_num = '0013'")
        conn.commit()
    finally:
        conn.close()
    with Vault.unlock(family.path, MANAGER, MANAGER_PASS) as v:  # migrates
        report = v.check()
        assert report.ok, report.problems
        with v.session() as s:
            assert s.scalar(text("SELECT version_num FROM alembic_version")) == schema.HEAD
            triggers = set(s.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('partner_contacts', 'safety_plans') "
                "AND name LIKE '%\\_readonly' ESCAPE '\\'")))
    assert len(triggers) == 6
    with Vault.unlock(family.path, PER, PER_PASS) as per:
        assert pcs(per).record(reached(family)) > 0
