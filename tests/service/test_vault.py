"""The vault: create, open, passphrases, revoke + rekey, damaged files, newer schema."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import text

from storage import files, keys
from storage.db import SESSION_CACHE_KIB
from storage.errors import (
    AccountPending,
    DatabaseDamaged,
    DatabaseExists,
    DatabaseMissing,
    KeyFileDamaged,
    KeyFileMissing,
    LockedOut,
    NewerSchema,
    PermissionDenied,
    UnknownUser,
    WrongPassphrase,
)
from storage.models import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS, enrol

_t = [time.time()]


def later() -> float:
    """A clock where every reading is an hour after the last: no throttle delay applies."""
    _t[0] += 3600.0
    return _t[0]


def test_create_and_open(installed: Path) -> None:
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert v.user.username == ANNA
        assert v.user.role is Role.CASEWORKER
        assert v.check().ok


def test_create_refuses_existing(installed: Path) -> None:
    with pytest.raises(DatabaseExists):
        Vault.create(installed, "other", "Other", "en annan lång fras", "o2", "O2",
                     "en tredje lång fras")


#: opens the vault as the product does and prints its connection's settings (in a process
#: of its own: SQLCipher decides memory security once per process). ``sys.argv[3]`` is
#: the product's ``--memory-security`` (``1``) or not (``0``).
_SETTINGS = """
import sys
from pathlib import Path
from rc_tui import cli
from storage.vault import Vault
phrase = sys.stdin.readline().rstrip("\\n")
if sys.argv[3] == "1":  # what ``rc-tui --memory-security`` calls before anything opens
    cli.main(["--memory-security", "instruments", "check", "/nonexistent.yaml"])
with Vault.unlock(Path(sys.argv[1]), sys.argv[2], phrase) as v, v.engine.connect() as c:
    for name in ("cipher_memory_security", "temp_store", "secure_delete", "foreign_keys",
                 "journal_mode", "busy_timeout", "cipher_version", "cache_size"):
        print(name, c.exec_driver_sql(f"PRAGMA {name}").scalar())
"""


@pytest.mark.parametrize("memory_security", ["0", "1"])
def test_connection_settings_are_enforced(installed: Path, memory_security: str) -> None:
    r = subprocess.run([sys.executable, "-c", _SETTINGS, str(installed), ANNA,
                        memory_security],
                       input=ANNA_PASS + "\n", capture_output=True, text=True, timeout=120,
                       check=False, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    pragma = dict(line.split(" ", 1) for line in r.stdout.splitlines() if " " in line)
    # off by default (as in SQLCipher since 4.5); ``--memory-security`` turns it on
    assert pragma["cipher_memory_security"] == memory_security
    assert pragma["temp_store"] == "2"  # MEMORY
    assert pragma["secure_delete"] == "1"
    assert pragma["foreign_keys"] == "1"
    assert pragma["journal_mode"] == "wal"
    assert int(pragma["busy_timeout"]) >= 5000
    assert pragma["cipher_version"].startswith("4.")
    # the session's page cache (storage.db.SESSION_CACHE_KIB), not SQLCipher's 8,000 KiB
    assert pragma["cache_size"] == f"-{SESSION_CACHE_KIB}"


def test_database_is_not_plain_sqlite(installed: Path) -> None:
    assert not installed.read_bytes().startswith(b"SQLite format 3")
    import sqlite3

    conn = sqlite3.connect(installed)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_wrong_passphrase_and_unknown_user(installed: Path) -> None:
    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ANNA, "fel fras men lång nog")
    with pytest.raises(UnknownUser):
        Vault.unlock(installed, "nobody", ANNA_PASS)


def test_failed_logins_slow_down_and_survive_restart(installed: Path) -> None:
    now = [1000.0]

    def clock() -> float:
        return now[0]

    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ANNA, "fel fras nummer ett", clock=clock)
    # 1 s delay after the first failure, 2 s after the second, 4 s after the third
    with pytest.raises(LockedOut) as exc:
        Vault.unlock(installed, ANNA, ANNA_PASS, clock=clock)
    assert exc.value.wait_seconds == pytest.approx(1.0)
    now[0] += 1.1
    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ANNA, "fel fras nummer två", clock=clock)
    now[0] += 1.1
    with pytest.raises(LockedOut) as exc:
        Vault.unlock(installed, ANNA, ANNA_PASS, clock=clock)  # still within 2 s
    assert 0.8 < exc.value.wait_seconds < 1.0
    # the throttle is a file: a new process (here: a fresh object) sees the same delay
    from storage.authstate import Throttle

    assert Throttle(installed, clock).failures(ANNA) == 2
    # other users are not slowed down by anna's failures
    Vault.unlock(installed, MANAGER, MANAGER_PASS, clock=clock).close()
    now[0] += 2.0
    Vault.unlock(installed, ANNA, ANNA_PASS, clock=clock).close()
    assert Throttle(installed, clock).failures(ANNA) == 0


def test_every_attempt_reaches_the_access_log(installed: Path) -> None:
    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ANNA, "fel fras nummer ett")
    with pytest.raises(UnknownUser):
        Vault.unlock(installed, "mallory", "whatever passphrase")
    with pytest.raises(UnknownUser):
        Vault.unlock(installed, "korrekt hästbatteri?", "typed into the wrong field")
    raw_auth = files.authlog_path(installed).read_bytes()
    assert b"mallory" not in raw_auth and b"anna" not in raw_auth  # sealed, not plain
    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ADMIN, "fel fras för admin")
    Vault.unlock(installed, ADMIN, ADMIN_PASS, clock=later).close()  # sealed events too
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session() as s:
        rows = s.execute(text("SELECT action, outcome, username FROM access_log ORDER BY id"))
        entries = [tuple(r) for r in rows]
    assert ("login_failed", "wrong_passphrase", ANNA) in entries
    assert ("login_failed", "wrong_passphrase", ADMIN) in entries
    assert ("login", "ok", ADMIN) in entries and ("logout", "ok", ADMIN) in entries
    assert ("login_failed", "unknown_user", "mallory") in entries
    assert ("login_failed", "unknown_user", "(invalid)") in entries  # never the typed text
    assert entries[-1] == ("login", "ok", MANAGER)
    assert not files.authlog_path(installed).exists()  # drained into the database


def test_change_passphrase_rewraps_only_own_slot(installed: Path) -> None:
    kpath = files.keyfile_path(installed)
    before = json.loads(kpath.read_text())
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        v.change_passphrase(ANNA_PASS, "en helt ny lösenfras")
    after = json.loads(kpath.read_text())
    assert after["slots"][ADMIN] == before["slots"][ADMIN]
    assert after["slots"][ANNA]["private_key"] != before["slots"][ANNA]["private_key"]
    assert after["slots"][ANNA]["data_key"] == before["slots"][ANNA]["data_key"]
    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ANNA, ANNA_PASS)
    Vault.unlock(installed, ANNA, "en helt ny lösenfras", clock=later).close()
    Vault.unlock(installed, ADMIN, ADMIN_PASS).close()
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()


def test_change_passphrase_requires_the_current_one(installed: Path) -> None:
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v, pytest.raises(WrongPassphrase):
        v.change_passphrase("inte min fras alls", "en helt ny lösenfras")


def test_revoke_rekeys_so_an_old_slot_copy_fails(installed: Path, tmp_path: Path) -> None:
    kpath = files.keyfile_path(installed)
    saved = tmp_path / "saved.keys"
    shutil.copy(kpath, saved)  # anna keeps a copy of the key file before revocation
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as a:
        a.revoke_user(ANNA)
    assert ANNA not in json.loads(kpath.read_text())["slots"]
    with pytest.raises(UnknownUser):
        Vault.unlock(installed, ANNA, ANNA_PASS)  # blocked at once
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:  # a data-key holder rekeys
        assert v.check().ok
    current = json.loads(kpath.read_text())
    assert ANNA not in current["slots"]
    assert current["generation"] == 2
    # the saved slot unseals the *old* data key, which no longer opens the file
    shutil.copy(kpath, tmp_path / "current.keys")
    shutil.copy(saved, kpath)
    with pytest.raises(DatabaseDamaged):
        Vault.unlock(installed, ANNA, ANNA_PASS)
    old = keys.KeyFile.load(saved)
    priv = keys.open_private_key(old.slots[ANNA], ANNA_PASS, old.db_id)
    old_key = keys.unseal_data_key(old.slots[ANNA].sealed_data_key, priv, old.db_id, ANNA, 1)
    conn = sqlcipher3.dbapi2.connect(str(installed))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
    with pytest.raises(sqlcipher3.dbapi2.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    shutil.copy(tmp_path / "current.keys", kpath)
    Vault.unlock(installed, ADMIN, ADMIN_PASS).close()  # everyone else still gets in
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()


def test_revoke_while_others_are_open_rekeys_at_once(installed: Path) -> None:
    """The rekey no longer waits for other sessions: they follow it
    (tests/system/test_revocation.py)."""
    other = Vault.unlock(installed, ANNA, ANNA_PASS)  # a live session elsewhere
    with other.session() as s:
        s.execute(text("SELECT 1"))
    enrol(installed, "bo", "Bo", Role.CASEWORKER, "bos egen långa fras")
    admin = Vault.unlock(installed, ADMIN, ADMIN_PASS)
    admin.revoke_user("bo")
    with pytest.raises(UnknownUser):
        Vault.unlock(installed, "bo", "bos egen långa fras")  # blocked immediately
    with other.session() as s:  # anna's next transaction records it and rekeys at once
        s.execute(text("SELECT 1"))
    assert json.loads(files.keyfile_path(installed).read_text())["generation"] == 2
    assert other._generation == 2
    admin.close()
    other.close()
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert v.check().ok
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()


def test_interrupted_rekey_is_finished_at_next_login(installed: Path) -> None:
    """Crash after the database got the new key but before the key file was promoted."""
    kpath = files.keyfile_path(installed)
    kf = keys.KeyFile.load(kpath)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        old_key = bytes(v._data_key)
    new_key = keys.new_data_key()
    kf.pending_generation = 2
    kf.pending_sealed = {name: keys.seal_data_key(new_key, slot.public_key, kf.db_id, name, 2)
                         for name, slot in kf.holders().items()}
    kf.save(kpath)
    conn = sqlcipher3.dbapi2.connect(str(installed))
    conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
    conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    conn.close()
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert v.check().ok
    promoted = json.loads(kpath.read_text())
    assert promoted["generation"] == 2 and "pending" not in promoted
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()


@pytest.mark.parametrize(("user", "phrase"), [(ANNA, ANNA_PASS), (MANAGER, MANAGER_PASS)])
def test_only_admins_manage_users(installed: Path, user: str, phrase: str) -> None:
    before = files.keyfile_path(installed).read_bytes()
    with Vault.unlock(installed, user, phrase) as v:
        with pytest.raises(PermissionDenied):
            v.add_user("eve", "Eve", Role.ADMIN, "eves långa lösenfras")
        with pytest.raises(PermissionDenied):
            v.revoke_user(ADMIN)
        with pytest.raises(PermissionDenied):
            v.reset_passphrase(ANNA, "tillfällig fras 2026")
        with pytest.raises(PermissionDenied):
            v.list_users()
        with pytest.raises(PermissionDenied):
            v.set_setting("idle_timeout_seconds", 60)
    assert json.loads(files.keyfile_path(installed).read_bytes())["slots"] == \
        json.loads(before)["slots"]


def test_admin_reset_gives_new_slot_and_forces_change(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        v.reset_passphrase(ANNA, "tillfällig fras 2026")
    with pytest.raises(WrongPassphrase):
        Vault.unlock(installed, ANNA, ANNA_PASS)
    with pytest.raises(AccountPending):  # the new slot has no data key until a manager's login
        Vault.unlock(installed, ANNA, "tillfällig fras 2026", clock=later)
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()
    with Vault.unlock(installed, ANNA, "tillfällig fras 2026", clock=later) as v:
        assert v.user.must_change_passphrase


def test_newer_schema_is_refused_and_left_untouched(installed: Path) -> None:
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session(write=True) as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    digest = hashlib.sha256(installed.read_bytes()).hexdigest()
    with pytest.raises(NewerSchema):
        Vault.unlock(installed, ANNA, ANNA_PASS)
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == digest


def test_missing_and_damaged_files(installed: Path, tmp_path: Path) -> None:
    kpath = files.keyfile_path(installed)
    shutil.copy(kpath, tmp_path / "x.db.keys")  # key file without its database
    with pytest.raises(DatabaseMissing):
        Vault.unlock(tmp_path / "x.db", ANNA, ANNA_PASS)
    with pytest.raises(KeyFileMissing):
        Vault.unlock(tmp_path / "nothing.db", ANNA, ANNA_PASS)
    original = kpath.read_bytes()
    kpath.write_bytes(b"{not json")
    with pytest.raises(KeyFileDamaged):
        Vault.unlock(installed, ANNA, ANNA_PASS)
    kpath.write_bytes(original)
    data = bytearray(installed.read_bytes())
    for offset in range(4096 + 100, 4096 + 200):  # scramble part of page 2
        data[offset] ^= 0xFF
    installed.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged):
        with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
            report = v.check()
            if not report.ok:
                raise DatabaseDamaged(report.problems[0])


def test_truncated_database_is_reported_as_damaged(installed: Path) -> None:
    installed.write_bytes(installed.read_bytes()[:100])
    with pytest.raises(DatabaseDamaged):
        Vault.unlock(installed, ANNA, ANNA_PASS)


def test_keyfile_reveals_only_the_user_directory_and_kdf_parameters(vault: Vault) -> None:
    """The key file is the signed user directory (usernames, display names, roles,
    settings) with sealed keys: never a key in the clear, never case content."""
    raw = files.keyfile_path(vault.path).read_text()
    data = json.loads(raw)
    assert set(data) <= {"format", "version", "db_id", "generation", "audit_public_key",
                         "slots", "settings", "revocations"}
    for name, slot in data["slots"].items():
        assert set(slot) <= {"kdf", "public_key", "private_key", "data_key", "generation",
                             "display_name", "role", "status", "statement", "signing_key",
                             "signing_public", "sealed_signing_key", "must_change", "prefs"}
        assert set(slot["kdf"]) == {"alg", "t", "m", "p", "salt"}
        # the administrator's slot seals no data key at all
        assert (slot["data_key"] is None) == (name == ADMIN)
    key = bytes(vault._data_key)
    assert key.hex() not in raw
    import base64

    assert base64.b64encode(key).decode() not in raw


def test_product_kdf_never_below_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(keys.TEST_KDF_ENV)
    monkeypatch.setattr(keys, "_calibrated", None)
    params = keys.calibrate()
    assert params.memory_kib >= 64 * 1024
    assert params.time_cost >= 3
    assert params.meets_product_minimum()
    assert not keys.test_params().meets_product_minimum()


def test_weak_test_slot_is_upgraded_when_not_in_test_mode(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(keys.TEST_KDF_ENV)
    monkeypatch.setattr(keys, "_calibrated", (3, 64 * 1024, 1))
    Vault.unlock(installed, ANNA, ANNA_PASS).close()
    slot = keys.KeyFile.load(files.keyfile_path(installed)).slots[ANNA]
    assert slot.kdf.meets_product_minimum()
    Vault.unlock(installed, ANNA, ANNA_PASS).close()


def test_close_forgets_the_key(vault: Vault) -> None:
    vault.close()
    assert not vault.is_open
    assert bytes(vault._data_key) == bytes(32)


def test_a_session_checkpoints_in_its_own_thread_not_at_a_commit(installed: Path) -> None:
    """A commit never copies the WAL into the database (that took 0.1-0.5 s inside
    somebody's save on a large database); the session's checkpoint thread does, when the
    WAL changed, and it ends with the session."""
    import hashlib
    import threading

    from storage import audit

    def main_file() -> str:
        return hashlib.sha256(installed.read_bytes()).hexdigest()

    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        with v.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        v._checkpointer.run_once()  # what the unlock wrote
        before = main_file()
        with v.session(write=True) as s:  # well past SQLite's 1,000 pages
            audit.append_many(s, [{"action": "view", "screen": "test", "reason": "x" * 1500}
                                  for _ in range(3000)])
        assert main_file() == before  # the commit did not checkpoint
        assert v._checkpointer.run_once()
        assert main_file() != before
        assert not v._checkpointer.run_once()  # nothing changed since
        assert any(t.name == "rc-tui-checkpoint" for t in threading.enumerate())
    assert not any(t.name == "rc-tui-checkpoint" for t in threading.enumerate())
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert v.check().ok
