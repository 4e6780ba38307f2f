"""Hostile text through every text field of the casework screens: stored, shown literally,
never interpreted, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from rc_tui.services.people import PeopleService
from rc_tui.services.records import RecordService
from screens.app import RcApp
from screens.case import CaseScreen
from screens.components import SafeInput
from screens.intake import IntakeScreen
from screens.person import NoteScreen, PersonEditScreen, PersonScreen
from screens.search import SearchScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, hostile_ui_cases
from tests.helpers import screen_text, search_ran, settle, signed_in

#: one case of each kind (the whole corpus goes through the service tests)
CASES = [(why, text) for why, text in hostile_ui_cases() if text.strip()]


def _clean(shown: str) -> None:
    assert not any(ord(c) < 0x20 and c != "\n" for c in shown)
    assert not any(0x7F <= ord(c) < 0xA0 for c in shown)


def _fill(app: RcApp, field: str, text: str) -> None:
    widget = app.screen.query_one(f"#{field}")
    if isinstance(widget, TextArea):
        widget.load_text("")
        widget.insert(text)
    else:
        assert isinstance(widget, SafeInput)
        widget.value = ""
        widget.insert_text_at_cursor(text[:widget.max_length or None])


PARTS = 3  # the corpus in three parts, so the workers share the (slow) drawing


@pytest.mark.parametrize("part", range(PARTS))
async def test_intake_person_journal_and_search_fields(installed: Path, part: int) -> None:
    mine = CASES[part::PARTS]
    # every third case of the whole corpus is saved, each in exactly one part
    saved = [case for i, case in enumerate(CASES) if i % 3 == 0 and (i // 3) % PARTS == part]
    app = RcApp(installed)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        # every case through every intake field (drawn, never saved)...
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("p")
        for why, text in mine:
            # every field at once: one frame draws them all
            for field in ("when", "referrer", "what", "m-given", "m-family", "m-alias", "m-id"):
                _fill(app, field, text)
            await pilot.pause()
            _clean(screen_text(app))
            assert isinstance(app.screen, IntakeScreen), why
        await pilot.press("ctrl+d", "j")  # thrown away (Esc would keep it as a draft)
        await settle(pilot)
        # ...and every third case saved and shown again on the case, person, journal,
        # consent and search screens
        for index, (why, text) in enumerate(saved):
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, IntakeScreen), why
            await pilot.press("p")
            _fill(app, "referrer", text)
            _fill(app, "what", text)
            app.screen.set_focus(app.screen.query_one("#danger"))
            await pilot.press("n", "v")
            for field in ("m-given", "m-family", "m-alias"):
                _fill(app, field, text)
            await pilot.pause()
            _clean(screen_text(app))
            await pilot.press("ctrl+s")
            await settle(pilot)
            if len(text) > 100_000:  # refused with a clear message, nothing saved
                assert "högst 100000 tecken" in screen_text(app), why
                await pilot.press("ctrl+d", "j")
                await settle(pilot)
                continue
            assert isinstance(app.screen, CaseScreen), why
            _clean(screen_text(app))
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PersonScreen), why
            _clean(screen_text(app))
            if index % 2 == 0:  # the person form, the journal and consent
                await pilot.press("e")
                await pilot.pause()
                assert isinstance(app.screen, PersonEditScreen)
                for field in ("language", "access", "times", "address"):
                    _fill(app, field, text)
                await pilot.press("ctrl+s")
                await settle(pilot)
                _clean(screen_text(app))
                await pilot.press("j", "a")
                await pilot.pause()
                assert isinstance(app.screen, NoteScreen)
                _fill(app, "body", text)
                await pilot.press("ctrl+s")
                await settle(pilot)
                _clean(screen_text(app))
                await pilot.press("c", "u", "l", "m")
                _fill(app, "note", text)
                await pilot.press("ctrl+s")
                await settle(pilot)
                _clean(screen_text(app))
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("ctrl+f")
            await pilot.pause()
            assert isinstance(app.screen, SearchScreen)
            before = app.screen.hits
            _fill(app, "query", text)
            await search_ran(pilot, before)
            _clean(screen_text(app))
            await pilot.press("escape")
            await settle(pilot)
    # markup came back as text, exactly as typed (only control characters are made visible)
    markup = "[bold red]Anna[/bold red]"
    if markup not in [text for _why, text in saved]:
        return
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        people = PeopleService(v)
        records = RecordService(v)
        from rc_tui.services.search import SearchService

        hit = next(h for h in SearchService(v).search("Anna bold red") if h.kind == "person")
        detail = people.get(hit.person_id or 0)
        assert detail.data.given_name == markup
        assert detail.data.language == markup
        assert records.journal(detail.id)[0].body == markup


def test_the_markup_case_is_among_the_saved_ones() -> None:
    """The markup round-trip check above runs in the part that saves that case."""
    saved = [text for i, (_why, text) in enumerate(CASES) if i % 3 == 0]
    assert "[bold red]Anna[/bold red]" in saved
