"""The UserSession the terminal UI holds instead of the vault: capabilities from the one
table, services made for the calling screen, grants that end with the session, and user
administration only through the account service."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from rc_tui.services.access import CAPABILITIES, Capability
from rc_tui.services.accounts import ValidationError
from rc_tui.services.cases import IntakeInput, MemberInput
from rc_tui.services.people import PersonInput
from rc_tui.services.session import UserSession
from storage.errors import PermissionDenied, VaultError
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS


def _session(path: Path, user: str, phrase: str) -> UserSession:
    return UserSession(Vault.unlock(path, user, phrase))


def test_capabilities_come_from_the_one_table(installed: Path) -> None:
    for user, phrase, role in ((ANNA, ANNA_PASS, Role.CASEWORKER),
                               (MANAGER, MANAGER_PASS, Role.MANAGER),
                               (ADMIN, ADMIN_PASS, Role.ADMIN)):
        session = _session(installed, user, phrase)
        try:
            assert session.role is role
            assert session.capabilities == CAPABILITIES[role]
            for capability in Capability:
                assert session.can(capability) is (capability in CAPABILITIES[role])
        finally:
            session.close(None)
    assert not _session(installed, ADMIN, ADMIN_PASS).can(Capability.CASE_CONTENT)


def test_services_log_the_screen_that_asked(installed: Path) -> None:
    session = _session(installed, MANAGER, MANAGER_PASS)
    try:
        result = session.cases("intake").register_intake(IntakeInput(
            occurred_at=datetime(2026, 11, 1, 9, 0), channel="police",
            what_happened="Hot i hemmet", immediate_danger=False,
            members=[MemberInput(role="victim", person=PersonInput(
                given_name="Eva", family_name="Ek", birth_year=1980))]))
        session.people("person").get(result.person_ids[0])
        with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session() as s:
            screens = {r[0] for r in s.execute(text(
                "SELECT screen FROM access_log WHERE person_id = :p"),
                {"p": result.person_ids[0]})}
        assert {"intake", "person"} <= screens
    finally:
        session.close(None)


def _logouts(path: Path) -> int:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v, v.session() as s:
        return int(s.execute(text(
            "SELECT count(*) FROM access_log WHERE action = 'logout'")).scalar_one())


def test_close_ends_grants_and_the_key_and_can_be_called_twice(installed: Path) -> None:
    before = _logouts(installed)
    session = _session(installed, MANAGER, MANAGER_PASS)
    grants = session.people("person").access.grants
    grants.revealed.add(1)
    session.close("logout")
    assert not session.is_open
    session.close("logout")  # a second close (hang-up after lock) is harmless
    assert not session.people("person").access.grants.revealed  # grants ended with it
    # a service made after the close has no grants and no key
    with pytest.raises(VaultError):
        session.people("person").get(1)
    # one logout for the session (plus the one _logouts' own vault wrote on closing)
    assert _logouts(installed) == before + 2


def test_user_administration_only_through_the_account_service(installed: Path) -> None:
    anna = _session(installed, ANNA, ANNA_PASS)
    try:
        with pytest.raises(PermissionDenied):
            anna.accounts().list_users()
        with pytest.raises(PermissionDenied):
            anna.accounts().revoke_user(MANAGER)
        with pytest.raises(PermissionDenied):
            anna.settings().set_idle_timeout(600)
    finally:
        anna.close(None)
    admin = _session(installed, ADMIN, ADMIN_PASS)
    try:
        accounts = admin.accounts()
        with pytest.raises(ValidationError):  # the shared validation runs first
            accounts.add_user("x", "Namn", Role.CASEWORKER, "kort")
        accounts.add_user("nils", "Nils Nilsson", Role.CASEWORKER, "en helt egen lång fras")
        assert "nils" in {u.username for u in accounts.list_users()}
        admin.settings().set_idle_timeout(600)
        assert admin.settings().current()["idle_timeout_seconds"] == 600
    finally:
        admin.close(None)
