"""The signed-in user's own account and settings: the administrators' signed settings
(read only here), language, preferences and the own passphrase. User management is the
administrators' (``storage.admin.AdminVault``); here it is refused."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from storage import audit, directory, keys
from storage.errors import PermissionDenied
from storage.guard import GuardedVault
from storage.install import DEFAULT_SETTINGS, DEFAULT_USER_PREFERENCES, checked_setting
from storage.meta import get_meta, set_meta
from storage.models import Role, User
from storage.values import UserInfo, UserRow


class AccountMixin(GuardedVault):
    """Settings, preferences and the own account of an open session."""

    #: the signed settings verified from one read of the directory: (that read, settings)
    _verified_settings: tuple[object, directory.Settings] | None = None

    def setting(self, name: str) -> Any:
        """A setting: the administrators' signed one from the directory (range-checked),
        else the database's (an installation from before the directory), else the default.

        Each call opens a guarded transaction (a revoked session ends here, and a changed
        key file is read again: see ``GuardedVault._directory_has_news``). The signature
        check of the settings is done once per read of the key file: the result is kept
        with the very read it came from, so a new read (any change of the file) checks
        again, and nothing verified outlives the file it was verified in."""
        with self.session() as s:
            read = self._directory
            if read is not None:
                cached = self._verified_settings
                if cached is not None and cached[0] is read:
                    signed = cached[1]
                else:
                    signed = directory.settings_of(read[1], read[2])
                    self._verified_settings = (read, signed)
                if signed.signed_by is not None:
                    return signed.values[name]
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
