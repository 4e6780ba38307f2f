"""Tamper evidence against an insider who holds the data key and uses rc-tui's own storage
API: signed and approved records are sealed in the access log, ``check`` verifies the
schema, the chain and every sealed record, a cut-off tail does not lock anyone out, and
damage is a report (exit 4), never an internal error."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from sqlalchemy import text

from rc_tui.domain.instruments.content import Content
from rc_tui.domain.instruments.library import load_library
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.casework import CaseworkService, DecisionInput
from rc_tui.services.logreview import LogFilter, LogReviewService
from rc_tui.services.records import RecordService
from rc_tui.services.samrad import ActionInput, Participant, PersonMinutes, SamradService
from storage import audit, backup, db, files, integrity, schema
from storage.models import AccessLog
from storage.vault import CheckReport, Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS, drop_tables_added_after
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    NOW,
    VICTIM_NOTE,
    Family,
    as_user,
    family,
)

ACUTE = load_library(None).get("rc-acute")
SECRET = "Hemligt innehåll som aldrig får synas i en rapport"
Cli = Callable[..., tuple[int, str, str]]


@dataclass(frozen=True)
class Sealed:
    path: Path
    note: int
    assessment: int
    investigation: int
    decision: int
    samrad: int
    victim: int


@pytest.fixture
def sealed(family: Family, as_user: Callable[[str, str], Vault]) -> Sealed:
    """One record of every sealed kind, made through the services."""
    anna_v = as_user(ANNA, ANNA_PASS)
    records = RecordService(anna_v, clock=lambda: NOW)
    note = records.add_note(family.victim, "note", SECRET)
    records.sign(note)
    assessments = AssessmentService(anna_v, clock=lambda: NOW)
    aid = assessments.start(family.victim, ACUTE)
    answers = {item.id: "no" for item in ACUTE.all_items()}
    assessments.sign(aid, assessments.get(aid).version, Content(answers=answers),
                     {"risk": "low"}, SECRET)
    cw = CaseworkService(anna_v, clock=lambda: NOW)
    inv = cw.start_investigation(family.victim, "adult")
    cw.save_investigation(inv, cw.investigation(inv).version, {"housing_long": SECRET}, [aid],
                          SECRET, conclude=True)
    decision = cw.record_decision(DecisionInput(
        person_id=family.victim, intervention="support_talks", outcome="granted",
        reasons=SECRET, legal_basis="sol_bistand")).id
    chef = as_user(CHEF, CHEF_PASS)
    svc = SamradService(chef, clock=lambda: NOW)
    sid = svc.request(family.case_id, "Nexus", date(2026, 11, 27))
    version = svc.save(sid, svc.get(sid).version, [Participant("participant", "centre", "chair")],
                       [PersonMinutes(family.victim, SECRET, "", None, "",
                                      (ActionInput("Säkerhetsplan", "centre", 1),))], {})
    svc.approve(sid, version)
    for v in (anna_v, chef):
        v.close(None)
    return Sealed(family.path, note, aid, inv, decision, sid, family.victim)


def _key(path: Path) -> bytes:
    v = Vault.unlock(path, MANAGER, MANAGER_PASS)
    key = bytes(v._data_key)
    v.close(None)
    return key


@contextmanager
def insider(path: Path, *, keep_triggers: bool = False) -> Iterator[Any]:
    """A connection through rc-tui's own ``db.connect`` with the data key. Unless
    ``keep_triggers``, every trigger is dropped first and put back exactly as it was."""
    conn = db.connect(path, _key(path))
    saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    try:
        if not keep_triggers:
            for name, _sql in saved:
                conn.execute(f"DROP TRIGGER {name}")
        yield conn
    finally:
        if not keep_triggers:
            for _name, sql in saved:
                conn.execute(sql)
        conn.close()


def check(path: Path, user: str = MANAGER, phrase: str = MANAGER_PASS) -> CheckReport:
    with Vault.unlock(path, user, phrase) as v:
        return v.check()


def no_content(report: CheckReport) -> None:
    for problem in report.problems:
        assert SECRET not in problem and VICTIM_NOTE not in problem


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    import rc_tui.hygiene
    from rc_tui.cli import main

    monkeypatch.setattr(rc_tui.hygiene, "harden_process", dict)

    def run(*args: object, stdin: str = MANAGER_PASS + "\n") -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args], stdin=io.StringIO(stdin))
        out, err = capsys.readouterr()
        assert "Internt fel" not in err and "Traceback" not in err
        return code, out, err

    return run


# ---------------------------------------------------------------------- sealing
def test_sealing_acts_record_the_content_hash(sealed: Sealed) -> None:
    with Vault.unlock(sealed.path, MANAGER, MANAGER_PASS) as v, v.session() as s:
        rows = {(r[0], r[1]): r[2] for r in s.execute(text(
            "SELECT record_type, record_id, content_hash FROM access_log "
            "WHERE content_hash IS NOT NULL"))}
        for kind, rid in (("journal_note", sealed.note), ("assessment", sealed.assessment),
                          ("investigation", sealed.investigation),
                          ("decision", sealed.decision), ("samrad", sealed.samrad)):
            assert rows[(kind, rid)] == integrity.content_hash(s, kind, rid)
    report = check(sealed.path)
    assert report.ok, report.problems


def test_every_column_of_a_sealed_table_is_covered_or_left_out_on_purpose(vault: Vault) -> None:
    with vault.engine.connect() as conn:
        for table, covered in integrity.COLUMNS.items():
            columns = {r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
            assert columns == set(covered) | set(integrity.MUTABLE.get(table, ())), table
        conn.rollback()


# ---------------------------------------------------------------------- sealed records
def test_replace_of_a_signed_note_is_refused(sealed: Sealed) -> None:
    replace = ("INSERT OR REPLACE INTO journal_notes (id, person_id, note_type, body, "
               "created_at, signed_at, version) VALUES (?, ?, 'note', 'Omskrivet', "
               "'2026-01-01', '2026-01-01', 1)")
    # through rc-tui's connection (recursive triggers on: the REPLACE's delete is refused)
    # and through a bare SQLCipher connection (the BEFORE INSERT trigger refuses it)
    with insider(sealed.path, keep_triggers=True) as conn, \
            pytest.raises(sqlcipher3.dbapi2.IntegrityError, match="read-only"):
        conn.execute(replace, (sealed.note, sealed.victim))
    bare = sqlcipher3.dbapi2.connect(str(sealed.path), isolation_level=None)
    bare.execute(f"PRAGMA key = \"x'{_key(sealed.path).hex()}'\"")
    assert bare.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    with pytest.raises(sqlcipher3.dbapi2.IntegrityError, match="read-only"):
        bare.execute(replace, (sealed.note, sealed.victim))
    # the same for approved minutes: no row replaced, none added
    with pytest.raises(sqlcipher3.dbapi2.IntegrityError, match="read-only"):
        bare.execute("INSERT INTO samrad_actions (samrad_id, person_id, what, agency, "
                     "order_no, outcome_note) VALUES (?, ?, 'Tillagt', 'police', 9, '')",
                     (sealed.samrad, sealed.victim))
    bare.close()
    assert check(sealed.path).ok


def test_recursive_triggers_are_verified_on_every_connection(installed: Path) -> None:
    conn = db.connect(installed, _key(installed))
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
    conn.close()


def test_replaced_note_is_reported_by_type_and_id(sealed: Sealed, cli: Cli) -> None:
    with insider(sealed.path) as conn:
        conn.execute("PRAGMA recursive_triggers = OFF")
        conn.execute("INSERT OR REPLACE INTO journal_notes (id, person_id, note_type, body, "
                     "created_at, signed_at, version) VALUES (?, ?, 'note', 'Omskrivet', "
                     "'2026-01-01', '2026-01-01', 1)", (sealed.note, sealed.victim))
    report = check(sealed.path)
    assert f"signed journal note {sealed.note} was changed after it was sealed" in \
        report.problems
    no_content(report)
    code, _, err = cli("check", "--db", sealed.path, "--user", MANAGER)
    assert code == 1 and f"journal note {sealed.note}" in err and "Omskrivet" not in err


def test_changed_assessment_level_is_reported(sealed: Sealed, cli: Cli) -> None:
    with insider(sealed.path) as conn:
        conn.execute("UPDATE assessments SET level = 'high' WHERE id = ?", (sealed.assessment,))
    report = check(sealed.path)
    # the triggers are back exactly as they were: only the content gives it away
    assert report.problems == (
        f"signed assessment {sealed.assessment} was changed after it was sealed",)
    assert not report.damaged
    code, _, err = cli("check", "--db", sealed.path, "--user", MANAGER)
    assert code == 1 and f"assessment {sealed.assessment}" in err


def test_changed_approved_minutes_are_reported(sealed: Sealed) -> None:
    with insider(sealed.path) as conn:
        conn.execute("UPDATE samrad_persons SET risk_view = 'Ingen risk' WHERE samrad_id = ?",
                     (sealed.samrad,))
        conn.execute("UPDATE samrad_actions SET due_on = '2027-01-01' WHERE samrad_id = ?",
                     (sealed.samrad,))
    report = check(sealed.path)
    assert report.problems == (
        f"approved samråd minutes {sealed.samrad} was changed after it was sealed",)


def test_changed_decision_investigation_and_deleted_records_are_reported(
        sealed: Sealed) -> None:
    with insider(sealed.path) as conn:
        conn.execute("UPDATE decisions SET outcome = 'refused' WHERE id = ?",
                     (sealed.decision,))
        conn.execute("UPDATE investigations SET conclusion = 'Annat' WHERE id = ?",
                     (sealed.investigation,))
        conn.execute("DELETE FROM note_fts WHERE rowid = ?", (sealed.note,))
        conn.execute("DELETE FROM journal_notes WHERE id = ?", (sealed.note,))
        # a forged "signed" note that no signing ever logged
        forged = 9999
        conn.execute("INSERT INTO journal_notes (id, person_id, note_type, body, created_at, "
                     "signed_at, version) VALUES (?, ?, 'note', 'Falsk', '2026-01-01', "
                     "'2026-01-01', 1)", (forged, sealed.victim))
    report = check(sealed.path)
    assert set(report.problems) == {
        f"decision {sealed.decision} was changed after it was sealed",
        f"concluded investigation {sealed.investigation} was changed after it was sealed",
        f"signed journal note {sealed.note} was sealed (access log) but is missing or no "
        "longer sealed",
        f"signed journal note {forged} is sealed, but its sealing is not in the access log",
    }
    no_content(report)


# ---------------------------------------------------------------------- the schema
def test_dropped_changed_and_added_triggers_are_named(sealed: Sealed, cli: Cli) -> None:
    with insider(sealed.path, keep_triggers=True) as conn:
        conn.execute("DROP TRIGGER journal_signed_no_update")
        conn.execute("DROP TRIGGER access_log_no_delete")
        conn.execute("CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
                     "WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END")
        conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON journal_notes BEGIN "
                     "SELECT 1; END")
    report = check(sealed.path)
    assert set(report.problems) == {
        "schema: trigger journal_signed_no_update is missing",
        "schema: trigger access_log_no_delete differs from what the migrations create",
        "schema: trigger sneaky is not part of rc-tui's schema",
    }
    code, _, err = cli("check", "--db", sealed.path, "--user", MANAGER)
    assert code == 1 and "journal_signed_no_update" in err


def test_a_database_without_triggers_fails_the_check(installed: Path) -> None:
    with insider(installed, keep_triggers=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")]
        for name in names:
            conn.execute(f"DROP TRIGGER {name}")
    problems = check(installed).problems
    assert len(names) > 20
    assert {f"schema: trigger {n} is missing" for n in names} <= set(problems)


def test_expected_schema_is_built_in_memory(installed: Path) -> None:
    before = {p.name for p in installed.parent.iterdir()}
    schema._expected = None
    expected = schema.expected_schema()
    assert ("trigger", "journal_notes_insert_readonly") in expected
    assert {p.name for p in installed.parent.iterdir()} == before


# ---------------------------------------------------------------------- the access log
def _last_id(conn: Any) -> int:
    return int(conn.execute("SELECT max(id) FROM access_log").fetchone()[0])


def test_edited_log_row_is_reported(sealed: Sealed, cli: Cli) -> None:
    with insider(sealed.path) as conn:
        conn.execute("UPDATE access_log SET username = 'någon' WHERE id = 5")
    assert check(sealed.path).problems == ("access log row 5 was altered",)
    assert cli("check", "--db", sealed.path, "--user", MANAGER)[0] == 1


def test_deleted_log_row_is_reported(sealed: Sealed) -> None:
    with insider(sealed.path) as conn:
        conn.execute("DELETE FROM access_log WHERE id = 7")
    assert check(sealed.path).problems == ("access log row 7 is missing or out of order",)


def test_reordered_log_rows_are_reported(sealed: Sealed) -> None:
    with insider(sealed.path) as conn:
        conn.execute("UPDATE access_log SET id = -1 WHERE id = 3")
        conn.execute("UPDATE access_log SET id = 3 WHERE id = 4")
        conn.execute("UPDATE access_log SET id = 4 WHERE id = -1")
    problems = check(sealed.path).problems
    assert "access log row 3 was altered" in problems
    assert "access log row 4 was altered" in problems


@pytest.mark.parametrize("rewind", ["nothing", "head", "head_and_counter_partly"])
def test_cut_off_tail_is_named_and_logins_still_work(sealed: Sealed, cli: Cli,
                                                     rewind: str) -> None:
    with Vault.unlock(sealed.path, ANNA, ANNA_PASS) as v:
        for _ in range(6):  # what is cut off: the last few views
            v.log("view")
    with insider(sealed.path) as conn:
        last = _last_id(conn)
        conn.execute("DELETE FROM access_log WHERE id > ?", (last - 4,))
        if rewind != "nothing":
            row = conn.execute(
                "SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1").fetchone()
            conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", row)
        if rewind == "head_and_counter_partly":
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'access_log'",
                         (last - 2,))
    top = last if rewind != "head_and_counter_partly" else last - 2
    # every user can still log in and work; the first entry starts a flagged segment
    with Vault.unlock(sealed.path, ANNA, ANNA_PASS) as v:
        RecordService(v).journal(sealed.victim)
    with Vault.unlock(sealed.path, CHEF, CHEF_PASS) as v:
        review = LogReviewService(v)
        status = review.chain_status()
        gap = review.entries(LogFilter(action=audit.GAP_ACTION))
    gap_message = (f"access log rows {last - 3}-{top} are missing: its tail was cut off "
                   f"(a new, flagged segment starts at row {top + 1})")
    assert not status.ok and status.problem == gap_message
    assert len(gap) == 1 and gap[0].id == top + 1 and gap[0].highlighted
    report = check(sealed.path)
    assert report.problems == (gap_message,)
    code, _, err = cli("check", "--db", sealed.path, "--user", MANAGER)
    assert code == 1 and f"rows {last - 3}-{top} are missing" in err


def test_missing_head_row_does_not_lock_anyone_out(sealed: Sealed) -> None:
    with insider(sealed.path) as conn:
        last = _last_id(conn)
        conn.execute("DELETE FROM audit_head")
    with Vault.unlock(sealed.path, ANNA, ANNA_PASS) as v:
        v.log("view")
    assert check(sealed.path).problems == (
        f"access log head did not match its last row before row {last + 1} (the head or the "
        "tail was altered; a new, flagged segment starts there)",)


def test_tail_cut_with_head_and_counter_rewound_is_the_documented_limit(
        sealed: Sealed) -> None:
    """Rewinding the head and the id counter with the rows leaves nothing inside the
    database to compare with: only a head hash witnessed outside it shows the cut (README)."""
    with Vault.unlock(sealed.path, MANAGER, MANAGER_PASS) as v:
        witnessed = v.check().log_head
    with insider(sealed.path) as conn:
        conn.execute("DELETE FROM access_log WHERE id >= (SELECT id FROM access_log "
                     "WHERE hash = ?)", (witnessed,))
        row = conn.execute("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1").fetchone()
        conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", row)
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'access_log'", (row[0],))
    with Vault.unlock(sealed.path, MANAGER, MANAGER_PASS) as v, v.session() as s:
        assert s.scalar(text("SELECT count(*) FROM access_log WHERE hash = :h"),
                        {"h": witnessed}) == 0


# ---------------------------------------------------------------------- damage
def _copy(path: Path, dest: Path) -> Path:
    dest.mkdir()
    target = dest / path.name
    target.write_bytes(path.read_bytes())
    files.keyfile_path(target).write_bytes(files.keyfile_path(path).read_bytes())
    return target


def test_flipped_bit_and_truncated_file_are_a_report(sealed: Sealed, tmp_path: Path,
                                                     cli: Cli) -> None:
    size = sealed.path.stat().st_size
    assert not backup.wal_path(sealed.path).exists() or \
        backup.wal_path(sealed.path).stat().st_size == 0
    for name, damage in (
            ("flipped-middle", lambda b: b[:size // 2] + bytes([b[size // 2] ^ 0x10])
             + b[size // 2 + 1:]),
            ("flipped-first-page", lambda b: b[:100] + bytes([b[100] ^ 0x01]) + b[101:]),
            ("truncated", lambda b: b[: (size // 2) // 4096 * 4096]),
            ("truncated-odd", lambda b: b[: size - 1000])):
        target = _copy(sealed.path, tmp_path / name)
        target.write_bytes(damage(target.read_bytes()))
        code, _, err = cli("check", "--db", target, "--user", MANAGER)
        assert code == 4, (name, err)
        assert "Kontrollen misslyckades" in err and "säkerhetskopia" in err, (name, err)


def _backup(path: Path, out: Path) -> bytes:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v:
        backup.backup_with_vault(v, out)
    return out.read_bytes()


def _reseal(raw: bytes, damage: Callable[[bytearray], None]) -> bytes:
    """A crafted backup: its database part damaged and the checksum made to match."""
    info_end = raw.index(b"\n", len(backup.MAGIC))
    header = json.loads(raw[len(backup.MAGIC):info_end])
    body = bytearray(raw[backup.HEADER_SIZE:])
    offset = 0
    for part in header["parts"]:
        if part["name"] == "db":
            db_part = body[offset:offset + part["size"]]
            damage(db_part)
            body[offset:offset + part["size"]] = db_part
            part["sha256"] = hashlib.sha256(db_part).hexdigest()
        offset += part["size"]
    block = backup.MAGIC + json.dumps(header, sort_keys=True).encode("ascii") + b"\n"
    return block.ljust(backup.HEADER_SIZE, b" ") + bytes(body)


def test_damaged_and_crafted_backups_are_refused_with_a_report(
        sealed: Sealed, tmp_path: Path, cli: Cli) -> None:
    raw = _backup(sealed.path, tmp_path / "good.rcb")
    target = tmp_path / "live" / "rc.db"
    bad = tmp_path / "bad.rcb"

    def flip(buf: bytearray) -> None:
        buf[len(buf) // 2] ^= 0x10

    def flip_header(buf: bytearray) -> None:
        buf[200] ^= 0x01

    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0x01
    for name, data in (("flipped bit", bytes(flipped)), ("truncated", raw[:len(raw) - 4096]),
                       ("crafted", _reseal(raw, flip)),
                       ("crafted first page", _reseal(raw, flip_header))):
        bad.write_bytes(data)
        for extra in ((), ("--verify-only",)):
            code, _, err = cli("restore", "--db", target, "--from", bad, "--user", MANAGER,
                               *extra)
            assert code == 4, (name, err)
            assert "Kontrollen misslyckades" in err and "Inget har ändrats" in err, (name, err)
            assert not target.exists()
    bad.write_bytes(raw)
    code, _, err = cli("restore", "--db", target, "--from", bad, "--user", MANAGER)
    assert code == 0, err


def test_restore_refuses_a_backup_whose_records_were_changed(
        sealed: Sealed, tmp_path: Path, cli: Cli) -> None:
    with insider(sealed.path) as conn:
        conn.execute("UPDATE assessments SET level = 'high' WHERE id = ?", (sealed.assessment,))
    out = tmp_path / "changed.rcb"
    _backup(sealed.path, out)
    code, _, err = cli("restore", "--db", tmp_path / "new" / "rc.db", "--from", out,
                       "--user", MANAGER, "--verify-only")
    assert code == 4 and f"assessment {sealed.assessment}" in err


# ---------------------------------------------------------------------- upgrade
def _as_revision_0009(path: Path) -> None:
    """Turn a database made by this version back into what 0009 made: the access log
    without ``content_hash`` (chain recomputed), samråd without stored extract rules, no
    trigram index of names, no partner contacts or safety plans, 0009's triggers,
    revision 0009."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    raw = sqlcipher3.dbapi2.connect(":memory:", check_same_thread=False)
    engine = create_engine("sqlite+pysqlite://", creator=lambda: raw,
                           module=sqlcipher3.dbapi2, poolclass=StaticPool)
    with engine.begin() as c:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = c
        command.upgrade(cfg, "0009")
    old_triggers = raw.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    engine.dispose()
    conn = db.connect(path, _key(path))
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("ALTER TABLE access_log DROP COLUMN content_hash")
    conn.execute("ALTER TABLE samrad DROP COLUMN extract_rules")  # added by 0012
    conn.execute("DROP TABLE person_name_fts")  # added by 0013
    drop_tables_added_after(conn, "0013")  # added by 0014 and later
    columns = [c for c in audit._COLUMNS if c != "content_hash"]
    prev = audit.GENESIS
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM access_log ORDER BY id").fetchall()
    for values in rows:
        fields = dict(zip(columns, values, strict=True))
        entry = AccessLog(**{**fields, "ts": datetime.fromisoformat(fields["ts"]),
                             "content_hash": None})
        digest = audit._row_hash(prev, audit._fields(entry))
        conn.execute("UPDATE access_log SET prev_hash = ?, hash = ? WHERE id = ?",
                     (prev, digest, fields["id"]))
        prev = digest
    conn.execute("UPDATE audit_head SET last_hash = ?", (prev,))
    for (sql,) in old_triggers:
        conn.execute(sql)
    conn.execute("UPDATE alembic_version SET version_num = '0009'")
    conn.close()


def test_upgrade_from_0009_seals_existing_records(sealed: Sealed) -> None:
    _as_revision_0009(sealed.path)
    with Vault.unlock(sealed.path, MANAGER, MANAGER_PASS) as v:
        with v.session() as s:
            baseline = {(r[0], r[1]) for r in s.execute(text(
                "SELECT record_type, record_id FROM access_log "
                "WHERE action = 'integrity_baseline' AND content_hash IS NOT NULL"))}
        report = v.check()
    assert report.ok, report.problems
    assert {("journal_note", sealed.note), ("assessment", sealed.assessment),
            ("investigation", sealed.investigation), ("decision", sealed.decision),
            ("samrad", sealed.samrad)} <= baseline
    # from now on a change is caught
    with insider(sealed.path) as c:
        c.execute("UPDATE journal_notes SET body = 'Ändrad' WHERE id = ?", (sealed.note,))
    assert check(sealed.path).problems == (
        f"signed journal note {sealed.note} was changed after it was sealed",)
