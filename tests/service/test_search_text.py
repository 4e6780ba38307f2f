"""Search a caseworker expects: composed text (NFC) stored and searched, full-width digits
and dash variants in identity numbers, the "+" century rule, names found by any part
(trigrams) under the same need-to-know as a prefix hit, and case numbers without "RC-"."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import String, Text, text
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    configure_mappers,
    mapped_column,
)

from rc_tui.domain.identity import luhn_check_digit
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchHit, SearchService, case_query, infix_query
from storage import nfc
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS, drop_tables_added_after
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    PER,
    PER_PASS,
    Family,
    as_user,
    family,
)
from tests.service.test_services_people import anna  # noqa: F401 - fixture

NOW = datetime(2026, 11, 26, 10, 0)
DECOMPOSED = "A\u030asa"  # "Åsa" as macOS and many PDFs give it: A + COMBINING RING ABOVE
COMPOSED = "\u00c5sa"


def clock() -> datetime:
    return NOW


def number(date8: str, serial: str) -> str:
    return f"{date8}-{serial}{luhn_check_digit(date8[2:] + serial)}"


def intake(v: Vault, *people: PersonInput) -> list[int]:
    result = CaseService(v, clock=clock).register_intake(IntakeInput(
        occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
        members=[MemberInput("victim" if i == 0 else "child", p)
                 for i, p in enumerate(people)]))
    return list(result.person_ids)


def people_found(v: Vault, query: str) -> list[int | None]:
    return [h.person_id for h in SearchService(v, clock=clock).search(query)
            if h.kind == "person"]


# ------------------------------------------------------------------------------ NFC


def test_decomposed_name_is_stored_composed_and_found_both_ways(anna: Vault) -> None:
    [typed_nfd] = intake(anna, PersonInput(given_name=DECOMPOSED, family_name="Lund"))
    [typed_nfc] = intake(anna, PersonInput(given_name=COMPOSED, family_name="Berg"))
    with anna.session() as s:
        stored = s.execute(text("SELECT given_name FROM persons WHERE id = :i"),
                           {"i": typed_nfd}).scalar()
    assert stored == COMPOSED
    for query in (COMPOSED, DECOMPOSED, COMPOSED.upper(), unicodedata.normalize("NFD", "ÅSA")):
        assert set(people_found(anna, query)) == {typed_nfd, typed_nfc}, ascii(query)
    assert people_found(anna, "Asa") == []  # å is its own letter
    assert PeopleService(anna, clock=clock).get(typed_nfd).data.given_name == COMPOSED


def test_models_defined_later_are_composed_too() -> None:
    """A model added after the hook was installed (a new feature's table) is covered
    without anyone remembering to: the hook follows the declarative base."""
    class Base(DeclarativeBase):
        pass

    nfc.install_orm(Base)

    class Later(Base):
        __tablename__ = "later"
        id: Mapped[int] = mapped_column(primary_key=True)
        short: Mapped[str] = mapped_column(String(20))
        long: Mapped[str | None] = mapped_column(Text)
        count: Mapped[int] = mapped_column(default=0)

    configure_mappers()
    row = Later(short=DECOMPOSED, long=None, count=3)
    row.long = f"om {DECOMPOSED}"
    assert (row.short, row.long, row.count) == (COMPOSED, f"om {COMPOSED}", 3)
    assert nfc.nfc_params([(DECOMPOSED, 1), ("x", b"A\xcc\x8a")], True) == [
        (COMPOSED, 1), ("x", b"A\xcc\x8a")]  # bytes are never touched
    same = ("x", 1)
    assert nfc.nfc_params(same, False) is same


def test_journal_text_is_composed_and_found(anna: Vault) -> None:
    [pid] = intake(anna, PersonInput(given_name="Vera"))
    RecordService(anna, clock=clock).add_note(pid, "note", f"Samtal med {DECOMPOSED} om tr"
                                              "a\u0308dga\u030arden", sign=True)
    for query in ("Åsa", "trädgården", "tra\u0308dg"):
        hits = SearchService(anna, clock=clock).search(query)
        assert [(h.kind, h.person_id) for h in hits if h.kind == "note"] == [("note", pid)], \
            ascii(query)


def test_raw_sql_through_the_storage_api_is_composed_too(anna: Vault) -> None:
    """An insider with a session writes with raw SQL: the engine composes it all the same."""
    [pid] = intake(anna, PersonInput(given_name="Vera"))
    with anna.session(write=True) as s:
        s.execute(text("UPDATE persons SET family_name = :n WHERE id = :i"),
                  {"n": "O\u0308berg", "i": pid})
        stored = s.execute(text("SELECT family_name FROM persons WHERE id = :i"),
                           {"i": pid}).scalar()
    assert stored == "Öberg"


def test_a_decomposed_reason_keeps_the_access_log_chain_whole(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """The log row's hash is computed from the object before it is written: the object
    must hold the composed text the database will hold."""
    from storage import audit

    bo = as_user(BO, BO_PASS)
    PeopleService(bo, clock=clock).emergency_access(family.victim, f"{DECOMPOSED} ringde, akut")
    with bo.session() as s:
        reason = s.execute(text("SELECT reason FROM access_log WHERE action = 'emergency'")
                           ).scalar()
        report = audit.verify_chain(s)
    assert reason == f"{COMPOSED} ringde, akut"
    assert report.ok, report.problems


# ------------------------------------------------------------------ identity numbers


def test_full_width_digits_and_dash_variants_find_the_number(anna: Vault) -> None:
    pnr = number("19850312", "123")
    [pid] = intake(anna, PersonInput(given_name="Vera", id_number=pnr))
    full_width = pnr.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    dashes = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe63",
              "\uff0d"]
    forms = [full_width, full_width.replace("-", "\uff0d"), full_width[2:8]]
    forms += [pnr.replace("-", d) for d in dashes] + [pnr[2:].replace("-", d) for d in dashes]
    for form in forms:
        assert people_found(anna, form) == [pid], ascii(form)


def test_plus_means_over_a_hundred_never_the_child(anna: Vault) -> None:
    old = number("19190130", "459")  # 19190130-4590
    child = number("20190130", "459")  # 20190130-4590: the same ten digits
    assert old[2:].replace("-", "") == child[2:].replace("-", "")
    old_id, child_id = intake(anna, PersonInput(given_name="Gammal", id_number=old),
                              PersonInput(given_name="Barn", id_number=child))
    assert people_found(anna, "190130+4590") == [old_id]
    assert people_found(anna, "190130＋４５９０") == [old_id]  # full-width plus and digits
    assert people_found(anna, "190130-4590") == [child_id]
    assert people_found(anna, "1901304590") == [child_id]
    assert people_found(anna, "190130+45") == [old_id]  # the start, with the separator
    assert set(people_found(anna, "190130")) == {old_id, child_id}  # only the date
    assert people_found(anna, "19190130-4590") == [old_id]


def test_the_anonymous_hit_of_a_plus_number_is_the_old_person(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    old = number("19190130", "459")
    child = number("20190130", "459")
    old_id, child_id = intake(as_user(ANNA, ANNA_PASS),
                              PersonInput(given_name="Gammal", id_number=old),
                              PersonInput(given_name="Barn", id_number=child))
    bo = SearchService(as_user(BO, BO_PASS), clock=clock)  # no access to either
    assert [(h.kind, h.person_id) for h in bo.search("190130+4590")] == [
        ("restricted", old_id)]
    assert [(h.kind, h.person_id) for h in bo.search("190130-4590")] == [
        ("restricted", child_id)]


# ------------------------------------------------------------------------ infix names


def test_infix_finds_compound_surnames_and_aliases(anna: Vault) -> None:
    anna_b, tor = intake(anna, PersonInput(given_name="Anna", family_name="Bäckström"),
                         PersonInput(given_name="Tor", alias="Lillebror"))
    for query in ("ström", "STRÖM", "äckst", "an ström", "Anna ström", "bror", "llebr"):
        expected = [tor] if "br" in query.lower() else [anna_b]
        assert people_found(anna, query) == expected, query
    assert people_found(anna, "st") == []  # under three letters: prefix only
    assert people_found(anna, "strom") == []  # ö is its own letter
    # the index follows changes of the name
    detail = PeopleService(anna, clock=clock).get(anna_b)
    PeopleService(anna, clock=clock).update(anna_b, detail.version,
                                            replace(detail.data, family_name="Lind"))
    assert people_found(anna, "ström") == []
    assert people_found(anna, "ind") == [anna_b]


def test_a_changed_name_does_not_linger_in_the_indexes(anna: Vault) -> None:
    """FTS5 would keep a deleted entry until a merge; with secure-delete it is gone."""
    [pid] = intake(anna, PersonInput(given_name="Zyxwqk", family_name="Hemligsson"),
                   PersonInput(given_name="Bo", family_name="Ek"))[:1]
    for i in range(5):  # more segments than the one the name was written to
        intake(anna, PersonInput(given_name=f"Vera{i}", family_name="Lind"))
    detail = PeopleService(anna, clock=clock).get(pid)
    PeopleService(anna, clock=clock).update(pid, detail.version, replace(
        detail.data, given_name="Ny", family_name="Person"))

    def blocks(table: str) -> bytes:
        with anna.session() as s:
            return b"".join(r[0] for r in s.execute(text(f"SELECT block FROM {table}"))
                            if isinstance(r[0], bytes))
    assert people_found(anna, "Zyxwqk") == people_found(anna, "ligss") == []
    for old in (b"zyx", b"yxw", b"xwq", b"wqk", b"hem", b"igs"):
        assert old not in blocks("person_name_fts_data"), old
    assert b"zyxwqk" not in blocks("person_fts_data")
    assert b"hemligsson" not in blocks("person_fts_data")
    assert b"vera" in blocks("person_fts_data")  # the check itself sees what is there


def test_an_edited_draft_note_does_not_linger_in_the_journal_index(anna: Vault) -> None:
    """A draft note's earlier wording is deleted for real from the journal index."""
    [pid] = intake(anna, PersonInput(given_name="Nora", family_name="Ek"))[:1]
    records = RecordService(anna, clock=clock)
    note_id = records.add_note(pid, "contact", "Qwxzyv sade att hon flyttat")
    for i in range(5):  # more segments than the one the first wording was written to
        records.add_note(pid, "contact", f"Samtal nummer {i}")
    (note,) = [n for n in records.journal(pid) if n.id == note_id]
    records.edit_draft(note_id, note.version, "Hon vill inte berätta var hon bor")
    with anna.session() as s:
        blocks = b"".join(r[0] for r in s.execute(text("SELECT block FROM note_fts_data"))
                          if isinstance(r[0], bytes))
    assert b"qwxzyv" not in blocks
    assert b"samtal" in blocks  # the check itself sees what is there


def test_the_trigram_index_follows_every_write_to_persons(anna: Vault) -> None:
    """Triggers keep it in step, whatever code writes: insert, update, delete (raw SQL)."""
    def matched(s: Session, part: str) -> list[int]:
        return list(s.scalars(text(
            "SELECT rowid FROM person_name_fts WHERE person_name_fts MATCH :q"),
            {"q": f'"{part}"'}))

    with anna.session(write=True) as s:
        pid = s.execute(text(
            "INSERT INTO persons (given_name, family_name, alias, interpreter_needed, may_call, "
            "may_text, may_letter, protection_level, created_at, updated_at, version) VALUES "
            "('Ebba', 'Holmström', 'Ebbis', 0, 0, 0, 0, 'none', '2026-01-01', '2026-01-01', 1)"
        )).lastrowid
        assert matched(s, "mströ") == matched(s, "bbis") == [pid]
        s.execute(text("UPDATE persons SET alias = 'Lillan' WHERE id = :i"), {"i": pid})
        assert matched(s, "bbis") == [] and matched(s, "llan") == [pid]
        s.execute(text("DELETE FROM persons WHERE id = :i"), {"i": pid})
        assert matched(s, "mströ") == matched(s, "llan") == []


def test_infix_query_words() -> None:
    assert infix_query(["ström"]) == ('"ström"', None)
    assert infix_query(["an", "ström"]) == ('"ström"', '"an"*')
    assert infix_query(["1982", "ben"]) == ('"ben"', '"1982"*')
    assert infix_query(["an", "st"]) is None
    assert infix_query(['"x"y']) == ('"""x""y"', None)  # quoted, never syntax


def shown(hit: SearchHit) -> tuple[object, ...]:
    return (hit.kind, hit.person_id, hit.case_id, hit.title, hit.detail,
            hit.protection_level)


def test_an_infix_hit_shows_what_a_prefix_hit_shows(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """Bengt Öberg is in anna's family compartment: she may know he exists (his name)."""
    search = SearchService(as_user(ANNA, ANNA_PASS), clock=clock)
    by_prefix = [shown(h) for h in search.search("Bengt") if h.person_id == family.perpetrator]
    by_infix = [shown(h) for h in search.search("engt") if h.person_id == family.perpetrator]
    assert by_prefix == by_infix == [("person", family.perpetrator, None, "Bengt Öberg", "",
                                      "")]
    # "berg" finds him inside "Öberg", name only – and his birth date still finds nothing
    assert [shown(h) for h in search.search("berg") if h.person_id == family.perpetrator] \
        == by_prefix
    assert not [h for h in search.search("engt 1982") if h.person_id == family.perpetrator]


@pytest.mark.parametrize(("user", "phrase"), [(PER, PER_PASS), (BO, BO_PASS),
                                              (CHEF, CHEF_PASS)])
def test_a_protected_name_is_never_matched_inside_either(
        family: Family, as_user: Callable[[str, str], Vault], user: str, phrase: str) -> None:
    """Åsa Öberg has a protected identity: only anna (assigned) finds her, by any part."""
    anna_search = SearchService(as_user(ANNA, ANNA_PASS), clock=clock)
    search = SearchService(as_user(user, phrase), clock=clock)
    for query in ("Åsa", "berg", "Åsa berg", "Ås berg", "sa"):
        if query != "sa":  # two letters: a prefix, and "sa" starts no word of hers
            assert family.victim in {h.person_id for h in anna_search.search(query)}, query
        hits = search.search(query)
        assert family.victim not in {h.person_id for h in hits}, (user, query)
        assert not any("Åsa" in h.title or "Åsa" in h.detail for h in hits), (user, query)


# ----------------------------------------------------------------------- case numbers


def test_case_numbers_with_or_without_prefix(anna: Vault) -> None:
    for _ in range(7):
        intake(anna, PersonInput(given_name="Vera"))
    search = SearchService(anna, clock=clock)

    def cases(query: str) -> list[str]:
        return [h.title for h in search.search(query) if h.kind == "case"]

    for query in ("RC-2026-0007", "rc-2026-0007", "rc20260007", "2026-0007", "2026\u20130007",
                  "0007", "２０２６－０００７"):
        assert cases(query) == ["RC-2026-0007"], query
    assert set(cases("2026-000")) == {f"RC-2026-000{i}" for i in range(1, 8)}
    assert len(cases("RC")) == 7
    assert cases("000") == []  # the serial alone only when whole
    assert cases("Vera") == []


def test_case_query_shapes() -> None:
    assert case_query("RC-2026-0007") == '"rc20260007"*'
    assert case_query("2026-0007") == '"rc20260007"*'
    assert case_query("0007") == '"0007"'
    assert case_query("850312-1234") is None  # an identity number
    assert case_query("1985-03-12") is None
    assert case_query("Rut") is None


# -------------------------------------------------------------------------- migration


def test_migration_from_0012_composes_rows_and_builds_the_indexes(installed: Path) -> None:
    """A database written before 0013 holds decomposed text (names, a draft note, a note
    signed and sealed as it was typed) and indexes without trigrams or serials. After
    the migration the names and the draft are composed and found by "Åsa" and by a part
    of the name; the signed note is untouched (its seal still matches) yet found too."""
    from storage import audit, db, integrity, schema

    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        [pid] = intake(v, PersonInput(given_name="Vera", family_name="Bäckström",
                                      alias="Lillebror"))
        records = RecordService(v, clock=clock)
        draft = records.add_note(pid, "note", "utkast")
        signed = records.add_note(pid, "note", "signerad", sign=True)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        key = bytes(v._data_key)
        v.close(None)
    # back to what 0012 wrote, text decomposed as it was typed (a raw connection: nothing
    # composes on the way)
    conn = db.connect(installed, key)
    try:
        for trigger in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER persons_name_index_{trigger}")
        conn.execute("DROP TABLE person_name_fts")
        drop_tables_added_after(conn, "0013")  # added by 0014 and later
        conn.execute("UPDATE alembic_version SET version_num = '0012'")
        conn.execute("UPDATE persons SET given_name = ? WHERE id = ?", (DECOMPOSED, pid))
        numbers = conn.execute("SELECT numbers FROM person_fts WHERE rowid = ?", (pid,)
                               ).fetchone()[0]
        conn.execute("DELETE FROM person_fts WHERE rowid = ?", (pid,))
        conn.execute("INSERT INTO person_fts (rowid, names, numbers) VALUES (?, ?, ?)",
                     (pid, f"{DECOMPOSED} Bäckström Lillebror", numbers))
        draft_body = f"Utkast om {DECOMPOSED}"
        conn.execute("UPDATE journal_notes SET body = ? WHERE id = ?", (draft_body, draft))
        sealed_body = f"Signerat om {DECOMPOSED}"
        old_note = conn.execute(
            "INSERT INTO journal_notes (person_id, case_id, note_type, body, author_id, "
            "created_at, signed_at, corrects_id, version) SELECT person_id, case_id, "
            "note_type, ?, author_id, created_at, signed_at, corrects_id, version "
            "FROM journal_notes WHERE id = ?", (sealed_body, signed)).lastrowid
        for note_id, body in ((draft, draft_body), (old_note, sealed_body)):
            conn.execute("DELETE FROM note_fts WHERE rowid = ?", (note_id,))
            conn.execute("INSERT INTO note_fts (rowid, body) VALUES (?, ?)", (note_id, body))
        conn.execute("UPDATE case_fts SET numbers = 'rc20260001'")
        conn.commit()
    finally:
        conn.close()
    engine = db.make_engine(installed, key)
    with engine.begin() as c:  # the old note is sealed as it was signed: decomposed
        audit.append_many(c, [{"action": "create", "record_type": "journal_note",
                               "record_id": old_note, "person_id": pid,
                               "content_hash": integrity.content_hash(c, "journal_note",
                                                                      old_note)}])
    engine.dispose()

    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:  # migrates
        report = v.check()
        assert report.ok, report.problems
        with v.session() as s:
            def one(sql: str, i: int) -> object:
                return s.execute(text(sql), {"i": i}).scalar()
            assert one("SELECT version_num FROM alembic_version WHERE 1 = :i", 1) == \
                schema.HEAD
            assert one("SELECT given_name FROM persons WHERE id = :i", pid) == COMPOSED
            assert one("SELECT body FROM journal_notes WHERE id = :i", draft) == \
                f"Utkast om {COMPOSED}"
            assert one("SELECT body FROM journal_notes WHERE id = :i", old_note) == sealed_body
            assert integrity.verify_sealed(s) == []
        # the manager's note search goes through the index
        found = SearchService(v, clock=clock).search("Åsa")
        assert {(h.kind, h.person_id) for h in found} == {("person", pid), ("note", pid)}
        assert len([h for h in found if h.kind == "note"]) == 2
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert people_found(v, "Åsa") == [pid]
        assert people_found(v, DECOMPOSED) == [pid]
        assert people_found(v, "ström") == [pid]
        assert people_found(v, "bror") == [pid]
        hits = SearchService(v, clock=clock).search("0001")
        assert [h.title for h in hits if h.kind == "case"] == ["RC-2026-0001"]
        notes = [h for h in SearchService(v, clock=clock).search("Åsa") if h.kind == "note"]
        assert len(notes) == 2
        # and the index keeps in step after the migration
        [new] = intake(v, PersonInput(given_name="Nora", family_name="Lindström"))
        assert set(people_found(v, "ström")) == {pid, new}
