"""The app shell through Pilot: first run, login, lockout, idle lock, lock key, session
lifetime, quick-hide mid-form, hang-up, languages. First run and the logins that fail are
typed key by key, the way a user types; elsewhere text is pasted (tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import Input

from rc_tui import i18n
from screens.app import RcApp
from screens.hide import HideScreen
from screens.home import HomeScreen
from screens.login import FirstRunScreen, LoginScreen
from screens.passphrase import ChangePassphraseScreen
from screens.users import AddUserDialog, UsersScreen
from storage import files, keys
from storage.errors import NoDataKey
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.helpers import login, screen_text, settle, type_keys, type_text, wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def actions(path: Path) -> list[str]:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v, v.session() as s:
        return [r[0] for r in s.execute(text("SELECT action FROM access_log ORDER BY id"))]


async def test_first_run_creates_database_admin_and_manager(db_path: Path) -> None:
    app = RcApp(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstRunScreen)
        assert "Skapa databasen" in screen_text(app)
        for value in ("admin", "Alva Admin", "kort", "kort",  # the administrator
                      "admin", "Cecilia Chef", "fyrbåkens långa fras", "fyrbåkens långa fras"):
            await type_keys(pilot, value)
            await pilot.press("enter")  # the next field; the last one submits
        await settle(pilot)
        shown = screen_text(app)
        assert "Administratör:" in shown and "minst 12 tecken" in shown
        assert "Chef:" not in shown  # the manager's part was fine
        assert not db_path.exists()
        for field in ("passphrase", "repeat"):
            app.screen.query_one(f"#{field}", Input).value = "en bra och lång fras"
        app.screen.set_focus(app.screen.query_one("#m-repeat", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert "två olika användare" in screen_text(app)  # the same username twice
        assert not db_path.exists()
        app.screen.query_one("#m-username", Input).value = "chef"
        app.screen.set_focus(app.screen.query_one("#m-repeat", Input))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)  # the manager is logged in
        assert "Cecilia Chef (chef)" in screen_text(app)
        assert "Åtkomstlogg" in screen_text(app)
    assert db_path.exists()
    kf = keys.KeyFile.load(files.keyfile_path(db_path))
    assert kf.slots["admin"].sealed_data_key is None  # the administrator holds no data key
    assert kf.slots["chef"].sealed_data_key is not None
    with Vault.unlock(db_path, "admin", "en bra och lång fras") as admin:
        assert admin.user.display_name == "Alva Admin"
        with pytest.raises(NoDataKey), admin.session():
            pass
    Vault.unlock(db_path, "chef", "fyrbåkens långa fras").close()


async def test_login_wrong_passphrase_then_lockout_message(installed: Path) -> None:
    frozen = FakeClock()
    frozen.now = 2_000_000_000.0
    app = RcApp(installed, wall_clock=frozen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, ANNA, "fel fras som är lång", typed=True)
        assert "Fel lösenfras." in screen_text(app)
        assert app.screen.query_one("#passphrase", Input).value == ""
        assert app.screen.focused is app.screen.query_one("#passphrase", Input)
        await type_keys(pilot, ANNA_PASS)
        await pilot.press("enter")
        await settle(pilot)
        assert "Vänta" in screen_text(app)  # the exponential delay is in force
        assert isinstance(app.screen, LoginScreen)
    # the delay survives a restart of the app
    app2 = RcApp(installed, wall_clock=frozen)
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        assert "För många misslyckade försök" in screen_text(app2)
        frozen.now += 1.5  # once the delay has passed, the right passphrase works
        app2.screen.query_one("#passphrase", Input).value = ANNA_PASS
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app2.screen, HomeScreen)


async def test_login_unknown_user_and_empty_fields(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.press("enter")
        await settle(pilot)
        assert "Ange ditt användarnamn." in screen_text(app)
        await login(pilot, "okand", "vad som helst här", typed=True)
        assert "Okänd eller spärrad användare." in screen_text(app)


async def test_login_shows_home_and_type_ahead_stays_in_order(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # one burst, like keys arriving together over a slow SSH link
        keys = [*ANNA, "enter", *ANNA_PASS, "enter"]
        await pilot.press(*keys)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        shown = screen_text(app)
        assert "Anna Andersson (anna)" in shown
        assert "handläggare" in shown
        assert "Mina öppna ärenden" in shown
        assert ANNA_PASS not in shown


async def test_idle_lock_clears_screens_and_unlocks(installed: Path) -> None:
    clock = FakeClock()
    app = RcApp(installed, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("p")  # open a form
        await pilot.pause()
        assert isinstance(app.screen, ChangePassphraseScreen)
        await type_text(pilot, "halvskriven")
        clock.now += 299
        app.check_session()
        await pilot.pause()
        assert app.session is not None  # not yet
        clock.now += 2
        app.check_session()
        await settle(pilot)
        assert app.session is None
        assert isinstance(app.screen, LoginScreen)
        assert not any(isinstance(s, (HomeScreen, ChangePassphraseScreen))
                       for s in app.screen_stack)
        shown = screen_text(app)
        assert "Låst efter inaktivitet" in shown
        assert "Anna Andersson" not in shown
        assert "halvskriven" not in shown
        # same user unlocks: the username is filled in, focus is on the passphrase
        await type_text(pilot, ANNA_PASS)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    log = actions(installed)
    assert "lock_idle" in log
    assert log.count("login") >= 2


async def test_lock_key_and_other_user_takes_over(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.session is None
        assert isinstance(app.screen, LoginScreen)
        assert "Sessionen är låst" in screen_text(app)
        username = app.screen.query_one("#username", Input)
        username.value = ""
        app.screen.set_focus(username)
        await login(pilot, ADMIN, ADMIN_PASS)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is not None and app.session.user.username == ADMIN
    assert "lock" in actions(installed)


async def test_session_lifetime_asks_again(installed: Path) -> None:
    clock = FakeClock()
    app = RcApp(installed, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        for _ in range(12 * 12):  # twelve hours of activity every five minutes
            clock.now += 300
            app.last_activity = clock.now
            app.check_session()
        await settle(pilot)
        assert app.session is None
        assert "längsta tid" in screen_text(app)
    assert "lock_expired" in actions(installed)


async def test_quick_hide_mid_form_keeps_the_form(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddUserDialog)
        await type_text(pilot, "kalle")
        await pilot.press("enter")
        await type_text(pilot, "Kalle Halvfärdig")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, HideScreen)
        hidden = screen_text(app)
        assert hidden.strip() == ""  # nothing at all: no name, no header, no keys
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, AddUserDialog)
        assert app.screen.query_one("#display-name", Input).value == "Kalle Halvfärdig"
        assert app.screen.query_one("#username", Input).value == "kalle"
        assert app.screen.focused is app.screen.query_one("#display-name", Input)
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, HideScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AddUserDialog)


async def test_hangup_locks_and_closes_the_vault(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        vault = app.session
        assert vault is not None
        app.hangup()  # what SIGHUP does
        assert app.session is None  # at once: no screen can use it any more
        # the drafts' save, the closing entry and the key's wipe run in the closer thread
        # (under load it may not have finished by the next pause)
        app.wait_closed()
        assert not vault.is_open
    assert "hangup" in actions(installed)


async def test_english_and_swedish(installed: Path) -> None:
    app = RcApp(installed, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "Log in" in shown and "Username" in shown and "Quit" in shown
        await login(pilot, ANNA, "wrong phrase but long")
        assert "Wrong passphrase." in screen_text(app)
    i18n.set_language("sv")
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "Logga in" in shown and "Användarnamn" in shown and "Avsluta" in shown


async def test_language_user_setting_is_remembered(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ADMIN, ADMIN_PASS)
        await pilot.press("l")
        await settle(pilot)
        assert "Users" in screen_text(app)
    i18n.set_language("sv")
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ADMIN, ADMIN_PASS)
        assert "Administration" in screen_text(app) and "Settings" in screen_text(app)


async def test_forced_passphrase_change_after_admin_reset(installed: Path) -> None:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        v.reset_passphrase(ANNA, "tillfällig fras 2026")
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, "tillfällig fras 2026")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)  # pending: no data key yet
        assert "Kontot väntar på att aktiveras" in screen_text(app)
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close()  # a manager's login enrols her
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, "tillfällig fras 2026")
        assert isinstance(app.screen, ChangePassphraseScreen)
        await type_text(pilot, "tillfällig fras 2026")
        await pilot.press("enter")
        await type_text(pilot, "min egen nya fras")
        await pilot.press("enter")
        await type_text(pilot, "min egen nya fras")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    Vault.unlock(installed, ANNA, "min egen nya fras").close()


async def test_command_palette_lists_actions(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await login(pilot, ADMIN, ADMIN_PASS)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for expected in ("Lås", "Dölj", "Avsluta", "Användare", "Inställningar", "Lösenfras"):
            assert expected in titles
        assert not any("Screenshot" in t or "screenshot" in t for t in titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Anvä")
        await wait_until(pilot, lambda: "Användare" in screen_text(app))


async def test_clear_messages_for_broken_installations(installed: Path, tmp_path: Path) -> None:
    """Damaged database, damaged or missing key file, newer schema: words, not tracebacks."""
    from storage import files

    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session(write=True) as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
    expectations = [("nyare version av rc-tui", None)]
    kpath = files.keyfile_path(installed)
    original_keys = kpath.read_bytes()

    def damage_keys() -> None:
        kpath.write_bytes(b'{"format": "rc-tui-keys", "version": 1')

    def remove_db() -> None:
        kpath.write_bytes(original_keys)
        installed.rename(tmp_path / "moved.db")

    expectations += [("Nyckelfilen är skadad", damage_keys), ("Databasfilen saknas", remove_db)]
    for expected, breakage in expectations:
        if breakage:
            breakage()
        app = RcApp(installed)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await login(pilot, ANNA, ANNA_PASS)
            shown = screen_text(app)
            assert expected in shown
            assert "Traceback" not in shown
            assert isinstance(app.screen, LoginScreen)
