"""Lock, quick-hide and quit stay instant while another connection holds the database's
write lock (another user saving, a backup): the screen changes at once, the closing log
entry and the key's wipe happen in a thread that waits a bounded time."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual import events

from screens.app import CLOSE_WAIT_SECONDS, RcApp
from screens.components import SafeTextArea
from screens.driver import urgent_keys_driver
from screens.hangup import HangupWatch
from screens.hide import HideScreen
from screens.home import HomeScreen
from screens.login import LoginScreen
from screens.person import NoteScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.helpers import login, screen_text, settle, signed_in, wait_until
from tests.service.test_access import NOW, Family, family  # noqa: F401 - fixture

#: How soon the screen must change after the key, under a held write lock. It takes well
#: under 0.5 s; the margin is for a loaded test machine (four test workers on two cores took
#: 1.07 s once). A frozen event loop waits for the busy timeout (10 s), so 2 s still tells.
INSTANT = 2.0

#: How soon a screen that reads in a thread must be shown (reading) under a held write
#: lock: well under the busy timeout a read on the UI thread would wait for.
OPENS = 4.0


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """A second, real connection to the database holds ``BEGIN IMMEDIATE`` meanwhile."""
    with lock_holder(path) as hold, hold():
        yield


@contextmanager
def lock_holder(path: Path) -> Iterator[Any]:
    """A second, real connection to the database; ``with hold():`` it holds the write lock
    (``BEGIN IMMEDIATE``) meanwhile, as often as needed."""
    holder = Vault.unlock(path, MANAGER, MANAGER_PASS)
    raw = holder.engine.raw_connection()
    conn: Any = raw.driver_connection

    @contextmanager
    def hold() -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")

    try:
        yield hold
    finally:
        raw.close()
        holder.close(None)


async def within(pilot: Any, condition: Any, seconds: float, *,
                 since: float | None = None) -> float:
    """Seconds from ``since`` (default: now) until ``condition()`` held; fails when it did
    not within ``seconds``. Pass the time from before the key: ``pilot.press`` itself returns
    only after the key was handled, so a handler that blocks the event loop shows here."""
    loop = asyncio.get_running_loop()
    start = loop.time() if since is None else since
    while not condition():
        if loop.time() - start > seconds:
            raise AssertionError(f"not within {seconds} s")
        await pilot.pause(0.01)
    took = loop.time() - start
    assert took <= seconds, f"took {took:.2f} s"
    return took


async def press_within(pilot: Any, key: str, condition: Any, seconds: float) -> float:
    """Press ``key``; ``condition()`` must hold within ``seconds`` of the press."""
    began = asyncio.get_running_loop().time()
    await pilot.press(key)
    return await within(pilot, condition, seconds, since=began)


def log_rows(path: Path) -> list[tuple[str, str | None, str]]:
    with Vault.unlock(path, MANAGER, MANAGER_PASS) as v, v.session() as s:
        return [tuple(r) for r in s.execute(text(
            "SELECT action, username, outcome FROM access_log ORDER BY id"))]


async def test_lock_is_instant_and_the_key_is_wiped_within_the_bound(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        assert isinstance(app.screen, HomeScreen)
        session = app.session
        assert session is not None
        key = session._vault._data_key
        with write_lock_held(installed):
            began = asyncio.get_running_loop().time()
            await pilot.press("ctrl+l")
            await within(pilot, lambda: isinstance(app.screen, LoginScreen), INSTANT,
                         since=began)
            assert app.session is None
            # nobody can get the lock: the closing entry gives up after the bound and
            # the key is forgotten regardless
            await within(pilot, lambda: bytes(key) == bytes(len(key)),
                         CLOSE_WAIT_SECONDS + 1.0, since=began)
            assert not session.is_open
            assert app.screen.query_one("#passphrase").has_focus
    app.wait_closed()
    rows = log_rows(installed)  # this login enters the entry that could not be written
    assert (("lock", ANNA, "deferred")) in rows
    assert ("lock", ANNA, "ok") not in rows


async def test_lock_logs_normally_when_the_lock_comes_free_in_time(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        with write_lock_held(installed):
            await press_within(pilot, "ctrl+l", lambda: isinstance(app.screen, LoginScreen),
                               INSTANT)
        # released well within the bound: the entry is written as usual
    app.wait_closed()
    assert ("lock", ANNA, "ok") in log_rows(installed)


async def test_quick_hide_is_instant_and_stays_so(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        with write_lock_held(installed):
            for _round in range(2):  # hidden, back (the home screen reloads), hidden again
                await press_within(pilot, "ctrl+g", lambda: isinstance(app.screen, HideScreen),
                                   INSTANT)
                await press_within(pilot, "ctrl+g", lambda: isinstance(app.screen, HomeScreen),
                                   INSTANT)
            await press_within(pilot, "ctrl+g", lambda: isinstance(app.screen, HideScreen),
                               INSTANT)
            assert app.session is not None  # hiding keeps the session


async def test_quit_is_instant(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        session = app.session
        assert session is not None
        with write_lock_held(installed):
            await press_within(pilot, "ctrl+q", lambda: app.return_code is not None, INSTANT)
            assert app.session is None
            app.wait_closed()
            assert not session.is_open
    assert ("logout", ANNA, "deferred") in log_rows(installed)


async def test_hangup_does_not_hang(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        session = app.session
        assert session is not None
        with write_lock_held(installed):
            loop = asyncio.get_running_loop()
            began = loop.time()
            app.hangup()  # what SIGHUP does
            assert loop.time() - began < INSTANT
            assert app.session is None
            app.wait_closed()
            assert not session.is_open
    assert ("hangup", ANNA, "deferred") in log_rows(installed)


async def test_a_form_save_waiting_for_the_lock_gives_way_to_quick_hide(
        family: Family) -> None:
    """A save runs on the UI thread and waits for the lock there. Quick-hide typed meanwhile
    reaches the app from the terminal's input thread: the save gives up at once (the form
    says the database was busy and keeps the text), and the screen is hidden."""
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        await pilot.press("j", "a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteScreen)
        form.query_one("#body", SafeTextArea).load_text("Ringde från skyddat nummer.")

        def typed_from_the_terminal() -> None:  # what the input thread does with Ctrl+G
            app.interrupt_database_wait()
            app.post_message(events.Key("ctrl+g", None))

        with write_lock_held(family.path):
            timer = threading.Timer(0.3, typed_from_the_terminal)
            began = asyncio.get_running_loop().time()
            timer.start()
            await pilot.press("ctrl+s")  # the save waits for the lock on the UI thread
            await within(pilot, lambda: isinstance(app.screen, HideScreen), INSTANT,
                         since=began)
            timer.join()
        await press_within(pilot, "ctrl+g", lambda: app.screen is form, INSTANT)
        assert form.query_one("#body", SafeTextArea).text == "Ringde från skyddat nummer."
        assert "Databasen var upptagen" in screen_text(app)  # the form's message
        await pilot.press("ctrl+s")  # the lock is free: saved now
        await settle(pilot)
        assert not isinstance(app.screen, NoteScreen)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_a_hangup_during_a_save_waiting_for_the_lock_does_not_hang(
        family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        await pilot.press("j", "a")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        app.screen.query_one("#body", SafeTextArea).load_text("Avbruten.")
        session = app.session
        assert session is not None
        # the hang-up watch as run_app starts it, but called from a timer thread instead
        # of its sigwait (a real SIGHUP would go to pytest; tests/system/test_pty.py sends
        # real ones) and without ending the process
        exits: list[int] = []
        watch = HangupWatch(app.request_hangup, app.take_session, lambda: app.closers,
                            exit_process=exits.append, exit_after=1.0)
        app.hangup_watch = watch
        with write_lock_held(family.path):
            timer = threading.Timer(0.3, lambda: watch.hung_up(time.monotonic()))
            began = asyncio.get_running_loop().time()
            timer.start()
            await pilot.press("ctrl+s")  # waits for the lock on the UI thread
            await within(pilot, lambda: app.return_code is not None, INSTANT, since=began)
            timer.join()
            assert app.session is None and exits == [0]
            app.wait_closed()
            assert not session.is_open
    assert ("hangup", ANNA, "deferred") in log_rows(family.path)


async def test_the_terminal_driver_reports_lock_hide_and_quit_from_its_input_thread() -> None:
    from textual.app import App
    from textual.drivers.headless_driver import HeadlessDriver

    seen: list[str] = []
    driver = urgent_keys_driver(HeadlessDriver, lambda: seen.append("urgent"))(
        App(), debug=False, mouse=False, size=(80, 24))
    forwarded: list[object] = []
    driver.send_message = forwarded.append  # type: ignore[method-assign]
    for key in ("a", "ctrl+l", "enter", "ctrl+g", "f12", "ctrl+q"):
        driver.process_message(events.Key(key, None))
    assert seen == ["urgent"] * 4
    assert len(forwarded) == 6  # every key still goes to the app


async def test_forms_open_while_the_lock_is_held_and_fill_in_once_it_is_free(
        family: Family) -> None:
    """The risk assessment form, the samråd form, the investigation, the intake (its
    referrer suggestions) and the assign dialog read in a thread: under a held write lock
    each shows at once (reading), quick-hide stays instant, and it fills in once the lock
    is free. One app, the screens in turn."""
    from rc_tui.domain.instruments.library import load_library
    from rc_tui.services.assessments import AssessmentService
    from rc_tui.services.cases import CaseService
    from rc_tui.services.casework import CaseworkService
    from rc_tui.services.samrad import SamradService
    from screens.assessment import AssessmentScreen
    from screens.case import AssignDialog
    from screens.casework import InvestigationScreen
    from screens.intake import IntakeScreen
    from screens.samrad import SamradScreen
    from tests.service.test_access import CHEF, CHEF_PASS

    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        case_id = family.case_id
        assessment = AssessmentService(v).start(
            family.victim, load_library(None).get("rc-acute"), case_id=case_id)
        investigation = CaseworkService(v).start_investigation(family.victim, "adult",
                                                               case_id=case_id)
        samrad = SamradService(v).request(case_id, "Polisen", NOW.date())
        member = CaseService(v).detail(case_id).members[0].member_id

    def reading() -> bool:
        return "Läser in…" in screen_text(app)

    def suggester() -> Any:
        found = app.screen.query("#referrer")
        return found.first().suggester if found else "not composed yet"

    def caseworkers() -> int:
        found = app.screen.query("#users")
        return int(found.first().row_count) if found else -1

    screens: list[tuple[Any, Any, Any]] = [  # (screen, while the lock is held, once free)
        (AssessmentScreen(assessment), reading, lambda: app.screen.query("#a-0")),
        (SamradScreen(samrad), reading, lambda: app.screen.query("#participants")),
        (InvestigationScreen(investigation), reading,
         lambda: app.screen.query("#conclusion")),
        (IntakeScreen(), lambda: suggester() is None, lambda: suggester() is not None),
        (AssignDialog(member), lambda: caseworkers() == 0, lambda: caseworkers() > 0),
    ]
    app = RcApp(family.path)
    with lock_holder(family.path) as hold:
        async with app.run_test(size=(80, 24)) as pilot:
            await signed_in(pilot, CHEF, CHEF_PASS)
            home = app.screen
            for screen, held, free in screens:
                with hold():
                    began = asyncio.get_running_loop().time()
                    app.push_screen(screen)
                    # (drawing a screen the first time takes a moment on a loaded
                    # machine; a read on the UI thread would wait for the busy timeout)
                    await within(pilot, lambda s=screen, h=held: app.screen is s and h(),
                                 OPENS, since=began)
                    await press_within(pilot, "ctrl+g",
                                       lambda: isinstance(app.screen, HideScreen), INSTANT)
                    await press_within(pilot, "ctrl+g", lambda s=screen: app.screen is s,
                                       INSTANT)
                    assert held(), type(screen).__name__  # still waiting for the lock
                await settle(pilot)
                assert app.screen is screen and free(), type(screen).__name__
                if isinstance(screen, IntakeScreen):  # named at the family's intake
                    assert await suggester().get_suggestion("kvinno") == "Kvinnojouren Hemlig"
                app.pop_screen()
                await settle(pilot)
                assert app.screen is home
            # the form's autosave waits for the lock in a thread; leaving meanwhile waits
            # for it (it needs the version that save returns) instead of racing it
            form = AssessmentScreen(assessment)
            app.push_screen(form)
            await settle(pilot)
            with hold():
                await press_within(pilot, "j", lambda: form.dirty, INSTANT)
                form.autosave()  # the timer's tick, now
                assert form.autosaving
                await press_within(pilot, "escape", lambda: app.screen is form, INSTANT)
                await press_within(pilot, "ctrl+g", lambda: isinstance(app.screen, HideScreen),
                                   INSTANT)
                await press_within(pilot, "ctrl+g", lambda: app.screen is form, INSTANT)
            await wait_until(pilot, lambda: app.screen is home)  # saved, then left
            assert not form.conflict
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        saved = AssessmentService(v).get(assessment)
    assert list(saved.content.answers.values()) == ["yes"]
