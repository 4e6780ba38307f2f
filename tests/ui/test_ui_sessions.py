"""Talks and referrals by keyboard at 80×24 (one walk; the rules and variants are in
tests/service/test_sessions.py): the perpetrator service's caseworker starts an MI series
on his person, records two no-shows (a note with markup shown literally), sees re-contact
due, records an attempt, sends a referral (Esc keeps a draft on the way) and records its
answer; and a group by keyboard."""

from __future__ import annotations

from datetime import date

from screens.app import RcApp
from screens.sessions import SessionsScreen
from screens.sessions.dialogs import (
    GroupChoiceDialog,
    GroupSessionDialog,
    RecontactDialog,
    ReferralDialog,
    ReferralStepDialog,
    SeriesDialog,
    SessionDialog,
)
from tests.helpers import Text, keys, screen_text, settle, signed_in
from tests.service.test_access import (  # noqa: F401 - fixtures
    ANNA,
    ANNA_PASS,
    PER,
    PER_PASS,
    Family,
    family,
)

MARKUP = "[b]inte fet[/b] [link=x]länk[/link]"


async def test_mi_series_no_shows_recontact_and_referral(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        app.open_person(family.perpetrator)
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen)
        # a new series: only the kinds for his role (no support talks, no Siri group)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SeriesDialog)
        offered = [v for _k, v, _l in app.screen.query_one("#kind").options]
        assert "mi" in offered and "support" not in offered and "group_siri" not in offered
        await pilot.press("m", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen)
        # two no-shows, the first with a note that holds markup
        for note in (MARKUP, "Svarar inte."):
            await pilot.press("s")
            await settle(pilot)
            assert isinstance(app.screen, SessionDialog)
            await keys(pilot, "enter", "u", Text(note), "ctrl+s", "j")
            await settle(pilot)
            assert isinstance(app.screen, SessionsScreen), screen_text(app)
        shown = screen_text(app)
        assert "återkontakt" in shown and "uteblev" in shown
        assert MARKUP in shown  # drawn as typed, never as markup
        # an attempt at re-contact: not reached
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, RecontactDialog)
        await keys(pilot, "enter", "n", Text("Inget svar, sms skickat."), "ctrl+s")
        await settle(pilot)
        assert "återkontakt: inte nådd" in screen_text(app)
        # a referral: Esc keeps what was typed, the form brings it back
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReferralDialog)
        await keys(pilot, "v", Text("MVU-programmet"), "escape")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one("#to").value == "MVU-programmet"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen) and "MVU-programmet" in screen_text(app)
        # its answer: Enter on the referral
        app.screen.query_one("#referrals").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReferralStepDialog)
        await keys(pilot, Text(date.today().isoformat()), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen)
        assert "accepterad" in screen_text(app)


async def test_a_group_by_keyboard(family: Family) -> None:
    """The victim's caseworker starts Siri's group for her, adds the child from the
    child's own record and records a session for both: one key per member."""
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        await keys(pilot, "m", "n")
        await settle(pilot)
        await keys(pilot, "g", Text("Onsdagsgruppen"), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen) and "Onsdagsgruppen" in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        app.open_person(family.child)
        await settle(pilot)
        await keys(pilot, "m", "g")
        await settle(pilot)
        assert isinstance(app.screen, GroupChoiceDialog)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, GroupSessionDialog)
        await keys(pilot, "enter", "n", "u", Text("Tema: trygghet."), "ctrl+s", "j")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen), screen_text(app)
        shown = screen_text(app)
        assert "uteblev" in shown and "Tema: trygghet." in shown  # the child's own line
