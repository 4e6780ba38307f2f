"""The capability table: one place answers what a role may do, the services ask it (through
``Service.require``) and screens can ask the same question (``Service.capabilities``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from rc_tui.services import capabilities
from rc_tui.services.access import Capability, capabilities_of, refusal, roles_with
from rc_tui.services.home import HomeService
from rc_tui.services.logreview import LogFilter, LogReviewService
from rc_tui.services.samrad import SamradService
from rc_tui.services.shelter import ShelterService, facilities_for
from storage.errors import NoAccess, PermissionDenied
from storage.models import AccessLog
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS

CHEF, CHEF_PASS = "chef", "chefens långa fras"
SIRI, SIRI_PASS = "siri", "nattens långa fras"


def test_the_table_answers_the_role_questions_the_home_screen_asks() -> None:
    assert capabilities_of(Role.ADMIN) == {Capability.USERS, Capability.SETTINGS}
    for role in (Role.CASEWORKER, Role.SHELTER, Role.MANAGER):
        assert Capability.CASE_CONTENT in capabilities_of(role)
        assert not capabilities_of(role) & {Capability.USERS, Capability.SETTINGS}
    assert roles_with(Capability.LOG_REVIEW) == [Role.MANAGER]
    assert roles_with(Capability.ASSIGN) == [Role.MANAGER]
    assert roles_with(Capability.CONVENE_SAMRAD) == [Role.MANAGER]
    assert roles_with(Capability.RESIDENTS) == [Role.SHELTER]
    assert facilities_for(Role.SHELTER) == ["shelter"]
    assert facilities_for(Role.CASEWORKER) == ["perpetrator_housing"]
    assert facilities_for(Role.MANAGER) == ["shelter", "perpetrator_housing"]
    assert facilities_for(Role.ADMIN) == []


def test_a_refusal_keeps_its_kind() -> None:
    """Need-to-know refusals (logged by the transaction) stay ``NoAccess`` with the record
    type they were always logged under; the role refusals stay ``PermissionDenied``."""
    board = refusal(Capability.SHELTER_BOARD)
    assert isinstance(board, NoAccess) and board.record_type == "shelter"
    housing = refusal(Capability.HOUSING_BOARD)
    assert isinstance(housing, NoAccess) and housing.record_type == "perpetrator_housing"
    assert isinstance(refusal(Capability.LOG_REVIEW), PermissionDenied)
    assert isinstance(refusal(Capability.CASE_CONTENT), PermissionDenied)


@pytest.fixture
def logins(installed: Path) -> Iterator[dict[str, Vault]]:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        v.add_user(CHEF, "Chef", Role.MANAGER, CHEF_PASS, must_change=False)
        v.add_user(SIRI, "Siri", Role.SHELTER, SIRI_PASS, must_change=False)
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close(None)  # enrols them
    opened = {name: Vault.unlock(installed, name, phrase, clock=lambda: 9e9)
              for name, phrase in ((ANNA, ANNA_PASS), (CHEF, CHEF_PASS), (SIRI, SIRI_PASS),
                                   (ADMIN, ADMIN_PASS))}
    yield opened
    for v in opened.values():
        v.close(None)


def test_services_tell_what_the_user_may_do(logins: dict[str, Vault]) -> None:
    for name, role in ((ANNA, Role.CASEWORKER), (CHEF, Role.MANAGER), (SIRI, Role.SHELTER),
                       (ADMIN, Role.ADMIN)):
        assert HomeService(logins[name]).capabilities() == capabilities_of(role)


def test_the_services_ask_the_table(logins: dict[str, Vault],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Take a capability from a role in the table and the services refuse it (the
    board's refusal access-logged as before); give one and they allow it. Nothing decides
    by the role beside the table."""
    chef, siri, anna = logins[CHEF], logins[SIRI], logins[ANNA]
    ShelterService(siri).board("shelter")
    LogReviewService(chef).entries(LogFilter(limit=1))
    table = dict(capabilities.CAPABILITIES)
    table[Role.SHELTER] = table[Role.SHELTER] - {Capability.SHELTER_BOARD}
    table[Role.MANAGER] = table[Role.MANAGER] - {Capability.LOG_REVIEW,
                                                 Capability.CONVENE_SAMRAD}
    table[Role.CASEWORKER] = table[Role.CASEWORKER] | {Capability.LOG_REVIEW}
    monkeypatch.setattr(capabilities, "CAPABILITIES", table)  # the one table
    with pytest.raises(NoAccess):
        ShelterService(siri).board("shelter")
    assert not ShelterService(siri).may_open("shelter")
    with pytest.raises(PermissionDenied):
        LogReviewService(chef).entries(LogFilter(limit=1))
    with pytest.raises(PermissionDenied):
        SamradService(chef).request(1, "socialtjänsten", date(2026, 12, 1))
    assert LogReviewService(anna).entries(LogFilter(limit=1)) is not None
    with chef.session() as s:
        denied = s.scalars(select(AccessLog).where(AccessLog.outcome == "denied",
                                                   AccessLog.record_type == "shelter")).all()
    assert len(denied) == 1
