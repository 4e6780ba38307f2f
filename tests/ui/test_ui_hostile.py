"""Hostile text in every field of the first-run and login screens: handled, shown
literally, never interpreted, never a crash (one case of each kind: the whole corpus goes
through tests/unit/test_i18n_and_text.py and the service tests)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from rc_tui.text import visible
from screens.app import RcApp
from screens.home import HomeScreen
from screens.login import FirstRunScreen, LoginScreen
from tests.conftest import hostile_ui_cases
from tests.helpers import screen_text, settle, wait_until

CASES = hostile_ui_cases()


def _no_terminal_controls(shown: str) -> None:
    assert not any(ord(c) < 0x20 and c != "\n" for c in shown)
    assert not any(0x7F <= ord(c) < 0xA0 for c in shown)


async def _fill(app: RcApp, field: str, text: str) -> None:
    widget = app.screen.query_one(f"#{field}", Input)
    widget.value = ""
    app.screen.set_focus(widget)
    widget.insert_text_at_cursor(text)  # what a paste does


async def test_first_run_fields(db_path: Path) -> None:
    app = RcApp(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstRunScreen)
        for why, text in CASES:
            # every field at once: one frame draws them all (a frame per field drew the
            # same thing four times over)
            for field in FirstRunScreen.FIELD_ORDER:
                await _fill(app, field, text)
            await pilot.pause()
            _no_terminal_controls(screen_text(app))
            await _fill(app, "passphrase", "en giltig lång fras")
            await _fill(app, "repeat", "något annat helt")  # never creates the database
            await _fill(app, "m-repeat", text)  # Enter in the last field submits
            # the test moved the focus itself (a user's Tab goes through the key queue):
            # let the focus change land before the Enter is read
            await pilot.pause()
            await pilot.press("enter")
            # refused at once (no worker runs for a mismatch), once the Enter is through
            # the key queue
            await wait_until(pilot, lambda: "stämmer inte överens" in str(
                app.screen.query_one("#message").render()))
            shown = screen_text(app)
            _no_terminal_controls(shown)
            assert isinstance(app.screen, FirstRunScreen), why
        assert not db_path.exists()


async def test_display_name_markup_is_shown_literally(db_path: Path) -> None:
    app = RcApp(db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        markup = "[bold red]Anna[/bold red] [link=x]y[/link]"
        for prefix, username, phrase in (("", "admin", "en giltig lång fras"),
                                         ("m-", "chef", "en annan giltig lång fras")):
            await _fill(app, f"{prefix}username", username)
            await _fill(app, f"{prefix}display-name", markup)
            await _fill(app, f"{prefix}passphrase", phrase)
            await _fill(app, f"{prefix}repeat", phrase)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)  # the manager's
        assert f"{markup} (chef)" in screen_text(app)


async def test_login_fields(installed: Path) -> None:
    app = RcApp(installed, wall_clock=lambda: 0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for why, text in CASES:
            await _fill(app, "username", text)
            await _fill(app, "passphrase", text)
            await pilot.press("enter")
            await settle(pilot)
            shown = screen_text(app)
            _no_terminal_controls(shown)
            assert isinstance(app.screen, LoginScreen), why
            username = app.screen.query_one("#username", Input).value
            if username.strip() and text:
                assert ("Okänd eller spärrad användare." in shown
                        or "Ange din lösenfras." in shown), why
            # what the field shows is the literal text (first characters, markup intact)
            if text.strip() and "\n" not in text and len(text) < 30:
                assert visible(username, one_line=True)[:20] in shown or not username, why
        assert "[bold red]Anna[/bold red]" in visible(CASES[0][1])
