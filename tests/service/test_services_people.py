"""The service layer for people and cases, without a terminal."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from rc_tui.domain.identity import luhn_check_digit
from rc_tui.services.accounts import ValidationError
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchService, fts_query
from storage.errors import ConflictError, PermissionDenied
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, hostile_cases

NOW = datetime(2026, 11, 26, 10, 0)


def clock() -> datetime:
    return NOW


def pnr(yymmdd: str, serial: str = "123", century: str = "19") -> str:
    check = luhn_check_digit(yymmdd + serial)
    return f"{century}{yymmdd}-{serial}{check}"


@pytest.fixture
def anna(installed: Path) -> Vault:
    v = Vault.unlock(installed, ANNA, ANNA_PASS)
    yield v
    v.close(None)


def family_intake(v: Vault, **kw: object) -> tuple[CaseService, object]:
    cases = CaseService(v, screen="intake", clock=clock)
    data = IntakeInput(
        occurred_at=NOW, channel="police", referrer_name="Polisen Malmö",
        what_happened="Grannar larmade om bråk.", immediate_danger=False,
        members=[
            MemberInput("victim", PersonInput(given_name="Åsa", family_name="Öberg",
                                              id_number=pnr("850312"), gender="female")),
            MemberInput("perpetrator", PersonInput(given_name="Bengt", family_name="Öberg",
                                                   id_number=pnr("820101", "456"),
                                                   gender="male")),
            MemberInput("child", PersonInput(given_name="Ella", family_name="Öberg",
                                             birth_year=2016, gender="female")),
            MemberInput("child", PersonInput(alias="Lillebror", birth_year=2020)),
        ],
    )
    result = cases.register_intake(data)
    return cases, result


def test_intake_creates_case_members_and_assignments(anna: Vault) -> None:
    cases, result = family_intake(anna)
    assert result.case_number == "RC-2026-0001"
    detail = cases.detail(result.case_id)
    roles = [m.role for m in detail.members]
    assert roles == ["victim", "perpetrator", "child", "child"]
    assigned = {m.role: m.assigned for m in detail.members}
    assert assigned["victim"] == [ANNA]
    assert assigned["perpetrator"] == []  # the perpetrator's track is not the intake's
    assert detail.members[3].person.display_name == "«Lillebror»"
    assert [c.case_number for c in cases.my_open_cases()] == ["RC-2026-0001"]
    assert cases.referrer_suggestions() == ["Polisen Malmö"]
    _, second = family_intake(anna)
    assert second.case_number == "RC-2026-0002"


def test_age_rules_warn_but_do_not_block(anna: Vault) -> None:
    cases = CaseService(anna, clock=clock)
    result = cases.register_intake(IntakeInput(
        occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
        members=[MemberInput("victim", PersonInput(given_name="Tindra", birth_year=2014))]))
    assert result.warnings  # 12 years old contacting on her own, not an adult


def test_invalid_identity_number_is_refused_with_reason(anna: Vault) -> None:
    cases = CaseService(anna, clock=clock)
    bad = pnr("850312")[:-1] + ("0" if pnr("850312")[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        cases.register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
            members=[MemberInput("victim", PersonInput(given_name="X", id_number=bad))]))
    assert "Kontrollsiffran" in " ".join(exc.value.reasons)
    with pytest.raises(ValidationError):
        cases.register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
            members=[MemberInput("victim", PersonInput())]))  # neither name nor alias


def test_duplicates_by_number_and_by_similar_name(anna: Vault) -> None:
    family_intake(anna)
    people = PeopleService(anna, clock=clock)
    same_number = people.find_duplicates(PersonInput(given_name="Annan", id_number=pnr("850312")))
    assert [d.display_name for d in same_number] == ["Åsa Öberg"]
    similar = people.find_duplicates(PersonInput(given_name="Åsa", family_name="Oberg",
                                                 id_number=pnr("850312", "999")))
    assert [d.display_name for d in similar] == ["Åsa Öberg"]
    assert people.find_duplicates(PersonInput(given_name="Helt", family_name="Annan",
                                              id_number=pnr("850312", "999"))) == []


def test_update_with_optimistic_locking(anna: Vault) -> None:
    _, result = family_intake(anna)
    people = PeopleService(anna, clock=clock)
    pid = result.person_ids[0]
    detail = people.get(pid)
    changed = PersonInput(**{**detail.data.__dict__, "safe_address": "Hemlig väg 1"})
    new_version = people.update(pid, detail.version, changed)
    assert new_version == detail.version + 1
    with pytest.raises(ConflictError):
        people.update(pid, detail.version, changed)  # somebody else's stale copy
    assert people.get(pid).data.safe_address == "Hemlig väg 1"


def test_consent_state_changes(anna: Vault) -> None:
    _, result = family_intake(anna)
    records = RecordService(anna, clock=clock)
    pid = result.person_ids[0]
    records.record_consent(pid, "investigation", "given", "oral")
    records.record_consent(pid, "info_exchange", "given", "written", agency="police")
    records.record_consent(pid, "investigation", "withdrawn", "oral")
    states = {(c.kind, c.agency): c.state for c in records.consents(pid)}
    assert states == {("investigation", None): "withdrawn", ("info_exchange", "police"): "given"}
    with pytest.raises(ValidationError):
        records.record_consent(pid, "info_exchange", "given", "oral")  # no agency
    records.record_consent(pid, "investigation", "declined", "oral", safety_advice_given=True)
    home = HomeService(anna, clock=clock)
    assert any(d.kind == "declined_followup" for d in home.due_items())
    records.record_consent(pid, "investigation", "declined", "oral", safety_advice_given=True,
                           other_actors_info_given=True, offer_to_return_given=True)
    assert not any(d.kind == "declined_followup" for d in home.due_items())


def test_due_items_and_my_cases_name_their_own_persons(anna: Vault) -> None:
    """The due rules and my open cases read the names of all their rows in one query:
    each row still names its own person."""
    cases, result = family_intake(anna)
    people = PeopleService(anna, clock=clock)
    names = {pid: people.get(pid).display_name for pid in result.person_ids}
    due = [d for d in HomeService(anna, clock=clock).due_items() if d.kind == "child_report"]
    assert sorted(d.person_id for d in due) == sorted(result.person_ids[2:])
    for item in due:
        others = [n for pid, n in names.items() if pid != item.person_id]
        assert names[item.person_id] in item.title
        assert not [n for n in others if n in item.title], item.title
    [row] = cases.my_open_cases()
    assert [name for _role, name in row.members] == [names[p] for p in result.person_ids]


def test_child_reports_are_due_until_recorded(anna: Vault) -> None:
    _, result = family_intake(anna)
    home = HomeService(anna, clock=clock)
    due = [d for d in home.due_items() if d.kind == "child_report"]
    assert len(due) == 2
    records = RecordService(anna, clock=clock)
    ella, lillebror = result.person_ids[2], result.person_ids[3]
    with pytest.raises(ValidationError):
        records.record_child_report(ella, result.case_id, "reported", "Våld i hemmet")
    records.record_child_report(ella, result.case_id, "reported", "Våld i hemmet",
                                report_date=date(2026, 11, 26), receiving_unit="Barnenheten")
    records.record_child_report(lillebror, result.case_id, "not_needed",
                                "Redan anmält av polisen samma dag")
    assert [d for d in home.due_items() if d.kind == "child_report"] == []
    assert records.child_reports(ella)[0].receiving_unit == "Barnenheten"


def test_signed_notes_cannot_be_edited(anna: Vault) -> None:
    _, result = family_intake(anna)
    records = RecordService(anna, clock=clock)
    pid = result.person_ids[0]
    draft = records.add_note(pid, "phone", "Första utkast")
    version = records.edit_draft(draft, 1, "Rättat utkast")
    records.sign(draft)
    with pytest.raises(PermissionDenied):
        records.edit_draft(draft, version, "Ändrat efter signering")
    with pytest.raises(sa_exc.DatabaseError), anna.session(write=True) as s:
        s.execute(text("UPDATE journal_notes SET body = 'x' WHERE id = :i"), {"i": draft})
    with pytest.raises(sa_exc.DatabaseError), anna.session(write=True) as s:
        s.execute(text("DELETE FROM journal_notes WHERE id = :i"), {"i": draft})
    fix = records.add_note(pid, "correction", "Rättelse: samtalet var den 25:e", sign=True,
                           corrects_id=draft)
    notes = records.journal(pid)
    assert [n.id for n in notes][:2] == [fix, draft] or {n.id for n in notes} == {fix, draft}
    assert next(n for n in notes if n.id == fix).corrects_id == draft
    assert next(n for n in notes if n.id == draft).body == "Rättat utkast"


def test_search_names_numbers_cases_and_journal(anna: Vault) -> None:
    _, result = family_intake(anna)
    RecordService(anna, clock=clock).add_note(result.person_ids[0], "note",
                                              "Berättade om hot via sms", sign=True)
    search = SearchService(anna, clock=clock)

    def titles(q: str) -> list[str]:
        return [h.title for h in search.search(q)]

    assert titles("åsa") == ["Åsa Öberg"]
    assert titles("ÅSA") == ["Åsa Öberg"]
    assert "Åsa Öberg" in titles("öbe")
    assert titles("asa") == []  # å is its own letter
    assert titles("lilleb") == ["«Lillebror»"]
    full = pnr("850312")
    for form in (full, full.replace("-", ""), full[2:], full[2:].replace("-", ""), "850312"):
        assert titles(form) == ["Åsa Öberg"], form
    assert titles("RC-2026-0001") == ["RC-2026-0001"]
    assert titles("rc20260001") == ["RC-2026-0001"]
    note_hits = search.search("sms")
    assert [(h.kind, h.title) for h in note_hits] == [("note", "Åsa Öberg")]
    assert "hot via sms" in note_hits[0].detail
    assert search.search("") == []


@pytest.mark.parametrize(("why", "text_"), hostile_cases())
def test_search_and_storage_take_hostile_text(anna: Vault, why: str, text_: str) -> None:
    search = SearchService(anna, clock=clock)
    search.search(text_)  # never an FTS syntax error, never a crash
    if text_.strip() and len(text_) <= 200:
        cases = CaseService(anna, clock=clock)
        result = cases.register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened=text_, immediate_danger=False,
            members=[MemberInput("victim", PersonInput(given_name=text_))]))
        detail = PeopleService(anna, clock=clock).get(result.person_ids[0])
        # stored as typed, composed (NFC): combining marks may be put in canonical order
        assert detail.data.given_name == unicodedata.normalize("NFC", text_.strip())
        note = RecordService(anna, clock=clock).add_note(result.person_ids[0], "note", text_)
        assert RecordService(anna, clock=clock).journal(result.person_ids[0])[0].id == note


def test_fts_query_quotes_everything() -> None:
    assert fts_query('NEAR("a" b) OR *') == '"NEAR"* "a"* "b"* "OR"*'
    assert fts_query("   ") is None
    assert fts_query("850312-1234") == '"8503121234"*'


def test_administrators_see_no_case_content(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        for call in (lambda: SearchService(v).search("a"),
                     lambda: CaseService(v).my_open_cases(),
                     lambda: PeopleService(v).get(1),
                     lambda: HomeService(v).due_items()):
            with pytest.raises(PermissionDenied):
                call()


def test_reads_and_writes_are_logged(anna: Vault) -> None:
    _, result = family_intake(anna)
    PeopleService(anna, screen="person", clock=clock).get(result.person_ids[0])
    with anna.session() as s:
        rows = s.execute(text(
            "SELECT action, record_type, screen FROM access_log WHERE person_id = :p"),
            {"p": result.person_ids[0]}).all()
    assert ("create", "person", "intake") in [tuple(r) for r in rows]
    assert ("view", "person", "person") in [tuple(r) for r in rows]
    assert HomeService(anna, clock=clock).recent_persons()[0].id == result.person_ids[0]
