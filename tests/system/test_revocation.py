"""Revocation ends sessions within seconds, and the rekey does not wait for anyone.

Insider view: a caseworker with an open session, a copy of the key file from before the
revocation, her passphrase and Python. After ``rc-tui user revoke`` (an administrator's
signed statement) her open session can neither read nor write, and once the next
transaction of another data-key holder ran, neither the old slot nor the old data key opens
the live database – while a third user's session, open throughout, keeps working.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import audit, db, files, keys
from storage.errors import (
    DatabaseDamaged,
    KeyChanged,
    RekeyBusy,
    SessionRevoked,
    UnknownUser,
    VaultError,
)
from storage.models import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS, enrol
from tests.pty_terminal import PtyTerminal

BO, BO_PASS = "bo", "bos egen långa fras"
PAGE = 4096


def _third_user(path: Path) -> None:
    enrol(path, BO, "Bo Berg", Role.MANAGER, BO_PASS)


def _actions(path: Path) -> list[tuple[str, str | None]]:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v, v.session() as s:
        rows = s.execute(text("SELECT action, username FROM access_log ORDER BY id")).all()
    return [(r[0], r[1]) for r in rows]


def _old_key_opens_nothing(path: Path, old_key: bytes, tmp: Path) -> None:
    """Neither the live files nor a copy of the main file alone open with ``old_key``."""
    with pytest.raises(DatabaseDamaged):
        db.connect(path, old_key).close()
    alone = tmp / "main-file-alone.db"
    shutil.copy(path, alone)  # without its WAL: what an attacker copying one file gets
    with pytest.raises(DatabaseDamaged):
        db.connect(alone, old_key, configure_wal=False).close()


def test_a_revoked_session_ends_at_its_next_transaction(
    installed: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The guard alone (the rekey held back): the revoked user reads and writes nothing."""
    _third_user(installed)
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    bo = Vault.unlock(installed, BO, BO_PASS)
    maja = Vault.unlock(installed, MANAGER, MANAGER_PASS)
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.revoke_user(ANNA)  # signed in the key file; nothing rekeyed yet

    def busy(self: Vault, **kw: object) -> None:
        raise RekeyBusy()

    monkeypatch.setattr(Vault, "_rekey", busy)
    with pytest.raises(SessionRevoked), anna.session() as s:  # she records it herself
        s.execute(text("SELECT count(*) FROM persons"))
    monkeypatch.undo()
    assert anna.ended == "revoked" and not anna.is_open
    assert bytes(anna._data_key) == bytes(32) and bytes(anna._private) == bytes(32)
    with pytest.raises(VaultError):
        anna.log("view")  # no write either
    # the third session's next transaction finishes the pending rekey, and keeps working
    bo.heartbeat()
    assert keys.KeyFile.load(files.keyfile_path(installed)).generation == 2
    maja.heartbeat()  # saw the pending flag too: follows the new key, does not rekey again
    assert maja._generation == 2
    assert keys.KeyFile.load(files.keyfile_path(installed)).generation == 2
    bo.log("view")
    maja.close()
    bo.close()
    assert (("session_revoked", ANNA)) in _actions(installed)
    assert ("rekey", BO) in _actions(installed)


def test_revocation_rekeys_at_once_and_only_the_others_follow(
    installed: Path, tmp_path: Path,
) -> None:
    _third_user(installed)
    saved_keys = tmp_path / "before-revoke.keys"
    shutil.copy(files.keyfile_path(installed), saved_keys)  # anna's copy of the key file
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    old_key = bytes(anna._data_key)  # what her process (or a memory dump) holds
    bo = Vault.unlock(installed, BO, BO_PASS)  # the third session, open throughout
    bo.log("view")
    maja = Vault.unlock(installed, MANAGER, MANAGER_PASS)  # stays open: its close would
    with db.raw_connection(installed, bytes(maja._data_key)) as conn:  # checkpoint too
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the main file holds it all
    before = installed.read_bytes()
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.revoke_user(ANNA)
    bo.log("view")  # bo's next transaction records it and rekeys, with two sessions open
    assert keys.KeyFile.load(files.keyfile_path(installed)).generation == 2
    with pytest.raises(SessionRevoked):
        anna.heartbeat()
    assert anna.ended == "revoked"
    bo.log("view")  # the third session keeps working
    with bo.session() as s:
        assert s.execute(text("SELECT count(*) FROM users")).scalar() == 4
    _old_key_opens_nothing(installed, old_key, tmp_path)
    after = installed.read_bytes()
    pages = min(len(before), len(after)) // PAGE
    assert pages > 10
    unchanged = [i for i in range(pages)
                 if before[i * PAGE:(i + 1) * PAGE] == after[i * PAGE:(i + 1) * PAGE]]
    assert unchanged == []  # every page was rewritten under the new key
    # the old slot (her passphrase + the saved key file) unseals only the old key
    old = keys.KeyFile.load(saved_keys)
    private = keys.open_private_key(old.slots[ANNA], ANNA_PASS, old.db_id)
    assert keys.unseal_data_key(old.slots[ANNA].sealed_data_key, private, old.db_id, ANNA,
                                old.slots[ANNA].generation) == old_key
    with pytest.raises(UnknownUser):
        Vault.unlock(installed, ANNA, ANNA_PASS)
    maja.close()
    bo.close()
    with Vault.unlock(installed, BO, BO_PASS) as v:
        assert v.check().ok


def test_a_rekey_interrupted_before_its_commit_leaves_everyone_working(
    installed: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The key file already names the new key, but the database kept the old one."""
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    maja = Vault.unlock(installed, MANAGER, MANAGER_PASS)
    real_append = audit.append

    def crash(session: object, action: str, **kw: object) -> object:
        if action == "rekey":
            raise RuntimeError("power cut")
        return real_append(session, action, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "append", crash)
    with pytest.raises(RuntimeError):
        maja.rekey()
    monkeypatch.undo()
    half = keys.KeyFile.load(files.keyfile_path(installed))
    assert half.generation == 2 and half.pending_generation == 1
    anna.log("view")  # the old key still opens the database
    with Vault.unlock(installed, ANNA, ANNA_PASS) as again:  # through the pending seal
        assert again._generation == 1
    settled = keys.KeyFile.load(files.keyfile_path(installed))
    assert settled.generation == 1 and settled.pending_generation is None
    maja.close()
    anna.rekey()
    anna.close()
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        assert v._generation == 2 and v.check().ok  # the aborted generation is reused


def test_a_session_whose_slot_was_reset_asks_for_the_passphrase_after_a_rekey(
    installed: Path,
) -> None:
    """A reset gives a new key pair: the session's kept private key unseals nothing new."""
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.reset_passphrase(ANNA, "en tillfällig lång fras")
    anna.log("view")  # until the next rekey her key still works
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as maja:
        maja.rekey()
    with pytest.raises(KeyChanged):
        anna.heartbeat()
    assert anna.ended == "key_changed" and bytes(anna._private) == bytes(32)


class PtyApp(PtyTerminal):
    def __init__(self, db_path: Path) -> None:
        super().__init__(["--db", str(db_path)], env={"RC_TUI_INSECURE_TEST_KDF": "1"})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty")
def test_revoke_locks_the_open_session_in_another_process_within_seconds(
    installed: Path, tmp_path: Path,
) -> None:
    _third_user(installed)
    bo = Vault.unlock(installed, BO, BO_PASS)  # the third session, open throughout
    app = PtyApp(installed)
    try:
        app.wait_for("Logga in")
        app.type(ANNA + "\r")
        app.type(ANNA_PASS + "\r")
        app.wait_for("Mina öppna ärenden")
        kf = keys.KeyFile.load(files.keyfile_path(installed))
        private = keys.open_private_key(kf.slots[ANNA], ANNA_PASS, kf.db_id)
        old_key = keys.unseal_data_key(kf.slots[ANNA].sealed_data_key, private, kf.db_id,
                                       ANNA, kf.slots[ANNA].generation)
        mark = app.mark()
        revoke = subprocess.run(
            [sys.executable, "-m", "rc_tui", "user", "revoke", "--db", str(installed),
             "--user", ADMIN, ANNA],
            input=ADMIN_PASS + "\n", capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "RC_TUI_INSECURE_TEST_KDF": "1", "LANG": "C.UTF-8"},
        )
        assert revoke.returncode == 0, revoke.stderr
        assert "nästa transaktion" in revoke.stdout.lower()  # a data-key holder rekeys
        revoked_at = time.monotonic()
        app.wait_for("Kontot har spärrats av en administratör", timeout=15, start=mark)
        assert time.monotonic() - revoked_at < 10  # her own session saw the signed revocation
        bo.log("view")  # the third session's next transaction rekeys; it keeps working
        _old_key_opens_nothing(installed, old_key, tmp_path)
        with bo.session() as s:
            assert s.execute(text("SELECT status FROM users WHERE username = :u"),
                             {"u": ANNA}).scalar() == "revoked"
        mark = app.mark()
        app.type(ANNA_PASS + "\r")  # the locked screen asks again: she is refused
        app.wait_for("Okänd eller spärrad användare", timeout=15, start=mark)
    finally:
        app.close()
    bo.close()
    actions = _actions(installed)
    assert ("user_revoked", ADMIN) in actions and ("rekey", BO) in actions
    assert ("lock_revoked", ANNA) not in actions  # her session could not write any more
