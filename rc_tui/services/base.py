"""Common ground for the services: one session per call, access checks, access logging.

Every service method that reads or writes personal data opens one short transaction,
asks the ``AccessPolicy`` whether the user may do it, and writes the access-log entry in
that same transaction (``Service.audited`` does all three for the common case; an update
under optimistic locking runs in ``Service.versioned``). Screens get plain dataclasses
back, never ORM objects.

The busiest reads (search, a person opened, the due list) run in ``Service.snapshot``
instead: a read transaction, which never waits for the write lock and never makes anyone
wait, and then one short write transaction that appends the access-log entries of what is
about to be shown, chained and committed before the data is returned. That write compares
the access epoch (see migration 0021) with the read's: when somebody's access was narrowed
in between (an assignment ended, a record restricted …), the read is done again under the
new rules (``Service.reading``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rc_tui.services.access import (
    AccessPolicy,
    Capability,
    Level,
    grants_for,
    require,
    sets_for,
)
from rc_tui.services.errors import ConflictError, NoAccess
from storage import audit, integrity
from storage.guard import ACCESS_EPOCH
from storage.models import Assignment, Case, CaseMember, User
from storage.pack import PackVault
from storage.vault import UserInfo, Vault

Clock = Callable[[], datetime]


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


_V = TypeVar("_V", bound=_Versioned)
_T = TypeVar("_T")

#: ``Session.info`` key of a snapshot's access-log entries, written after the read
_PENDING = "rc_pending_log"
#: snapshot reads tried before a read is done under the write lock as a whole
SNAPSHOT_TRIES = 3


class AccessChanged(ConflictError):
    """Somebody's access was narrowed while a snapshot read ran: nothing of it may be
    shown (``Service.reading`` reads again; elsewhere it is a conflict: try again)."""

    def __init__(self) -> None:
        super().__init__("access")


class SameVersion:
    """The optimistic-locking check of one update: ``same_version(row, version)`` returns
    the row, or refuses with ``ConflictError`` when it changed since ``version`` was read."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, row: _V, version: int) -> _V:
        if row.version != version:
            raise ConflictError(self.what)
        return row


@dataclass(frozen=True)
class DueItem:
    """Something due for the user (computed from the records, never stored)."""

    kind: str
    person_id: int | None
    case_id: int | None
    title: str
    due: date
    overdue: bool


def user_names(s: Session, ids: set[int | None]) -> dict[int, str]:
    """The display names of the users ``ids`` (who recorded, decided, signed)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(s.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def my_open_tracks(svc: Service, s: Session) -> dict[int, int]:
    """Persons on an open track (in an open case) this user is assigned to -> case id: whose
    due items are this user's. Read once per transaction (``s`` is one; three due rules of
    one due list ask for it) and handed out as a copy."""
    key = ("my_open_tracks", svc.user.id)
    kept: dict[int, int] | None = s.info.get(key)
    if kept is None:
        rows = s.execute(
            select(CaseMember.person_id, CaseMember.case_id)
            .join(Assignment, Assignment.case_member_id == CaseMember.id)
            .join(Case, Case.id == CaseMember.case_id)
            .where(Assignment.user_id == svc.user.id, Assignment.ended_at.is_(None),
                   CaseMember.closed_at.is_(None), Case.status == "open")).all()
        kept = s.info[key] = {p: c for p, c in rows}
    return dict(kept)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(utc: datetime) -> datetime:
    """A recorded time (stored as naive UTC) in the workstation's local time, for display
    (times a user types – an arrival, an intake – are stored as typed)."""
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


class Service:
    """Base class: ``Service(vault, screen="intake")``."""

    def __init__(self, vault: Vault, *, screen: str = "", clock: Clock = utcnow) -> None:
        self.vault = vault
        self.screen = screen or type(self).__name__.lower()
        self.clock = clock
        self.access = AccessPolicy(vault.user, grants_for(vault), sets_for(vault))
        if isinstance(vault, PackVault):  # an outage pack: the writes become operations
            from rc_tui.services.packs.recording import record_offline

            record_offline(self)

    @property
    def user(self) -> UserInfo:
        return self.vault.user

    def today(self) -> date:
        return self.clock().date()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction (access-log entries for what is shown are written at once)."""
        with self.write() as s:
            yield s

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read transaction for a read that shows case data: the access check and the
        reads run in one consistent snapshot without the write lock; the access-log
        entries (``log``, ``log_many``) are kept and appended afterwards in one short write
        transaction, committed before this returns – so nothing is shown unlogged. When the
        access epoch moved between the two, ``AccessChanged`` is raised and nothing is
        logged. A refusal (``NoAccess``) is logged as in ``write``. Nothing may be written
        in the read transaction itself. The access sets may be the session's kept ones
        (``SessionSets``): computed in an earlier snapshot with the same access state."""
        self.access.reset(snapshot=True)
        pending: list[dict[str, Any]] = []
        try:
            with self.vault.session() as s:
                # the access epoch (migration 0021) as this snapshot's guard read it
                epoch = s.info[ACCESS_EPOCH]
                s.info[_PENDING] = pending
                yield s
        except NoAccess as exc:
            self._log_denied(exc)
            raise
        if pending:
            with self.vault.session(write=True) as s:
                if s.info[ACCESS_EPOCH] != epoch:
                    raise AccessChanged()
                audit.append_many(s, pending)

    def _log_denied(self, exc: NoAccess) -> None:
        """A refusal, logged in a transaction of its own (the refused one is rolled back),
        so every denied attempt is in the access log."""
        with self.vault.session(write=True) as s:
            self.log(s, "view", outcome="denied", person_id=exc.person_id,
                     record_type=exc.record_type, record_id=exc.record_id)

    def reading(self, read: Callable[[Session], _T]) -> _T:
        """``read(s)`` in a ``snapshot``, read again when somebody's access was narrowed
        meanwhile; after ``SNAPSHOT_TRIES`` such tries, once under the write lock (where
        nothing can move). ``read`` must have no effect but its access-log entries."""
        for _attempt in range(SNAPSHOT_TRIES):
            try:
                with self.snapshot() as s:
                    result = read(s)
                return result
            except AccessChanged:
                continue
        with self.write() as s:
            return read(s)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction. A refusal (``NoAccess``) rolls it back and is then logged
        on its own, so every denied attempt is in the access log."""
        self.access.reset()
        try:
            with self.vault.session(write=True) as s:
                yield s
        except NoAccess as exc:
            self._log_denied(exc)
            raise

    @contextmanager
    def audited(self, record_type: str, *, person_id: int | None = None,
                needed: Level = Level.FULL, check: Callable[[Session], object] | None = None,
                action: str = "view", record_id: int | None = None) -> Iterator[Session]:
        """One transaction for the common case: the access check first – ``check(s)``, or
        ``needed`` for ``person_id`` – (a refusal is access-logged, see ``write``), then the
        caller's work, then the access-log entry (``action`` on ``record_type``) once that
        work is done."""
        with self.write() as s:
            if check is not None:
                check(s)
            elif person_id is not None:
                self.require_person(s, person_id, needed)
            yield s
            self.log(s, action, person_id=person_id, record_type=record_type,
                     record_id=record_id)

    @contextmanager
    def versioned(self, what: str) -> Iterator[tuple[Session, SameVersion]]:
        """A write transaction for an update under optimistic locking: the caller checks
        the row it changes with the ``SameVersion`` it is given, and a change by somebody
        else that lands between that check and the write (``StaleDataError``) is the same
        ``ConflictError(what)``."""
        try:
            with self.write() as s:
                yield s, SameVersion(what)
        except StaleDataError as exc:
            raise ConflictError(what) from exc

    def require_person(self, s: Session, person_id: int, needed: Level = Level.FULL) -> Level:
        """The user's level for ``person_id``; ``NoAccess`` below ``needed``."""
        self.require(Capability.CASE_CONTENT)
        level = self.access.level(s, person_id)
        require(level, needed, person_id)
        return level

    def require(self, capability: Capability) -> None:
        """Refused (``NoAccess`` or ``PermissionDenied``) unless the user's role has
        ``capability`` – e.g. administrators manage users and settings and never see case
        content (``Capability.CASE_CONTENT``)."""
        self.access.require(capability)

    def capabilities(self) -> frozenset[Capability]:
        """What this user's role may do (the screens offer the keys for it)."""
        return self.access.capabilities

    def log(self, s: Session, action: str, **kw: Any) -> None:
        """One access-log entry by this user: in this transaction, or for a ``snapshot``
        read kept and appended right after it."""
        pending: list[dict[str, Any]] | None = s.info.get(_PENDING)
        if pending is not None:
            pending.append({"action": action, "user_id": self.user.id,
                            "username": self.user.username, "screen": self.screen, **kw})
            return
        audit.append(s, action, user_id=self.user.id, username=self.user.username,
                     screen=self.screen, **kw)

    def log_many(self, s: Session, action: str, entries: list[dict[str, Any]]) -> None:
        """Several entries of one ``action`` by this user in one statement (e.g. every
        search hit shown); each dict holds ``log``'s keywords."""
        rows = [{"action": action, "user_id": self.user.id, "username": self.user.username,
                 "screen": self.screen, **e} for e in entries]
        pending: list[dict[str, Any]] | None = s.info.get(_PENDING)
        if pending is not None:
            pending.extend(rows)
        else:
            audit.append_many(s, rows)

    def log_sealed(self, s: Session, action: str, record_type: str, record_id: int,
                   **kw: Any) -> None:
        """Log the act that seals a record (signs, concludes, decides, approves) with the
        hash of the record's content, so ``rc-tui check`` can tell if it changes later."""
        self.log(s, action, record_type=record_type, record_id=record_id,
                 content_hash=integrity.content_hash(s, record_type, record_id), **kw)
