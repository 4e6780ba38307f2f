"""Need-to-know: who may see and do what. Plain Python, asked by every service.

Levels of access to one person (``Level``):

* ``FULL`` – the whole record: the user is assigned to the person's own track (in any
  case), is a manager (who sees all cases of the centre), or holds an emergency grant
  for this session.
* ``EXISTS`` – the family compartment: the user works with another member of a case the
  person is in. They see that the person exists, the role, and the name (unless the
  person has a protected identity) – never the address, safe contact, journal, intake
  account, consent, child reports or any other content.
* ``SHELTER`` – shelter staff for current and former shelter residents and their
  accompanying children: what the shelter needs (the person, safe contact, journal,
  consent, child reports) – never investigations or risk assessments. The same for the
  temporary housing's current and former residents, to those who work in the perpetrator
  service: a user whose role works the housing (``HOUSING_BOARD``) and who holds a
  perpetrator's track (the role table does not tell a victim-side caseworker from a
  perpetrator-side one; the tracks they hold do).
* ``NONE`` – nothing; the screens offer emergency access (reason required, logged and
  flagged for review).

Administrators see no case content at all. Protected identities (any protection level)
have their name and identity number hidden in lists, headers and search results for
everyone who is not assigned to them; revealing takes an explicit key and is logged.

What a role may do apart from the need-to-know per person (manage users, open a board,
assign, convene a samråd, …) is one table, ``CAPABILITIES``: the services ``require`` a
``Capability`` and the screens ask the same question (``AccessPolicy.can``,
``Service.capabilities``) to decide which keys to offer.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

# the capability table lives in its own light module (re-exported: see __all__)
from rc_tui.services.capabilities import CAPABILITIES, Capability, capabilities_of, roles_with
from rc_tui.services.errors import NoAccess, PermissionDenied
from storage.guard import ACCESS_EPOCH
from storage.models import Assignment, CaseMember, PersonLink, Stay
from storage.vault import UserInfo, Vault

_T = TypeVar("_T")

__all__ = [
    "CAPABILITIES",
    "NAMES",
    "NOTES",
    "AccessPolicy",
    "Capability",
    "Level",
    "SessionGrants",
    "SessionSets",
    "capabilities_of",
    "forget_grants",
    "grants_for",
    "refusal",
    "require",
    "roles_with",
    "sets_for",
]

class Identified(Protocol):
    """What the decisions need of a person: a ``Person``, or the few columns a list read
    (``PersonRow`` in ``rc_tui.services.people``)."""

    @property
    def id(self) -> int: ...

    @property
    def protection_level(self) -> str: ...


class Level(enum.IntEnum):
    NONE = 0
    EXISTS = 1
    SHELTER = 2
    FULL = 3


#: refusals that are need-to-know refusals (``NoAccess``, access-logged by the service's
#: transaction) with the record type they are logged under; every other refusal is a
#: ``PermissionDenied`` with this reason
_LOGGED_REFUSALS: dict[Capability, str] = {
    Capability.SHELTER_BOARD: "shelter",
    Capability.HOUSING_BOARD: "perpetrator_housing",
    Capability.MANAGE_PLACES: "place",
    Capability.STATISTICS: "statistics",
    Capability.RETENTION: "retention",
}
_REASONS: dict[Capability, str] = {
    Capability.CASE_CONTENT: "administrators see no case content",
    Capability.LOG_REVIEW: "log review is for managers",
    Capability.LOG_EXTRACT: "log extracts are for managers",
    Capability.RECORD_EXTRACT: "record extracts are for managers and the person's caseworker",
    Capability.RESTRICT_RECORDS: "only managers restrict a record",
    Capability.ASSIGN: "only managers assign caseworkers",
    Capability.CONVENE_SAMRAD: "the centre's manager convenes a samråd",
}


def refusal(capability: Capability) -> NoAccess | PermissionDenied:
    """The error that refuses ``capability``."""
    if capability in _LOGGED_REFUSALS:
        return NoAccess(None, _LOGGED_REFUSALS[capability], None)
    return PermissionDenied(_REASONS.get(capability, capability.value))


@dataclass
class SessionGrants:
    """Per-session grants (emergency access, revealed identities). Cleared at lock."""

    emergency: set[int] = field(default_factory=set)
    revealed: set[int] = field(default_factory=set)


_ATTR = "_rc_session_grants"


def grants_for(vault: Vault) -> SessionGrants:
    """The grants of this unlocked session. They live on the vault object itself: a new
    login is a new vault, so it starts with none, and they go when the vault goes."""
    grants = getattr(vault, _ATTR, None)
    if grants is None:
        grants = SessionGrants()
        setattr(vault, _ATTR, grants)
    return grants


def forget_grants(vault: Vault) -> None:
    """Forget this session's grants and the sets it kept (``SessionSets``)."""
    if hasattr(vault, _ATTR):
        delattr(vault, _ATTR)
    if hasattr(vault, _SETS_ATTR):
        delattr(vault, _SETS_ATTR)


#: The state a snapshot read's sets depend on, read in that read's own snapshot: beside
#: the access epoch (``Session.info[ACCESS_EPOCH]``, read by the guard), the highest id of
#: each table whose new rows widen somebody's access (the epoch moves on every update or
#: delete of them, not on inserts), then of the tables whose new rows other kept values
#: may depend on (``AccessPolicy.kept``'s ``on``).
_STATE = text(
    "SELECT (SELECT max(id) FROM assignments), (SELECT max(id) FROM case_members), "
    "(SELECT max(id) FROM stays), (SELECT max(id) FROM person_links), "
    "(SELECT max(id) FROM person_history), (SELECT max(id) FROM journal_notes)"
)
#: the columns of ``_STATE`` after the access sets' own, by what they stand for: a name or
#: identity number changed (a row of ``person_history``, which a trigger writes whoever
#: changes one: migration 0017), a new journal note
NAMES, NOTES = "names", "notes"
_MORE_STATE = (NAMES, NOTES)
#: the epoch and the first columns of ``_STATE``: what the access sets depend on
_ACCESS_STATE = 5


class SessionSets:
    """Values of one session kept between its snapshot reads, each under the state it was
    computed in (``AccessPolicy.state``): a value is used again only while that state is
    exactly the same, so an access narrowed anywhere (the epoch moved), a new assignment,
    member, stay or link (a higher id) makes every value computed before it go. One per
    unlocked session (``sets_for``); it goes with the session's grants at lock and logout.
    Safe to share between the session's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[tuple[Any, ...], Any]] = {}

    def get(self, name: str, state: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        """The value ``name`` kept for exactly ``state``, or ``compute()`` kept for it."""
        with self._lock:
            kept = self._values.get(name)
        if kept is not None and kept[0] == state:
            value: _T = kept[1]
            return value
        value = compute()
        with self._lock:
            self._values[name] = (state, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_SETS_ATTR = "_rc_session_sets"


def sets_for(vault: Vault) -> SessionSets:
    """The kept values of this unlocked session (on the vault object, like its grants)."""
    sets: SessionSets | None = getattr(vault, _SETS_ATTR, None)
    if sets is None:
        sets = SessionSets()
        setattr(vault, _SETS_ATTR, sets)
    return sets


class AccessPolicy:
    def __init__(self, user: UserInfo, grants: SessionGrants | None = None,
                 kept: SessionSets | None = None) -> None:
        self.user = user
        self.grants = grants or SessionGrants()
        self._kept = kept
        #: the sets of the current transaction
        self._sets: dict[str, frozenset[int]] = {}
        #: the current transaction may use ``kept`` (a snapshot read: it writes nothing)
        self._keeping = False
        #: the state of the current transaction (``state``), once read
        self._state: tuple[Any, ...] | None = None

    def reset(self, *, snapshot: bool = False) -> None:
        """Forget the sets of the last transaction (called at the start of every
        transaction). ``snapshot``: the new transaction is a snapshot read, which writes
        nothing, so its sets may be the session's kept ones (``SessionSets``) when the
        state they were computed in is the same. A write transaction always computes its
        own: it may itself change what they hold."""
        self._sets = {}
        self._keeping = snapshot and self._kept is not None
        self._state = None

    def state(self, s: Session) -> tuple[Any, ...] | None:
        """The state the sets of this transaction depend on (see ``_STATE``), read once
        in its snapshot; None when nothing may be kept (a write transaction, or a database
        without the access epoch)."""
        if not self._keeping or s.info.get(ACCESS_EPOCH) is None:
            return None
        if self._state is None:
            self._state = (s.info[ACCESS_EPOCH], *s.execute(_STATE).one())
        return self._state

    def kept(self, s: Session, name: str, compute: Callable[[], _T], *,
             on: tuple[str, ...] = (), extra: tuple[Any, ...] = ()) -> _T:
        """``compute()``, or the value kept in this session for ``name`` under the same
        access state, the same columns ``on`` of ``_STATE`` (``NAMES``, ``NOTES``) and the
        same ``extra`` (e.g. the set of persons it is about, which may hold this session's
        emergency grants). Only in a snapshot read; a write transaction computes."""
        state = self.state(s)
        if state is None or self._kept is None:
            return compute()
        key = (*state[:_ACCESS_STATE],
               *(state[_ACCESS_STATE + _MORE_STATE.index(o)] for o in on), *extra)
        return self._kept.get(name, key, compute)

    def _set(self, s: Session, name: str, compute: Callable[[], frozenset[int]]
             ) -> frozenset[int]:
        found = self._sets.get(name)
        if found is None:
            found = self._sets[name] = self.kept(s, name, compute)
        return found

    # ------------------------------------------------------------------ capabilities
    @property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_of(self.user.role)

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """``NoAccess`` or ``PermissionDenied`` (see ``refusal``) unless the user's role
        has ``capability``."""
        if not self.can(capability):
            raise refusal(capability)

    # ------------------------------------------------------------------ sets
    def assigned_persons(self, s: Session) -> frozenset[int]:
        """Persons whose own track this user is assigned to (active assignments)."""
        return self._set(s, "assigned", lambda: frozenset(s.scalars(
            select(CaseMember.person_id).join(
                Assignment, Assignment.case_member_id == CaseMember.id)
            .where(Assignment.user_id == self.user.id, Assignment.ended_at.is_(None)))))

    def peer_persons(self, s: Session) -> frozenset[int]:
        """Persons in the cases where this user works with some member."""
        return self._set(s, "peers", lambda: frozenset(s.scalars(text(
            "SELECT DISTINCT m2.person_id FROM assignments a "
            "JOIN case_members m1 ON m1.id = a.case_member_id "
            "JOIN case_members m2 ON m2.case_id = m1.case_id "
            "WHERE a.user_id = :u AND a.ended_at IS NULL"), {"u": self.user.id})))

    def shelter_residents(self, s: Session) -> frozenset[int]:
        """Current and former shelter residents and their accompanying children (for
        shelter staff only)."""
        if not self.can(Capability.RESIDENTS):
            return frozenset()
        return self._set(s, "residents", lambda: _residents_of(s, "shelter"))

    def housing_residents(self, s: Session) -> frozenset[int]:
        """Current and former residents of the temporary housing, for those who work in
        the perpetrator service (see ``Level``); empty for everyone else. Never kept
        between transactions: it depends on a member's role, whose change does not move
        the access epoch."""
        if not self.can(Capability.HOUSING_BOARD):
            return frozenset()
        found = self._sets.get("housing")
        if found is None:
            works_there = s.scalar(
                select(Assignment.id).join(CaseMember,
                                           CaseMember.id == Assignment.case_member_id)
                .where(Assignment.user_id == self.user.id, Assignment.ended_at.is_(None),
                       CaseMember.role == "perpetrator").limit(1)) is not None
            found = self._sets["housing"] = (_residents_of(s, "perpetrator_housing")
                                             if works_there else frozenset())
        return found

    def my_cases(self, s: Session) -> frozenset[int]:
        return self._set(s, "cases", lambda: frozenset(s.scalars(text(
            "SELECT DISTINCT m.case_id FROM assignments a "
            "JOIN case_members m ON m.id = a.case_member_id "
            "WHERE a.user_id = :u AND a.ended_at IS NULL"), {"u": self.user.id})))

    # ------------------------------------------------------------------ decisions
    def level(self, s: Session, person_id: int) -> Level:
        if not self.can(Capability.CASE_CONTENT):
            return Level.NONE
        if self.can(Capability.ALL_CASES) or person_id in self.grants.emergency:
            return Level.FULL
        if person_id in self.assigned_persons(s):
            return Level.FULL
        if person_id in self.shelter_residents(s) or person_id in self.housing_residents(s):
            return Level.SHELTER
        if person_id in self.peer_persons(s):
            return Level.EXISTS
        return Level.NONE

    def case_visible(self, s: Session, case_id: int) -> bool:
        if not self.can(Capability.CASE_CONTENT):
            return False
        if self.can(Capability.ALL_CASES):
            return True
        if case_id in self.my_cases(s):
            return True
        members = set(s.scalars(select(CaseMember.person_id).where(
            CaseMember.case_id == case_id)))
        return bool(members & self.grants.emergency)

    def identity_visible(self, s: Session, person: Identified) -> bool:
        """May this user see the name and identity number of ``person`` in lists?"""
        if person.protection_level == "none":
            return self.level(s, person.id) >= Level.EXISTS
        return (person.id in self.assigned_persons(s) or person.id in self.grants.revealed
                or person.id in self.shelter_residents(s)
                or person.id in self.housing_residents(s))


def _residents_of(s: Session, facility: str) -> frozenset[int]:
    """Everyone with a stay at ``facility``, and the anonymous records linked to one of
    them (their history stays readable where the stays went)."""
    residents = set(s.scalars(select(Stay.person_id).where(Stay.facility == facility)))
    if residents:
        residents |= set(s.scalars(select(PersonLink.anonymous_id).where(
            PersonLink.known_id.in_(residents))))
    return frozenset(residents)


def require(level: Level, needed: Level = Level.FULL, person_id: int | None = None) -> None:
    if level < needed:
        raise NoAccess(person_id, "person", person_id)
