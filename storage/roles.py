"""Roles and user states (plain enums: importable without SQLAlchemy)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    CASEWORKER = "caseworker"  # handläggare
    SHELTER = "shelter"  # shelter staff (Siri)
    MANAGER = "manager"  # chef / samordnare
    ADMIN = "admin"  # manages users and settings, sees no case content


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    #: only in the signed directory: added or reset by an administrator, waiting for a
    #: manager's login to enrol it (never stored in the database)
    PENDING = "pending"
