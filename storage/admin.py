"""An administrator's session: the signed user directory and the settings, no data key.

An administrator's slot holds an Ed25519 signing key and no data key, so this session
never opens the database. Everything it does is a signed statement in the key file
(``storage.directory``), written under ``<db>.keys.lock``; data-key holders' sessions
carry it out (a manager's login enrols, any holder's transaction records a revocation and
rekeys). What the administrator does is recorded as sealed events (``<db>.auth``), which
the next data-key holder's login moves into the access log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from storage import directory, files, keys
from storage.authstate import SealedEvents
from storage.errors import (
    KeyChanged,
    NoDataKey,
    PermissionDenied,
    SessionRevoked,
    UnknownUser,
    VaultError,
)
from storage.install import DEFAULT_SETTINGS, DEFAULT_USER_PREFERENCES, setting_allowed
from storage.roles import Role, UserStatus
from storage.vault import CheckReport, UserInfo, UserRow, Vault


class AdminVault(Vault):
    """An administrator's open session (see the module docstring)."""

    def __init__(
        self, path: Path, kf: keys.KeyFile, user: UserInfo, private: X25519PrivateKey,
        signing: Ed25519PrivateKey, clock: Any,
    ) -> None:
        self.path = path
        self.keyfile_path = files.keyfile_path(path)
        self.db_id = kf.db_id
        self.demo = kf.demo
        self._engine = None
        self._data_key = bytearray()
        self._private = bytearray(private.private_bytes_raw())
        self._signing = bytearray(signing.private_bytes_raw())
        self._signing_public = signing.public_key().public_bytes_raw()
        self._events = SealedEvents(path, kf.audit_public_key)
        self._clock = clock
        self._open = True
        self.user = user
        self.ended: str | None = None
        self.enrolled = ()
        self._directory = None

    @classmethod
    def open(
        cls, path: Path, kf: keys.KeyFile, username: str, passphrase: str,
        opened: keys.OpenedSlot, clock: Any = time.time,
    ) -> AdminVault:
        """The administrator's session, after their passphrase opened their slot (the
        passphrase-derived key in ``opened`` is zeroed here)."""
        try:
            slot = kf.slot(username)
            if opened.signing is None:
                raise NoDataKey("administrator slot without a signing key")
            if slot.enc_signing_key is None:
                # the first login after the upgrade of a version-1 key file: the signing key
                # was sealed to this slot's public key; from now on the passphrase guards it
                with files.exclusive_lock(files.keyfile_lock_path(path)):
                    fresh = keys.KeyFile.load(files.keyfile_path(path))
                    own = fresh.slot(username)
                    if own.public_key == slot.public_key:
                        keys.store_signing_key(own, opened.signing, opened.kek, fresh.db_id)
                        fresh.save(files.keyfile_path(path))
        finally:
            keys.wipe(opened.kek)
        language = slot.prefs.get("language")
        info = UserInfo(0, username, slot.display_name, Role.ADMIN, slot.must_change,
                        language if isinstance(language, str) else None)
        vault = cls(path, kf, info, opened.private, opened.signing, clock)
        vault._event("login")
        return vault

    # ------------------------------------------------------------------ lifecycle
    @property
    def is_open(self) -> bool:
        return self._open

    def close(self, action: str | None = "logout", *, wait: float | None = None) -> None:
        """(``wait`` is the vault's; an administrator's entries go to a file, not the
        database, so nothing here waits for the write lock.)"""
        if not self._open:
            return
        if action:
            self._event(action)
        self._open = False
        self._forget_keys()

    def limit_waits(self, seconds: float) -> None:
        """Nothing of an administrator's session waits for the database's write lock."""

    def interrupt_waits(self, thread: int) -> None:
        """Nothing of an administrator's session waits for the database's write lock."""

    def _forget_keys(self) -> None:
        for secret in (self._data_key, self._private, self._signing):
            for i in range(len(secret)):
                secret[i] = 0

    def _end(self, reason: str) -> None:
        self.ended = reason
        self._open = False
        self._forget_keys()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """An administrator holds no data key: there is no database session."""
        raise NoDataKey()
        yield  # pragma: no cover - makes this a generator for contextmanager

    def _event(self, action: str, target: str | None = None) -> None:
        event: dict[str, Any] = {"action": action, "outcome": "ok", "username": self.user.username,
                                 "screen": "admin", "ts": self._clock()}
        if target is not None:
            event["reason"] = f"user {target}"
        self._events.append(event)

    def heartbeat(self) -> None:
        """The session ends when this administrator's slot was revoked or reset."""
        if not self._open:
            raise SessionRevoked()
        try:
            kf = keys.KeyFile.load(self.keyfile_path)
        except VaultError:
            return
        slot = kf.slots.get(self.user.username)
        if slot is None or self.user.username in kf.revocations:
            self._end("revoked")
            raise SessionRevoked()
        if slot.signing_public != self._signing_public:
            self._end("key_changed")
            raise KeyChanged()

    def log(self, action: str, **kw: Any) -> None:
        self._event(action)

    def check(self) -> CheckReport:
        raise NoDataKey()

    def rekey(self) -> None:
        raise NoDataKey()

    def online_copy(self, dest: Path) -> bytes:
        raise NoDataKey()

    # ------------------------------------------------------------------ the directory
    @contextmanager
    def _directory_file(self) -> Iterator[keys.KeyFile]:
        """The key file under ``<db>.keys.lock``, saved when the block succeeds. Ends the
        session first if this administrator is no longer in it."""
        self.heartbeat()
        with files.exclusive_lock(files.keyfile_lock_path(self.path)):
            kf = keys.KeyFile.load(self.keyfile_path)
            yield kf
            kf.save(self.keyfile_path)

    def _sign(self, body: dict[str, Any]) -> dict[str, Any]:
        key = Ed25519PrivateKey.from_private_bytes(bytes(self._signing))
        return directory.sign(self.db_id, body, self.user.username, key)

    def setting(self, name: str) -> Any:
        kf = keys.KeyFile.load(self.keyfile_path)
        return directory.settings_of(kf, None).values[name]

    def set_setting(self, name: str, value: Any) -> None:
        if name not in DEFAULT_SETTINGS:
            raise ValueError(name)
        if not setting_allowed(name, value):
            raise ValueError(name)
        with self._directory_file() as kf:
            values = dict(directory.settings_of(kf, None).values)
            values[name] = value
            kf.settings = self._sign(directory.settings_body(values))
        self._event("setting_changed")

    def _own_prefs(self, update: dict[str, Any] | None = None) -> dict[str, Any]:
        if update is None:
            slot = keys.KeyFile.load(self.keyfile_path).slots.get(self.user.username)
            return dict(slot.prefs) if slot else {}
        with self._directory_file() as kf:
            slot = kf.slot(self.user.username)
            slot.prefs = {**slot.prefs, **update}
            return dict(slot.prefs)

    def set_language(self, language: str | None) -> None:
        self._own_prefs({"language": language})
        self.user = UserInfo(**{**self.user.__dict__, "language": language})

    def preference(self, name: str) -> Any:
        if name not in DEFAULT_USER_PREFERENCES:
            raise ValueError(name)
        return self._own_prefs().get(name, DEFAULT_USER_PREFERENCES[name])

    def set_preference(self, name: str, value: Any) -> None:
        if name not in DEFAULT_USER_PREFERENCES:
            raise ValueError(name)
        self._own_prefs({name: value})

    def list_users(self) -> list[UserRow]:
        kf = keys.KeyFile.load(self.keyfile_path)
        rows: list[UserRow] = []
        for name, slot in kf.slots.items():
            status = UserStatus.PENDING if slot.status == "pending" else UserStatus.ACTIVE
            rows.append(UserRow(name, slot.display_name, Role(slot.role or Role.CASEWORKER),
                                status, _date(slot.statement), True))
        for name, signed in kf.revocations.items():
            if name not in kf.slots:
                rows.append(UserRow(name, "", Role.CASEWORKER, UserStatus.REVOKED,
                                    _date(signed), False))
        return sorted(rows, key=lambda r: r.username)

    def add_user(
        self, username: str, display_name: str, role: Role, passphrase: str,
        *, must_change: bool = True,
    ) -> None:
        """A pending slot: it opens nothing until a manager's login enrols it."""
        kdf = keys.calibrate()  # the slow part happens before the lock is taken
        signing = Ed25519PrivateKey.generate() if role is Role.ADMIN else None
        with self._directory_file() as kf:
            if username in kf.slots or username in kf.revocations:
                raise VaultError("username taken")
            slot = keys.make_slot(username, passphrase, None, kf.db_id, kf.generation, kdf,
                                  role=role.value, display_name=display_name, signing=signing)
            self._make_pending(slot, must_change)
            kf.slots[username] = slot
        self._event("user_created", username)

    def _make_pending(self, slot: keys.Slot, must_change: bool) -> None:
        slot.status = "pending"
        slot.must_change = must_change and slot.is_admin
        slot.statement = self._sign(directory.enrol_body(slot, self.user.username,
                                                         must_change=must_change))

    def reset_passphrase(self, username: str, new: str) -> None:
        """A new key pair (and signing key) and passphrase: pending again until a manager's
        login enrols it; the passphrase must be changed at the first login."""
        kdf = keys.calibrate()
        with self._directory_file() as kf:
            old = kf.slots.get(username)
            if old is None or username in kf.revocations:
                raise UnknownUser()
            signing = Ed25519PrivateKey.generate() if old.is_admin else None
            slot = keys.make_slot(username, new, None, kf.db_id, kf.generation, kdf,
                                  role=old.role, display_name=old.display_name,
                                  signing=signing)
            self._make_pending(slot, True)
            kf.slots[username] = slot
        self._event("passphrase_reset", username)

    def revoke_user(self, username: str) -> None:
        """Sign the revocation and delete the slot. The next transaction of any data-key
        holder records it, ends the user's sessions and rekeys the database."""
        if username == self.user.username:
            raise PermissionDenied("cannot revoke yourself")
        with self._directory_file() as kf:
            if username not in kf.slots:
                raise UnknownUser()
            kf.revocations[username] = self._sign(directory.revoke_body(username))
            del kf.slots[username]
        self._event("user_revoked", username)

    def change_passphrase(self, old: str, new: str) -> None:
        """Rewrap the own slot. The first (forced) change gives a new key pair and a new
        signing key, announced with a statement signed by the old one (a data-key holder
        pins the new key): whoever set the first passphrase could open the old slot."""
        kdf = keys.calibrate()
        forced = self.user.must_change_passphrase
        with self._directory_file() as kf:
            slot = kf.slot(self.user.username)
            opened = keys.open_slot(slot, old, kf.db_id)
            keys.wipe(opened.kek)
            if forced:
                signing = Ed25519PrivateKey.generate()
                private = X25519PrivateKey.generate()
                fresh = keys.make_slot(self.user.username, new, None, kf.db_id, kf.generation,
                                       kdf, private, role=slot.role,
                                       display_name=slot.display_name, signing=signing)
                fresh.prefs = slot.prefs
                fresh.statement = self._sign(directory.enrol_body(
                    fresh, self.user.username, must_change=False))
                kf.slots[self.user.username] = fresh
                self._signing[:] = signing.private_bytes_raw()
                self._signing_public = signing.public_key().public_bytes_raw()
                self._private[:] = private.private_bytes_raw()
            else:
                kf.slots[self.user.username] = keys.rewrap_slot(
                    slot, opened.private, new, kf.db_id, kdf, signing=opened.signing)
        self._event("passphrase_changed")
        self.user = UserInfo(**{**self.user.__dict__, "must_change_passphrase": False})


def _date(signed: dict[str, Any] | None) -> str:
    try:
        ns = int((signed or {})["body"]["issued_at"])
    except (KeyError, TypeError, ValueError):
        return ""
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%d")

