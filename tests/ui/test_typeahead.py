"""Type-ahead and text fields through Pilot: keys posted all at once (as one driver read
posts them), Tab in text boxes, pastes into one-line fields.

The pty and tmux tests (``tests/system/test_typeahead.py``) show the same with the real
program; here each rule is proved on the smallest app that has it.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from rc_tui.services import accounts
from screens.app import RcApp
from screens.base import FormMixin
from screens.components import EntryList, KeyChoice, SafeInput, SafeTextArea
from screens.components.safe_input import one_line
from screens.intake import IntakeScreen
from screens.typeahead import TypeAheadApp
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import paste, settle, signed_in, wait_until


def post_keys(app: Any, *keys: str) -> None:
    """Post ``keys`` to the app in one go, as the driver does with the keys of one read
    (Pilot's ``press`` would wait after each)."""
    for key in keys:
        char = key if len(key) == 1 else {"tab": "\t", "enter": "\r"}.get(key)
        app.post_message(events.Key(key, char))


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """``keys`` in one read; wait until all are delivered."""
    app = pilot.app
    post_keys(app, *keys)
    await wait_until(pilot, lambda: app.keys_pending == 0)
    await pilot.pause()


class Dialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen")]

    def compose(self) -> ComposeResult:
        yield SafeInput(id="name")

    def on_mount(self) -> None:
        self.query_one("#name").focus()


class Form(FormMixin, Screen[None]):
    """A login-like form (Enter and Tab move on), a one-key choice and a list whose ``a``
    opens a dialog."""

    BINDINGS = [Binding("enter", "field_enter", priority=True)]
    FIELD_ORDER = ("user", "secret", "kind", "notes", "entries")

    def compose(self) -> ComposeResult:
        yield SafeInput(id="user")
        yield SafeInput(id="secret", password=True)
        yield KeyChoice([("k", "k", "K"), ("m", "m", "M")], id="kind")
        yield SafeTextArea(id="notes")
        yield EntryList("entry", id="entries")

    def on_mount(self) -> None:
        self.query_one("#user").focus()

    def on_entry_list_act(self, event: EntryList.Act) -> None:
        self.app.push_screen(Dialog())


class Harness(TypeAheadApp[None]):
    def on_mount(self) -> None:
        self.push_screen(Form())


def value(app: Any, wid: str) -> str:
    return str(app.screen.query_one(f"#{wid}").value)


async def test_a_burst_goes_field_by_field() -> None:
    """``user⇥secret⏎k``: each part in its own field, the choice made, the focus on the
    text box – nothing lands in the field that had the focus when the burst came."""
    app = Harness()
    async with app.run_test() as pilot:
        await pilot.pause()
        await burst(pilot, *"per", "tab", *"hemlig", "enter", "k", *"ab")
        assert value(app, "user") == "per"
        assert value(app, "secret") == "hemlig"
        assert value(app, "kind") == "k"
        assert app.focused is app.screen.query_one("#notes")
        # delivered is not yet handled: the text box inserts from its own queue (a loaded
        # machine took more than one pause); a lost key never arrives and times out here
        notes = app.screen.query_one("#notes", SafeTextArea)
        await wait_until(pilot, lambda: notes.text == "ab", timeout=10)


async def test_a_burst_of_the_dialog_key_opens_one_dialog() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one("#entries").focus()
        await pilot.pause()
        await burst(pilot, "a", "a", "a")
        assert [type(s) for s in app.screen_stack[1:]] == [Form, Dialog]
        assert value(app, "name") == ""  # the repeats were not typed into it
        # other keys typed ahead go to the dialog
        await pilot.press("escape")
        await pilot.pause()
        await burst(pilot, "a", *"Anna")
        assert [type(s) for s in app.screen_stack[1:]] == [Form, Dialog]
        assert value(app, "name") == "Anna"


async def test_tab_typed_in_a_text_box_is_text() -> None:
    """Tab and the keys after it stay in the box (they are not hot keys of the form);
    Ctrl+O leaves it, Shift+Tab goes back, Esc is not taken by the box."""
    app = Harness()
    async with app.run_test() as pilot:
        await pilot.pause()
        notes = app.screen.query_one("#notes", SafeTextArea)
        notes.focus()
        await pilot.press("a", "tab", "v", "tab")
        assert notes.text == "a\tv\t" and app.focused is notes
        await pilot.press("ctrl+o")
        assert app.focused is app.screen.query_one("#entries")
        assert [type(s) for s in app.screen_stack[1:]] == [Form]
        notes.focus()
        await pilot.press("shift+tab")
        assert app.focused is app.screen.query_one("#kind")
        notes.focus()
        await burst(pilot, "x", "tab", "y")  # in one read, too
        assert notes.text.endswith("x\ty")
        key = events.Key("escape", "\x1b")
        notes.post_message(key)
        await pilot.pause()
        assert app.focused is notes  # not moved by the box; the screen may use Esc


async def test_pasted_tabs_stay_in_a_text_box() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        await pilot.pause()
        notes = app.screen.query_one("#notes", SafeTextArea)
        notes.focus()
        await paste(pilot, "namn\tår\nrad två\tv")
        assert notes.text == "namn\tår\nrad två\tv" and app.focused is notes


async def test_one_line_fields_take_a_whole_paste_with_spaces() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        await pilot.pause()
        await paste(pilot, "Storgatan 1\tlgh 1102\r\n211 22 Malmö\n")
        assert value(app, "user") == "Storgatan 1 lgh 1102 211 22 Malmö"
        assert app.focused is app.screen.query_one("#user")
        app.screen.query_one("#secret").focus()
        await pilot.pause()
        await paste(pilot, "fras med\tflik\nandra rad")
        assert value(app, "secret") == "fras med\tflik"  # a passphrase is never changed
    assert one_line("a\u2028b\x85c\vd\fe") == "a b c d e"


async def test_tab_in_the_intakes_text_box_does_not_answer_the_form(installed: Path) -> None:
    """The issue's case on a real form: letters after a Tab in the text box are text, not
    one-key answers (``n`` would have answered "immediate danger: no")."""
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("s", "H", "o", "t", "tab", "n", "v")
        what = app.screen.query_one("#what", SafeTextArea)
        assert what.text == "Hot\tnv" and app.focused is what
        assert app.screen.query_one("#danger", KeyChoice).value is None
        leave = app.screen.active_bindings["ctrl+o"].binding  # shown in the footer
        assert leave.show and leave.description == "Nästa fält"
        await pilot.press("ctrl+o", "n")
        assert app.screen.query_one("#danger", KeyChoice).value == "no"
        assert app.focused is app.screen.query_one("#m-role")


async def test_keys_after_the_logins_enter_wait_for_the_login(
        installed: Path, monkeypatch: Any) -> None:
    """``user⇥passphrase⏎n`` in one read while the key derivation takes its time: the
    ``n`` waits for the login and opens an intake on the home screen (it would otherwise
    go to the emptied passphrase field)."""
    gate = threading.Event()
    real_login = accounts.login

    def slow_login(*args: Any, **kwargs: Any) -> Any:
        gate.wait(30)
        return real_login(*args, **kwargs)

    monkeypatch.setattr(accounts, "login", slow_login)
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        post_keys(app, *ANNA, "tab", *ANNA_PASS, "enter", "n")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not any(w.group == "login" for w in app.workers):
            assert loop.time() < deadline
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        assert app.keys_pending == 2  # the Enter (held) and the n
        assert app.screen.query_one("#passphrase", Input).value == ""
        gate.set()
        await wait_until(pilot, lambda: app.keys_pending == 0)
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
