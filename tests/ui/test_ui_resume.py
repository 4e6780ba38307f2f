"""Screens that reload when they come back to the top never read after the session ended
(the switch-user crash: lock with a case's samråd list and coordination view open, and
another user signs in at the lock screen)."""

from __future__ import annotations

from textual.widgets import DataTable

from rc_tui.services.cases import CaseService
from screens.app import RcApp
from screens.case import CaseScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.samrad import CoordinationScreen, SamradListScreen
from storage.vault import Vault
from tests.helpers import login, settle, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    ANNA,
    ANNA_PASS,
    CHEF,
    CHEF_PASS,
    Family,
    family,
)


async def test_lock_with_samrad_and_coordination_open_then_another_user(
        family: Family) -> None:
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:  # the manager works the case
        member = next(m for m in CaseService(v).detail(family.case_id).members
                      if m.role == "victim")
        CaseService(v).assign(member.member_id, CHEF)
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, CHEF, CHEF_PASS)
        cases = app.screen.query_one("#cases", DataTable)
        app.screen.set_focus(cases)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, SamradListScreen)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, CoordinationScreen)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await settle(pilot)
        app.screen.query_one("#username").focus()  # "another user" at the lock screen
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.session is not None and app.session.user.username == ANNA
        assert app.return_code is None
    assert app.return_code in (None, 0)
