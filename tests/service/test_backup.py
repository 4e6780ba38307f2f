"""Backup and restore ([8/8] item 8): a consistent, still-encrypted copy while others write;
a restore that verifies keys and integrity before it replaces anything, and keeps the
previous files."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import stat
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.people import PersonInput
from storage import backup, files
from storage.errors import (
    BackupDamaged,
    BackupMismatch,
    CheckFailed,
    DatabaseBusy,
    DatabaseInUse,
    NewerSchema,
    TargetExists,
)
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS, create
from tests.writers import Pool, first_intake, pool, rows, whole_intakes

posix_only = pytest.mark.skipif(sys.platform == "win32",
                                reason="forked writers and the backup without keys are POSIX")
MARKER = "Rödluvan-Markör-4711"

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """``rc-tui`` in this process (its umask and dumpability left alone): exit code,
    stdout, stderr."""
    import rc_tui.hygiene
    from rc_tui.cli import main

    monkeypatch.setattr(rc_tui.hygiene, "harden_process", dict)

    def run(*args: object, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args], stdin=io.StringIO(stdin))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def register(path: Path, family_name: str) -> None:
    with Vault.unlock(path, ANNA, ANNA_PASS) as v:
        CaseService(v).register_intake(IntakeInput(
            occurred_at=datetime(2026, 3, 2, 9, 0), channel="self",
            what_happened=f"Berättelse om {family_name}", immediate_danger=False,
            members=[MemberInput("victim", PersonInput(given_name="Vera",
                                                       family_name=family_name))]))


def family_names(path: Path, user: str = ANNA, phrase: str = ANNA_PASS) -> set[str]:
    with Vault.unlock(path, user, phrase) as v:
        return {r[0] for r in rows(v, "SELECT family_name FROM persons")}


def fingerprint(path: Path) -> dict[str, str]:
    """The installation's files and their contents (the sealed-event file aside)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in path.parent.iterdir() if not p.name.endswith((".auth", ".lockout"))}


# ---------------------------------------------------------------------- while writing
def assert_snapshot_of(restored: Vault, source: Vault, p: Pool) -> None:
    """The restored database is the source at one moment: its access log is a prefix of
    the source's (then only the restore's own entries), every row equals the source's row
    with that id, its cases are exactly those the log prefix records, and each writer's
    intakes in it are the first ones that writer committed."""
    log_sql = "SELECT id, hash, action, record_type, record_id FROM access_log ORDER BY id"
    src_log, dst_log = rows(source, log_sql), rows(restored, log_sql)
    k = next((i for i, row in enumerate(dst_log) if i >= len(src_log) or row != src_log[i]),
             len(dst_log))
    assert {row[2] for row in dst_log[k:]} <= {"login", "restore", "logout"}
    for table in ("cases", "case_members", "persons", "intakes"):
        src = {r[0]: r for r in rows(source, f"SELECT * FROM {table}")}
        assert all(src.get(r[0]) == r for r in rows(restored, f"SELECT * FROM {table}"))
    cases = whole_intakes(restored)
    assert cases == {r[4] for r in dst_log[:k] if r[2] == "create" and r[3] == "case"}
    for worker in {x[1] for x in p.by_kind("case")}:
        committed = [int(x[2]) for x in p.by_kind("case") if x[1] == worker]
        kept = [c for c in committed if c in cases]
        assert kept == committed[:len(kept)]


@posix_only
def test_backup_while_writers_run_restores_one_consistent_moment(
    installed: Path, tmp_path: Path,
) -> None:
    first_intake(installed, ANNA, ANNA_PASS)
    online, by_files = tmp_path / "b" / "online.rcb", tmp_path / "b" / "files.rcb"
    with pool(installed, ANNA, ANNA_PASS) as p:
        writers = p.spawn("intake", 60.0, 2, seed=5)
        p.wait_for("case", 2)
        with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
            backup.backup_with_vault(v, online)
        p.wait_for("case", len(p.by_kind("case")) + 1)
        # without any key, as from cron (this process has no connection to it open now)
        info = backup.copy_files(installed, by_files)
        assert "wal" in [part.name for part in info.parts]  # recovered when it is opened
        p.wait_for("case", len(p.by_kind("case")) + 1)  # the writers carried on meanwhile
        for pid in writers:
            os.kill(pid, signal.SIGTERM)
        p.reap()
        assert not p.by_kind("error") and not p.by_kind("locked")
        # the copy waits for a writer's transaction to end (and gives up in time)
        p.spawn("hold", 0.6, 1)
        p.wait_for("holding", 1)
        held_since = time.monotonic()
        with pytest.raises(DatabaseBusy):
            backup.copy_files(installed, tmp_path / "b" / "busy.rcb", timeout=0.1)
        assert not (tmp_path / "b" / "busy.rcb").exists()
        backup.copy_files(installed, tmp_path / "b" / "late.rcb")
        assert time.monotonic() - held_since > 0.4  # it waited for the commit
        p.reap()
        # while a session is open, a restore does not replace the database under it
        (session,) = p.spawn("idle", 60.0, 1)
        p.wait_for("ready", 4)
        before = fingerprint(installed)
        with pytest.raises(DatabaseInUse):
            backup.restore(installed, by_files, MANAGER, MANAGER_PASS)
        assert fingerprint(installed) == before
        backup.restore(installed, by_files, MANAGER, MANAGER_PASS, verify_only=True)  # may run
        assert fingerprint(installed) == before
        os.kill(session, signal.SIGTERM)
        p.reap()
    for copy in (online, by_files):
        target = tmp_path / copy.stem / "rc.db"
        result_ = backup.restore(target, copy, MANAGER, MANAGER_PASS)
        assert result_.previous is None
        with Vault.unlock(installed, MANAGER, MANAGER_PASS) as src, \
                Vault.unlock(target, MANAGER, MANAGER_PASS) as dst:
            assert dst.check().ok
            assert_snapshot_of(dst, src, p)
            assert whole_intakes(dst) < whole_intakes(src)


# ---------------------------------------------------------------------- the commands
def test_cli_round_trip(installed: Path, tmp_path: Path, cli: Cli) -> None:
    register(installed, MARKER)
    folder = tmp_path / "backups"
    out, online = folder / "rc-1.rcb", folder / "rc-2.rcb"
    keyless = files.POSIX
    args = ["backup", "--db", installed, "--out", out]
    code, stdout, err = cli(*args) if keyless else cli(*args, "--user", ANNA,
                                                       stdin=ANNA_PASS + "\n")
    assert code == 0, err
    assert str(out) in stdout
    raw = out.read_bytes()
    assert MARKER.encode() not in raw and b"SQLite format 3" not in raw
    if files.POSIX:
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert cli(*args)[0] == 1  # never overwrites a backup
    code, _, err = cli("backup", "--db", installed, "--out", online, "--user", ANNA,
                       stdin=ANNA_PASS + "\n")
    assert code == 0, err
    assert MARKER.encode() not in online.read_bytes()
    # after the backup: one more intake, then anna is revoked (the database is rekeyed)
    register(installed, "Efteråt")
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as a:
        a.revoke_user(ANNA)
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()  # records it and rekeys

    def refused(source: Path, stdin: str, user: str = MANAGER) -> tuple[int, str]:
        before = fingerprint(installed)
        code, _, err = cli("restore", "--db", installed, "--from", source, "--user", user,
                           stdin=stdin)
        assert fingerprint(installed) == before, "a refused restore changes nothing"
        assert "Traceback" not in err
        # one line; a damaged backup is a report: what failed, what it means, what to do
        assert len(err.strip().splitlines()) == (3 if code == 4 else 1), err
        return code, err

    assert refused(out, "fel lösenfras här\n")[0] == 3
    assert refused(out, ANNA_PASS + "\n", user=ANNA)[0] == 3  # only managers
    code, err = refused(out, ADMIN_PASS + "\n", user=ADMIN)  # no data key: cannot check it
    assert code == 1 and "inte databasen" in err
    damaged = folder / "damaged.rcb"
    data = bytearray(raw)
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    code, err = refused(damaged, MANAGER_PASS + "\n")
    assert code == 4 and "Inget har ändrats" in err
    damaged.write_bytes(raw[: len(raw) - 100])
    assert refused(damaged, MANAGER_PASS + "\n")[0] == 4
    before = fingerprint(installed)
    code, stdout, _ = cli("restore", "--db", installed, "--from", online, "--user", MANAGER,
                          "--verify-only", stdin=MANAGER_PASS + "\n")
    assert code == 0 and "Inget har ändrats" in stdout
    assert fingerprint(installed) == before

    code, stdout, err = cli("restore", "--db", installed, "--from", out, "--user", MANAGER,
                            stdin=MANAGER_PASS + "\n")
    assert code == 0, err
    (previous,) = [p for p in installed.parent.iterdir()
                   if p.name.startswith(installed.name + ".before-restore-")
                   and not p.name.endswith((".keys", "-wal", "-shm"))]
    assert str(previous) in stdout
    assert "anna" in stdout and "user revoke" in stdout  # her slot is back: revoke again
    assert family_names(installed) == {MARKER}  # as at the backup
    assert cli("check", "--db", installed, "--user", MANAGER, stdin=MANAGER_PASS + "\n")[0] == 0
    log_sql = "SELECT action, outcome, username, screen FROM access_log"
    with Vault.unlock(previous, MANAGER, MANAGER_PASS) as v:
        assert "Efteråt" in {r[0] for r in rows(v, "SELECT family_name FROM persons")}
        if keyless:  # recorded at the next login after it, before the restore
            assert ("backup", "ok", None, "cli") in rows(v, log_sql)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        log = rows(v, log_sql)
    assert ("restore", "ok", MANAGER, "cli") in log
    assert ("restore", "wrong_passphrase", MANAGER, "cli") in log  # refusals reach the log
    assert ("restore", "denied", ANNA, "cli") in log
    assert ("backup_verified", "ok", MANAGER, "cli") in log


# ---------------------------------------------------------------------- refusals
def test_restore_checks_before_it_replaces(vault: Vault, tmp_path: Path) -> None:
    live = vault.path
    other = create(tmp_path / "other" / "rc.db")
    backup.backup_with_vault(other, tmp_path / "other.rcb")
    other.close()
    with pytest.raises(TargetExists):
        backup.backup_with_vault(vault, tmp_path / "other.rcb")
    # an access log that was altered (the triggers dropped by someone with the key)
    with vault.session(write=True) as s:
        s.execute(text("DROP TRIGGER access_log_no_update"))
        s.execute(text("UPDATE access_log SET username = 'someone' WHERE id = 1"))
    backup.backup_with_vault(vault, tmp_path / "tampered.rcb")
    with vault.session(write=True) as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    backup.backup_with_vault(vault, tmp_path / "newer.rcb")
    vault.close(None)
    before = fingerprint(live)
    with pytest.raises(BackupMismatch):  # a backup of another installation
        backup.restore(live, tmp_path / "other.rcb", MANAGER, MANAGER_PASS)
    assert fingerprint(live) == before
    (tmp_path / "junk.rcb").write_bytes(b"RC-TUI-BACKUP\n{}" + b" " * 5000)
    for name, error in (("tampered", CheckFailed), ("newer", NewerSchema),
                        ("junk", BackupDamaged), ("missing", BackupDamaged)):
        target = tmp_path / name / "rc.db"
        with pytest.raises(error):
            backup.restore(target, tmp_path / f"{name}.rcb", MANAGER, MANAGER_PASS)
        left = list(target.parent.iterdir()) if target.parent.exists() else []
        assert left == [], "nothing is left behind"
