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
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

# the capability table lives in its own light module (re-exported: see __all__)
from rc_tui.services.capabilities import CAPABILITIES, Capability, capabilities_of, roles_with
from rc_tui.services.errors import NoAccess, PermissionDenied
from storage.models import Assignment, CaseMember, Person, PersonLink, Stay
from storage.vault import UserInfo, Vault

__all__ = [
    "CAPABILITIES",
    "AccessPolicy",
    "Capability",
    "Level",
    "SessionGrants",
    "capabilities_of",
    "forget_grants",
    "grants_for",
    "refusal",
    "require",
    "roles_with",
]

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
    if hasattr(vault, _ATTR):
        delattr(vault, _ATTR)


class AccessPolicy:
    def __init__(self, user: UserInfo, grants: SessionGrants | None = None) -> None:
        self.user = user
        self.grants = grants or SessionGrants()
        self._assigned: set[int] | None = None
        self._peers: set[int] | None = None
        self._residents: set[int] | None = None
        self._housing: set[int] | None = None

    def reset(self) -> None:
        """Forget cached sets (called at the start of every transaction)."""
        self._assigned = None
        self._peers = None
        self._residents = None
        self._housing = None

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
    def assigned_persons(self, s: Session) -> set[int]:
        """Persons whose own track this user is assigned to (active assignments)."""
        if self._assigned is None:
            self._assigned = set(s.scalars(
                select(CaseMember.person_id).join(
                    Assignment, Assignment.case_member_id == CaseMember.id)
                .where(Assignment.user_id == self.user.id, Assignment.ended_at.is_(None))))
        return self._assigned

    def peer_persons(self, s: Session) -> set[int]:
        """Persons in the cases where this user works with some member."""
        if self._peers is None:
            self._peers = set(s.scalars(text(
                "SELECT DISTINCT m2.person_id FROM assignments a "
                "JOIN case_members m1 ON m1.id = a.case_member_id "
                "JOIN case_members m2 ON m2.case_id = m1.case_id "
                "WHERE a.user_id = :u AND a.ended_at IS NULL"), {"u": self.user.id}))
        return self._peers

    def shelter_residents(self, s: Session) -> set[int]:
        """Current and former shelter residents and their accompanying children (for
        shelter staff only)."""
        if not self.can(Capability.RESIDENTS):
            return set()
        if self._residents is None:
            self._residents = _residents_of(s, "shelter")
        return self._residents

    def housing_residents(self, s: Session) -> set[int]:
        """Current and former residents of the temporary housing, for those who work in
        the perpetrator service (see ``Level``); empty for everyone else."""
        if not self.can(Capability.HOUSING_BOARD):
            return set()
        if self._housing is None:
            works_there = s.scalar(
                select(Assignment.id).join(CaseMember,
                                           CaseMember.id == Assignment.case_member_id)
                .where(Assignment.user_id == self.user.id, Assignment.ended_at.is_(None),
                       CaseMember.role == "perpetrator").limit(1)) is not None
            self._housing = _residents_of(s, "perpetrator_housing") if works_there else set()
        return self._housing

    def my_cases(self, s: Session) -> set[int]:
        return set(s.scalars(text(
            "SELECT DISTINCT m.case_id FROM assignments a "
            "JOIN case_members m ON m.id = a.case_member_id "
            "WHERE a.user_id = :u AND a.ended_at IS NULL"), {"u": self.user.id}))

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

    def identity_visible(self, s: Session, person: Person) -> bool:
        """May this user see the name and identity number of ``person`` in lists?"""
        if person.protection_level == "none":
            return self.level(s, person.id) >= Level.EXISTS
        return (person.id in self.assigned_persons(s) or person.id in self.grants.revealed
                or person.id in self.shelter_residents(s)
                or person.id in self.housing_residents(s))


def _residents_of(s: Session, facility: str) -> set[int]:
    """Everyone with a stay at ``facility``, and the anonymous records linked to one of
    them (their history stays readable where the stays went)."""
    residents = set(s.scalars(select(Stay.person_id).where(Stay.facility == facility)))
    if residents:
        residents |= set(s.scalars(select(PersonLink.anonymous_id).where(
            PersonLink.known_id.in_(residents))))
    return residents


def require(level: Level, needed: Level = Level.FULL, person_id: int | None = None) -> None:
    if level < needed:
        raise NoAccess(person_id, "person", person_id)
