"""The administrator holds no data key: user management is a signed directory that data-key
holders carry out. Every test acts as an insider with the files, a passphrase and Python,
through the project's own storage API."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from storage import db, directory, files, keys
from storage.admin import AdminVault
from storage.errors import AccountPending, DatabaseDamaged, KeyFileDamaged, NoDataKey
from storage.models import AccessLog, Person, Role, User
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS

BO, BO_PASS = "bo", "bos egen långa fras"


def _keyfile(path: Path) -> keys.KeyFile:
    return keys.KeyFile.load(files.keyfile_path(path))


def _every_key_the_admin_can_reach(path: Path) -> list[bytes]:
    """Everything the administrator's passphrase opens, tried against every sealed data key
    in the key file (their own slot's and everybody else's)."""
    kf = _keyfile(path)
    opened = keys.open_slot(kf.slots[ADMIN], ADMIN_PASS, kf.db_id)
    found = []
    for name, slot in kf.slots.items():
        for sealed, gen in [(slot.sealed_data_key, slot.generation),
                            (kf.pending_sealed.get(name), kf.pending_generation or 0)]:
            if sealed is None:
                continue
            for who in (name, ADMIN):
                with contextlib.suppress(KeyFileDamaged):
                    found.append(keys.unseal_data_key(sealed, opened.private, kf.db_id, who,
                                                      gen))
    return found


def test_the_administrator_cannot_open_the_data_key(vault: Vault) -> None:
    kf = _keyfile(vault.path)
    assert kf.slots[ADMIN].sealed_data_key is None  # the slot holds none
    assert kf.slots[MANAGER].sealed_data_key is not None
    assert _every_key_the_admin_can_reach(vault.path) == []
    opened = keys.open_slot(kf.slots[ADMIN], ADMIN_PASS, kf.db_id)
    with pytest.raises(NoDataKey):
        Vault._candidate_keys(kf, ADMIN, opened.private)
    with pytest.raises(NoDataKey):
        Vault._open_engine(vault.path, kf, ADMIN, opened.private)
    admin = Vault.unlock(vault.path, ADMIN, ADMIN_PASS)
    assert isinstance(admin, AdminVault)
    with pytest.raises(NoDataKey), admin.session() as s:
        s.scalars(select(Person)).all()
    with pytest.raises(NoDataKey):
        admin.check()
    # the administrator's own key pair as a raw SQLCipher key opens nothing either
    with pytest.raises(DatabaseDamaged):
        db.connect(vault.path, opened.private.private_bytes_raw()).close()
    admin.close()


def _forge(path: Path, username: str, passphrase: str, role: str, signer: Ed25519PrivateKey,
           by: str = ADMIN) -> None:
    kf = _keyfile(path)
    slot = keys.make_slot(username, passphrase, None, kf.db_id, kf.generation, role=role,
                          display_name="Forged")
    slot.status = "pending"
    slot.statement = directory.sign(kf.db_id, directory.enrol_body(slot, by, must_change=False),
                                    by, signer)
    kf.slots[username] = slot
    kf.save(files.keyfile_path(path))


def test_a_forged_enrolment_is_not_accepted(installed: Path) -> None:
    # an insider who can write the key file signs a slot of their own with a key of their
    # own and names the administrator as its signer
    _forge(installed, "mallory", "mallorys långa fras", "caseworker",
           Ed25519PrivateKey.generate())
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:
        assert manager.enrolled == ()
    assert _keyfile(installed).slots["mallory"].sealed_data_key is None
    with pytest.raises(AccountPending):
        Vault.unlock(installed, "mallory", "mallorys långa fras")
    # a valid statement copied onto a slot with the insider's own keys does not verify
    kf = _keyfile(installed)
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.add_user(BO, "Bo", Role.CASEWORKER, BO_PASS, must_change=False)
    kf = _keyfile(installed)
    genuine = kf.slots[BO].statement
    mine = keys.make_slot(BO, "insiderns egna fras", None, kf.db_id, kf.generation,
                          role="caseworker", display_name="Bo")
    mine.statement, mine.status = genuine, "pending"
    kf.slots[BO] = mine
    kf.save(files.keyfile_path(installed))
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:
        assert manager.enrolled == ()
    with pytest.raises(AccountPending):
        Vault.unlock(installed, BO, "insiderns egna fras")


def test_enrolment_happens_at_a_managers_login_only(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.add_user(BO, "Bo Berg", Role.CASEWORKER, BO_PASS, must_change=False)
        assert [r.status.value for r in admin.list_users() if r.username == BO] == ["pending"]
    with pytest.raises(AccountPending):
        Vault.unlock(installed, BO, BO_PASS)
    Vault.unlock(installed, ANNA, ANNA_PASS).close()  # a caseworker enrols nobody
    assert _keyfile(installed).slots[BO].sealed_data_key is None
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:
        assert [(u.username, u.created_by) for u in manager.enrolled] == [(BO, ADMIN)]
        with manager.session() as s:
            actions = [(r.action, r.username) for r in s.scalars(
                select(AccessLog).order_by(AccessLog.id))]
            bo = s.scalar(select(User).where(User.username == BO))
            assert bo is not None and bo.role == "caseworker"
    assert ("user_created", ADMIN) in actions and ("user_enrolled", MANAGER) in actions
    with Vault.unlock(installed, BO, BO_PASS) as bo_vault:
        assert bo_vault.user.role is Role.CASEWORKER
    # enrolled once: the next manager login does not enrol again
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:
        assert manager.enrolled == ()


def test_revocation_ends_the_session_and_the_old_slot_opens_nothing(installed: Path) -> None:
    before = files.keyfile_path(installed).read_bytes()
    anna = Vault.unlock(installed, ANNA, ANNA_PASS)
    manager = Vault.unlock(installed, MANAGER, MANAGER_PASS)
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.revoke_user(ANNA)
    from storage.errors import SessionRevoked

    with pytest.raises(SessionRevoked):
        anna.heartbeat()
    manager.heartbeat()  # the first data-key holder's transaction rekeys
    with manager.session() as s:
        actions = [r.action for r in s.scalars(select(AccessLog).order_by(AccessLog.id))]
    assert "user_revoked" in actions and "rekey" in actions
    old = keys.KeyFile.from_bytes(before)
    private = keys.open_private_key(old.slots[ANNA], ANNA_PASS, old.db_id)
    assert old.slots[ANNA].sealed_data_key is not None
    old_key = keys.unseal_data_key(old.slots[ANNA].sealed_data_key, private, old.db_id, ANNA,
                                   old.slots[ANNA].generation)
    manager.close()
    with pytest.raises(DatabaseDamaged):
        db.connect(installed, old_key).close()
    # putting the old slot back into the key file gives no access either
    kf = _keyfile(installed)
    kf.slots[ANNA] = old.slots[ANNA]
    kf.save(files.keyfile_path(installed))
    with pytest.raises((DatabaseDamaged, KeyFileDamaged)):
        Vault.unlock(installed, ANNA, ANNA_PASS)


def test_an_unsigned_revocation_is_ignored(installed: Path) -> None:
    kf = _keyfile(installed)
    kf.revocations[ANNA] = directory.sign(kf.db_id, directory.revoke_body(ANNA), ADMIN,
                                          Ed25519PrivateKey.generate())
    kf.save(files.keyfile_path(installed))
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
        anna.heartbeat()  # still active


def _make_legacy(path: Path) -> bytes:
    """Turn a new installation into one made before the split (key file version 1): every
    slot, the administrator's too, seals the data key; nothing is pinned."""
    from storage.models import Meta

    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v, v.session(write=True) as s:
        row = s.get(Meta, "admin_signing_keys")
        assert row is not None
        s.delete(row)
    kf = _keyfile(path)
    data_key = Vault._candidate_keys(kf, MANAGER, keys.open_private_key(
        kf.slots[MANAGER], MANAGER_PASS, kf.db_id))[0][1]
    for name, slot in kf.slots.items():
        slot.sealed_data_key = keys.seal_data_key(data_key, slot.public_key, kf.db_id, name,
                                                  kf.generation)
        slot.role, slot.statement, slot.enc_signing_key, slot.signing_public = (
            None, None, None, None)
        slot.status = "active"
    kf.version, kf.settings = 1, None
    kf.save(files.keyfile_path(path))
    return data_key


@pytest.mark.parametrize("first", [ADMIN, MANAGER])
def test_an_old_installation_is_upgraded_at_the_next_login(installed: Path, first: str) -> None:
    old_key = _make_legacy(installed)
    legacy = files.keyfile_path(installed).read_bytes()
    assert keys.KeyFile.from_bytes(legacy).slots[ADMIN].sealed_data_key is not None
    v = Vault.unlock(installed, first, ADMIN_PASS if first == ADMIN else MANAGER_PASS)
    assert isinstance(v, AdminVault) == (first == ADMIN)
    v.close()
    kf = _keyfile(installed)
    assert kf.version == keys.KEYFILE_VERSION
    assert kf.slots[ADMIN].sealed_data_key is None and kf.slots[ADMIN].is_admin
    # the rekey ran: the data key the old administrator slot held opens nothing
    with pytest.raises(DatabaseDamaged):
        db.connect(installed, old_key).close()
    # the administrator works on (their signing key is pinned), and enrolment works
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        assert isinstance(admin, AdminVault)
        admin.add_user(BO, "Bo", Role.CASEWORKER, BO_PASS, must_change=False)
    assert _keyfile(installed).slots[ADMIN].enc_signing_key is not None
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:
        assert [u.username for u in manager.enrolled] == [BO]
    Vault.unlock(installed, ANNA, ANNA_PASS).close()


def test_a_forced_change_gives_a_new_key_pair(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.reset_passphrase(ANNA, "tillfällig fras för anna")
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()
    kept = _keyfile(installed).slots[ANNA]  # what the administrator could have copied
    with Vault.unlock(installed, ANNA, "tillfällig fras för anna") as anna:
        assert anna.user.must_change_passphrase
        anna.change_passphrase("tillfällig fras för anna", ANNA_PASS)
    assert _keyfile(installed).slots[ANNA].public_key != kept.public_key
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:
        manager.rekey()
    kf = _keyfile(installed)
    private = keys.open_private_key(kept, "tillfällig fras för anna", kf.db_id)
    with pytest.raises(KeyFileDamaged):
        keys.unseal_data_key(kf.slots[ANNA].sealed_data_key or b"", private, kf.db_id, ANNA,
                             kf.slots[ANNA].generation)
    Vault.unlock(installed, ANNA, ANNA_PASS).close()


def test_the_admin_directory_copy_is_not_a_backup_of_the_key(installed: Path,
                                                             tmp_path: Path) -> None:
    """A copy of the installation with only the administrator's passphrase opens nothing."""
    copy = tmp_path / "copy" / "rc.db"
    copy.parent.mkdir()
    for p in files.sidecar_paths(installed):
        if p.exists():
            shutil.copy(p, copy.with_name(p.name.replace(installed.name, copy.name)))
    assert _every_key_the_admin_can_reach(copy) == []


def test_sessions_keep_the_settings_an_administrator_signed_after_that_one_is_revoked(
        installed: Path) -> None:
    """Administrator A signed the settings, a second administrator revokes A: A's key is
    no longer pinned, but what A signed while an administrator stays the settings – every
    session opens and keeps them (a centre must not lock itself out by revoking the
    administrator who last changed a setting)."""
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.add_user(BO, "Bo Admin", Role.ADMIN, BO_PASS, must_change=False)
        admin.set_setting("idle_timeout_seconds", 120)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:  # enrols Bo
        assert manager.setting("idle_timeout_seconds") == 120
    with Vault.unlock(installed, BO, BO_PASS) as bo:
        bo.revoke_user(ADMIN)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as manager:  # records it
        assert manager.setting("idle_timeout_seconds") == 120
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
        assert anna.setting("idle_timeout_seconds") == 120
    with Vault.unlock(installed, BO, BO_PASS) as bo:  # the next change is Bo's
        bo.set_setting("idle_timeout_seconds", 90)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as anna:
        assert anna.setting("idle_timeout_seconds") == 90
