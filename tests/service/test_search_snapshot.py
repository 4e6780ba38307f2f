"""Reads in a snapshot (``Service.snapshot``/``reading``): the search reads without the
write lock and logs afterwards in a short write of its own, under the access epoch
(migration 0021) – a narrowed access takes effect at once, across sessions, also when it
lands between the read and its log entries; the caseload's journal search picks its
candidates with a probe of the index (``probe_query``) without losing a match."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from rc_tui.services import search as search_module
from rc_tui.services.people import PeopleService
from rc_tui.services.search import SearchService, matches, probe_query, query_words
from storage import audit
from storage.errors import NoAccess
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    VICTIM_NO,
    Family,
    as_user,
    family,
)

NOW = datetime(2026, 11, 26, 10, 0)


def found(v: Vault, query: str) -> set[int | None]:
    return {h.person_id for h in SearchService(v, clock=lambda: NOW).search(query)}


def end_assignments(v: Vault, username: str) -> None:
    """Ends every assignment of ``username`` through the storage API (no service ends one
    yet: an insider, or a later feature, with the data key)."""
    with v.session(write=True) as s:
        s.execute(text("UPDATE assignments SET ended_at = :now WHERE ended_at IS NULL AND "
                       "user_id = (SELECT id FROM users WHERE username = :u)"),
                  {"now": NOW, "u": username})


def hits_logged(v: Vault, username: str) -> list[int]:
    with v.session() as s:
        return list(s.scalars(text(
            "SELECT person_id FROM access_log WHERE action = 'search_hit' AND username = :u "
            "ORDER BY id"), {"u": username}))


def epoch(v: Vault) -> int:
    with v.session() as s:
        return int(s.scalar(text("SELECT value FROM meta WHERE key = 'access_epoch'")))


def test_an_ended_assignment_hides_the_family_from_the_next_search_of_another_session(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna, chef = as_user(ANNA, ANNA_PASS), as_user(CHEF, CHEF_PASS)
    search = SearchService(anna, clock=lambda: NOW)
    assert {family.child, family.perpetrator} <= {h.person_id for h in search.search("Öberg")}
    logged = len(hits_logged(anna, ANNA))
    end_assignments(chef, ANNA)
    # the same service object, the same open session: nothing of the family any more
    assert search.search("Öberg") == []
    assert search.search("Ella") == []
    assert len(hits_logged(anna, ANNA)) == logged
    with pytest.raises(NoAccess):
        PeopleService(anna).get(family.child)


def test_a_narrowing_between_the_read_and_its_log_entries_reads_again(
        family: Family, as_user: Callable[[str, str], Vault],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The assignment ends after anna's read has found the family and before its log
    entries are written: what was found is not shown, nor logged; the search runs again
    under the new rules."""
    anna, chef = as_user(ANNA, ANNA_PASS), as_user(CHEF, CHEF_PASS)
    real = SearchService._search
    runs: list[int] = []

    def racing(self: SearchService, *args: Any) -> Any:
        result = real(self, *args)
        runs.append(len(result))
        if len(runs) == 1:
            end_assignments(chef, ANNA)  # commits while anna's read transaction is open
        return result

    monkeypatch.setattr(SearchService, "_search", racing)
    before = epoch(chef)
    assert found(anna, "Öberg") == set()
    assert runs[0] > 0 and runs[1:] == [0]
    assert epoch(chef) > before
    assert hits_logged(anna, ANNA) == []


def test_the_log_entries_of_a_snapshot_are_chained_and_written_before_the_hits_return(
        family: Family, as_user: Callable[[str, str], Vault],
        monkeypatch: pytest.MonkeyPatch) -> None:
    anna = as_user(ANNA, ANNA_PASS)
    hits = SearchService(anna, clock=lambda: NOW).search("Öberg")
    shown = {h.person_id for h in hits if h.person_id is not None}
    assert shown and set(hits_logged(anna, ANNA)) == shown
    with anna.session() as s:
        assert audit.verify_chain(s).ok

    def refused(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("the log cannot be written")

    # no log entry, no hits: the failure reaches the caller instead of the results
    monkeypatch.setattr(audit, "append_many", refused)
    with pytest.raises(RuntimeError):
        SearchService(anna, clock=lambda: NOW).search("Öberg")


def test_a_refusal_in_a_snapshot_is_logged(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna = as_user(ANNA, ANNA_PASS)
    with pytest.raises(NoAccess):
        PeopleService(anna).get(family.outsider)
    with anna.session() as s:
        row = s.execute(text(
            "SELECT action, outcome, person_id FROM access_log ORDER BY id DESC LIMIT 1")).one()
    assert tuple(row) == ("view", "denied", family.outsider)


def test_the_epoch_moves_on_every_narrowing_and_on_no_other_insert(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    steps = [
        ("INSERT INTO assignments (case_member_id, user_id, assigned_at) SELECT id, "
         "(SELECT id FROM users WHERE username = 'chef'), :now FROM case_members "
         "WHERE person_id = :p", False),
        ("UPDATE persons SET alias = 'x' WHERE id = :p", False),
        ("UPDATE persons SET protection_level = 'sekretessmarkering' WHERE id = :p", True),
        ("UPDATE assignments SET ended_at = :now WHERE case_member_id IN "
         "(SELECT id FROM case_members WHERE person_id = :p)", True),
        ("DELETE FROM assignments WHERE case_member_id IN "
         "(SELECT id FROM case_members WHERE person_id = :p) AND user_id = "
         "(SELECT id FROM users WHERE username = 'chef')", True),
    ]
    steps.append(("INSERT INTO person_restrictions (person_id, restricted_by_id, "
                  "restricted_at, reason, lift_reason) VALUES (:p, (SELECT id FROM users WHERE "
                  "username = 'chef'), :now, 'Bestridd uppgift.', '')", True))
    for sql, moves in steps:
        before = epoch(chef)
        with chef.session(write=True) as s:
            s.execute(text(sql), {"p": family.outsider, "now": NOW})
        assert (epoch(chef) > before) is moves, sql


def test_a_caseload_matched_in_python_finds_what_the_index_finds(
        family: Family, as_user: Callable[[str, str], Vault],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """anna's persons are matched in Python (``Caseload``); with the limit at 0 the same
    searches go through the indexes: the same hits, in the same order."""
    anna = as_user(ANNA, ANNA_PASS)
    queries = ["Öberg", "öb", "ELLA", "berg", "ella öberg", "lla", "bengt", "åsa",
               VICTIM_NO, VICTIM_NO[2:], VICTIM_NO[:8], "Ek", "karin", "xyz"]

    def run() -> list[list[tuple[str, int | None, str]]]:
        search = SearchService(anna, clock=lambda: NOW)
        return [[(h.kind, h.person_id, h.title) for h in search.search(q)] for q in queries]

    in_python = run()
    monkeypatch.setattr(search_module, "PYTHON_MATCH_MAX_PERSONS", 0)
    assert run() == in_python
    assert any(in_python) and [] in in_python


@pytest.mark.parametrize(("query", "body"), [
    ("samtal", "Samtal om ekonomin."),
    ("SAMT", "samtalet fortsatte"),
    ("säkerhetsplan", "Säkerhetsplanen gicks igenom."),
    ("ÅSA", "Träffade " + unicodedata.normalize("NFD", "Åsa") + " på mottagningen."),
    ("öberg", "ÖBERG ringde"),
    ("hot 12", "Hot vid 12-tiden"),
    ("o_k", "o_kej"),
    ("an", "Hon (anmälan) kom"),
    ("ström", "Wikström, Ström"),
    ("straße", "STRASSE"),
    ("a", "Anna"),
])
def test_the_probe_never_loses_a_match(query: str, body: str) -> None:
    """Every note ``matches`` finds is among the probe's (an index made as the journal's:
    migration 0002, its text composed as migration 0013 composed it), or there is no probe
    and every note of the caseload is read."""
    words = query_words(query)
    assert matches(words, body)
    probe = probe_query(words)
    if probe is None:
        assert query in ("o_k", "straße", "a")
        return
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE note_fts USING fts5(body, tokenize = 'unicode61 "
               "remove_diacritics 0', prefix = '2 3 4')")  # as migration 0002 makes it
    db.execute("INSERT INTO note_fts (body) VALUES (?)",
               (unicodedata.normalize("NFC", body),))
    assert db.execute("SELECT count(*) FROM note_fts WHERE note_fts MATCH ?",
                      (probe,)).fetchone() == (1,)
    # and a word inside another word is no candidate
    assert db.execute("SELECT count(*) FROM note_fts WHERE note_fts MATCH ?",
                      (probe_query(["x" + words[0]]),)).fetchone() == (0,)


def test_migration_0021_from_the_previous_schema(tmp_path: Path) -> None:
    """A database at the revision before 0021: 0021 adds the epoch at 0 and its triggers;
    run again (a rewound database) it keeps the epoch and has each trigger once."""
    from alembic import command

    from storage import db, schema
    from storage.migrations.versions import __name__ as versions
    from tests.conftest import create

    triggers = __import__(f"{versions}.0021_access_epoch", fromlist=["TRIGGERS"]).TRIGGERS
    path = tmp_path / "old.db"
    v = create(path)
    key = bytes(v._data_key)
    v.close(None)
    path.unlink()
    engine = db.make_engine(path, key)

    def upgrade(to: str) -> None:
        with engine.begin() as conn:
            cfg = schema.alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, to)

    previous = schema.KNOWN_REVISIONS[schema.KNOWN_REVISIONS.index("0021") - 1]
    upgrade(previous)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM meta WHERE key = 'access_epoch'")
                            ).scalar() == 0
    upgrade("head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'access_epoch'")
                            ).scalar() == "0"
        conn.execute(text("UPDATE meta SET value = '7' WHERE key = 'access_epoch'"))
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    upgrade("head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'access_epoch'")
                            ).scalar() == "7"
        names = list(conn.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE "
            "'access_epoch%'")))
        assert len(names) == len(set(names)) == len(triggers)
    engine.dispose()


@pytest.mark.parametrize(("user", "phrase", "setting"), [
    (ANNA, ANNA_PASS, "PROBE_CAP"), (CHEF, CHEF_PASS, "PROBE_EXAMINE")])
def test_notes_found_through_the_probe_are_those_found_without_it(
        family: Family, as_user: Callable[[str, str], Vault],
        monkeypatch: pytest.MonkeyPatch, user: str, phrase: str, setting: str) -> None:
    """anna's journal candidates come from the probe, or, when it finds too many, from all
    of her notes; a manager's long prefixes from the probe, or from the index's own prefix
    search: the same notes either way."""
    v = as_user(user, phrase)
    with v.session(write=True) as s:  # more words to tell the ways apart
        for body in ("Samtalet om säkerhetsplanen.", "Säkerhetsplan klar", "Säkert boende",
                     "Motiverande samtalsterapi"):
            note = s.execute(text(
                "INSERT INTO journal_notes (person_id, note_type, body, created_at, version) "
                "VALUES (:p, 'note', :b, :t, 1) RETURNING id"),
                {"p": family.child, "b": body, "t": NOW}).scalar()
            s.execute(text("INSERT INTO note_fts (rowid, body) VALUES (:i, :b)"),
                      {"i": note, "b": body})
    queries = ["samtal", "säkerhetsplan", "säker", "motiverande samtal", "samtalsterapi",
               "berättade", "bor nu", "ilska", "xyz", "s"]

    def run() -> list[list[tuple[str, int | None, str]]]:
        search = SearchService(v, clock=lambda: NOW)
        return [[(h.kind, h.person_id, h.detail) for h in search.search(q)] for q in queries]

    probed = run()
    monkeypatch.setattr(search_module, setting, 0)
    assert run() == probed
    assert all(any(k == "note" for k, _p, _d in hits) for hits in probed[:5])


def test_migration_0023_from_the_previous_schema(family: Family) -> None:
    """A database at 0022: 0023 makes a note moved to another person or case, and a
    member's changed role, move the access epoch (a draft's text does not)."""
    from storage import db
    from tests.conftest import drop_tables_added_after

    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        key = bytes(v._data_key)

    def epoch_after(conn: Any, statement: str) -> int:
        def epoch() -> int:
            return int(conn.execute(
                "SELECT value FROM meta WHERE key = 'access_epoch'").fetchone()[0])
        before = epoch()
        conn.execute(statement)
        return epoch() - before

    note = ("INSERT INTO journal_notes (id, person_id, case_id, note_type, body, author_id, "
            "created_at, version) SELECT 9999, m.person_id, m.case_id, 'note', 'utkast', "
            "NULL, '2026-12-07 10:00:00.000000', 1 FROM case_members m ORDER BY m.id LIMIT 1")
    moved = ("UPDATE journal_notes SET person_id = (SELECT max(id) FROM persons) "
             "WHERE id = 9999")
    role = "UPDATE case_members SET role = 'other' WHERE id = (SELECT min(id) FROM case_members)"
    with db.raw_connection(family.path, key) as conn:  # autocommit
        drop_tables_added_after(conn, "0022")
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = "
                                "'journal_notes_epoch_moved'").fetchall()
        conn.execute("DROP TRIGGER access_epoch_members_update")  # as 0021 made it
        conn.execute("CREATE TRIGGER access_epoch_members_update AFTER UPDATE OF case_id, "
                     "person_id ON case_members BEGIN UPDATE meta SET value = "
                     "CAST(value AS INTEGER) + 1 WHERE key = 'access_epoch'; END")
        conn.execute("UPDATE alembic_version SET version_num = '0022'")
        conn.execute(note)
        assert epoch_after(conn, moved) == 0 and epoch_after(conn, role) == 0
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:  # migrates
        assert v.check().ok
    with db.raw_connection(family.path, key) as conn:
        assert epoch_after(conn, moved.replace("max(id)", "min(id)")) == 1
        assert epoch_after(conn, role.replace("'other'", "'victim'")) == 1
        assert epoch_after(conn, "UPDATE journal_notes SET body = 'y' WHERE id = 9999") == 0


def test_sessions_opening_at_once_after_an_update_all_open(family: Family) -> None:
    """After an update several sessions open at once and each finds the schema behind:
    each waits for the write lock to migrate (the first migrates, the others find it done)
    instead of failing with "database is locked" (the load test's 30 logins met it)."""
    import threading

    from storage import db
    from tests.conftest import drop_tables_added_after

    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        key = bytes(v._data_key)
    errors: list[BaseException] = []
    for _round in range(3):
        with db.raw_connection(family.path, key) as conn:
            drop_tables_added_after(conn, "0022")
            conn.execute("UPDATE alembic_version SET version_num = '0022'")
        start = threading.Barrier(4)

        def open_one(start: threading.Barrier) -> None:
            try:
                start.wait()
                Vault.unlock(family.path, CHEF, CHEF_PASS).close(None)
            except BaseException as exc:  # collected, asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_one, args=(start,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        assert v.check().ok
