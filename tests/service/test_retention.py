"""Retention (gallring) on the demo: the dry run, culling with nothing left in any
decrypted page of the database or its WAL, the exceptions, refusals and insiders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from rc_tui import demo
from rc_tui.demo import retention as old
from rc_tui.services import retention as retention_service
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.casework import CaseworkService
from rc_tui.services.errors import ConflictError, NoAccess, ValidationError
from rc_tui.services.home import HomeService
from rc_tui.services.logreview import LogFilter, LogReviewService
from rc_tui.services.retention import RetentionService
from rc_tui.services.search import SearchService
from storage import audit
from storage import retention as culling
from storage.models import AccessLog, JournalNote, Person
from storage.vault import Vault
from tests.cli_runner import run_cli
from tests.conftest import Templates
from tests.service.test_demo import build_by_command

PASS = {u[0]: u[3] for u in demo.DEMO_USERS}
#: every trace of the culled family and the culled turned-away request
CULLED_TEXT = [old.CULLED_NAMES[0][1], old.CULLED_NAMES[0][0], old.CULLED_NAMES[1][0],
               "8407221236", "840722-1236", old.CULLED_NOTE[14:], old.CULLED_ACCOUNT[14:],
               old.TURNED_AWAY_CONTACT]
#: the tests' fixed day (the rules get no clock of their own; the services get this one)
NOW = datetime(2026, 12, 7, 12, 0)
PAGE, RESERVE = 4096, 80  # SQLCipher 4: 16 bytes IV + 64 bytes HMAC at each page's end
WAL_HEADER, FRAME_HEADER = 32, 24


@pytest.fixture
def demo_copy(tmp_path: Path, templates: Templates) -> Path:
    path = tmp_path / "demo" / "demo.db"
    templates.copy("demo", path, build_by_command)
    return path


@pytest.fixture
def chef(demo_copy: Path) -> Iterator[Vault]:
    v = Vault.unlock(demo_copy, "chef", PASS["chef"])
    yield v
    v.close(None)


def unlock(path: Path, user: str) -> Vault:
    return Vault.unlock(path, user, PASS[user])


def family_ids(v: Vault, family_name: str) -> list[int]:
    with v.session() as s:
        return sorted(s.scalars(select(Person.id).where(Person.family_name == family_name)))


def decrypted_pages(v: Vault) -> Iterator[bytes]:
    """Every page of the database file and every frame of its WAL, decrypted in memory
    with the data key (free pages and superseded WAL frames included): what the file
    holds, not what SQL can still see. Nothing is written anywhere."""
    key = bytes(v._data_key)

    def plain(page: bytes, first: bool) -> bytes:
        body = page[16:PAGE - RESERVE] if first else page[:PAGE - RESERVE]
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        return decryptor.update(body) + decryptor.finalize()

    data = v.path.read_bytes()
    assert len(data) % PAGE == 0
    for start in range(0, len(data), PAGE):
        yield plain(data[start:start + PAGE], start == 0)
    wal = Path(f"{v.path}-wal")
    frames = wal.read_bytes() if wal.exists() else b""
    for start in range(WAL_HEADER, len(frames) - PAGE + 1, FRAME_HEADER + PAGE):
        number = int.from_bytes(frames[start:start + 4], "big")
        page = frames[start + FRAME_HEADER:start + FRAME_HEADER + PAGE]
        yield plain(page, number == 1)


def traces(v: Vault, words: list[str]) -> set[str]:
    found: set[str] = set()
    encoded = [(w, w.encode("utf-8")) for w in words]
    for page in decrypted_pages(v):
        found |= {w for w, b in encoded if b in page}
    return found


def test_dry_run_and_apply_on_the_demo(chef: Vault) -> None:
    """Counts only; then the family and the request are gone: not found by search, no
    trace in any decrypted page of the file or its WAL, check passes, the log holds a
    pseudonymous entry per person and the sealed note's hash."""
    victim, child = family_ids(chef, old.CULLED_NAMES[0][1])
    svc = RetentionService(chef, clock=lambda: NOW)
    plan = svc.plan()
    assert plan.due == {"person_record": 2, "turned_away": 1, "shift_log": 0}
    assert plan.kept == {"birth_day": 1}
    assert [d.kind for d in HomeService(chef, clock=lambda: NOW).due_items()
            ].count("retention") == 1
    # the scan finds what is there (so finding nothing later means something)
    assert traces(chef, CULLED_TEXT) == set(CULLED_TEXT)
    assert {h.person_id for h in SearchService(chef).search("Gallringsdotter")} >= {victim}

    result = svc.apply(plan.due)

    assert result.culled == plan.due
    assert result.held == {}
    assert result.sealed_records == 1  # her signed note
    assert result.reclaim is not None and result.reclaim.complete
    for query in ("Gallringsdotter", "Vendela", "840722-1236", "allt lugnt sedan flytten"):
        assert SearchService(chef).search(query) == [], query
    assert SearchService(chef).search("Gallringsberg")  # kept by the birth-day rule
    assert traces(chef, CULLED_TEXT) == set()
    assert chef.check().ok, chef.check().problems
    # the manager's log review still reads the whole log (her old entries name no one now)
    review = LogReviewService(chef).entries(LogFilter(limit=100_000))
    assert any(e.action == "retention_cull" for e in review)
    assert not any(w in str(e) for e in review for w in CULLED_TEXT)
    with chef.session() as s:
        assert s.get(Person, victim) is None and s.get(Person, child) is None
        culls = s.scalars(select(AccessLog).where(
            AccessLog.action == culling.CULL_ACTION)).all()
        persons = [e for e in culls if e.record_type == "person"]
        assert len(persons) == 2 and all(e.person_id is None for e in persons)
        assert len({e.reason for e in persons}) == 2
        assert all(e.reason and e.reason.startswith("pseudonym ") for e in persons)
        assert [e.record_type for e in culls if e.content_hash] == ["journal_note"]
        summary = s.scalars(select(AccessLog).where(
            AccessLog.action == "retention_apply")).one()
        assert summary.flagged
    assert [d.kind for d in HomeService(chef, clock=lambda: NOW).due_items()
            ].count("retention") == 0
    assert RetentionService(chef, clock=lambda: NOW).plan().total == 0


def test_keep_decisions_and_open_cases_are_respected(chef: Vault) -> None:
    victim, _child = family_ids(chef, old.CULLED_NAMES[0][1])
    svc = RetentionService(chef, clock=lambda: NOW)
    with pytest.raises(ValidationError):
        svc.keep(victim, "  ")
    svc.keep(victim, "Arkivmyndigheten har beslutat att akten ska bevaras.")
    kept = svc.keep_of(victim)
    assert kept is not None and kept.decided_by == "Cecilia Demo-Chef"
    plan = svc.plan()
    # the child goes alone: the case stays with her (she is its intake's contact person)
    assert plan.due["person_record"] == 1 and plan.kept["keep_decision"] == 1
    svc.lift_keep(victim)
    assert svc.keep_of(victim) is None
    assert svc.plan().due["person_record"] == 2

    # she comes back: a new, open case; her child's old record is kept with hers
    CaseService(chef).register_intake(IntakeInput(
        occurred_at=datetime(2026, 12, 1, 10, 0), channel="self", what_happened="Åter.",
        immediate_danger=False, members=[MemberInput("victim", existing_person_id=victim)]))
    plan = svc.plan()
    assert plan.due["person_record"] == 0
    assert plan.kept["open_case"] == 1 and plan.kept["family_open_case"] == 1


def _retention_count(v: Vault, when: datetime = NOW) -> int:
    items = [d for d in HomeService(v, clock=lambda: when).due_items() if d.kind == "retention"]
    return int("".join(c for c in items[0].title if c.isdigit())) if items else 0


def test_the_managers_due_count_is_reused_within_the_day(
        chef: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The due item's count (every dated entry of every person: seconds on a large
    database) is counted once and reused for DUE_COUNT_SECONDS within the day; a keep
    decision or a cull in this process, the next day, or the time running out count again.
    The plan always counts afresh."""
    victim, _child = family_ids(chef, old.CULLED_NAMES[0][1])
    counted: list[int] = []
    real = RetentionService.due_total

    def counting(self: RetentionService, s: object) -> int:
        counted.append(1)
        return real(self, s)  # type: ignore[arg-type]

    monkeypatch.setattr(RetentionService, "due_total", counting)
    retention_service._forget_due_counts()
    assert _retention_count(chef) == 3 and _retention_count(chef) == 3
    assert len(counted) == 1
    # a change the count does not see at once (here: a new open case for her, made past
    # the retention service) shows in the plan, and in the due item once the time is out
    CaseService(chef).register_intake(IntakeInput(
        occurred_at=datetime(2026, 12, 1, 10, 0), channel="self", what_happened="Åter.",
        immediate_danger=False, members=[MemberInput("victim", existing_person_id=victim)]))
    assert RetentionService(chef, clock=lambda: NOW).plan().due["person_record"] == 0
    assert _retention_count(chef) == 3 and len(counted) == 1
    monkeypatch.setattr(retention_service, "DUE_COUNT_SECONDS", 0)
    assert _retention_count(chef) == 1 and len(counted) == 2
    monkeypatch.setattr(retention_service, "DUE_COUNT_SECONDS", 15 * 60)
    assert _retention_count(chef) == 1 and len(counted) == 2  # that count, reused
    _retention_count(chef, datetime(2026, 12, 8, 9, 0))  # the next day counts its own
    assert len(counted) == 3
    # a keep decision in this process counts again at once: the turned-away request is
    # what is left
    RetentionService(chef, clock=lambda: NOW).keep(_child, "Beslut om bevarande.")
    assert _retention_count(chef) == 1 and len(counted) == 4


def test_an_open_case_keeps_the_whole_family(chef: Vault) -> None:
    victim, _child = family_ids(chef, old.CULLED_NAMES[0][1])
    case_id = CaseService(chef).intakes_of(victim)[0].case_number
    with chef.session() as s:
        case = s.execute(text("SELECT id FROM cases WHERE case_number = :n"),
                         {"n": case_id}).scalar_one()
    CaseworkService(chef).close_case(case, "Återöppnad.", reopen=True)
    plan = RetentionService(chef, clock=lambda: NOW).plan()
    assert plan.due["person_record"] == 0 and plan.kept["open_case"] == 2


def test_a_changed_plan_or_a_tampered_seal_culls_nothing(chef: Vault) -> None:
    svc = RetentionService(chef, clock=lambda: NOW)
    with pytest.raises(ConflictError):
        svc.apply({"person_record": 1, "turned_away": 1, "shift_log": 0})
    victim, _child = family_ids(chef, old.CULLED_NAMES[0][1])
    with chef.session(write=True) as s:  # an insider rewrites her signed note
        s.execute(text("DROP TRIGGER journal_signed_no_update"))
        s.execute(text("UPDATE journal_notes SET body = 'ändrad' WHERE person_id = :p"),
                  {"p": victim})
    with pytest.raises(ValidationError):
        svc.apply(svc.plan().due)
    assert family_ids(chef, old.CULLED_NAMES[0][1])  # nothing culled: the evidence stays


@pytest.mark.parametrize("user", ["anna", "per", "siri"])
def test_non_managers_are_refused_and_the_refusal_logged(demo_copy: Path, user: str) -> None:
    v = unlock(demo_copy, user)
    try:
        svc = RetentionService(v, clock=lambda: NOW)
        for call in (svc.plan, lambda: svc.apply({"person_record": 2, "turned_away": 1,
                                                  "shift_log": 0}),
                     lambda: svc.keep(1, "Vill spara."), svc.reclaim):
            with pytest.raises(NoAccess):
                call()
        assert retention_service.retention_due(svc, None) == []  # type: ignore[arg-type]
        with v.session() as s:
            denied = s.scalars(select(AccessLog).where(
                AccessLog.user_id == v.user.id, AccessLog.outcome == "denied",
                AccessLog.record_type == "retention")).all()
        assert len(denied) == 4  # plan, apply, keep, reclaim
    finally:
        v.close(None)
    chef = unlock(demo_copy, "chef")
    try:
        # nothing culled
        assert RetentionService(chef, clock=lambda: NOW).plan().due["person_record"] == 2
    finally:
        chef.close(None)


def test_an_insider_with_the_storage_api_cannot_cull_unseen(demo_copy: Path) -> None:
    """A caseworker with Python, the data key and the storage API: the triggers refuse to
    delete a signed note; past them (the culling marker), check names the note that is
    gone, a cull entry in the caseworker's own name, and a marker left behind."""
    anna = unlock(demo_copy, "anna")
    try:
        with anna.session() as s:
            note = s.scalars(select(JournalNote.id).where(
                JournalNote.signed_at.is_not(None))).first()
        assert note is not None
        with pytest.raises(IntegrityError), anna.session(write=True) as s:
            s.execute(text("DELETE FROM journal_notes WHERE id = :n"), {"n": note})
        with anna.session(write=True) as s, culling.culling(s, datetime(2026, 12, 7)):
            s.execute(text("DELETE FROM note_fts WHERE rowid = :n"), {"n": note})
            s.execute(text("DELETE FROM journal_notes WHERE id = :n"), {"n": note})
        problems = anna.check().problems
        assert f"signed journal note {note} was sealed (access log) but is missing or no " \
               "longer sealed" in problems
        with anna.session(write=True) as s:
            sealed = s.execute(text(
                "SELECT content_hash FROM access_log WHERE record_type = 'journal_note' "
                "AND record_id = :n AND content_hash IS NOT NULL"), {"n": note}).scalar()
            audit.append(s, culling.CULL_ACTION, user_id=anna.user.id, username="anna",
                         record_type="journal_note", record_id=note, content_hash=sealed)
            s.execute(text("INSERT INTO retention_culling (id, started_at) VALUES (1, :t)"),
                      {"t": datetime(2026, 12, 7)})
        problems = anna.check().problems
        assert any("culls signed journal note" in p and "may not cull" in p
                   for p in problems), problems
        assert any("culling marker was left" in p for p in problems)
    finally:
        anna.close(None)


def test_shift_log_entries_by_their_own_rule(chef: Vault) -> None:
    """With shorter periods (rules as data), the shift log's entries not about anyone go
    by their own start; those about a resident stay with her record."""
    from rc_tui.domain.retention import parse_rules

    rules = parse_rules(
        "[kinds.person_record]\nyears = 50\nstarts = ['last_entry']\n"
        "[kinds.turned_away]\nyears = 50\nstarts = ['request_date']\n"
        "[kinds.shift_log]\nyears = 1\nstarts = ['written']\n")
    later = datetime(2028, 1, 1)
    with chef.session() as s:
        loose = s.execute(text("SELECT count(*) FROM shift_entries WHERE person_id IS NULL "
                               "AND journal_note_id IS NULL")).scalar_one()
        total = s.execute(text("SELECT count(*) FROM shift_entries")).scalar_one()
    assert loose and total > loose
    svc = RetentionService(chef, clock=lambda: later, rules=rules)
    plan = svc.plan()
    assert plan.due == {"person_record": 0, "turned_away": 0, "shift_log": loose}
    assert svc.apply(plan.due).culled["shift_log"] == loose
    with chef.session() as s:
        assert s.execute(text("SELECT count(*) FROM shift_entries")).scalar_one() == \
            total - loose
    assert chef.check().ok


def test_check_accepts_a_culled_seal_only_with_the_hash_it_was_sealed_with(
        chef: Vault) -> None:
    """A manager's cull entry naming another hash than the seal's (a record changed before
    it was culled, or a forged entry) is reported, and so is a culled record still there."""
    with chef.session() as s:
        note = s.scalars(select(JournalNote.id).where(
            JournalNote.signed_at.is_not(None))).first()
        sealed = s.execute(text(
            "SELECT content_hash FROM access_log WHERE record_type = 'journal_note' "
            "AND record_id = :n AND content_hash IS NOT NULL"), {"n": note}).scalar()
    assert note is not None and sealed

    with chef.session(write=True) as s:
        audit.append(s, culling.CULL_ACTION, user_id=chef.user.id, username="chef",
                     record_type="journal_note", record_id=note, content_hash="0" * 64)
    problems = chef.check().problems
    assert f"signed journal note {note} was changed after it was sealed, before it was " \
           "culled" in problems
    assert f"signed journal note {note} was culled (access log) but is there again" \
        in problems


def test_a_forged_cull_of_one_signed_note_of_a_living_person_is_reported(
        demo_copy: Path) -> None:
    """A caseworker with the data key deletes one signed note past the triggers (the
    culling marker) and appends a cull entry in a manager's name with the sealed hash:
    check names the note, since culling takes a whole person and hers is still there."""
    anna = unlock(demo_copy, "anna")
    try:
        with anna.session(write=True) as s:
            note = s.scalar(select(JournalNote).where(JournalNote.signed_at.is_not(None)))
            assert note is not None
            nid, pid = note.id, note.person_id
            sealed = s.execute(text(
                "SELECT content_hash FROM access_log WHERE record_type = 'journal_note' "
                "AND record_id = :n AND content_hash IS NOT NULL"), {"n": nid}).scalar()
            chef_id = s.execute(text("SELECT id FROM users WHERE username = 'chef'")
                                ).scalar_one()
            with culling.culling(s, datetime(2026, 12, 7)):
                s.execute(text("DELETE FROM note_fts WHERE rowid = :n"), {"n": nid})
                s.execute(text("DELETE FROM shift_entries WHERE journal_note_id = :n"),
                          {"n": nid})
                s.execute(text("DELETE FROM journal_notes WHERE id = :n"), {"n": nid})
            audit.append(s, culling.CULL_ACTION, user_id=chef_id, username="chef",
                         record_type="journal_note", record_id=nid, content_hash=sealed)
        problems = anna.check().problems
        assert f"signed journal note {nid} was culled (access log row " in " ".join(problems)
        assert any(f"but person {pid} it belongs to is still there" in p
                   for p in problems), problems
    finally:
        anna.close(None)


def test_the_command_prints_counts_only_and_needs_the_typed_word(demo_copy: Path) -> None:
    code, out, err = run_cli("--lang", "en", "retention", "--db", demo_copy, "--user", "chef",
                             stdin=PASS["chef"] + "\n")
    assert code == 0, err
    assert "persons' records\t2" in out and "turned-away requests\t1" in out
    assert not any(word in out + err for word in CULLED_TEXT)
    code, out, err = run_cli("--lang", "en", "retention", "--db", demo_copy, "--user", "chef",
                             "--apply", stdin=PASS["chef"] + "\nyes\n")
    assert code == 1 and "Not confirmed" in err
    code, _out, err = run_cli("--lang", "en", "retention", "--db", demo_copy, "--user",
                              "anna", "--apply", stdin=PASS["anna"] + "\nCULL\n")
    assert code == 1 and "for managers" in err
    code, out, err = run_cli("--lang", "en", "retention", "--db", demo_copy, "--user", "chef",
                             "--apply", stdin=PASS["chef"] + "\nCULL\n")
    assert code == 0, err
    assert "Culled:" in out and "Pages reclaimed" in out
    code, out, err = run_cli("--lang", "en", "check", "--db", demo_copy, "--user", "chef",
                             stdin=PASS["chef"] + "\n")
    assert code == 0, err


def test_migration_0018_from_the_previous_schema(tmp_path: Path) -> None:
    """A database at 0017 with a signed note, a rectified name and a restricted record:
    after 0018 the note is still read-only (also against DELETE), deletable only while the
    culling marker is there, and the person goes with her history; the marker does not
    open the way past a restriction not lifted (its person stays), and the keep decisions'
    table exists."""
    from alembic import command

    from storage import db, schema
    from tests.conftest import create

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

    upgrade("0017")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO persons (id, alias, interpreter_needed, may_call, may_text, "
            "may_letter, protection_level, created_at, updated_at, version) VALUES "
            "(1, 'A', 0, 0, 0, 0, 'none', '2019-01-01', '2019-01-01', 1)"))
        conn.execute(text(
            "INSERT INTO journal_notes (id, person_id, note_type, body, created_at, "
            "signed_at, version) VALUES (1, 1, 'contact', 'x', '2019-01-01', '2019-01-01', 1)"))
        conn.execute(text("UPDATE persons SET alias = 'B' WHERE id = 1"))  # its history row
        conn.execute(text(
            "INSERT INTO users (id, username, display_name, role, status, "
            "must_change_passphrase, created_at, version) VALUES "
            "(1, 'chef', 'Chef', 'manager', 'active', 0, '2019-01-01', 1)"))
        conn.execute(text(
            "INSERT INTO persons (id, alias, interpreter_needed, may_call, may_text, "
            "may_letter, protection_level, created_at, updated_at, version) VALUES "
            "(2, 'C', 0, 0, 0, 0, 'none', '2019-01-01', '2019-01-01', 1)"))
        conn.execute(text(
            "INSERT INTO person_restrictions (person_id, restricted_at, restricted_by_id, "
            "reason, lift_reason) VALUES (2, '2019-02-01', 1, 'disputed', '')"))
    upgrade("head")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("DELETE FROM journal_notes WHERE id = 1"))
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM retention_keeps")).scalar() == 0
        conn.execute(text("INSERT INTO retention_culling (id, started_at) "
                          "VALUES (1, '2026-12-07')"))
        conn.execute(text("DELETE FROM journal_notes WHERE id = 1"))
        assert conn.execute(text("SELECT count(*) FROM person_history")).scalar() == 1
        conn.execute(text("DELETE FROM persons WHERE id = 1"))
        assert conn.execute(text("SELECT count(*) FROM person_history")).scalar() == 0
        conn.execute(text("DELETE FROM retention_culling"))
        assert conn.execute(text("SELECT count(*) FROM journal_notes")).scalar() == 0
    # a restricted person refuses the delete (0022), and her restriction would (0017)
    with pytest.raises(IntegrityError, match="record is restricted"), \
            engine.begin() as conn:
        conn.execute(text("INSERT INTO retention_culling (id, started_at) "
                          "VALUES (1, '2026-12-07')"))
        conn.execute(text("DELETE FROM persons WHERE id = 2"))
    with pytest.raises(IntegrityError, match="lifted, not deleted"), \
            engine.begin() as conn:
        conn.execute(text("INSERT INTO retention_culling (id, started_at) "
                          "VALUES (1, '2026-12-07')"))
        conn.execute(text("DELETE FROM person_restrictions WHERE person_id = 2"))
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM persons")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM retention_culling")).scalar() == 0
    engine.dispose()


def test_reclaiming_says_when_another_reader_keeps_the_log(installed: Path) -> None:
    """A reader in another session keeps the WAL from being emptied: the report says so
    (the command then exits 1); once it is gone, everything is reclaimed."""
    from storage import db
    from tests.conftest import MANAGER, MANAGER_PASS

    v = Vault.unlock(installed, MANAGER, MANAGER_PASS)
    try:
        with v.session(write=True) as s:  # something in the WAL
            audit.append(s, "view", user_id=v.user.id, username=v.user.username)
        reader = db.connect(installed, v._data_key)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM access_log").fetchone()
            held = v.reclaim(wait_seconds=0.2)
            assert held.vacuumed and not held.complete and held.wal_bytes > 0
        finally:
            reader.close()
        assert v.reclaim().complete
    finally:
        v.close(None)


#: the victim's given name after a rectification (the old one stays in her history)
RECTIFIED = "Gallringsrättad"


def test_a_restricted_record_holds_its_family_and_its_rights_go_with_the_cull(
        chef: Vault) -> None:
    """A record restricted while a dispute is examined is not culled, nor is its family's
    (counted per reason; the rest of the run culls, nothing fights the culling marker);
    once the restriction is lifted the family is culled with its rectified name's history,
    its reviewed extract and the lifted restriction – no trace in any decrypted page."""
    from rc_tui.services.extracts import ExtractService, ReviewDecision
    from rc_tui.services.record_rights import RecordRightsService
    from storage.models import ExtractDecision

    victim, child = family_ids(chef, old.CULLED_NAMES[0][1])

    def then() -> datetime:  # her record's last entries, long enough ago
        return datetime(2020, 7, 1, 10, 0)

    rights = RecordRightsService(chef, clock=then)
    with chef.session() as s:
        version = s.get(Person, victim).version  # type: ignore[union-attr]
    rights.rectify(victim, version, "given_name", RECTIFIED, "Felstavat i ansökan.")
    extracts = ExtractService(chef, clock=then)
    draft = extracts.prepare(victim)
    assert draft.to_review  # her child, a member of her case
    extracts.record_review(victim, [ReviewDecision(p.key, False, "osl_26_1")
                                    for p in draft.to_review])
    with chef.session() as s:
        hashes = list(s.scalars(select(ExtractDecision.passage_sha256)))
    assert hashes
    rights.restrict(victim, "Hon bestrider en anteckning.")

    svc = RetentionService(chef, clock=lambda: NOW)
    plan = svc.plan()
    assert plan.due == {"person_record": 0, "turned_away": 1, "shift_log": 0}
    assert plan.kept == {"restricted": 1, "family_restricted": 1, "birth_day": 1}
    result = svc.apply(plan.due)
    assert result.culled == plan.due and result.held == {}
    assert family_ids(chef, old.CULLED_NAMES[0][1]) == [victim, child]
    assert chef.check().ok, chef.check().problems

    rights.lift(victim, "Anteckningen stod sig.")
    plan = svc.plan()
    assert plan.due["person_record"] == 2 and plan.kept == {"birth_day": 1}
    words = [old.CULLED_NAMES[0][0], RECTIFIED, *hashes]
    assert traces(chef, words) == set(words)
    result = svc.apply(plan.due)
    assert result.culled["person_record"] == 2 and result.held == {}
    with chef.session() as s:
        for table in ("person_history", "person_restrictions", "extract_reviews",
                      "extract_decisions"):
            assert s.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
    assert traces(chef, words) == set()
    assert chef.check().ok, chef.check().problems


def test_a_record_named_with_a_restricted_one_is_held_without_a_shared_case(
        chef: Vault) -> None:
    """Culling the child would delete the link between her record and a restricted one
    (no case shared): that would change the restricted record, so she is held back, and
    her mother with her (the case's intake is hers)."""
    from rc_tui.services.record_rights import RecordRightsService

    _victim, child = family_ids(chef, old.CULLED_NAMES[0][1])
    (kept,) = family_ids(chef, old.KEPT_NAME[1])
    with chef.session(write=True) as s:
        s.execute(text("INSERT INTO person_links (anonymous_id, known_id, linked_by_id, "
                       "linked_at, reason) VALUES (:a, :k, :u, '2020-01-01', 'Samma.')"),
                  {"a": child, "k": kept, "u": chef.user.id})
    RecordRightsService(chef).restrict(kept, "Hon bestrider en anteckning.")
    plan = RetentionService(chef, clock=lambda: NOW).plan()
    assert plan.due["person_record"] == 0
    assert plan.kept == {"restricted": 1, "family_restricted": 1, "shared_records": 1}
