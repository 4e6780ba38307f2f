"""The capability table: which role may do what, whoever it concerns.

Kept apart from ``access`` (the need-to-know levels, which read the database) so that the
app shell can ask it before anyone has logged in without loading the storage stack – the
login screen is drawn before SQLAlchemy and SQLCipher are imported.
"""

from __future__ import annotations

import enum

from storage.roles import Role

__all__ = ["CAPABILITIES", "Capability", "capabilities_of", "roles_with"]


class Capability(enum.Enum):
    """Something a role may do, whoever it concerns (the person-level need-to-know is
    ``Level``)."""

    CASE_CONTENT = "case_content"  # persons, cases, search, intake (all but the administrator)
    ALL_CASES = "all_cases"  # every case of the centre, each person's whole record
    RESIDENTS = "residents"  # the shelter's residents and their children at Level.SHELTER
    SHELTER_BOARD = "shelter_board"  # the shelter's board, register and shift log
    HOUSING_BOARD = "housing_board"  # the same for the temporary housing
    #: admit to the temporary housing without a signed risk assessment of him (a stated
    #: reason; the admission is flagged for the log review)
    HOUSING_OVERRIDE = "housing_override"
    #: link an anonymous record to the known person it turned out to be
    LINK_RECORDS = "link_records"
    MANAGE_PLACES = "manage_places"  # set up a facility's places
    SHIFT_HANDOVER = "shift_handover"  # works the shelter's shifts: the handover is due
    ASSIGN = "assign"  # assign caseworkers to tracks
    CONVENE_SAMRAD = "convene_samrad"  # convene and chair a samråd
    LOG_REVIEW = "log_review"  # review the access log
    LOG_EXTRACT = "log_extract"  # a person's log extract: who has read their record
    #: a person's record extract (registerutdrag) with the review of passages about others
    #: (and only for a person whose own track the user holds, or as a manager)
    RECORD_EXTRACT = "record_extract"
    #: restrict a person's record while a dispute is examined, and lift it
    RESTRICT_RECORDS = "restrict_records"
    STATISTICS = "statistics"  # the board's statistics (aggregates, small counts hidden)
    #: retention (gallring): cull what is due, decide to keep a record past its period
    RETENTION = "retention"
    USERS = "users"  # manage user accounts
    SETTINGS = "settings"  # the installation's settings


#: role -> what it may do: the one table every role check is answered from
CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.CASEWORKER: frozenset({
        Capability.CASE_CONTENT, Capability.HOUSING_BOARD, Capability.RECORD_EXTRACT}),
    Role.SHELTER: frozenset({
        Capability.CASE_CONTENT, Capability.RESIDENTS, Capability.SHELTER_BOARD,
        Capability.SHIFT_HANDOVER}),
    Role.MANAGER: frozenset({
        Capability.CASE_CONTENT, Capability.ALL_CASES, Capability.SHELTER_BOARD,
        Capability.HOUSING_BOARD, Capability.HOUSING_OVERRIDE, Capability.MANAGE_PLACES,
        Capability.LINK_RECORDS, Capability.ASSIGN,
        Capability.CONVENE_SAMRAD, Capability.LOG_REVIEW, Capability.LOG_EXTRACT,
        Capability.RECORD_EXTRACT, Capability.RESTRICT_RECORDS, Capability.STATISTICS,
        Capability.RETENTION}),
    Role.ADMIN: frozenset({
        Capability.USERS, Capability.SETTINGS}),
}


def capabilities_of(role: Role) -> frozenset[Capability]:
    return CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability) -> list[Role]:
    """The roles that have ``capability`` (in the order of ``Role``)."""
    return [role for role in Role if capability in capabilities_of(role)]
