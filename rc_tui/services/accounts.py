"""Accounts, login and passphrases: the same rules for the UI and the CLI."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rc_tui import passphrase as pp
from rc_tui.i18n import N_, _, _n
from storage.errors import VaultError
from storage.roles import Role

if TYPE_CHECKING:
    from storage.vault import UserRow, Vault

__all__ = ["Role", "ValidationError"]

USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
DISPLAY_NAME_MAX = 200

ROLE_LABELS: dict[Role, str] = {
    Role.CASEWORKER: N_("caseworker"),
    Role.SHELTER: N_("shelter staff"),
    Role.MANAGER: N_("manager"),
    Role.ADMIN: N_("administrator"),
}

ERROR_MESSAGES: dict[str, str] = {
    "database_missing": N_("The database file is missing. Check the path or restore a backup."),
    "keyfile_missing": N_("The key file is missing. Restore it from the backup of this database."),
    "keyfile_damaged": N_("The key file is damaged or belongs to another database."),
    "database_damaged": N_(
        "The database is damaged or does not match its key file. Restore a backup."
    ),
    "database_exists": N_("A database already exists at this path."),
    "unknown_user": N_("Unknown or revoked user."),
    "wrong_passphrase": N_("Wrong passphrase."),
    "newer_schema": N_(
        "This database was made by a newer version of rc-tui. Update rc-tui; "
        "the database has not been changed."
    ),
    "security_check_failed": N_(
        "A required encryption setting could not be verified. rc-tui will not open the database."
    ),
    "permission_denied": N_("You do not have permission to do that."),
    "rekey_busy": N_(
        "The new key could not be written yet: the database stayed busy. The account is "
        "already blocked; the next transaction of any session completes the rekey."
    ),
    "key_changed": N_("The database key was changed by an administrator. Log in again."),
    "session_revoked": N_(
        "This account has been revoked by an administrator. The session has ended and "
        "nothing more can be read or saved with it."
    ),
    "conflict": N_("Somebody else changed this record first."),
    "no_access": N_(
        "You have no access to this person. Emergency access needs a reason and is logged "
        "and reviewed."
    ),
    "record_restricted": N_(
        "The person's record is restricted while a dispute is examined: it can be read but "
        "not changed, and nothing can be added to it until a manager lifts the restriction."
    ),
    "backup_damaged": N_(
        "The backup file is missing, damaged or not an rc-tui backup. Nothing was changed."
    ),
    "backup_mismatch": N_(
        "The backup is of another installation than the database at this path. Nothing was "
        "changed; move the current files away first if you really mean to replace them."
    ),
    "check_failed": N_("The backup failed a check ({problem}). Nothing was changed."),
    "database_busy": N_(
        "The database could not be held still for the copy (a rekey or a crashed session?). "
        "Try again; if it persists, log in once and try again."
    ),
    "database_locked": N_(
        "The database was busy for too long (another user saving, or a backup). Nothing "
        "was changed; try again."
    ),
    "database_in_use": N_(
        "The database is in use. Everyone must log out (and scheduled jobs stop) before it "
        "can be replaced. Nothing was changed."
    ),
    "target_exists": N_("The file already exists; choose a new name."),
    "needs_key": N_(
        "On this system a backup needs a user's key: add --user NAME (passphrase on stdin)."
    ),
    "unsafe_folder": N_(
        "Other accounts can replace or delete files in the folder {folder}, so rc-tui will "
        "not keep the database there (and does not change the folder's permissions). Choose "
        "a folder only you can write to, for example one made with: mkdir -m 0700 FOLDER"
    ),
    "no_data_key": N_(
        "An administrator's passphrase opens user management only, not the database: this "
        "needs a manager or another user who works with the cases."
    ),
    "account_pending": N_(
        "This account is waiting to be activated: it opens once a manager has logged in "
        "after it was added or its passphrase was reset. Ask a manager to log in."
    ),
    "pack_expired": N_(
        "This outage pack has expired and does not open any more. Make a new one while the "
        "database can be reached: rc-tui pack create --db DATABASE --user NAME --out FILE"
    ),
    "offline_refused": N_(
        "Not possible in outage mode: this change could not be brought back to the "
        "database. Make it when the connection is back."
    ),
    "not_a_pack": N_("This is not an outage pack of this database."),
    "pack_merged": N_("This outage pack has been merged already; it cannot be merged twice."),
    "vault_error": N_("The operation could not be completed."),
}


def role_label(role: Role | str) -> str:
    return _(ROLE_LABELS[Role(role)])


def error_text(exc: VaultError) -> str:
    template = ERROR_MESSAGES.get(exc.code, ERROR_MESSAGES["vault_error"])
    if exc.code == "locked_out":
        return locked_out_text(float(getattr(exc, "wait_seconds", 0)))
    if exc.code == "check_failed":
        return _(template, problem=exc.detail)
    if exc.code == "unsafe_folder":
        return _(template, folder=getattr(exc, "folder", exc.detail))
    return _(template)


def locked_out_text(wait_seconds: float) -> str:
    """The login delay in whole seconds, or whole minutes from one minute on (rounded up:
    trying at the time shown must work)."""
    seconds = int(wait_seconds) + 1
    if seconds < 60:
        return _n("Too many failed attempts. Wait {seconds} second and try again.",
                  "Too many failed attempts. Wait {seconds} seconds and try again.",
                  seconds, seconds=seconds)
    minutes = -(-seconds // 60)
    return _n("Too many failed attempts. Wait {minutes} minute and try again.",
              "Too many failed attempts. Wait {minutes} minutes and try again.",
              minutes, minutes=minutes)


def username_problem(name: str) -> str | None:
    if not USERNAME_RE.match(name):
        return _(
            "A username is 2-32 characters: lower-case letters a-z, digits, '.', '_' or '-', "
            "starting with a letter."
        )
    return None


def display_name_problem(name: str) -> str | None:
    if not name.strip():
        return _("Enter a name.")
    if len(name) > DISPLAY_NAME_MAX:
        return _("The name may have at most {n} characters.", n=DISPLAY_NAME_MAX)
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):
        return _("The name may not contain control characters.")
    return None


def new_passphrase_problems(passphrase: str, repeat: str | None, username: str) -> list[str]:
    reasons = pp.problems(passphrase, username)
    if repeat is not None and passphrase != repeat:
        reasons.append(_("The passphrases do not match."))
    return reasons


def new_account_problems(
    username: str, display_name: str, passphrase: str, repeat: str | None,
) -> list[str]:
    """Everything wrong with a new account (the same rules in the UI and the CLI)."""
    found = [username_problem(username), display_name_problem(display_name),
             *new_passphrase_problems(passphrase, repeat, username)]
    return [p for p in found if p]


class NewAccount(NamedTuple):
    """A first user typed in at ``init`` or on the first-run screen."""

    username: str
    display_name: str
    passphrase: str
    repeat: str | None = None


class ValidationError(Exception):
    """Input refused by the rules; ``reasons`` are translated, ready to show."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _raise_if(reasons: list[str | None]) -> None:
    found = [r for r in reasons if r]
    if found:
        raise ValidationError(found)


def create_installation(
    path: Path, admin: NewAccount, manager: NewAccount,
) -> Vault:
    """Create the database with its first administrator (user management, no data key) and
    its first manager (who holds the data key from the start). Returns the manager's vault."""
    from storage.vault import Vault

    reasons = [*new_account_problems(*admin), *new_account_problems(*manager)]
    if admin.username == manager.username:
        reasons.append(_("The administrator and the manager must be two different users."))
    _raise_if(list(reasons))
    return Vault.create(path, admin.username, admin.display_name.strip(), admin.passphrase,
                        manager.username, manager.display_name.strip(), manager.passphrase)


def add_user(
    vault: Vault, username: str, display_name: str, role: Role, passphrase: str,
    repeat: str | None = None, *, must_change: bool = True,
) -> None:
    """Add a user; by default they must choose their own passphrase at first login."""
    _raise_if(list(new_account_problems(username, display_name, passphrase, repeat)))
    vault.add_user(username, display_name.strip(), role, passphrase, must_change=must_change)


def change_own_passphrase(vault: Vault, old: str, new: str, repeat: str | None = None) -> None:
    reasons = new_passphrase_problems(new, repeat, vault.user.username)
    if new == old:
        reasons.append(_("The new passphrase must differ from the old one."))
    _raise_if(list(reasons))
    vault.change_passphrase(old, new)


def reset_passphrase(vault: Vault, username: str, new: str, repeat: str | None = None) -> None:
    _raise_if(list(new_passphrase_problems(new, repeat, username)))
    vault.reset_passphrase(username, new)


def warm_up() -> None:
    """Import the storage stack and the home screen's services ahead of the first login,
    then collect garbage (called in a background thread while the user types).

    The collection: importing creates some hundred thousand objects that Python's cyclic
    collector would otherwise scan in a full collection during the first screen after the
    login (measured: 60-110 ms there). Once they are collected here, what the login adds is
    too little to trigger another. Nothing of the user's exists yet."""
    import gc

    import rc_tui.services.cases
    import rc_tui.services.home  # noqa: F401 (the due rules: every service package)
    import storage.vault  # noqa: F401
    from rc_tui.domain import casework, sessions

    # the due rules' own catalogs (text files of the package, nothing of anyone's)
    casework.catalog()
    sessions.session_catalog()
    gc.collect()


def login(
    path: Path, username: str, passphrase: str, clock: Callable[[], float] = time.time,
) -> Vault:
    """Unlock for ``username``. Typed usernames are trimmed but otherwise used as typed."""
    from storage.pack import RecordingVault, open_pack, pack_info

    if pack_info(path) is not None:  # an outage pack: opened as such (expiry, operations)
        return open_pack(path, username.strip(), passphrase, clock=clock)
    # a vault that can carry a merge's row in an operation's transaction (a pack merged
    # from the app); without one it writes exactly as a plain vault
    return RecordingVault.unlock(path, username.strip(), passphrase, clock=clock)


class AccountService:
    """User administration and the user's own passphrase, for the signed-in session.

    The screens use this instead of the vault. What a role may do is decided below it (an
    administrator's session is an ``AdminVault`` on the signed directory; everyone else's
    vault refuses user management), so this adds the validation the UI and the CLI share.
    The slow calls (Argon2, a rekey) are for thread workers, never the UI thread.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def list_users(self) -> list[UserRow]:
        return self._vault.list_users()

    def add_user(self, username: str, display_name: str, role: Role, passphrase: str,
                 repeat: str | None = None) -> None:
        add_user(self._vault, username, display_name, role, passphrase, repeat)

    def reset_passphrase(self, username: str, new: str, repeat: str | None = None) -> None:
        reset_passphrase(self._vault, username, new, repeat)

    def revoke_user(self, username: str) -> None:
        """Block ``username`` at once; the database gets a new key with the next transaction
        of a data-key holder (which ends the revoked user's sessions)."""
        self._vault.revoke_user(username)

    def change_own_passphrase(self, old: str, new: str, repeat: str | None = None) -> None:
        change_own_passphrase(self._vault, old, new, repeat)
