"""The vault: one encrypted SQLCipher database per installation, opened per user.

``Vault.create`` makes a new installation with its first administrator; ``Vault.unlock``
opens it for one user with their own passphrase. All user management that touches key
slots lives here, because the key file and the database must change together (the
database write lock serialises key-file updates between processes).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from storage import audit, db, files, keys, schema
from storage.authstate import SealedEvents, Throttle, safe_username
from storage.errors import (
    DatabaseDamaged,
    DatabaseExists,
    DatabaseMissing,
    KeyChanged,
    KeyFileDamaged,
    LockedOut,
    PermissionDenied,
    RekeyBusy,
    UnknownUser,
    VaultError,
    WrongPassphrase,
)
from storage.install import DEFAULT_SETTINGS, DEFAULT_USER_PREFERENCES
from storage.models import Meta, Role, User, UserStatus

CLOSE_CHECKPOINT_WAIT_MS = 100


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
class CheckReport:
    ok: bool
    problems: tuple[str, ...]
    log_rows: int
    log_head: str


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
        self, path: Path, keyfile: keys.KeyFile, engine: Engine, data_key: bytes,
        user: UserInfo, audit_private: X25519PrivateKey,
    ) -> None:
        self.path = path
        self.keyfile_path = files.keyfile_path(path)
        self.db_id = keyfile.db_id
        self.demo = keyfile.demo
        self._engine: Engine | None = engine
        self._data_key = bytearray(data_key)
        self._audit_private = audit_private
        self.user = user

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls, path: Path, admin_username: str, admin_display_name: str, admin_passphrase: str,
        *, demo: bool = False, demo_logins: list[tuple[str, str, str]] | None = None,
    ) -> Vault:
        """Create a new installation and its first administrator; returns it unlocked."""
        path = Path(path)
        kpath = files.keyfile_path(path)
        if path.exists() or kpath.exists():
            raise DatabaseExists(str(path))
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
        kf.slots[admin_username] = keys.make_slot(
            admin_username, admin_passphrase, data_key, db_id, 1
        )
        engine = db.make_engine(path, data_key)
        try:
            schema.upgrade(engine)
            with Session(engine.execution_options(rc_write=True)) as s, s.begin():
                _set_meta(s, "db_id", db_id)
                _set_meta(s, "demo", demo)
                _set_meta(s, "audit_private_key", keys.b64e(audit_private.private_bytes_raw()))
                _set_meta(s, "rekey_pending", False)
                for k, v in DEFAULT_SETTINGS.items():
                    _set_meta(s, f"setting.{k}", v)
                admin = User(
                    username=admin_username, display_name=admin_display_name,
                    role=Role.ADMIN.value, status=UserStatus.ACTIVE.value,
                    must_change_passphrase=False, created_at=audit.utcnow(),
                )
                s.add(admin)
                s.flush()
                audit.append(s, "vault_created", user_id=admin.id, username=admin.username)
                audit.append(
                    s, "user_created", user_id=admin.id, username=admin.username,
                    record_type="user", record_id=admin.id,
                )
                info = _user_info(admin)
            kf.save(kpath)
        except BaseException:
            engine.dispose()
            for p in files.sidecar_paths(path):
                with contextlib.suppress(OSError):
                    p.unlink()
            raise
        for p in files.sidecar_paths(path):
            files.restrict_file(p)
        return cls(path, kf, engine, data_key, info, audit_private)

    @classmethod
    def unlock(
        cls, path: Path, username: str, passphrase: str, *, clock: Any = time.time,
    ) -> Vault:
        """Open the installation as ``username``. Every attempt is recorded."""
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
        try:
            throttle.check(username)
        except LockedOut:
            events.append({"action": "login_refused", "outcome": "locked_out",
                           "username": username, "ts": clock()})
            raise
        slot = kf.slots[username]
        try:
            private = keys.open_private_key(slot, passphrase, kf.db_id)
        except WrongPassphrase:
            throttle.record_failure(username)
            events.append({"action": "login_failed", "outcome": "wrong_passphrase",
                           "username": username, "ts": clock()})
            raise
        data_key = keys.unseal_data_key(
            slot.sealed_data_key, private, kf.db_id, username, slot.generation
        )
        engine, data_key, kf = cls._open_engine(path, kf, username, private, data_key)
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
                    info = _user_info(user)
                rekey_pending = bool(_get_meta(s, "rekey_pending", False))
            if refused:
                raise UnknownUser()
        except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError) as exc:
            engine.dispose()
            if db.is_damage(exc):
                raise DatabaseDamaged(type(exc).__name__) from None
            raise
        except BaseException:
            engine.dispose()
            raise
        throttle.reset(username)
        vault = cls(path, kf, engine, data_key, info, audit_private)
        if not slot.kdf.meets_product_minimum() and not keys.test_kdf_enabled():
            vault._replace_own_slot(private, passphrase)
        if rekey_pending:
            with contextlib.suppress(RekeyBusy):
                vault.rekey()
        return vault

    @staticmethod
    def _open_engine(
        path: Path, kf: keys.KeyFile, username: str, private: X25519PrivateKey, data_key: bytes,
    ) -> tuple[Engine, bytes, keys.KeyFile]:
        """Open the engine; finish an interrupted rekey if the pending key is the right one."""
        try:
            db.connect(path, data_key).close()
        except DatabaseDamaged:
            if kf.pending_generation is None or username not in kf.pending_sealed:
                raise
            pending_key = keys.unseal_data_key(
                kf.pending_sealed[username], private, kf.db_id, username, kf.pending_generation
            )
            db.connect(path, pending_key).close()  # raises DatabaseDamaged if neither opens
            kf = _promote_pending(files.keyfile_path(path))
            data_key = pending_key
        except sqlcipher3.dbapi2.DatabaseError as exc:
            raise DatabaseDamaged(str(exc)) from None
        return db.make_engine(path, data_key), data_key, kf

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
        for i in range(len(self._data_key)):
            self._data_key[i] = 0

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A short transaction. ``write=True`` takes the write lock up front (BEGIN IMMEDIATE)."""
        engine = self.engine.execution_options(rc_write=write)
        try:
            with Session(engine, expire_on_commit=False) as s, s.begin():
                yield s
        except (sqlcipher3.dbapi2.DatabaseError, sa_exc.DatabaseError) as exc:
            if db.is_not_a_database(getattr(exc, "orig", None) or exc):
                raise KeyChanged() from None
            if db.is_damage(exc):
                raise DatabaseDamaged(type(exc).__name__) from None
            raise

    def log(self, action: str, **kw: Any) -> None:
        with self.session(write=True) as s:
            audit.append(s, action, user_id=self.user.id, username=self.user.username, **kw)

    # ------------------------------------------------------------------ settings
    def setting(self, name: str) -> Any:
        with self.session() as s:
            return _get_meta(s, f"setting.{name}", DEFAULT_SETTINGS.get(name))

    def set_setting(self, name: str, value: Any) -> None:
        self._require(Role.ADMIN)
        if name not in DEFAULT_SETTINGS:
            raise ValueError(name)
        with self.session(write=True) as s:
            _set_meta(s, f"setting.{name}", value)
            audit.append(s, "setting_changed", user_id=self.user.id,
                         username=self.user.username, record_type="setting", reason=name)

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

    def list_users(self) -> list[UserRow]:
        self._require(Role.ADMIN)
        kf = keys.KeyFile.load(self.keyfile_path)
        with self.session() as s:
            rows = s.scalars(select(User).order_by(User.username)).all()
            return [
                UserRow(u.username, u.display_name, Role(u.role), UserStatus(u.status),
                        u.created_at.strftime("%Y-%m-%d"), u.username in kf.slots)
                for u in rows
            ]

    def add_user(
        self, username: str, display_name: str, role: Role, passphrase: str,
        *, must_change: bool = True,
    ) -> None:
        self._require(Role.ADMIN)
        kdf = keys.calibrate()  # the slow part happens before the write lock is taken
        with self.session(write=True) as s:
            if s.scalar(select(User).where(User.username == username)) is not None:
                raise VaultError("username taken")
            kf = keys.KeyFile.load(self.keyfile_path)
            u = User(username=username, display_name=display_name, role=role.value,
                     status=UserStatus.ACTIVE.value, must_change_passphrase=must_change,
                     created_at=audit.utcnow(), created_by_id=self.user.id)
            s.add(u)
            s.flush()
            kf.slots[username] = keys.make_slot(
                username, passphrase, bytes(self._data_key), kf.db_id, kf.generation, kdf
            )
            audit.append(s, "user_created", user_id=self.user.id, username=self.user.username,
                         record_type="user", record_id=u.id)
            kf.save(self.keyfile_path)

    def change_passphrase(self, old: str, new: str) -> None:
        """Rewrap only this user's own slot (same key pair, new passphrase)."""
        kdf = keys.calibrate()
        with self.session(write=True) as s:
            kf = keys.KeyFile.load(self.keyfile_path)
            slot = kf.slot(self.user.username)
            private = keys.open_private_key(slot, old, kf.db_id)
            kf.slots[self.user.username] = keys.rewrap_slot(slot, private, new, kf.db_id, kdf)
            u = s.get(User, self.user.id)
            assert u is not None
            u.must_change_passphrase = False
            audit.append(s, "passphrase_changed", user_id=self.user.id,
                         username=self.user.username, record_type="user", record_id=self.user.id)
            kf.save(self.keyfile_path)
        self.user = UserInfo(**{**self.user.__dict__, "must_change_passphrase": False})

    def _replace_own_slot(self, private: X25519PrivateKey, passphrase: str) -> None:
        with self.session(write=True) as s:
            kf = keys.KeyFile.load(self.keyfile_path)
            slot = kf.slot(self.user.username)
            kf.slots[self.user.username] = keys.rewrap_slot(slot, private, passphrase, kf.db_id)
            audit.append(s, "kdf_upgraded", user_id=self.user.id, username=self.user.username)
            kf.save(self.keyfile_path)

    def reset_passphrase(self, username: str, new: str) -> None:
        """Administrator: give ``username`` a new key pair and passphrase (must change)."""
        self._require(Role.ADMIN)
        kdf = keys.calibrate()
        with self.session(write=True) as s:
            u = s.scalar(select(User).where(User.username == username))
            if u is None or u.status != UserStatus.ACTIVE.value:
                raise UnknownUser()
            kf = keys.KeyFile.load(self.keyfile_path)
            kf.slots[username] = keys.make_slot(
                username, new, bytes(self._data_key), kf.db_id, kf.generation, kdf
            )
            u.must_change_passphrase = True
            audit.append(s, "passphrase_reset", user_id=self.user.id,
                         username=self.user.username, record_type="user", record_id=u.id)
            kf.save(self.keyfile_path)

    def revoke_user(self, username: str) -> bool:
        """Block ``username`` at once, delete their slot and rekey the database.

        Returns True when the rekey completed, False when it is pending because other
        sessions hold the database open (it then completes at the next exclusive login
        or with ``rc-tui rekey``). The account is blocked either way.
        """
        self._require(Role.ADMIN)
        if username == self.user.username:
            raise PermissionDenied("cannot revoke yourself")
        with self.session(write=True) as s:
            u = s.scalar(select(User).where(User.username == username))
            if u is None:
                raise UnknownUser()
            u.status = UserStatus.REVOKED.value
            u.revoked_at = audit.utcnow()
            u.revoked_by_id = self.user.id
            _set_meta(s, "rekey_pending", True)
            audit.append(s, "user_revoked", user_id=self.user.id, username=self.user.username,
                         record_type="user", record_id=u.id)
            kf = keys.KeyFile.load(self.keyfile_path)
            kf.slots.pop(username, None)
            kf.pending_sealed.pop(username, None)
            kf.save(self.keyfile_path)
        try:
            self.rekey()
        except RekeyBusy:
            return False
        return True

    def rekey(self) -> None:
        """Replace the data key. Needs exclusive access: raises ``RekeyBusy`` otherwise.

        Crash-safe: the new key is sealed for every slot as *pending* before the database
        changes, so whichever key the file ends up with, every remaining user can open it.
        """
        engine = self.engine
        engine.dispose()  # our own pooled connection must not block the exclusive lock
        new_key = keys.new_data_key()
        conn = db.connect(self.path, bytes(self._data_key), configure_wal=False)
        try:
            try:
                conn.execute("PRAGMA busy_timeout = 200")
                conn.execute("PRAGMA locking_mode = EXCLUSIVE")
                mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()
                if str(mode[0]).lower() != "delete":
                    raise RekeyBusy()
                conn.execute("BEGIN EXCLUSIVE")
                conn.execute("COMMIT")
            except sqlcipher3.dbapi2.OperationalError:
                raise RekeyBusy() from None
            kf = keys.KeyFile.load(self.keyfile_path)
            gen = kf.generation + 1
            kf.pending_generation = gen
            kf.pending_sealed = kf.reseal_all(new_key, gen)
            kf.save(self.keyfile_path)
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        finally:
            conn.close()
        _promote_pending(self.keyfile_path)
        self._data_key[:] = new_key
        self._engine = db.make_engine(self.path, new_key)
        with self.session(write=True) as s:
            _set_meta(s, "rekey_pending", False)
            audit.append(s, "rekey", user_id=self.user.id, username=self.user.username)

    # ------------------------------------------------------------------ backup
    def online_copy(self, dest: Path) -> bytes:
        """Copy the database into the new file ``dest`` with SQLite's online backup API.

        ``dest`` is keyed with the same data key before its first page is written, so the
        copy is encrypted on disk from the start. One step is one read snapshot: writers
        carry on. Returns the key file as it was while the source was open (a rekey, which
        needs exclusive access, cannot run meanwhile). The copy is checked before return.
        """
        key = bytes(self._data_key)
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
        return raw_keys

    # ------------------------------------------------------------------ health
    def check(self) -> CheckReport:
        problems: list[str] = []
        with self.engine.connect() as conn:
            for (msg,) in conn.exec_driver_sql("PRAGMA cipher_integrity_check").fetchall():
                problems.append(f"SQLCipher: {msg}")
            result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                problems.extend(f"SQLite: {m}" for m in result[:5])
            fks = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if fks:
                problems.append(f"SQLite: {len(fks)} foreign key violations")
            conn.rollback()
        with self.session() as s:
            report = audit.verify_chain(s)
        problems.extend(report.problems)
        return CheckReport(not problems, tuple(problems), report.rows, report.head_hash)


def _promote_pending(keyfile_path: Path) -> keys.KeyFile:
    kf = keys.KeyFile.load(keyfile_path)
    if kf.pending_generation is None:
        return kf
    for name, slot in kf.slots.items():
        if name in kf.pending_sealed:
            slot.sealed_data_key = kf.pending_sealed[name]
            slot.generation = kf.pending_generation
    kf.generation = kf.pending_generation
    kf.pending_generation = None
    kf.pending_sealed = {}
    kf.save(keyfile_path)
    return kf


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
    )


def random_passphrase(words: int = 5) -> str:
    """A random passphrase suggestion (used by the CLI when asked to generate one)."""
    alphabet = "abcdefghijkmnopqrstuvwxyz"
    return "-".join(
        "".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(words)
    )
