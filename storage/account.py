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
from storage.meta import SETTINGS_STATEMENT, get_meta, set_meta
from storage.models import Meta, Role, User
from storage.values import UserInfo, UserRow


class AccountMixin(GuardedVault):
    """Settings, preferences and the own account of an open session."""

    #: the signed settings verified from one read of the directory: (that read, settings)
    _verified_settings: tuple[object, directory.Settings] | None = None
    #: the recorded settings statement as stored, and what its check gave
    _recorded_settings: tuple[str, Any, directory.Settings] | None = None

    def setting(self, name: str) -> Any:
        """A setting: the administrators' newest signed settings (range-checked), else –
        on an installation where no signed settings were ever recorded – the database's,
        else the default.

        A data-key holder's transaction records the key file's signed settings in the
        database when they are new (``record_directory``; the installation records its
        first ones). From then on the key file must hold that very statement, or newer
        settings whose signature verifies against a pinned key: settings deleted from the
        key file, broken there or replaced by an older signed copy are tampering, and the
        session refuses (``SecurityCheckFailed``). The recorded statement counts as it was
        verified when recorded, like the pinned keys beside it in the database (anyone who
        could rewrite it could rewrite those): so the settings an administrator signed stay
        in force after that administrator is revoked. The database's plain ``setting.*``
        rows (which any data-key holder can write) are read only on an installation that
        never recorded signed settings.

        Each call opens a guarded transaction (a revoked session ends here, and a changed
        key file is read again: see ``GuardedVault._directory_has_news``). A key-file read's
        signature is checked once per read; the recorded statement is parsed once as stored."""
        with self.session() as s:
            read = self._directory
            in_file: directory.Settings | None = None
            if read is not None:
                cached = self._verified_settings
                if cached is not None and cached[0] is read:
                    in_file = cached[1]
                else:
                    in_file = directory.settings_of(read[1], read[2])
                    self._verified_settings = (read, in_file)
            recorded = s.get(Meta, SETTINGS_STATEMENT)
            if recorded is None:
                if in_file is not None and in_file.signed_by is not None:
                    return in_file.values[name]
                stored = get_meta(s, f"setting.{name}", DEFAULT_SETTINGS.get(name))
                return checked_setting(name, stored)
            kept = self._recorded_settings
            if kept is None or kept[0] != recorded.value:
                statement = json.loads(recorded.value)
                kept = (recorded.value, statement,
                        directory.settings_from(self.db_id, statement, None))
                self._recorded_settings = kept
            _value, statement, ours = kept
            if read is None or read[1].settings == statement:
                return ours.values[name]  # the recorded statement itself
            if in_file is None or in_file.signed_by is None \
                    or in_file.issued_at < ours.issued_at:
                # deleted, broken or replaced by an older copy: tampering
                raise SecurityCheckFailed("the key file's settings are missing, broken or "
                                          "older than those recorded")
            return in_file.values[name]

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
