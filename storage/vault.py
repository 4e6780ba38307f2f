"""The vault: one encrypted SQLCipher database per installation, opened per user.

``Vault.create`` makes a new installation with its first administrator and its first
manager; ``Vault.unlock`` opens it for one user with their own passphrase. A data-key
holder (caseworker, shelter staff, manager) gets a ``Vault`` on the database; an
administrator gets an ``AdminVault`` (``storage.admin``) on the signed user directory
only – their slot holds no data key. Data-key holders' sessions carry out what the
administrators signed (``storage.directory``): a manager's login enrols pending users,
any holder's transaction records a revocation and rekeys. Key-file updates are
serialised by ``<db>.keys.lock`` (administrators never take the database lock).

The parts: ``storage.guard`` (the open session, the guard on every transaction, rekey),
``storage.account`` (settings, preferences, own passphrase), ``storage.health`` (online
copy, integrity check), ``storage.directory_acts`` (carrying out the signed directory),
``storage.values`` (the frozen values handed out) and ``storage.meta``.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from storage import audit, db, directory, files, keys, schema
from storage.account import AccountMixin
from storage.authstate import SealedEvents, Throttle, safe_username
from storage.directory_acts import enrol_pending, record_directory, upgrade_directory
from storage.errors import (
    AccountPending,
    DatabaseDamaged,
    DatabaseExists,
    DatabaseMissing,
    KeyFileDamaged,
    LockedOut,
    RekeyBusy,
    UnknownUser,
    VaultError,
    WrongPassphrase,
)
from storage.guard import settle, wipe_all
from storage.health import HealthMixin
from storage.install import DEFAULT_SETTINGS
from storage.meta import ACCEPTED, PINNED, SETTINGS_STATEMENT, get_meta, set_meta
from storage.models import Role, User, UserStatus
from storage.values import CheckReport, EnrolledUser, UserInfo, UserRow, user_info

__all__ = [
    "CheckReport", "EnrolledUser", "UserInfo", "UserRow", "Vault",
    "record_failed_attempt",
]


class Vault(AccountMixin, HealthMixin):
    """An unlocked installation for one user. Close it (or use ``with``) when done."""

    @classmethod
    def create(
        cls, path: Path, admin_username: str, admin_display_name: str, admin_passphrase: str,
        manager_username: str, manager_display_name: str, manager_passphrase: str,
        *, demo: bool = False, demo_logins: list[tuple[str, str, str]] | None = None,
    ) -> Vault:
        """Create a new installation with its first administrator and its first manager.

        The administrator's slot gets a signing key (pinned in the database here) and no
        data key; the manager's slot holds the data key. Returns the manager's vault.
        """
        path = Path(path)
        kpath = files.keyfile_path(path)
        if path.exists() or kpath.exists():
            raise DatabaseExists(str(path))
        if admin_username == manager_username:
            raise VaultError("the administrator and the manager must be two users")
        files.secure_umask()
        files.ensure_private_dir(path.parent)
        db_id = uuid.uuid4().hex
        data_key = keys.new_data_key()
        audit_private = X25519PrivateKey.generate()
        kf = keys.KeyFile(
            db_id=db_id,
            generation=1,
            audit_public_key=audit_private.public_key().public_bytes_raw(),
            demo=demo,
            demo_logins=list(demo_logins or []),
        )
        signing = Ed25519PrivateKey.generate()
        kf.slots[admin_username] = keys.make_slot(
            admin_username, admin_passphrase, None, db_id, 1, role=Role.ADMIN.value,
            display_name=admin_display_name, signing=signing,
        )
        manager_private = X25519PrivateKey.generate()
        kf.slots[manager_username] = keys.make_slot(
            manager_username, manager_passphrase, data_key, db_id, 1, private=manager_private,
            role=Role.MANAGER.value, display_name=manager_display_name,
        )
        kf.settings = directory.sign(db_id, directory.settings_body(dict(DEFAULT_SETTINGS)),
                                     admin_username, signing)
        engine = db.make_engine(path, data_key)
        try:
            schema.upgrade(engine)
            with Session(engine.execution_options(rc_write=True)) as s, s.begin():
                set_meta(s, "db_id", db_id)
                set_meta(s, "demo", demo)
                set_meta(s, "audit_private_key", keys.b64e(audit_private.private_bytes_raw()))
                set_meta(s, "rekey_pending", False)
                set_meta(s, PINNED, directory.pinned_to_meta(
                    {admin_username: signing.public_key().public_bytes_raw()}))
                # the first signed settings, recorded: from now on the key file must hold
                # these or newer signed ones (``AccountMixin.setting``)
                set_meta(s, SETTINGS_STATEMENT, kf.settings)
                set_meta(s, ACCEPTED, {directory.SETTINGS_ACCEPTED: directory.settings_of(
                    kf, None).issued_at})
                for k, v in DEFAULT_SETTINGS.items():
                    set_meta(s, f"setting.{k}", v)
                admin = User(
                    username=admin_username, display_name=admin_display_name,
                    role=Role.ADMIN.value, status=UserStatus.ACTIVE.value,
                    must_change_passphrase=False, created_at=audit.utcnow(),
                )
                s.add(admin)
                s.flush()
                manager = User(
                    username=manager_username, display_name=manager_display_name,
                    role=Role.MANAGER.value, status=UserStatus.ACTIVE.value,
                    must_change_passphrase=False, created_at=audit.utcnow(),
                    created_by_id=admin.id,
                )
                s.add(manager)
                s.flush()
                audit.append(s, "vault_created", user_id=manager.id, username=manager.username)
                for u in (admin, manager):
                    audit.append(s, "user_created", user_id=manager.id,
                                 username=manager.username, record_type="user",
                                 record_id=u.id)
                info = user_info(manager)
            kf.save(kpath)
        except BaseException:
            engine.dispose()
            keys.wipe(data_key)
            for p in files.sidecar_paths(path):
                with contextlib.suppress(OSError):
                    p.unlink()
            raise
        for p in files.sidecar_paths(path):
            files.restrict_file(p)
        return cls(path, kf, engine, data_key, info, audit_private, manager_private, 1)

    # C901: the one login protocol, step by step (each refusal recorded before it is raised,
    # the retry when a rekey commits meanwhile); split only with the rekey it interlocks with
    @classmethod
    def unlock(  # noqa: C901
        cls, path: Path, username: str, passphrase: str, *, clock: Any = time.time,
    ) -> Vault:
        """Open the installation as ``username``. Every attempt is recorded.

        An administrator gets an ``AdminVault`` (the signed directory, no database). A slot
        that waits for enrolment opens nothing (``AccountPending``).
        """
        path = Path(path)
        kf = keys.KeyFile.load(files.keyfile_path(path))
        if not path.exists():
            raise DatabaseMissing(str(path))
        events = SealedEvents(path, kf.audit_public_key)
        throttle = Throttle(path, clock)
        if username not in kf.slots:
            events.append({"action": "login_failed", "outcome": "unknown_user",
                           "username": safe_username(username), "ts": clock()})
            raise UnknownUser()
        slot = kf.slots[username]
        with throttle.attempt(username):  # parallel attempts wait for each other's verdict
            try:
                throttle.check(username)
            except LockedOut:
                events.append({"action": "login_refused", "outcome": "locked_out",
                               "username": username, "ts": clock()})
                raise
            try:
                opened = keys.open_slot(slot, passphrase, kf.db_id)
            except WrongPassphrase:
                throttle.record_failure(username)
                events.append({"action": "login_failed", "outcome": "wrong_passphrase",
                               "username": username, "ts": clock()})
                raise
        private = opened.private
        legacy = kf.version < keys.KEYFILE_VERSION
        if not legacy and (slot.is_admin or slot.sealed_data_key is None):
            throttle.reset(username)
            if slot.status == "pending" or (not slot.is_admin and slot.sealed_data_key is None):
                keys.wipe(opened.kek)
                events.append({"action": "login_refused", "outcome": "pending",
                               "username": username, "ts": clock()})
                raise AccountPending()
            from storage.admin import AdminVault

            return AdminVault.open(path, kf, username, passphrase, opened, clock)
        keys.wipe(opened.kek)
        for attempt in range(3):
            engine, data_key, generation = cls._open_engine(path, kf, username, private)
            try:
                schema.upgrade(engine)
                with Session(engine.execution_options(rc_write=True)) as s, s.begin():
                    if get_meta(s, "db_id") != kf.db_id:
                        raise KeyFileDamaged("key file belongs to another database")
                    audit_private = X25519PrivateKey.from_private_bytes(
                        keys.b64d(get_meta(s, "audit_private_key"))
                    )
                    for ev in SealedEvents.drain(path, audit_private):
                        _import_event(s, ev)
                    user = s.scalar(select(User).where(User.username == username))
                    if user is None or user.status != UserStatus.ACTIVE.value:
                        audit.append(s, "login_failed", username=username, outcome="revoked",
                                     user_id=user.id if user else None)
                        refused = True
                    else:
                        refused = False
                        audit.append(s, "login", user_id=user.id, username=user.username)
                        with files.exclusive_lock(files.keyfile_lock_path(path)):
                            # under the write lock: finish an interrupted rekey's key file,
                            # upgrade a version-1 file, carry out what administrators signed
                            settled = keys.KeyFile.load(files.keyfile_path(path))
                            changed = settle(settled, generation)
                            if settled.version < keys.KEYFILE_VERSION:
                                upgrade_directory(s, settled, user)
                                changed = True
                            changed |= record_directory(s, settled, user)
                            enrolled: tuple[EnrolledUser, ...] = ()
                            if user.role == Role.MANAGER.value:
                                enrolled = enrol_pending(s, settled, user, data_key, generation)
                                changed |= bool(enrolled)
                            if changed:
                                settled.save(files.keyfile_path(path))
                        s.flush()
                        s.refresh(user)
                        refused = user.status != UserStatus.ACTIVE.value
                        info = user_info(user)
                    rekey_pending = bool(get_meta(s, "rekey_pending", False))
                if refused:
                    raise UnknownUser()
                break
            except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError) as exc:
                engine.dispose()
                keys.wipe(data_key)
                if db.is_not_a_database(getattr(exc, "orig", None) or exc) and attempt < 2:
                    # a rekey committed between opening and this transaction: the key file
                    # already names the new key
                    kf = keys.KeyFile.load(files.keyfile_path(path))
                    if username not in kf.slots:
                        raise UnknownUser() from None
                    continue
                if db.is_damage(exc):
                    raise DatabaseDamaged(type(exc).__name__) from None
                raise
            except BaseException:
                engine.dispose()
                keys.wipe(data_key)
                raise
        throttle.reset(username)
        vault = cls(path, kf, engine, data_key, info, audit_private, private, generation)
        vault.enrolled = enrolled
        if rekey_pending:
            with contextlib.suppress(RekeyBusy):
                vault._rekey(only_if_pending=True)
        if info.role is Role.ADMIN:  # a version-1 administrator's last login with the data key
            vault.close(None)
            from storage.admin import AdminVault

            kf = keys.KeyFile.load(files.keyfile_path(path))
            opened = keys.open_slot(kf.slot(username), passphrase, kf.db_id)
            return AdminVault.open(path, kf, username, passphrase, opened, clock)
        if not slot.kdf.meets_product_minimum() and not keys.test_kdf_enabled():
            vault._replace_own_slot(private, passphrase)
        return vault

    @classmethod
    def _open_engine(
        cls, path: Path, kf: keys.KeyFile, username: str, private: X25519PrivateKey,
    ) -> tuple[Engine, bytearray, int]:
        """An engine with whichever of the user's candidate keys opens the database.

        The key file is not changed here: only the holder of the write lock may settle it
        (a rekey in another process may be between writing the key file and its commit).
        """
        candidates = cls._candidate_keys(kf, username, private)
        try:
            for generation, data_key in candidates:
                try:
                    db.connect(path, data_key).close()
                except DatabaseDamaged:
                    continue
                except sqlcipher3.dbapi2.DatabaseError as exc:
                    raise DatabaseDamaged(str(exc)) from None
                candidates.remove((generation, data_key))  # kept: the engine shares it
                return (db.make_engine(path, data_key, background_checkpoint=True), data_key,
                        generation)
            raise DatabaseDamaged("no key opens the database")
        finally:
            wipe_all(candidates)


def record_failed_attempt(path: Path, username: str, outcome: str, clock: Any = time.time) -> None:
    """Count and record an attempt at ``username`` that never reached the passphrase check
    (for example unreadable input): the same delay and the same access-log entry as a wrong
    passphrase. Nothing is recorded where there is no installation (no key file)."""
    path = Path(path)
    try:
        kf = keys.KeyFile.load(files.keyfile_path(path))
    except VaultError:
        return
    events = SealedEvents(path, kf.audit_public_key)
    if username not in kf.slots:
        events.append({"action": "login_failed", "outcome": "unknown_user",
                       "username": safe_username(username), "ts": clock()})
        return
    throttle = Throttle(path, clock)
    with throttle.attempt(username):
        throttle.record_failure(username)
    events.append({"action": "login_failed", "outcome": outcome, "username": username,
                   "ts": clock()})


def _import_event(s: Session, ev: dict[str, Any]) -> None:
    ts = ev.get("ts")
    when = None
    if isinstance(ts, (int, float)):
        from datetime import UTC, datetime

        when = datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)
    audit.append(
        s, str(ev.get("action", "auth_event"))[:32],
        username=str(ev.get("username", ""))[:32] or None,
        outcome=str(ev.get("outcome", "failed"))[:16],
        screen=str(ev.get("screen", "login"))[:48], ts=when,
        reason=str(ev["reason"])[:200] if isinstance(ev.get("reason"), str) else None,
    )

