"""Helpers for driving the TUI in tests.

Free text reaches a field the way a paste does (one ``Paste`` event, the path a terminal's
bracketed paste takes): typed key by key it costs one Textual round trip (about 60 ms) per
character and proves nothing more. The tests *about* typing – bursts, type-ahead, keystroke
counts, the passphrase as it is typed – press keys (``type_keys``, ``login(typed=True)``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input


def screen_text(app: Any) -> str:
    """The text currently drawn on the terminal (all layers, as a user sees it)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def workers_done(app: Any) -> None:
    """Wait until every worker of the app has ended – done, failed or cancelled (a screen's
    loads are cancelled when it goes, e.g. at a lock). Screens read the database in thread
    workers (``screens.base.load``) and show the result when it is there."""
    await asyncio.gather(*(worker.wait() for worker in list(app.workers)),
                         return_exceptions=True)


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers (KDF, database loads) finish and the screen redraw: until two rounds in
    a row end with no worker running (a load's result may start the next load, e.g.
    opening a person fills its tabs), then once more for the layout its result changed."""
    await pilot.pause()
    quiet = 0
    for _ in range(40):
        await workers_done(pilot.app)
        await pilot.pause()
        # twice in a row nothing running: work queued for after a refresh has started too
        quiet = quiet + 1 if all(w.is_finished for w in pilot.app.workers) else 0
        if quiet == 2:
            break
    await pilot.pause()


async def refreshed(pilot: Pilot[Any], *, timeout: float = 30.0) -> None:
    """Wait until the screen has been laid out and drawn after what is queued for it, and
    what was asked to run after that refresh (``call_after_refresh``) has run. For a check
    of where widgets are after a change the screen handles itself (the focus moved: the
    field is scrolled into view after the next refresh, the one after lays that out), at a
    fraction of ``pilot.pause()``, which wakes every widget on the screen and sleeps."""
    done = asyncio.Event()
    pilot.app.screen.call_after_refresh(done.set)
    await asyncio.wait_for(done.wait(), timeout)


class Text(str):
    """Free text among keys for ``keys``: pasted into the focused field, not pressed."""


async def paste(pilot: Pilot[Any], text: str) -> None:
    """Paste ``text`` into the focused widget (as a terminal's bracketed paste does) and
    wait until it has been handled. A one-line field takes it whole, tabs and line breaks
    as spaces; a passphrase field keeps its first line."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def keys(pilot: Pilot[Any], *items: str) -> None:
    """Press keys in order; ``Text`` items among them are pasted (``keys(pilot, "s",
    Text("Ringde själv."), "ctrl+o")`` is ``press("s", *"Ringde själv.", "ctrl+o")`` without
    the key-by-key typing)."""
    batch: list[str] = []
    for item in items:
        if isinstance(item, Text):
            await pilot.press(*batch)
            batch = []
            await paste(pilot, item)
        else:
            batch.append(item)
    await pilot.press(*batch)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Free text into the focused field (pasted: see the module's docstring)."""
    await paste(pilot, text)


async def type_keys(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key, for the tests about typing itself."""
    await pilot.press(*list(text))


async def wait_until(pilot: Pilot[Any], condition: Any, *, timeout: float = 30.0) -> None:
    """Let the app work until ``condition()`` holds (workers, timers, redraws), instead of a
    fixed sleep that is too long on a quiet machine and too short on a loaded one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition!r}")
        await workers_done(pilot.app)
        await pilot.pause(0.02)


async def login(pilot: Pilot[Any], username: str, passphrase: str, *,
                typed: bool = False) -> None:
    """Log in on the login screen: the username and passphrase pasted into their fields
    (``typed=True``: typed key by key, for the tests about logging in). On a locked
    session's screen the username is filled in and the passphrase has the focus: the same
    user then enters only the passphrase."""
    enter = type_keys if typed else paste
    await wait_until(pilot, lambda: bool(pilot.app.screen.query("#passphrase")))
    await pilot.pause()  # the login screen has put the focus where a user starts typing
    if pilot.app.focused is pilot.app.screen.query_one("#username", Input):
        await enter(pilot, username)
        await pilot.press("enter")
    await enter(pilot, passphrase)
    await pilot.press("enter")
    await settle(pilot)
    # on a loaded machine the unlock may still be running (its button stays disabled
    # until it has succeeded or failed): wait for it, so a test never races its login
    def done() -> bool:
        busy = pilot.app.screen.query("#login")
        return not busy or not busy.first().disabled

    if not done():
        await wait_until(pilot, done)
        await settle(pilot)


async def signed_in(pilot: Pilot[Any], username: str, passphrase: str) -> None:
    """Start the app already signed in as ``username``, for the tests that are not about
    logging in: the session is opened the way the login screen opens it
    (``UserSession(accounts.login(…))``: the same checks, login event and enrolment) and
    handed to the app through ``RcApp.on_login``, the login screen's own way in – without
    filling in the form, pressing Enter and waiting for the unlock worker. Logging in
    itself (typing, failures, lockout, the lock screen) is tested through ``login``."""
    from rc_tui.services import accounts
    from rc_tui.services.session import UserSession
    from screens.home import HomeScreen

    app = pilot.app
    await wait_until(pilot, lambda: bool(app.screen.query("#passphrase")))
    session = UserSession(accounts.login(app.db_path, username, passphrase, app.wall_clock))
    app.on_login(session, None)
    await wait_until(pilot, lambda: any(isinstance(s, HomeScreen) for s in app.screen_stack))
    await settle(pilot)


async def search(pilot: Pilot[Any], query: str, *, typed: bool = False) -> None:
    """Enter ``query`` on the search screen and wait until its search has run (the screen
    searches a moment after the last change: waited for, not slept through). ``typed``:
    key by key, each key restarting that moment."""
    before = pilot.app.screen.hits
    await (type_keys if typed else paste)(pilot, query)
    await search_ran(pilot, before)


async def search_ran(pilot: Pilot[Any], before: object) -> None:
    """Wait until the search screen has searched again (its hits were ``before``)."""
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.hits is not before)
    await settle(pilot)
