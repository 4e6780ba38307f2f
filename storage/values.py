"""The frozen values the vault hands out: who is signed in, the user list, the users a
manager's login enrolled, and the integrity report."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import User
from storage.roles import Role, UserStatus


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


@dataclass(frozen=True)
class ReclaimReport:
    """What reclaiming the pages of deleted records found (``Vault.reclaim``)."""

    #: pages on the free list after the VACUUM (0: every page is in use)
    free_pages: int
    #: bytes left in the write-ahead log (0: it was checkpointed and truncated, so no
    #: older version of a page is left in it)
    wal_bytes: int
    #: the VACUUM ran (False: another session held the write lock too long)
    vacuumed: bool = True

    @property
    def complete(self) -> bool:
        return self.vacuumed and self.free_pages == 0 and self.wal_bytes == 0


def user_info(u: User) -> UserInfo:
    return UserInfo(
        u.id, u.username, u.display_name, Role(u.role), u.must_change_passphrase, u.language
    )
