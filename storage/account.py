"""The signed-in user's own account and settings: the administrators' signed settings
(read only here), language, preferences and the own passphrase. User management is the
administrators' (``storage.admin.AdminVault``); here it is refused."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from storage import audit, directory, keys
from storage.errors import PermissionDenied, SecurityCheckFailed
from storage.guard import GuardedVault
from storage.install import DEFAULT_SETTINGS, DEFAULT_USER_PREFERENCES, checked_setting
from storage.meta import PINNED, SETTINGS_STATEMENT, get_meta, set_meta
from storage.models import Meta, Role, User
from storage.values import UserInfo, UserRow


class AccountMixin(GuardedVault):
    """Settings, preferences and the own account of an open session."""

    #: the signed settings verified from one read of the directory: (that read, settings)
    _verified_settings: tuple[object, directory.Settings] | None = None
    #: the recorded settings statement as stored, and what its check gave
    _recorded_settings: tuple[tuple[str, tuple[tuple[str, bytes], ...]],
                              directory.Settings] | None = None

    def setting(self, name: str) -> Any:
        """A setting: the administrators' newest signed settings (range-checked), else –
        on an installation where no signed settings were ever recorded – the database's,
        else the default.

        The key file's settings count when their signature verifies against a pinned key
        and they are not older than the copy a data-key holder recorded in the database
        when they were new (``record_directory``; the installation records its first
        ones). Settings deleted from the key file, broken there or replaced by an older
        signed copy are tampering: the session refuses (``SecurityCheckFailed``), as it
        does when the recorded copy does not verify. The database's plain ``setting.*``
        rows (which any data-key holder can write) are read only on an installation that
        never recorded signed settings.

        Each call opens a guarded transaction (a revoked session ends here, and a changed
        key file is read again: see ``GuardedVault._directory_has_news``). Each signature is
        checked once per copy read: a key-file read, or the recorded statement as stored."""
        with self.session() as s:
            pinned = directory.pinned_from_meta(get_meta(s, PINNED, {}))
            found: list[directory.Settings] = []
            read = self._directory
            if read is not None:
                cached = self._verified_settings
                if cached is not None and cached[0] is read:
                    found.append(cached[1])
                else:
                    signed = directory.settings_of(read[1], read[2])
                    self._verified_settings = (read, signed)
                    found.append(signed)
            recorded = s.get(Meta, SETTINGS_STATEMENT)
            if recorded is not None:
                kept = self._recorded_settings
                key = (recorded.value, tuple(sorted(pinned.items())))
                if kept is not None and kept[0] == key:
                    found.append(kept[1])
                else:
                    value = directory.settings_from(
                        self.db_id, json.loads(recorded.value), pinned)
                    self._recorded_settings = (key, value)
                    found.append(value)
            in_file = found[0] if read is not None else None
            if recorded is not None:
                ours = found[-1]
                if ours.signed_by is None:
                    raise SecurityCheckFailed("the recorded settings do not verify")
                if in_file is None:
                    return ours.values[name]  # the key file not read yet: the recorded
                if in_file.signed_by is None or in_file.issued_at < ours.issued_at:
                    # deleted, broken or replaced by an older copy: tampering
                    raise SecurityCheckFailed("the key file's settings are missing, broken "
                                              "or older than those recorded")
                return in_file.values[name]
            if in_file is not None and in_file.signed_by is not None:
                return in_file.values[name]
            stored = get_meta(s, f"setting.{name}", DEFAULT_SETTINGS.get(name))
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
            stored = get_meta(s, self._preferences_key(), {})
        return stored.get(name, DEFAULT_USER_PREFERENCES[name])

    def set_preference(self, name: str, value: Any) -> None:
        """Set one of the signed-in user's own preferences: no schema change, no log entry
        (like the language, it holds nothing about anyone)."""
        if name not in DEFAULT_USER_PREFERENCES:
            raise ValueError(name)
        with self.session(write=True) as s:
            stored = dict(get_meta(s, self._preferences_key(), {}))
            stored[name] = value
            set_meta(s, self._preferences_key(), stored)

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
