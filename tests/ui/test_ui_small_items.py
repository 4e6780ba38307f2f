"""The smaller things a newcomer and a night worker ran into (issue 17, "Why" 10), each
proved where it happens."""

from __future__ import annotations

from textual.widgets import TabbedContent

from screens.app import RcApp
from screens.case import CaseScreen
from screens.casework.decision import DecisionScreen
from screens.casework.decision_letter import DecisionLetterScreen
from storage.vault import Vault
from tests.helpers import login, paste, screen_text, settle
from tests.service.test_access import (  # noqa: F401 - fixtures
    ANNA,
    ANNA_PASS,
    Family,
    family,
)

TABS = ["overview", "journal", "assessments", "investigation", "plans", "decisions",
        "samrad"]


async def test_tab_number_keys_work_from_every_tab(family: Family) -> None:
    """1 and 7 did nothing on the journal and decisions tabs (the focus stayed in the
    pane left behind, and Textual brought its tab back)."""
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        wrong = []
        for start in "2645":
            for key in "1723":
                await pilot.press(start, key)
                await settle(pilot)
                if tabs.active != TABS[int(key) - 1]:
                    wrong.append((start, key, tabs.active))
        assert wrong == []


async def test_closing_a_track_says_so_and_the_case_shows_it(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        app.open_case(family.case_id)
        await settle(pilot)
        app.open_person(family.victim)
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        await paste(pilot, "Flyttat, inget behov längre.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        case_number = app.session.cases("t").detail(family.case_id).case_number
        assert any(f"Spåret i {case_number} är avslutat." in str(n.message)
                   for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        row = next(ln for ln in screen_text(app).splitlines() if "Åsa Öberg" in ln)
        assert "spåret avslutat" in row
        assert all("spåret avslutat" not in ln for ln in screen_text(app).splitlines()
                   if "Bengt" in ln)


async def test_a_victims_decision_offers_no_perpetrator_interventions(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        offered = [value for _k, value, _l in app.screen.query_one("#intervention").options]
        assert "support_talks" in offered and "shelter_placement" in offered
        assert not [code for code in offered if code.startswith("perpetrator_")]


async def test_decision_warnings_stand_above_the_letter_not_over_its_appeal_text(
        family: Family) -> None:
    from rc_tui.services.casework import CaseworkService

    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        CaseworkService(v).start_investigation(family.victim, "adult", case_id=family.case_id)
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        await app.push_screen(DecisionScreen(family.victim, family.case_id, ("victim",)))
        await settle(pilot)
        form = app.screen
        form.query_one("#intervention").choose("support_talks")
        form.query_one("#outcome").choose("partly")
        form.query_one("#reasons").load_text("Delvis: stödsamtal varannan vecka.")
        form.query_one("#basis").choose("sol_bistand")
        form.query_one("#provider-user").value = ANNA  # the investigator gives the talks
        app.clear_notifications()
        form._record()  # as after "Record the decision? y"
        await settle(pilot)
        assert isinstance(app.screen, DecisionLetterScreen)
        assert not list(app._notifications)  # nothing drawn over the letter
        notes = str(app.screen.query_one("#letter-notes").render())
        assert "utreder" in notes and "uppföljning" in notes.lower()
        letter = str(app.screen.query_one("#letter-text").render())
        assert "överklaga" in letter.lower()


async def test_forms_name_the_person_they_are_about(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        person = app.screen
        assert "Gäller:" not in screen_text(app)  # the person screen names her itself
        for key in ("c", "j", "b", "p", "e"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is not person, key
            assert "Gäller: Åsa Öberg" in screen_text(app), (key, screen_text(app))
            app.pop_screen()
            await settle(pilot)
