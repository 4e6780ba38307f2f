"""The demo data: deterministic, plausible, valid, searchable; bulk only on a demo."""

from __future__ import annotations

import functools
import hashlib
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Table, select, text

from rc_tui import demo
from rc_tui.demo import bulk, bulk_notes
from rc_tui.domain import identity
from rc_tui.services.cases import CaseService
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, index_person
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchService
from storage import files, keys
from storage.errors import NoDataKey
from storage.models import AccessLog, Assignment, CaseMember, Person, User
from storage.vault import Vault
from tests.conftest import Templates

ANNA_PASS = next(u[3] for u in demo.DEMO_USERS if u[0] == "anna")


def quiet(_message: str) -> None:
    pass


def make_demo(directory: Path, **kw: Any) -> Path:
    path = directory / "demo.db"
    assert demo.ensure_demo(path, progress=quiet, **kw)
    return path


def build_by_command(path: Path) -> None:
    """The demo as ``rc-tui demo --no-open`` makes it (in a process of its own)."""
    r = subprocess.run([sys.executable, "-m", "rc_tui", "demo", "--db", str(path), "--no-open"],
                       capture_output=True, text=True, timeout=300, check=False,
                       env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Path:
    """A copy of the demo the command made: built once per test run (the generator runs
    again in-process, measured, in ``test_demo_is_deterministic``)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    templates.copy("demo", path, build_by_command)
    return path


@pytest.fixture
def anna(demo_db: Path) -> Iterator[Vault]:
    v = Vault.unlock(demo_db, "anna", ANNA_PASS)
    yield v
    v.close(None)


def content(v: Vault) -> list[tuple[Any, ...]]:
    """Every case as anna sees it: number, members, relations, her members' journals."""
    cases = CaseService(v)
    records = RecordService(v)
    out: list[tuple[Any, ...]] = []
    for row in sorted(cases.my_open_cases(limit=10_000), key=lambda r: r.case_number):
        d = cases.detail(row.id)
        members = [(m.role, m.person.display_name, m.person.masked_id, m.person.birth,
                    m.person.protection_level) for m in d.members]
        journals = [(n.note_type, n.body, n.created_at, n.signed)
                    for m in d.members if "anna" in m.assigned
                    for n in records.journal(m.person.id)]
        out.append((d.case_number, d.opened_at, members, sorted(d.relations), journals))
    return out


def test_demo_is_deterministic(anna: Vault, tmp_path: Path) -> None:
    """The generator run here, in-process, makes what the command made."""
    first = content(anna)
    second_path = make_demo(tmp_path)
    with Vault.unlock(second_path, "anna", ANNA_PASS) as other:
        assert content(other) == first
    assert len(first) >= 10


def test_the_demo_command_is_idempotent(tmp_path: Path, templates: Templates) -> None:
    path = tmp_path / "demo" / "demo.db"
    templates.copy("demo", path, build_by_command)
    before = path.read_bytes()
    build_by_command(path)  # run again: the demo exists, nothing is written
    assert path.read_bytes() == before
    r = subprocess.run([sys.executable, "-m", "rc_tui", "check", "--db", str(path), "--user",
                        "anna"], input=ANNA_PASS + "\n", capture_output=True, text=True,
                       timeout=120, check=False, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert r.returncode == 0, r.stderr


def test_demo_has_families(anna: Vault) -> None:
    rows = CaseService(anna).my_open_cases(limit=10_000)
    roles = [[role for role, _name in r.members] for r in rows]
    assert all(r[0] == "victim" for r in roles)
    assert sum(len(r) for r in roles) == demo.DEFAULT_PERSONS
    assert sum("perpetrator" in r for r in roles) >= len(rows) * 0.8
    assert any("child" in r for r in roles)
    assert any(r.count("child") >= 2 for r in roles)
    names = {name for r in rows for _role, name in r.members}
    assert any(n.startswith("«") for n in names)  # an alias-only person
    details = [CaseService(anna).detail(r.id) for r in rows]
    kinds = {kind for d in details for _a, kind, _b in d.relations}
    assert {"parent_of"} <= kinds and kinds & {"partner", "former_partner"}
    assert any(m.person.protected for d in details for m in d.members)


def test_demo_identity_numbers_are_valid(anna: Vault) -> None:
    people = PeopleService(anna)
    person_ids = {m.person.id for r in CaseService(anna).my_open_cases(limit=10_000)
                  for m in CaseService(anna).detail(r.id).members}
    details = [people.get(pid) for pid in sorted(person_ids)]
    numbers = [d.id_number for d in details if not d.restricted]
    present = [n for n in numbers if n]
    assert len(present) >= len(numbers) // 2
    parsed = [identity.parse_identity_number(n, demo.BASE_DATE) for n in present]
    assert {p.kind for p in parsed} == {"personnummer", "samordningsnummer"}
    assert len(set(present)) == len(present)


def test_demo_due_list_consents_and_search(anna: Vault) -> None:
    due = HomeService(anna).due_items()
    assert any(d.kind == "child_report" for d in due)
    hits = SearchService(anna).search("säkerhetsplanen")
    assert any(h.kind == "note" for h in hits)
    first = CaseService(anna).my_open_cases(limit=10_000)[-1]
    victim = CaseService(anna).detail(first.id).members[0].person
    states = RecordService(anna).consents(victim.id)
    assert any(c.kind == "investigation" for c in states)
    hits = SearchService(anna).search(first.case_number)
    assert [h.case_id for h in hits if h.kind == "case"] == [first.id]


def test_demo_compartments(anna: Vault, demo_db: Path) -> None:
    """anna has the victims' and children's tracks; per has perpetrator tracks."""
    rows = CaseService(anna).my_open_cases(limit=10_000)
    members = [m for r in rows for m in CaseService(anna).detail(r.id).members]
    assert all(("anna" in m.assigned) == (m.role != "perpetrator") for m in members)
    perps = [m for m in members if m.role == "perpetrator" and "per" in m.assigned]
    assert perps
    assert PeopleService(anna).get(perps[0].person.id).restricted
    per_pass = next(u[3] for u in demo.DEMO_USERS if u[0] == "per")
    with Vault.unlock(demo_db, "per", per_pass) as per:
        journal = RecordService(per).journal(perps[0].person.id)
        assert journal and all(n.signed and n.author == "per" for n in journal)


def test_demo_check_is_ok(anna: Vault) -> None:
    assert anna.check().ok


# --------------------------------------------------------------------------- bulk


def _digest(v: Vault) -> str:
    h = hashlib.sha256()
    with v.session() as s:
        for table in ("persons", "cases", "case_members", "relations", "journal_notes"):
            for row in s.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                h.update(repr(tuple(row)).encode())
        for row in s.execute(text("SELECT rowid, names, numbers FROM person_fts "
                                  "ORDER BY rowid")):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _index_segments(s: Any, table: str) -> int:
    """The number of segments of an FTS5 index: its structure record (id 10) starts with
    a 4-byte cookie, then the number of levels and of segments as SQLite varints."""
    block = bytes(s.scalar(text(f"SELECT block FROM {table}_data WHERE id = 10")))
    position, values = 4, []
    for _ in range(2):
        value = 0
        while True:
            byte = block[position]
            position += 1
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values[1]


def test_bulk_demo_is_searchable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a small in-memory gathering: the journal's index is built in many segments, and
    # must be left merged into one (else the app's first writes merge them, holding the
    # write lock for seconds on a large demo)
    monkeypatch.setattr(bulk, "BULK_FTS_HASH_BYTES", 4096)
    path = make_demo(tmp_path / "a", persons=300, notes=1000)
    with Vault.unlock(path, "anna", ANNA_PASS) as v:
        with v.session() as s:
            assert s.scalar(text("SELECT count(*) FROM persons")) == 300
            assert s.scalar(text("SELECT count(*) FROM journal_notes")) == 1000
            assert s.scalar(text("SELECT count(*) FROM note_fts")) == 1000
            # built with a large in-memory gathering, then FTS5's default set back
            config = {str(k): v for k, v in s.execute(text("SELECT k, v FROM note_fts_config"))}
            assert config["hashsize"] == bulk.FTS5_DEFAULT_HASH_BYTES
            assert _index_segments(s, "note_fts") == 1
            mine = select(CaseMember.person_id).join(
                Assignment, Assignment.case_member_id == CaseMember.id).join(
                User, User.id == Assignment.user_id).where(User.username == "anna")
            assert len(s.scalars(mine).all()) >= demo.ASSIGNED_CASES
            person = s.scalars(select(Person).where(
                Person.id.in_(mine), Person.id_kind == "personnummer",
                Person.given_name.is_not(None), Person.family_name.is_not(None))
                .order_by(Person.id)).first()
            assert person is not None and person.id_number
            entry = s.execute(text("SELECT names, numbers FROM person_fts WHERE rowid = :i"),
                              {"i": person.id}).one()
            logged = s.scalars(select(AccessLog.reason).where(
                AccessLog.action == "demo_generated")).all()
        assert logged == ["300 persons, 1000 notes"]
        with v.session(write=True) as s:  # the search entry is what index_person writes
            p = s.get(Person, person.id)
            assert p is not None
            index_person(s, p)
            again = s.execute(text("SELECT names, numbers FROM person_fts WHERE rowid = :i"),
                              {"i": person.id}).one()
        assert tuple(again) == tuple(entry)
        search = SearchService(v)
        full_name = f"{person.given_name} {person.family_name}"
        pnr = person.id_number
        for query in (full_name, pnr, pnr.replace("-", ""), pnr[2:]):
            found = [h.person_id for h in search.search(query) if h.kind == "person"]
            assert person.id in found, query
        assert any(h.kind == "note" for h in search.search("samtal"))
        rows = CaseService(v).my_open_cases()
        assert len(rows) == demo.ASSIGNED_CASES
        assert all(r.members[0][0] == "victim" for r in rows)
        assert any(h.kind == "case" for h in search.search(rows[0].case_number))
        assert v.check().ok
        first = _digest(v)
    # the large demo's path: written by a process of its own, without SQLCipher's memory
    # security (fiction only); the same rows
    real = demo.generate_bulk
    monkeypatch.setattr(demo, "generate_bulk", functools.partial(real, separate_process=True))
    second = make_demo(tmp_path / "b", persons=300, notes=1000)
    with Vault.unlock(second, "anna", ANNA_PASS) as v:
        assert _digest(v) == first
        assert v.check().ok


def _indexes(v: Vault) -> list[tuple[str, str]]:
    with v.session() as s:
        return [tuple(r) for r in s.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('journal_notes', 'access_log') ORDER BY name")).all()]


def test_bulk_notes_rebuild_the_indexes_they_drop(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal's and the access log's indexes by person are dropped while the notes
    are written and built again after, with the same definitions, also when the writing
    fails; the log's indexes by time and the triggers that keep signed notes and the log
    read-only stay all along. The notes come in the order of their dates (so those indexes
    only grow at one end): ids and the log's times rise together."""

    path = make_demo(tmp_path / "a", persons=40)
    with Vault.unlock(path, "anna", ANNA_PASS) as v:
        before = _indexes(v)
        assert {"ix_journal_person", "ix_access_log_ts", "ix_access_log_person",
                "ix_access_log_user"} <= {name for name, _sql in before}
        seen: list[list[tuple[str, str]]] = []
        real = bulk._write_notes

        def failing(vault: Vault, *args: Any) -> int:
            seen.append(_indexes(vault))
            with vault.session() as s:  # the read-only triggers are there meanwhile
                assert s.scalar(text("SELECT count(*) FROM sqlite_master WHERE "
                                     "name = 'access_log_append_only'")) == 1
            raise RuntimeError("disk full")

        monkeypatch.setattr(bulk, "_write_notes", failing)
        with pytest.raises(RuntimeError):
            bulk.generate_bulk(v, 20, 50, separate_process=False)
        assert seen == [[(name, sql) for name, sql in before
                         if name not in ("ix_journal_person", "ix_access_log_person")]]
        assert _indexes(v) == before
        monkeypatch.setattr(bulk, "_write_notes", real)
        with v.session() as s:
            first = s.scalar(text("SELECT max(id) FROM journal_notes"))
            first_log = s.scalar(text("SELECT max(id) FROM access_log"))
        bulk.generate_bulk(v, 20, 50, seed=8, separate_process=False)
        assert _indexes(v) == before
        with v.session() as s:
            dates = s.execute(text("SELECT created_at FROM journal_notes WHERE id > :i "
                                   "ORDER BY id"), {"i": first}).scalars().all()
            times = s.execute(text("SELECT ts FROM access_log WHERE id > :i AND "
                                   "action = 'sign' ORDER BY id"), {"i": first_log}
                              ).scalars().all()
        assert len(dates) == 50 and dates == sorted(dates)
        assert len(times) > 40 and times == sorted(times)
        assert v.check().ok


def test_rows_made_ahead_raise_their_errors_and_stop_with_the_writer() -> None:
    """The thread that prepares the bulk rows hands its error to the writer, and stops
    when the writer stops (no thread left behind, nothing made far ahead)."""
    import threading

    from rc_tui.demo.bulk import _ahead

    def broken() -> Iterator[int]:
        yield 1
        raise OSError("disk full")

    got: list[int] = []
    with pytest.raises(OSError, match="disk full"):
        for item in _ahead(broken()):
            got.append(item)
    assert got == [1]
    made: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            made.append(n)
            yield n
            n += 1

    rows = _ahead(endless(), depth=2)
    assert next(rows) == 0
    rows.close()  # the writer failed or finished early
    assert not any(t.name == "rc-tui-bulk-rows" for t in threading.enumerate())
    assert len(made) <= 5


def test_the_note_maker_process_reports_its_error_and_ends_with_the_writer() -> None:
    """The process that makes the notes' batches hands its error to the writer, and ends
    on its own when the writer stops early (not stopped by force, nothing left running)."""
    from datetime import datetime

    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    def job(notes: int, weights: list[float]) -> bulk_notes.NoteJob:
        return bulk_notes.NoteJob(
            notes=notes, next_note=1, targets=[(1, 1, datetime(2025, 1, 1))],
            weights=weights, rng_state=random.Random(1).getstate(), author_id=1,
            author_name="anna", after=(0, "0" * 64), dialect=SQLiteDialect_pysqlite)

    failing = bulk_notes.NoteMaker()
    try:
        with pytest.raises(RuntimeError, match="note maker failed: ValueError"):
            next(failing.batches(job(10, [1.0, 2.0])))  # two weights for one target
    finally:
        failing.close()
    assert failing._process.exitcode == 0
    maker = bulk_notes.NoteMaker()
    batches = maker.batches(job(3 * bulk_notes.BATCH, [1.0]))
    first = next(batches)
    assert len(first.notes) == bulk_notes.BATCH
    assert first.head[0] == len(first.log_rows)  # chained from the tail it was given
    batches.close()  # the writer failed or finished early
    maker.close()
    assert maker._process.exitcode == 0  # it ended itself: the pipe was closed


def test_a_prepared_seal_matches_the_stored_record(anna: Vault) -> None:
    """``content_hash_of`` (the bulk writer's hash, from the values as stored) is the hash
    ``check`` takes from the database."""
    from storage import integrity
    from storage.bulkinsert import bind_rows
    from storage.models import JournalNote

    with anna.session() as s:
        row = s.execute(text("SELECT * FROM journal_notes WHERE signed_at IS NOT NULL "
                             "ORDER BY id LIMIT 1")).mappings().one()
        stored = dict(row)
        assert integrity.content_hash_of("journal_note", stored) == integrity.content_hash(
            s, "journal_note", stored["id"])
        note = s.get(JournalNote, stored["id"])
        assert note is not None
        as_model = {c.name: getattr(note, c.name) for c in JournalNote.__table__.columns}
        table = cast(Table, JournalNote.__table__)
        bound = bind_rows(table, [as_model], anna.engine.dialect)[0]
        assert bound == stored  # the ORM's values, bound as the bulk writer binds them


def test_prepared_log_rows_must_follow_the_tail(anna: Vault) -> None:
    """Rows chained ahead are refused once the log has moved on (another entry came
    first): nothing is written."""
    from storage import audit

    with anna.session(write=True) as s:
        after = audit.tail(s)
    rows, head = audit.chain([{"action": "sign", "screen": "prepared-ahead"}], after)
    with anna.session(write=True) as s:
        audit.append(s, "view", screen="test")
    with pytest.raises(ValueError, match="do not follow"), anna.session(write=True) as s:
        audit.append_chained(s, rows, head)
    with anna.session() as s:
        assert s.scalar(text("SELECT count(*) FROM access_log "
                             "WHERE screen = 'prepared-ahead'")) == 0
    assert anna.check().ok


def test_demo_admin_holds_no_data_key_and_every_user_is_enrolled(demo_db: Path) -> None:
    """As in a real installation: the administrator added the users, the manager's login
    enrolled them; the administrator's slot seals no data key."""
    kf = keys.KeyFile.load(files.keyfile_path(demo_db))
    assert kf.slots["admin"].sealed_data_key is None
    holders = {n for n, slot in kf.slots.items() if slot.sealed_data_key is not None}
    assert holders == {u[0] for u in demo.DEMO_USERS} - {"admin"}
    assert all(slot.status == "active" for slot in kf.slots.values())
    admin_pass = next(u[3] for u in demo.DEMO_USERS if u[0] == "admin")
    with Vault.unlock(demo_db, "admin", admin_pass) as admin:
        with pytest.raises(NoDataKey), admin.session():
            pass
    with Vault.unlock(demo_db, demo.DEMO_MANAGER, next(
            u[3] for u in demo.DEMO_USERS if u[0] == demo.DEMO_MANAGER)) as chef:
        with chef.session() as s:
            enrolled = s.execute(select(AccessLog.reason).where(
                AccessLog.action == "user_enrolled")).scalars().all()
    assert len(enrolled) == len(demo.DEMO_USERS) - 2  # all but the first two


def test_demo_data_only_in_a_demo_database(vault: Vault) -> None:
    with pytest.raises(demo.NotADemoDatabase):
        demo.generate_bulk(vault, 10, 10)
    with pytest.raises(demo.NotADemoDatabase):
        demo.generate(vault, 10)
    with vault.session() as s:
        assert s.scalar(text("SELECT count(*) FROM persons")) == 0


def test_the_bulk_writer_process_opens_only_a_demo(vault: Vault,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer that goes without memory security checks for itself that the database
    is a demo, before it opens it (not only its caller)."""
    import multiprocessing

    from storage import db

    monkeypatch.setattr(db, "_memory_security", True)  # restored: the call below clears it
    here, there = multiprocessing.Pipe()
    bulk._write_in_child(str(vault.path), "chef", 10, 10, 7, there)
    kind, message = here.recv()
    assert kind == "error" and message.startswith("NotADemoDatabase"), message
    with vault.session() as s:
        assert s.scalar(text("SELECT count(*) FROM persons")) == 0


def test_failed_generation_leaves_no_half_made_demo(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(vault: Vault, persons: int) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "generate", broken)
    path = tmp_path / "demo.db"
    with pytest.raises(RuntimeError):
        demo.ensure_demo(path, progress=quiet)
    assert not any(p.exists() for p in files.sidecar_paths(path))


def test_demo_shelter_staff_have_residents(demo_db: Path) -> None:
    from rc_tui.demo import DEMO_USERS
    from rc_tui.services.search import SearchService
    from storage.models import Stay
    from storage.vault import Vault

    path = demo_db
    phrase = next(p for u, _n, _r, p in DEMO_USERS if u == "siri")
    with Vault.unlock(path, "siri", phrase) as v:
        with v.session() as s:
            residents = [st.person_id for st in s.query(Stay).all()]
        assert residents
        from rc_tui.services.people import PeopleService

        detail = PeopleService(v).get(residents[0])
        assert not detail.restricted
        name = detail.display_name.split()[0].strip("«»")
        assert SearchService(v).search(name)


def test_demo_man_in_the_flat_on_a_signed_assessment(demo_db: Path) -> None:
    """A man stays in the temporary housing, admitted on his signed risk assessment in his
    family's case; the perpetrator service sees him by name on its board."""
    from rc_tui.demo import DEMO_USERS
    from rc_tui.services.shelter import ShelterService
    from storage.models import Assessment, Stay

    phrase = next(p for u, _n, _r, p in DEMO_USERS if u == "per")
    with Vault.unlock(demo_db, "per", phrase) as v:
        with v.session() as s:
            stay = s.scalars(select(Stay).where(Stay.facility == "perpetrator_housing",
                                                Stay.departed_at.is_(None))).one()
            assessment = s.get_one(Assessment, stay.assessment_id)
            role = s.scalar(select(CaseMember.role).where(
                CaseMember.case_id == stay.case_id, CaseMember.person_id == stay.person_id))
            members = s.scalar(select(text("count(*)")).select_from(CaseMember).where(
                CaseMember.case_id == stay.case_id))
        assert assessment.signed_at is not None and assessment.person_id == stay.person_id
        assert stay.override_reason is None and role == "perpetrator" and members > 1
        board = ShelterService(v).board("perpetrator_housing")
        resident = next(r for r in board.residents if r.person_id == stay.person_id)
        assert not resident.name.startswith("Person #")
