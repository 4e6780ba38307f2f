"""A concurrent edit of the same record is shown as a conflict, both versions side by side;
nothing is silently lost, and the user chooses."""

from __future__ import annotations

from rc_tui.services.people import PeopleService
from screens.app import RcApp
from screens.components import SafeInput
from screens.conflict import ConflictScreen
from screens.person import PersonEditScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import screen_text, settle, signed_in
from tests.service.test_access import CHEF, CHEF_PASS, Family, family  # noqa: F401 - fixtures


def _edit_language(family: Family, language: str) -> None:
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        people = PeopleService(v)
        detail = people.get(family.child)
        from dataclasses import replace

        people.update(family.child, detail.version, replace(detail.data, language=language))


async def test_a_concurrent_edit_is_shown_side_by_side(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        for choice in ("theirs", "mine"):
            app.open_person(family.child)
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, PersonEditScreen)
            times = app.screen.query_one("#times", SafeInput)
            times.value = f"Kvällar ({choice})"
            _edit_language(family, f"arabiska ({choice})")  # the manager, meanwhile
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ConflictScreen)
            shown = screen_text(app)
            assert f"arabiska ({choice})" in shown and f"Kvällar ({choice})" in shown
            await pilot.press("2" if choice == "theirs" else "1")
            await settle(pilot)
            with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
                data = PeopleService(v).get(family.child).data
            if choice == "theirs":  # theirs kept, mine dropped knowingly
                assert data.language == "arabiska (theirs)" and data.safe_times != times.value
            else:  # mine saved over theirs, knowingly (their language was shown)
                assert data.safe_times == "Kvällar (mine)"
                assert data.language == "arabiska (theirs)"  # as her form had it
            await pilot.press("escape")
            await settle(pilot)


async def test_a_conflict_shows_only_the_fields_that_differ(family: Family) -> None:
    """A person with an identity number: the stored birth year comes from the number and
    the form leaves the year empty – no spurious birth-year row."""
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#times", SafeInput).value = "Förmiddagar"
        with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:  # her other terminal
            from dataclasses import replace

            people = PeopleService(v)
            detail = people.get(family.victim)
            people.update(family.victim, detail.version, replace(detail.data,
                                                                 language="somaliska"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert {field for field, _theirs, _mine in app.screen.rows} == {
            "Säkra tider", "Språk"}
