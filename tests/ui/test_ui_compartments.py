"""The compartment scenario through Pilot: a caseworker assigned only to the perpetrator
tries every screen, search and list, and never sees the victim's address, identity,
account or journal (asserted on the rendered screen text)."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from screens.app import RcApp
from screens.case import CaseScreen
from screens.home import HomeScreen
from screens.person import EmergencyAccessScreen, PersonScreen
from screens.search import SearchScreen
from tests.helpers import screen_text, search, search_ran, settle, signed_in
from tests.service.test_access import (  # noqa: F401 - fixtures
    PER,
    PER_PASS,
    PERP_NOTE,
    VICTIM_ADDRESS,
    VICTIM_NO,
    VICTIM_NOTE,
    Family,
    family,
)

SECRETS = [VICTIM_ADDRESS, "Hemliga", VICTIM_NOTE, "var hon bor", "Åsa", VICTIM_NO,
           VICTIM_NO[2:], "Kvinnojouren", "Hon berättade om hot"]


def _never_secret(app: RcApp, where: str, typed: str = "") -> None:
    shown = screen_text(app)
    if typed:  # what the user typed into the search field is theirs, not a leak
        shown = shown.replace(typed, "")
    for secret in SECRETS:
        assert secret not in shown, f"{secret!r} visible on {where}"


async def test_perpetrator_caseworker_never_sees_the_victim(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        assert isinstance(app.screen, HomeScreen)
        _never_secret(app, "home")
        # my cases -> the family's case
        cases = app.screen.query_one("#cases", DataTable)
        assert cases.row_count == 1
        app.screen.set_focus(cases)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        _never_secret(app, "case")
        assert "Bengt Öberg" in screen_text(app)
        # she is protected (her name is withheld), but which level is hers is not his to
        # know: the level is shown only to those who may see the person
        assert "Skyddad person" in screen_text(app)
        assert "Skyddad person #" not in screen_text(app)  # never a database id
        assert "SKYDDAD FOLKBOKFÖRING" not in screen_text(app)
        # every member of the case, one by one
        table = app.screen.query_one("#members", DataTable)
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PersonScreen | EmergencyAccessScreen)
            _never_secret(app, f"person row {row}")
            for key in ("2", "e", "c", "j", "o", "v"):  # tabs and forms the view allows
                await pilot.press(key)
                await settle(pilot)
                _never_secret(app, f"person row {row} after {key}")
                if not isinstance(app.screen, PersonScreen):
                    await pilot.press("escape")
                    await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
        await pilot.press("escape")
        await settle(pilot)
        # search: names, numbers, journal words, address words – each query in turn in
        # the search field (as if typed over: searched once, a moment after the change)
        for query in ("Öberg", "Åsa", VICTIM_NO, VICTIM_NO[2:], "bor", "Hemliga", "hot",
                      "Kvinnojouren", "RC-2026"):
            if not isinstance(app.screen, SearchScreen):
                await pilot.press("ctrl+f")
                await pilot.pause()
            assert isinstance(app.screen, SearchScreen), query
            before = app.screen.hits
            app.screen.query_one("#query", Input).value = query
            await search_ran(pilot, before)
            _never_secret(app, f"search {query!r}", typed=query)
            results = app.screen.query_one("#results", DataTable)
            for row in range(results.row_count):
                results.move_cursor(row=row)
                app.screen.set_focus(results)
                await pilot.press("enter")
                await settle(pilot)
                _never_secret(app, f"search {query!r} hit {row}")
                if isinstance(app.screen, EmergencyAccessScreen):
                    assert "Ingen behörighet" in screen_text(app)
                await pilot.press("escape")
                await settle(pilot)
                if not isinstance(app.screen, SearchScreen):
                    break
            while not isinstance(app.screen, SearchScreen | HomeScreen):
                await pilot.press("escape")
                await settle(pilot)
        while not isinstance(app.screen, HomeScreen):
            await pilot.press("escape")
            await settle(pilot)
        # his own client's journal is there
        await pilot.press("ctrl+f")
        await pilot.pause()
        await search(pilot, "ilska")
        assert "Bengt Öberg" in screen_text(app)
