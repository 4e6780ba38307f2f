"""Linking an existing person through the screens (Pilot, keyboard only): the caseworker
is told that it gave no access and what to do; the manager's log review shows the link
with the reads that followed it."""

from __future__ import annotations

from textual.widgets import DataTable

from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.people import PersonInput
from screens.app import RcApp
from screens.case import AddMemberDialog, CaseScreen
from screens.home import HomeScreen
from screens.intake import DuplicateDialog
from screens.logreview import LogReviewScreen
from screens.person import EmergencyAccessScreen, PersonScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import Text, keys, screen_text, settle, signed_in, type_text
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    NOW,
    PERP_NOTE,
    Family,
    family,
    pnr,
)


async def test_linking_a_known_person_tells_what_to_do_and_is_reviewed(
        family: Family) -> None:
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        own = CaseService(v, clock=lambda: NOW).register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
            members=[MemberInput("victim", PersonInput(given_name="Stina",
                                                       family_name="Ny"))]))
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_case(own.case_id)
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddMemberDialog)
        # the perpetrator of her client's case, with a number made up from his birth date
        await pilot.press("a")  # role: other (a role that would have been assigned)
        await type_text(pilot, "Bengt")
        await pilot.press("enter")
        await type_text(pilot, "Öberg")
        await pilot.press("enter", "enter")
        await type_text(pilot, pnr("820101", "999"))
        await settle(pilot)
        # as in the intake: the number's legal gender is taken and shown, and another
        # gender is one key in the number field
        dialog = app.screen
        assert dialog.query_one("#gender").value == "male"
        assert "Kön från personnumret: man/pojke" in screen_text(app)
        await pilot.press("k")
        await settle(pilot)
        assert dialog.query_one("#gender").value == "female"
        assert dialog.query_one("#idno").value == pnr("820101", "999")
        await pilot.press("m", "enter")  # Enter after the number: the person is added
        await settle(pilot)
        assert isinstance(app.screen, DuplicateDialog)
        await pilot.press("enter")  # use the existing person
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        shown = screen_text(app)
        assert "ger dig ingen åtkomst" in shown and "Be en chef att tilldela dig" in shown
        assert "nödåtkomst" in shown
        table = app.screen.query_one("#members", DataTable)
        assert table.row_count == 2
        assert "Bengt Öberg" in shown
        table.move_cursor(row=1)
        app.screen.set_focus(table)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        shown = screen_text(app)
        assert PERP_NOTE not in shown and "be en chef att tilldela dig" in shown
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, EmergencyAccessScreen)
        await pilot.press("ctrl+l")
        await settle(pilot)
    app = RcApp(family.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, CHEF, CHEF_PASS)
        assert isinstance(app.screen, HomeScreen)
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, LogReviewScreen)
        await keys(pilot, Text(ANNA), "enter", Text("bengt"), "enter",
                   "enter", "enter", Text("link"), "enter", "n")
        await settle(pilot)
        table = app.screen.query_one("#log", DataTable)
        assert table.row_count == 1
        assert "UTÖKAD ÅTKOMST" in screen_text(app)
        app.screen.set_focus(table)
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 2  # the link and the view of his record after it
        shown = screen_text(app)
        assert "sedan 1 läsning av samma person" in shown
        assert "efter utökad åtkomst" in shown and "Bengt Öberg" in shown  # no ids
