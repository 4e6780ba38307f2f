"""Errors raised by the storage layer.

Every error carries a stable ``code`` so the UI and CLI can show a translated,
traceback-free message. Messages never contain passphrases or case data.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class for all storage errors that a user may see."""

    code = "vault_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class DatabaseMissing(VaultError):
    code = "database_missing"


class KeyFileMissing(VaultError):
    code = "keyfile_missing"


class KeyFileDamaged(VaultError):
    code = "keyfile_damaged"


class DatabaseDamaged(VaultError):
    code = "database_damaged"


class DatabaseExists(VaultError):
    code = "database_exists"


class UnknownUser(VaultError):
    """Unknown or revoked user (deliberately one error: revoked slots are deleted)."""

    code = "unknown_user"


class WrongPassphrase(VaultError):
    code = "wrong_passphrase"


class LockedOut(VaultError):
    """Too many failed attempts: the user must wait ``wait_seconds``."""

    code = "locked_out"

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(f"wait {wait_seconds:.0f} s")
        self.wait_seconds = wait_seconds


class NewerSchema(VaultError):
    code = "newer_schema"


class SecurityCheckFailed(VaultError):
    """A required SQLCipher setting could not be verified at run time."""

    code = "security_check_failed"


class PermissionDenied(VaultError):
    code = "permission_denied"


class RekeyBusy(VaultError):
    """A rekey could not take the database write lock within the busy timeout."""

    code = "rekey_busy"


class KeyChanged(VaultError):
    """The database was rekeyed by another session; log in again."""

    code = "key_changed"


class SessionRevoked(VaultError):
    """This session's user was revoked (or their key slot removed): the session ended."""

    code = "session_revoked"


class ConflictError(VaultError):
    """Optimistic-locking conflict: somebody else changed the record first."""

    code = "conflict"


class NoAccess(VaultError):
    """Need-to-know: this user may not see this person or record (emergency access
    exists for real need; it is logged and reviewed). Carries what was asked for, so the
    refusal itself can be logged."""

    code = "no_access"

    def __init__(self, person_id: int | None = None, record_type: str | None = None,
                 record_id: int | None = None) -> None:
        super().__init__(record_type or "")
        self.person_id = person_id
        self.record_type = record_type
        self.record_id = record_id


#: what the database's restriction triggers raise (migration 0017)
RESTRICTED_MESSAGE = "rc-tui: the person's record is restricted"


class RecordRestricted(VaultError):
    """The person's record is restricted while a dispute is examined: nothing about the
    person may be added or changed until a manager lifts the restriction (the database's
    triggers refuse it, whoever writes)."""

    code = "record_restricted"


class BackupDamaged(VaultError):
    """Not an rc-tui backup, or its contents do not match their checksums."""

    code = "backup_damaged"


class BackupMismatch(VaultError):
    """The backup is of another installation than the database it would replace."""

    code = "backup_mismatch"


class CheckFailed(VaultError):
    """An integrity check failed; ``detail`` is the first problem, ``problems`` all of
    them (no case data); ``damaged``: the file itself is damaged."""

    code = "check_failed"

    def __init__(self, detail: str = "", problems: tuple[str, ...] = (),
                 damaged: bool = False) -> None:
        super().__init__(detail)
        self.problems = problems or ((detail,) if detail else ())
        self.damaged = damaged


class DatabaseLocked(VaultError):
    """Another session (or a backup) held the write lock longer than this one could wait:
    nothing was read or written. Trying again is safe."""

    code = "database_locked"


class DatabaseBusy(VaultError):
    """The files could not be held still long enough to copy them (e.g. during a rekey)."""

    code = "database_busy"


class DatabaseInUse(VaultError):
    """Other processes have the database open, so it may not be replaced now."""

    code = "database_in_use"


class TargetExists(VaultError):
    code = "target_exists"


class NeedsKey(VaultError):
    """A backup without keys needs POSIX file locks; elsewhere a user's key is needed."""

    code = "needs_key"


class UnsafeFolder(VaultError):
    """The existing data folder lets other accounts replace or delete its files.

    ``reason``: ``writable`` (group or others may write), ``owner`` (another account owns
    it) or ``not_a_folder``. rc-tui never changes an existing folder's mode itself.
    """

    code = "unsafe_folder"

    def __init__(self, folder: str, reason: str) -> None:
        super().__init__(f"{folder}: {reason}")
        self.folder = folder
        self.reason = reason


class NoDataKey(PermissionDenied):
    """An administrator's slot holds no data key: this needs a data-key holder."""

    code = "no_data_key"


class AccountPending(VaultError):
    """The slot waits for enrolment by a manager (added or reset by an administrator)."""

    code = "account_pending"


class PackExpired(VaultError):
    """An outage pack past its expiry: it does not open (a new one is made from the
    database once it is reachable)."""

    code = "pack_expired"


class OfflineRefused(PermissionDenied):
    """A write that an outage pack cannot carry back (only the operations the merge
    replays are possible in a pack)."""

    code = "offline_refused"


class NotAPack(VaultError):
    code = "not_a_pack"


class PackMerged(VaultError):
    """The pack was merged already: a second merge is refused."""

    code = "pack_merged"
