"""Administrator screens through Pilot, keyboard only: add, reset, revoke, settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from screens.app import RcApp
from screens.home import HomeScreen
from screens.settings import SettingsScreen
from screens.users import AddUserDialog, ConfirmDialog, ResetPassphraseDialog, UsersScreen
from storage.errors import AccountPending, UnknownUser
from storage.models import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.helpers import login, screen_text, settle, signed_in, type_text


async def test_add_user_by_keyboard(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddUserDialog)
        await type_text(pilot, "berit")
        await pilot.press("enter")
        await type_text(pilot, "Berit Nattpersonal")
        await pilot.press("enter")
        assert isinstance(app.focused, Select)
        await pilot.press("enter")  # open the choices
        await pilot.press("down", "enter")  # caseworker -> shelter staff
        await pilot.pause()
        assert app.screen.query_one("#role", Select).value == "shelter"
        assert app.focused is app.screen.query_one("#passphrase", Input)
        await type_text(pilot, "tillfällig fras ett")
        await pilot.press("enter")
        await type_text(pilot, "tillfällig fras ett")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        shown = screen_text(app)
        assert "Berit Nattpersonal" in shown and "boendepersonal" in shown
        assert "måste bytas vid första inloggningen" in shown
        assert "väntar" in shown  # pending until a manager's login
    with pytest.raises(AccountPending):
        Vault.unlock(installed, "berit", "tillfällig fras ett")
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as m:
        assert [u.username for u in m.enrolled] == ["berit"]
    with Vault.unlock(installed, "berit", "tillfällig fras ett", clock=lambda: 9e9) as v:
        assert v.user.must_change_passphrase
        assert v.user.role.value == "shelter"


async def test_add_user_refuses_bad_input(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("u", "a")
        await pilot.pause()
        await type_text(pilot, ANNA)  # taken
        await pilot.press("enter")
        await type_text(pilot, "Någon")
        await pilot.press("tab", "tab")
        await type_text(pilot, "en lång fras här")
        await pilot.press("enter")
        await type_text(pilot, "en lång fras här")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AddUserDialog)
        assert "Användarnamnet är upptaget." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, UsersScreen)


async def test_reset_and_revoke_by_keyboard(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("u")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        await pilot.press("down")  # admin, anna, maja (sorted)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ResetPassphraseDialog)
        await type_text(pilot, "ny tillfällig fras")
        await pilot.press("enter")
        await type_text(pilot, "ny tillfällig fras")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Spärra anna?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert "anna är spärrad. Nästa transaktion av en användare som har datanyckeln" in \
            screen_text(app)
        assert "spärrad" in screen_text(app)
    for phrase in (ANNA_PASS, "ny tillfällig fras"):
        try:
            Vault.unlock(installed, ANNA, phrase, clock=lambda: 9e9)
        except UnknownUser:
            continue
        raise AssertionError("revoked user got in")


async def test_admin_cannot_revoke_self_and_home_keys(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("u", "d")
        await pilot.pause()
        assert "Du kan inte spärra dig själv." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_settings_screen(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        idle = app.screen.query_one("#idle", Input)
        assert idle.value == "5"
        idle.value = ""
        await type_text(pilot, "15")
        await pilot.press("enter")
        await pilot.press("enter")
        await settle(pilot)
        assert "Sparat." in screen_text(app)
        assert app.idle_timeout == 900
        idle.value = "0"
        app.screen.set_focus(app.screen.query_one("#lifetime", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert "Tillåtna värden" in screen_text(app)


async def test_caseworker_has_no_admin_keys(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        await pilot.press("u", "i")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Användare" not in screen_text(app)


async def test_the_managers_login_activates_pending_users_and_says_so(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.add_user("berit", "Berit [b]Natt[/b]", Role.SHELTER, "tillfällig fras ett")
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, MANAGER, MANAGER_PASS)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        shown = screen_text(app)
        assert "Aktiverade vid denna inloggning" in shown
        assert "Berit [b]Natt[/b] (berit), boendepersonal – tillagd av admin" in shown
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as again:
        assert again.enrolled == ()  # once only
