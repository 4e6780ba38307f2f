"""The screens' one load/populate pattern (``screens.base.load``): the database is read in
a thread, the result shown on the UI thread only while it is still wanted, errors handled in
one place – and the keyboard stays live while a read waits for another session's lock."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from screens.app import RcApp
from screens.hide import HideScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.search import SearchScreen
from storage.errors import DatabaseLocked, SessionRevoked
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import login, paste, screen_text, settle, wait_until
from tests.ui.test_ui_held_lock import INSTANT, press_within, within, write_lock_held


def blocked_until(event: threading.Event, value: str) -> Any:
    def fetch(_session: Any) -> str:
        assert event.wait(30)
        return value
    return fetch


async def test_a_newer_load_drops_the_older_result(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        shown: list[str] = []
        slow = threading.Event()
        screen.load(blocked_until(slow, "old query"), shown.append, key="search")
        screen.load(lambda _s: "new query", shown.append, key="search")
        await within(pilot, lambda: shown == ["new query"], 10)  # (the older still waits)
        slow.set()  # the older one ends last: its result is stale
        await settle(pilot)
        assert shown == ["new query"]
        screen.load(lambda _s: "other key", shown.append, key="other")
        await settle(pilot)
        assert shown == ["new query", "other key"]


async def test_a_result_for_a_screen_that_has_gone_or_a_locked_session_is_dropped(
        installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        await pilot.press("ctrl+f")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        shown: list[str] = []
        gone, locked = threading.Event(), threading.Event()
        search.load(blocked_until(gone, "for a closed screen"), shown.append)
        await pilot.press("escape")
        await within(pilot, lambda: isinstance(app.screen, HomeScreen), 10)
        gone.set()
        home = app.screen
        assert isinstance(home, HomeScreen)
        home.load(blocked_until(locked, "for a locked session"), shown.append, key="x")
        await pilot.press("ctrl+l")
        await within(pilot, lambda: isinstance(app.screen, LoginScreen), 10)
        locked.set()
        await settle(pilot)
        assert shown == []


async def test_errors_are_handled_in_one_place(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        shown: list[object] = []

        def busy(_session: Any) -> None:
            raise DatabaseLocked()

        told: list[str] = []
        app.notify = lambda message, **_kw: told.append(message)  # type: ignore[method-assign]
        screen.load(busy, shown.append)
        await settle(pilot)
        assert shown == [] and app.session is not None
        assert told and told[0].startswith("Databasen var upptagen")

        def revoked(_session: Any) -> None:
            raise SessionRevoked()

        screen.load(revoked, shown.append)
        await settle(pilot)
        assert app.session is None and app.lock_reason == "revoked"
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))


async def test_a_search_answers_under_a_held_write_lock_and_never_freezes_the_keys(
        installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        await pilot.press("ctrl+f")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        with write_lock_held(installed):
            await paste(pilot, "Anna")
            await pilot.press("enter")  # searches (and would open the first hit)
            await press_within(pilot, "ctrl+g", lambda: isinstance(app.screen, HideScreen),
                               INSTANT)
            await press_within(pilot, "ctrl+g", lambda: app.screen is search, INSTANT)
            # a search reads without the write lock (Service.snapshot), and one that finds
            # nobody has nothing to log: it answers while another session holds the lock
            await wait_until(pilot, lambda: "Inga träffar." in screen_text(app))
