"""A samråd held and approved by keyboard by the chair; the agreed action reaches the plan;
the coordination view keeps the compartments (screen text)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text as sql
from textual.widgets import DataTable

from rc_tui.services.casework import CaseworkService, DecisionInput
from rc_tui.services.records import RecordService
from screens.app import RcApp
from screens.case import CaseScreen
from screens.home import HomeScreen
from screens.samrad import (
    ActionDialog,
    CoordinationScreen,
    MinutesScreen,
    ParticipantDialog,
    RequestDialog,
    SamradListScreen,
    SamradScreen,
)
from storage.models import Stay
from storage.vault import Vault
from tests.helpers import Text, keys, screen_text, settle, signed_in, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    NOW,
    PER,
    PER_PASS,
    VICTIM_ADDRESS,
    VICTIM_NOTE,
    Family,
    family,
)


async def _open_family_case(pilot: object, app: RcApp) -> None:
    cases = app.screen.query_one("#cases", DataTable)
    app.screen.set_focus(cases)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, CaseScreen)


async def test_a_samrad_held_and_approved_by_keyboard(family: Family) -> None:
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:  # the chair works the cases
        from rc_tui.services.cases import CaseService

        member = next(m for m in CaseService(v).detail(family.case_id).members
                      if m.role == "victim")
        CaseService(v).assign(member.member_id, CHEF)
    due = (date.today() + timedelta(days=14)).isoformat()
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, CHEF, CHEF_PASS)
        assert isinstance(app.screen, HomeScreen)
        await _open_family_case(pilot, app)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, SamradListScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, RequestDialog)
        await keys(pilot, Text("Polisen"), "enter", "enter", Text("Nexus"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, SamradScreen)
        # participants: the centre (chair) and the police
        for agency_key, role in (("0", "ordf"), ("1", "utredare")):
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, ParticipantDialog)
            await keys(pilot, "d", agency_key, Text(role), "enter", "enter", "n")
            await settle(pilot)
            assert isinstance(app.screen, SamradScreen)
        # the victim: no consent to exchange with the police, so a legal ground + why
        text = screen_text(app)
        assert "polis ✗" in text or "polisen ✗" in text
        await pilot.press("tab")  # to the victim's legal ground
        await keys(pilot, "1", Text("Fara for livet"), "enter", Text("Hot i helgen"), "ctrl+o",
                   Text("Hog risk"), "ctrl+o")
        # the minutes save themselves a moment after the last change
        await wait_until(pilot, lambda: "Sparat." in screen_text(app))
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        await keys(pilot, Text("Kontaktforbud"), "enter", "1", Text(due), "enter")
        await settle(pilot)
        assert isinstance(app.screen, SamradScreen)
        await pilot.press("ctrl+t", "j")  # approve (justera)? j
        await settle(pilot)
        assert isinstance(app.screen, MinutesScreen), screen_text(app)
        minutes = screen_text(app)
        assert "Hot i helgen" in minutes and "Kontaktforbud" in minutes
        assert "Justerade" in minutes
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        plan = CaseworkService(v).plan(family.victim)
        assert [p.data.text for p in plan] == ["Kontaktforbud"]
        with v.session() as s:
            assert s.execute(sql("SELECT count(*) FROM samrad WHERE approved_at IS NOT NULL")
                             ).scalar() == 1


async def test_coordination_view_keeps_the_compartments(family: Family) -> None:
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v, v.session(write=True) as s:
        s.add(Stay(person_id=family.victim, facility="shelter", admitted_at=NOW))
    with Vault.unlock(family.path, PER, PER_PASS) as v:
        RecordService(v).record_consent(family.perpetrator, "investigation", "given", "oral")
        work = CaseworkService(v)
        work.start_investigation(family.perpetrator, "perpetrator", case_id=family.case_id)
        work.record_decision(DecisionInput(family.perpetrator, "perpetrator_housing",
                                           "granted", "Behöver bostad.", "sol_bistand",
                                           case_id=family.case_id))
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        await _open_family_case(pilot, app)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, CoordinationScreen)
        shown = screen_text(app)
        assert "Tillfälligt boende för våldsutövare" in shown  # his own track
        assert "Finns i familjen" in shown  # the others: only that they exist
        # the victim's protection is not his to act on: no trace of it among the warnings
        assert "inte arbetar med" not in shown and "Samordning behövs" not in shown
        for secret in (VICTIM_ADDRESS, VICTIM_NOTE, "skyddat boende", "Siri", "Åsa"):
            assert secret not in shown, secret
