"""The vault: one encrypted SQLCipher database per installation, opened per user.

``Vault.create`` makes a new installation with its first administrator and its first
manager; ``Vault.unlock`` opens it for one user with their own passphrase. A data-key
holder (caseworker, shelter staff, manager) gets a ``Vault`` on the database; an
administrator gets an ``AdminVault`` (``storage.admin``) on the signed user directory
only – their slot holds no data key. Data-key holders' sessions carry out what the
administrators signed (``storage.directory``): a manager's login enrols pending users,
any holder's transaction records a revocation and rekeys. Key-file updates are
serialised by ``<db>.keys.lock`` (administrators never take the database lock).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from storage import audit, db, directory, files, integrity, keys, schema
from storage.authstate import SealedEvents, Throttle, safe_username
from storage.errors import (
    AccountPending,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseExists,
    DatabaseMissing,
    KeyChanged,
    KeyFileDamaged,
    LockedOut,
    NoDataKey,
    PermissionDenied,
    RekeyBusy,
    SessionRevoked,
    UnknownUser,
    VaultError,
    WrongPassphrase,
)
from storage.install import DEFAULT_SETTINGS, DEFAULT_USER_PREFERENCES, checked_setting
from storage.models import Meta, Role, User, UserStatus

CLOSE_CHECKPOINT_WAIT_MS = 100
#: How long a session waits for a rekey that another session is committing right now
#: (the new key is in the key file before the commit, so this is normally one retry).
FOLLOW_REKEY_SECONDS = 10.0
#: After a rekey, wait at most this long for readers to move on so that every page of the
#: main database file is rewritten under the new key (a FULL checkpoint).
REKEY_CHECKPOINT_WAIT_MS = 2000

#: The guard at the start of every transaction: is this user still active, and is a
#: rekey pending? One indexed lookup each, in the transaction's own snapshot.
_GUARD = text(
    "SELECT (SELECT status FROM users WHERE username = :u), "
    "(SELECT value FROM meta WHERE key = 'rekey_pending')"
)


#: meta keys of the signed directory: the administrators' pinned signing keys, and the
#: last accepted statement time per username (older statements are never acted on again)
PINNED = "admin_signing_keys"
ACCEPTED = "directory_accepted"


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    must_change_passphrase: bool
    language: str | None


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    role: Role
    status: UserStatus
    created_at: str
    has_slot: bool


@dataclass(frozen=True)
class EnrolledUser:
    """A user this login enrolled (shown on the manager's home screen)."""

    username: str
    display_name: str
    role: Role
    created_by: str


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    problems: tuple[str, ...]
    log_rows: int
    log_head: str
    #: the file itself is damaged (SQLCipher/SQLite), not only its contents inconsistent
    damaged: bool = False


def _user_info(u: User) -> UserInfo:
    return UserInfo(
        u.id, u.username, u.display_name, Role(u.role), u.must_change_passphrase, u.language
    )


def _set_meta(session: Session, key: str, value: Any) -> None:
    session.merge(Meta(key=key, value=json.dumps(value)))


def _get_meta(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Meta, key)
    return default if row is None else json.loads(row.value)


class Vault:
    """An unlocked installation for one user. Close it (or use ``with``) when done."""

    def __init__(
        self, path: Path, keyfile: keys.KeyFile, engine: Engine, data_key: bytearray,
        user: UserInfo, audit_private: X25519PrivateKey, private: X25519PrivateKey,
        generation: int,
    ) -> None:
        self.path = path
        self.keyfile_path = files.keyfile_path(path)
        self.db_id = keyfile.db_id
        self.demo = keyfile.demo
        self._engine: Engine | None = engine
        # the one copy of the data key that this process keeps: the engine uses this very
        # buffer (no copy of its own), a rekey replaces it in place, and close() zeroes it
        self._data_key = data_key
        #: this user's own private key, kept for the session so that it can follow a rekey
        #: (unseal the new data key from its own slot) without asking for the passphrase
        self._private = bytearray(private.private_bytes_raw())
        self._generation = generation
        self._audit_private = audit_private
        self.user = user
        #: why the session ended on its own ("revoked", "key_changed"); None while open
        self.ended: str | None = None
        #: worker threads share the vault: one of them follows a rekey, the others wait
        self._reopen_lock = threading.Lock()
        #: users this login enrolled (a manager's login; shown on the home screen)
        self.enrolled: tuple[EnrolledUser, ...] = ()
        #: the signed directory as last read: (stat signature, key file, pinned keys)
        self._directory: tuple[tuple[int, int, int], keys.KeyFile, dict[str, bytes]] | None = None

    # ------------------------------------------------------------------ lifecycle
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
                _set_meta(s, "db_id", db_id)
                _set_meta(s, "demo", demo)
                _set_meta(s, "audit_private_key", keys.b64e(audit_private.private_bytes_raw()))
                _set_meta(s, "rekey_pending", False)
                _set_meta(s, PINNED, directory.pinned_to_meta(
                    {admin_username: signing.public_key().public_bytes_raw()}))
                for k, v in DEFAULT_SETTINGS.items():
                    _set_meta(s, f"setting.{k}", v)
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
                info = _user_info(manager)
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
                    if _get_meta(s, "db_id") != kf.db_id:
                        raise KeyFileDamaged("key file belongs to another database")
                    audit_private = X25519PrivateKey.from_private_bytes(
                        keys.b64d(_get_meta(s, "audit_private_key"))
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
                            changed = _settle(settled, generation)
                            if settled.version < keys.KEYFILE_VERSION:
                                _upgrade_directory(s, settled, user)
                                changed = True
                            changed |= _record_directory(s, settled, user)
                            enrolled: tuple[EnrolledUser, ...] = ()
                            if user.role == Role.MANAGER.value:
                                enrolled = _enrol_pending(s, settled, user, data_key, generation)
                                changed |= bool(enrolled)
                            if changed:
                                settled.save(files.keyfile_path(path))
                        s.flush()
                        s.refresh(user)
                        refused = user.status != UserStatus.ACTIVE.value
                        info = _user_info(user)
                    rekey_pending = bool(_get_meta(s, "rekey_pending", False))
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

    @staticmethod
    def _candidate_keys(
        kf: keys.KeyFile, username: str, private: X25519PrivateKey,
    ) -> list[tuple[int, bytearray]]:
        """The data keys this user's slot unseals: the slot's own and, during or after an
        interrupted rekey, the pending one (one of them opens the database)."""
        slot = kf.slot(username)
        if slot.sealed_data_key is None:
            raise NoDataKey()  # an administrator's slot, or one not enrolled (any more)
        found = [(slot.generation, keys.unseal_data_key(
            slot.sealed_data_key, private, kf.db_id, username, slot.generation))]
        pending = kf.pending_sealed.get(username)
        if kf.pending_generation is not None and pending is not None:
            with contextlib.suppress(KeyFileDamaged):
                found.append((kf.pending_generation, keys.unseal_data_key(
                    pending, private, kf.db_id, username, kf.pending_generation)))
        return found

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
                return db.make_engine(path, data_key), data_key, generation
            raise DatabaseDamaged("no key opens the database")
        finally:
            _wipe_all(candidates)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultError("vault is closed")
        return self._engine

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    def close(self, action: str | None = "logout") -> None:
        """Log ``action`` (logout/lock/hangup), release connections and forget the key."""
        if self._engine is None:
            return
        if action:
            with contextlib.suppress(Exception):
                self.log(action)
        engine, self._engine = self._engine, None
        with contextlib.suppress(Exception), engine.connect() as conn:
            # best effort: a TRUNCATE checkpoint waits for every writer and reader, which
            # under load kept a logout waiting for seconds; the last session to close
            # checkpoints the WAL anyway
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {CLOSE_CHECKPOINT_WAIT_MS}")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        self._forget_keys()

    def _forget_keys(self) -> None:
        for secret in (self._data_key, self._private):
            keys.wipe(secret)

    def _end(self, reason: str) -> None:
        """The session ends on its own (revoked, key gone): no connection, no key."""
        self.ended = reason
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()
        self._forget_keys()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A short transaction. ``write=True`` takes the write lock up front (BEGIN IMMEDIATE).

        Every transaction starts with the guard (``_begin``): a revoked user's session ends
        here (``SessionRevoked``), and a session whose data key was replaced by a rekey
        reopens with the new key before the caller sees the transaction.
        """
        s = self._begin(write)
        try:
            transaction = s.get_transaction()
            assert transaction is not None
            with s, transaction:  # commits on success, rolls back on an exception
                yield s
        except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError) as exc:
            if db.is_not_a_database(getattr(exc, "orig", None) or exc):
                raise KeyChanged() from None
            if db.is_damage(exc):
                raise DatabaseDamaged(type(exc).__name__) from None
            raise

    def _begin(self, write: bool, *, finish_rekey: bool = True,
               check_directory: bool = True) -> Session:
        """Begin a transaction and pass the guard in it; returns the open session."""
        tried_rekey, tried_directory = False, not check_directory
        deadline = time.monotonic() + FOLLOW_REKEY_SECONDS
        while True:
            generation = self._generation
            s = Session(self.engine.execution_options(rc_write=write), expire_on_commit=False)
            try:
                s.begin()
                status, pending = s.execute(_GUARD, {"u": self.user.username}).one()
            except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError,
                    DatabaseDamaged) as exc:
                s.close()
                if not (isinstance(exc, DatabaseDamaged)
                        or db.is_not_a_database(getattr(exc, "orig", None) or exc)):
                    if db.is_damage(exc):
                        raise DatabaseDamaged(type(exc).__name__) from None
                    raise
                self._follow_rekey(deadline, generation)
                continue
            except BaseException:
                s.close()
                raise
            if status != UserStatus.ACTIVE.value:
                s.close()
                self._end_revoked()
                raise SessionRevoked()
            if not tried_directory and self._directory_has_news(s):
                # an administrator signed a revocation (perhaps of this user) or a new
                # signing key: record it now, in its own write transaction
                s.close()
                tried_directory = True
                with contextlib.suppress(sa_exc.OperationalError, RekeyBusy):
                    self._record_directory_now()
                continue
            if finish_rekey and pending is not None and json.loads(pending) and not tried_rekey:
                # a revocation whose rekey did not complete (its process died): finish it
                s.close()
                tried_rekey = True
                with contextlib.suppress(RekeyBusy):
                    self._rekey(only_if_pending=True)
                continue
            return s

    def _directory_has_news(self, s: Session) -> bool:
        """Has the signed directory changed since this session last read it, with a signed
        act that no data-key holder has recorded yet? One ``stat`` when nothing changed."""
        try:
            st = os.stat(self.keyfile_path)
        except OSError:
            return False
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._directory is not None and self._directory[0] == stamp:
            return False
        try:
            kf = keys.KeyFile.load(self.keyfile_path)
        except VaultError:
            return False  # damaged or missing: the next login says so
        pinned = directory.pinned_from_meta(_get_meta(s, PINNED, {}))
        accepted = _get_meta(s, ACCEPTED, {})
        if _unrecorded(kf, pinned, accepted):
            return True
        self._directory = (stamp, kf, pinned)
        return False

    def _record_directory_now(self) -> None:
        s = self._begin(True, finish_rekey=False, check_directory=False)
        transaction = s.get_transaction()
        assert transaction is not None
        with s, transaction, self._keyfile() as kf:
            actor = s.get(User, self.user.id)
            assert actor is not None
            _record_directory(s, kf, actor)

    def _end_revoked(self) -> None:
        """Record that the revoked user's session ended, then forget every key."""
        with contextlib.suppress(Exception), Session(
            self.engine.execution_options(rc_write=True)
        ) as s, s.begin():
            audit.append(s, "session_revoked", user_id=self.user.id,
                         username=self.user.username, outcome="revoked")
        self._end("revoked")

    def _follow_rekey(self, deadline: float, failed_generation: int) -> None:
        """The data key no longer opens the database: another session rekeyed it. Unseal
        the new key from this user's own slot and reopen (or end the session)."""
        with self._reopen_lock:
            if self._engine is not None and self._generation != failed_generation:
                return  # another thread of this session has followed the rekey already
            self._follow_rekey_locked(deadline)

    def _follow_rekey_locked(self, deadline: float) -> None:
        private = X25519PrivateKey.from_private_bytes(self._private)
        while True:
            kf = keys.KeyFile.load(self.keyfile_path)
            slot = kf.slots.get(self.user.username)
            if slot is None:  # revoked and rekeyed: the slot is gone
                self._end("revoked")
                raise SessionRevoked()
            if slot.public_key != private.public_key().public_bytes_raw():
                self._end("key_changed")  # an administrator gave this user a new key pair
                raise KeyChanged()
            candidates = self._candidate_keys(kf, self.user.username, private)
            try:
                for generation, key in candidates:
                    try:
                        db.connect(self.path, key).close()
                    except DatabaseDamaged:
                        continue
                    # every pooled connection has the old key: release them, open anew
                    # (in place: the buffer stays the one copy of the key)
                    self._data_key[:] = key
                    engine, self._engine = self._engine, db.make_engine(
                        self.path, self._data_key)
                    self._generation = generation
                    if engine is not None:
                        engine.dispose()
                    return
                unchanged = all(key == self._data_key for _, key in candidates)
            finally:
                _wipe_all(candidates)
            if unchanged:
                self._end("damaged")  # no new key anywhere: the file itself is damaged
                raise DatabaseDamaged("the data key no longer opens the database")
            if time.monotonic() > deadline:
                self._end("key_changed")
                raise KeyChanged()
            time.sleep(0.05)  # the rekey's key file is written; its commit is on the way

    def heartbeat(self) -> None:
        """A cheap read transaction (the guard only): called every few seconds by the app so
        an idle session also ends at once when revoked and follows a rekey."""
        with self.session():
            pass

    def log(self, action: str, **kw: Any) -> None:
        with self.session(write=True) as s:
            audit.append(s, action, user_id=self.user.id, username=self.user.username, **kw)

    # ------------------------------------------------------------------ settings
    def setting(self, name: str) -> Any:
        """A setting: the administrators' signed one from the directory (range-checked),
        else the database's (an installation from before the directory), else the default."""
        with self.session() as s:
            stored = _get_meta(s, f"setting.{name}", DEFAULT_SETTINGS.get(name))
        if self._directory is not None:
            signed = directory.settings_of(self._directory[1], self._directory[2])
            if signed.signed_by is not None:
                return signed.values[name]
        return checked_setting(name, stored)

    def set_setting(self, name: str, value: Any) -> None:
        """Settings are signed by an administrator (``AdminVault.set_setting``)."""
        raise PermissionDenied(Role.ADMIN.value)

    def set_language(self, language: str | None) -> None:
        with self.session(write=True) as s:
            u = s.get(User, self.user.id)
            assert u is not None
            u.language = language
        self.user = UserInfo(**{**self.user.__dict__, "language": language})

    def _preferences_key(self) -> str:
        return f"user.{self.user.id}.preferences"

    def preference(self, name: str) -> Any:
        """One of the signed-in user's own preferences (``DEFAULT_USER_PREFERENCES``)."""
        if name not in DEFAULT_USER_PREFERENCES:
            raise ValueError(name)
        with self.session() as s:
            stored = _get_meta(s, self._preferences_key(), {})
        return stored.get(name, DEFAULT_USER_PREFERENCES[name])

    def set_preference(self, name: str, value: Any) -> None:
        """Set one of the signed-in user's own preferences: no schema change, no log entry
        (like the language, it holds nothing about anyone)."""
        if name not in DEFAULT_USER_PREFERENCES:
            raise ValueError(name)
        with self.session(write=True) as s:
            stored = dict(_get_meta(s, self._preferences_key(), {}))
            stored[name] = value
            _set_meta(s, self._preferences_key(), stored)

    # ------------------------------------------------------------------ users
    def _require(self, role: Role) -> None:
        if self.user.role != role:
            raise PermissionDenied(role.value)

    # User management is the administrators' (``storage.admin.AdminVault``): a data-key
    # holder's session carries out what they signed, but never signs anything itself.
    def list_users(self) -> list[UserRow]:
        raise PermissionDenied(Role.ADMIN.value)

    def add_user(
        self, username: str, display_name: str, role: Role, passphrase: str,
        *, must_change: bool = True,
    ) -> None:
        raise PermissionDenied(Role.ADMIN.value)

    def reset_passphrase(self, username: str, new: str) -> None:
        raise PermissionDenied(Role.ADMIN.value)

    def revoke_user(self, username: str) -> None:
        raise PermissionDenied(Role.ADMIN.value)

    def change_passphrase(self, old: str, new: str) -> None:
        """Rewrap this user's own slot under the new passphrase.

        The first (forced) change after an administrator set the passphrase also gives the
        slot a new key pair with the data key sealed to it: the administrator knew the old
        passphrase, so a copy of the old slot must open no later data key.
        """
        kdf = keys.calibrate()
        forced = self.user.must_change_passphrase
        with self.session(write=True) as s, self._keyfile() as kf:
            slot = kf.slot(self.user.username)
            private = keys.open_private_key(slot, old, kf.db_id)
            if forced:
                private = X25519PrivateKey.generate()
                fresh = keys.make_slot(self.user.username, new, self._data_key, kf.db_id,
                                       self._generation, kdf, private, role=slot.role,
                                       display_name=slot.display_name)
                fresh.statement = slot.statement
                kf.slots[self.user.username] = fresh
            else:
                kf.slots[self.user.username] = keys.rewrap_slot(slot, private, new, kf.db_id,
                                                                kdf)
            u = s.get(User, self.user.id)
            assert u is not None
            u.must_change_passphrase = False
            audit.append(s, "passphrase_changed", user_id=self.user.id,
                         username=self.user.username, record_type="user", record_id=self.user.id)
        self._private[:] = private.private_bytes_raw()
        self.user = UserInfo(**{**self.user.__dict__, "must_change_passphrase": False})

    def _replace_own_slot(self, private: X25519PrivateKey, passphrase: str) -> None:
        with self.session(write=True) as s, self._keyfile() as kf:
            slot = kf.slot(self.user.username)
            kf.slots[self.user.username] = keys.rewrap_slot(slot, private, passphrase, kf.db_id)
            audit.append(s, "kdf_upgraded", user_id=self.user.id, username=self.user.username)

    def rekey(self) -> None:
        """Replace the data key now (``rc-tui rekey``; raises ``RekeyBusy`` when the write
        lock cannot be had within the busy timeout)."""
        self._rekey()

    def _rekey(self, *, only_if_pending: bool = False) -> None:
        """Replace the data key in one write transaction; other sessions keep working.

        SQLCipher rewrites every page under the new key and commits them with the
        transaction's other writes (in WAL mode the pages go to the WAL; readers keep their
        snapshot, writers wait for the lock as for any write). Crash-safe: before the
        rewrite, the key file gets the new key sealed to every slot and keeps the old one
        as ``pending``; whichever the database ends up with, every remaining user opens it,
        and the next write-lock holder settles the key file (``_keyfile``). Other
        sessions find the new key at their next transaction (``_follow_rekey``).
        """
        new_key = keys.new_data_key()
        try:
            s = self._begin(True, finish_rekey=False, check_directory=False)
        except sa_exc.OperationalError as exc:
            if db.is_busy(exc):
                raise RekeyBusy() from None
            raise
        transaction = s.get_transaction()
        assert transaction is not None
        try:
            with s, transaction:
                if only_if_pending and not _get_meta(s, "rekey_pending", False):
                    return  # another session finished it while this one waited for the lock
                with self._keyfile() as kf:
                    old_gen = kf.generation
                    gen = old_gen + 1
                    holders = kf.holders()  # administrators and pending slots get nothing
                    kf.pending_generation = old_gen
                    kf.pending_sealed = {n: slot.sealed_data_key
                                         for n, slot in holders.items()
                                         if slot.generation == old_gen and slot.sealed_data_key}
                    for name, slot in holders.items():
                        slot.sealed_data_key = keys.seal_data_key(
                            new_key, slot.public_key, kf.db_id, name, gen)
                        slot.generation = gen
                    kf.generation = gen
                # SQLCipher commits the open transaction together with the rewritten pages,
                # so everything that belongs to the rekey is written before it
                _set_meta(s, "rekey_pending", False)
                audit.append(s, "rekey", user_id=self.user.id, username=self.user.username)
                s.flush()
                s.connection().exec_driver_sql(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        finally:
            # the pooled connection now has the new key but the engine would open new ones
            # with the old key: start over with a new engine either way
            self.engine.dispose()
        self._data_key[:] = new_key  # in place: the buffer stays the one copy of the key
        keys.wipe(new_key)
        self._generation = gen
        self._engine = db.make_engine(self.path, self._data_key)
        with self.session(write=True), self._keyfile():
            pass  # settling the key file drops the old key's seals
        with contextlib.suppress(Exception), self.engine.connect() as conn:
            # rewrite the main file from the WAL now, so that no page under the old key is
            # left on disk (a copy of the file alone must not open with the old key either)
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {REKEY_CHECKPOINT_WAIT_MS}")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")

    @contextmanager
    def _keyfile(self) -> Iterator[keys.KeyFile]:
        """The key file under ``<db>.keys.lock``, settled after an interrupted rekey, saved
        when the block ends without an error. Use only inside a write transaction: the
        holder of the database write lock knows which generation opens the database (its
        own); the file lock keeps administrators' updates from being lost."""
        with files.exclusive_lock(files.keyfile_lock_path(self.path)):
            kf = keys.KeyFile.load(self.keyfile_path)
            _settle(kf, self._generation)
            yield kf
            kf.save(self.keyfile_path)

    # ------------------------------------------------------------------ backup
    def online_copy(self, dest: Path) -> bytes:
        """Copy the database into the new file ``dest`` with SQLite's online backup API.

        ``dest`` is keyed with the same data key before its first page is written, so the
        copy is encrypted on disk from the start. One step is one read snapshot: writers
        carry on. Returns the key file read after the copy; a rekey may commit meanwhile
        (it does not wait for readers), so the key file is checked to still unseal the
        copy's key for this user, and the copy is taken again under the new key if not.
        The copy is checked before return.
        """
        for _ in range(3):
            self.heartbeat()  # the guard: still active, and following any rekey first
            key = bytearray(self._data_key)  # the copy's key, even if a rekey comes between
            try:
                src = db.connect(self.path, key)
                try:
                    dst = db.connect(dest, key, configure_wal=False)
                    try:
                        src.backup(dst)
                        raw_keys = self.keyfile_path.read_bytes()
                        problems = [r[0] for r in dst.execute("PRAGMA cipher_integrity_check")]
                        quick = [r[0] for r in dst.execute("PRAGMA quick_check")]
                    finally:
                        dst.close()
                finally:
                    src.close()
                if problems or quick != ["ok"]:
                    raise DatabaseDamaged("backup copy does not verify")
                private = X25519PrivateKey.from_private_bytes(self._private)
                saved = keys.KeyFile.from_bytes(raw_keys)
                candidates = self._candidate_keys(saved, self.user.username, private)
                unchanged = any(k == key for _, k in candidates)
                _wipe_all(candidates)
                if unchanged:
                    return raw_keys
                for p in [dest, *files.sidecar_paths(dest)]:  # a rekey came between: again
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
            finally:
                keys.wipe(key)
        raise DatabaseBusy("rekeyed during the copy")

    # ------------------------------------------------------------------ health
    def check(self) -> CheckReport:
        """Every integrity check; never raises for what it finds in the database.

        SQLCipher's page authentication and SQLite's integrity checks (and any database
        error on the way) are *damage*; the schema (every table, index and trigger as the
        migrations create them), the access-log chain and the sealed records are
        *findings*. Problems name checks, rows and records by id – never content.
        """
        problems: list[str] = []
        damaged = False

        def damage(step: str, exc: BaseException) -> None:
            nonlocal damaged
            damaged = True
            problems.append(f"{step}: {db.error_message(exc)}")

        try:
            with self.engine.connect() as conn:
                for (msg,) in conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall():
                    damaged = True
                    problems.append(f"SQLCipher: {msg}")
                conn.rollback()
        except _DB_ERRORS as exc:
            damage("SQLCipher", exc)
        try:
            with self.engine.connect() as conn:
                result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
                if result != ["ok"]:
                    damaged = True
                    problems.extend(f"SQLite: {m}" for m in result[:5])
                fks = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if fks:
                    problems.append(f"SQLite: {len(fks)} foreign key violations")
                conn.rollback()
        except _DB_ERRORS as exc:
            damage("SQLite", exc)
        try:
            with self.engine.connect() as conn:
                problems.extend(schema.schema_problems(conn))
                conn.rollback()
        except _DB_ERRORS as exc:
            damage("schema", exc)
        rows, head = 0, ""
        try:
            with self.session() as s:
                report = audit.verify_chain(s)
            problems.extend(report.problems)
            rows, head = report.rows, report.head_hash
        except _READ_ERRORS as exc:
            damage("access log", exc)
        try:
            with self.session() as s:
                problems.extend(integrity.verify_sealed(s))
        except _READ_ERRORS as exc:
            damage("sealed records", exc)
        return CheckReport(not problems, tuple(problems), rows, head, damaged)


_DB_ERRORS = db.DATABASE_ERRORS
#: a session turns damage into ``DatabaseDamaged`` (anything else, e.g. a revoked
#: session, is not a finding about the database and goes to the caller)
_READ_ERRORS: tuple[type[BaseException], ...] = (*db.DATABASE_ERRORS, DatabaseDamaged)


def _wipe_all(candidates: list[tuple[int, bytearray]]) -> None:
    for _, key in candidates:
        keys.wipe(key)


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


def _settle(kf: keys.KeyFile, working_generation: int) -> bool:
    """Resolve a rekey's two candidates: keep the generation that opens the database.

    ``working_generation`` is the generation of a key that just opened the database under
    the write lock. Returns True when ``kf`` changed (the caller saves it).
    """
    if kf.pending_generation is None:
        return False
    if working_generation == kf.pending_generation:
        for name, slot in kf.slots.items():
            if name in kf.pending_sealed:
                slot.sealed_data_key = kf.pending_sealed[name]
                slot.generation = kf.pending_generation
        kf.generation = kf.pending_generation
    kf.pending_generation = None
    kf.pending_sealed = {}
    return True


def _accepted(s: Session) -> dict[str, int]:
    value = _get_meta(s, ACCEPTED, {})
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _signer(slot_or_signed: dict[str, Any] | None) -> str:
    return str((slot_or_signed or {}).get("by", ""))


def _unrecorded(kf: keys.KeyFile, pinned: dict[str, bytes], accepted: Any) -> bool:
    """A signed revocation or an administrator's own new signing key not yet recorded."""
    seen = accepted if isinstance(accepted, dict) else {}
    for name in kf.revocations:
        body = directory.valid_revocation(kf, name, pinned)
        if body is not None and int(body["issued_at"]) > int(seen.get(name, 0)):
            return True
    for name in pinned:
        slot = kf.slots.get(name)
        body = directory.valid_enrolment(kf, name, pinned)
        if (slot is not None and body is not None and _signer(slot.statement) == name
                and int(body["issued_at"]) > int(seen.get(name, 0))):
            return True
    return False


def _active_admin(s: Session, username: str) -> User | None:
    row = s.scalar(select(User).where(User.username == username))
    if row is None or row.status != UserStatus.ACTIVE.value or row.role != Role.ADMIN.value:
        return None
    return row


def _record_directory(s: Session, kf: keys.KeyFile, actor: User) -> bool:
    """Carry out what administrators signed and any data-key holder may record: an
    administrator's own new signing key (after their forced passphrase change) and
    revocations (the user is blocked in the database, a rekey becomes pending). Returns
    True when ``kf`` changed (the caller saves it)."""
    pinned = directory.pinned_from_meta(_get_meta(s, PINNED, {}))
    accepted = _accepted(s)
    changed_kf = changed_db = False
    for name in list(pinned):  # rotations first: later statements may be signed with them
        slot = kf.slots.get(name)
        body = directory.valid_enrolment(kf, name, pinned)
        if (slot is None or body is None or _signer(slot.statement) != name
                or int(body["issued_at"]) <= accepted.get(name, 0)):
            continue
        admin = _active_admin(s, name)
        accepted[name] = int(body["issued_at"])
        changed_db = True
        if admin is None or slot.signing_public is None:
            continue
        pinned[name] = slot.signing_public
        slot.status = "active"
        changed_kf = True
        audit.append(s, "admin_key_changed", user_id=admin.id, username=admin.username,
                     record_type="user", record_id=admin.id)
    for name in list(kf.revocations):
        body = directory.valid_revocation(kf, name, pinned)
        if body is None or int(body["issued_at"]) <= accepted.get(name, 0):
            continue
        accepted[name] = int(body["issued_at"])
        changed_db = True
        admin = _active_admin(s, _signer(kf.revocations[name]))
        user = s.scalar(select(User).where(User.username == name))
        if admin is None or user is None or user.status != UserStatus.ACTIVE.value:
            continue
        user.status = UserStatus.REVOKED.value
        user.revoked_at = audit.utcnow()
        user.revoked_by_id = admin.id
        pinned.pop(name, None)
        _set_meta(s, "rekey_pending", True)
        audit.append(s, "user_revoked", user_id=admin.id, username=admin.username,
                     record_type="user", record_id=user.id,
                     reason=f"recorded by {actor.username}")
        if kf.slots.pop(name, None) is not None:
            changed_kf = True
    if changed_db:
        _set_meta(s, PINNED, directory.pinned_to_meta(pinned))
        _set_meta(s, ACCEPTED, accepted)
    return changed_kf


def _enrol_pending(
    s: Session, kf: keys.KeyFile, manager: User, data_key: bytes | bytearray, generation: int,
) -> tuple[EnrolledUser, ...]:
    """A manager's login: enrol every slot an administrator signed and nobody has enrolled
    yet. A data-key holder's slot gets the data key sealed to its public key; an
    administrator's signing key is pinned. Nothing happens for a statement whose signature
    does not verify against a pinned key, that names other keys than the slot's, or that is
    not newer than the last one accepted for that username (a revoked user stays revoked)."""
    pinned = directory.pinned_from_meta(_get_meta(s, PINNED, {}))
    accepted = _accepted(s)
    done: list[EnrolledUser] = []
    for name, slot in sorted(kf.slots.items()):
        body = directory.valid_enrolment(kf, name, pinned)
        signer_name = _signer(slot.statement)
        if (body is None or signer_name == name
                or int(body["issued_at"]) <= accepted.get(name, 0)):
            continue
        signer = _active_admin(s, signer_name)
        if signer is None:
            continue
        user = s.scalar(select(User).where(User.username == name))
        if user is None:
            user = User(username=name, display_name=str(body["display_name"])[:200],
                        role=str(body["role"]), status=UserStatus.ACTIVE.value,
                        must_change_passphrase=bool(body["must_change"]),
                        created_at=audit.utcnow(), created_by_id=signer.id)
            s.add(user)
            s.flush()
            audit.append(s, "user_created", user_id=signer.id, username=signer.username,
                         record_type="user", record_id=user.id)
        elif user.status != UserStatus.ACTIVE.value or user.role != body["role"]:
            continue  # never re-enrolled, never given another role this way
        else:  # a passphrase reset: a new key pair
            user.must_change_passphrase = bool(body["must_change"])
        if slot.is_admin:
            assert slot.signing_public is not None
            pinned[name] = slot.signing_public
        else:
            slot.sealed_data_key = keys.seal_data_key(data_key, slot.public_key, kf.db_id,
                                                      name, generation)
            slot.generation = generation
        slot.status = "active"
        accepted[name] = int(body["issued_at"])
        audit.append(s, "user_enrolled", user_id=manager.id, username=manager.username,
                     record_type="user", record_id=user.id, reason=f"created by {signer_name}")
        done.append(EnrolledUser(name, user.display_name, Role(user.role), signer_name))
    if done:
        _set_meta(s, PINNED, directory.pinned_to_meta(pinned))
        _set_meta(s, ACCEPTED, accepted)
    return tuple(done)


def _upgrade_directory(s: Session, kf: keys.KeyFile, actor: User) -> None:
    """A version-1 key file (every slot sealed the data key) becomes the signed directory.

    Each administrator's slot loses the data key and gets a new signing key, sealed to the
    administrator's own public key (their next login re-encrypts it under their passphrase)
    and pinned here. A rekey becomes pending, so that a copy of an old administrator's slot
    opens nothing once it ran. Slots without an active user are dropped.
    """
    rows = {u.username: u for u in s.scalars(select(User))}
    pinned: dict[str, bytes] = {}
    first: tuple[str, Ed25519PrivateKey] | None = None
    for name, slot in sorted(kf.slots.items()):
        row = rows.get(name)
        if row is None or row.status != UserStatus.ACTIVE.value:
            del kf.slots[name]
            continue
        slot.role, slot.display_name, slot.status = row.role, row.display_name, "active"
        if row.role == Role.ADMIN.value:
            signing = Ed25519PrivateKey.generate()
            slot.sealed_signing_key = keys.seal_signing_key(signing, slot.public_key, kf.db_id,
                                                            name)
            slot.signing_public = pinned[name] = signing.public_key().public_bytes_raw()
            slot.sealed_data_key = None
            slot.must_change = row.must_change_passphrase
            first = first or (name, signing)
    kf.pending_sealed = {n: v for n, v in kf.pending_sealed.items()
                         if n in kf.slots and not kf.slots[n].is_admin}
    if first is not None:
        values = {k: checked_setting(k, _get_meta(s, f"setting.{k}", v))
                  for k, v in DEFAULT_SETTINGS.items()}
        kf.settings = directory.sign(kf.db_id, directory.settings_body(values), *first)
    kf.version = keys.KEYFILE_VERSION
    _set_meta(s, PINNED, directory.pinned_to_meta(pinned))
    _set_meta(s, "rekey_pending", True)
    audit.append(s, "directory_upgraded", user_id=actor.id, username=actor.username)


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


def random_passphrase(words: int = 5) -> str:
    """A random passphrase suggestion (used by the CLI when asked to generate one)."""
    alphabet = "abcdefghijkmnopqrstuvwxyz"
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(words)
    )
