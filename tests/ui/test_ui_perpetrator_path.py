"""The perpetrator service's caseworker's whole path by keyboard at 80×24, in one session
(the rules and the variants of each step are in the service tests; each step's own walk with
hostile text and Esc drafts is in test_ui_safety.py and test_ui_sessions.py):

intake of a man who came himself, with his partner → temporary housing refused without a
risk assessment (its note with markup, kept as a draft) → the structured risk assessment of
him, signed → the housing admitted → partner contact → an MI series with two no-shows →
re-contact on the due list → a referral;
then the victim side: his partner's safety plan, signed. What he may never see of her
(her answers to the partner contact, her plan) is checked on his screens."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from sqlalchemy import select

from rc_tui.domain.instruments.library import load_library
from rc_tui.services.cases import CaseService
from rc_tui.services.safety import PartnerContactService, SafetyPlanService
from rc_tui.services.shelter import ShelterService
from screens.app import RcApp
from screens.assessment import AssessmentScreen, InstrumentChooser, SignDialog
from screens.case import CaseScreen
from screens.confirm import AskDialog
from screens.home import HomeScreen
from screens.intake import IntakeScreen
from screens.person import EmergencyAccessScreen, PersonScreen
from screens.person.partner_contact import PartnerContactDialog
from screens.person.safety_plan import SafetyPlanScreen
from screens.sessions import SessionsScreen
from screens.sessions.dialogs import ReferralDialog, SeriesDialog, SessionDialog
from screens.shelter import AdmissionScreen, BoardScreen
from storage.errors import NoAccess
from storage.models import Stay
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, hostile_ui_cases
from tests.helpers import Text, keys, paste, screen_text, settle, signed_in, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    PER,
    PER_PASS,
    Family,
    family,
)
from tests.ui.test_ui_assessment import answer_everything, judge_and_sign
from tests.ui.test_ui_intake import pnr

SIZE = (80, 24)
HER_NOTE = "Hon sover hos sin syster på Lingonvägen 3"
PLAN = "Kodord: blåbär. Väska hos grannen."
MARKUP = dict(hostile_ui_cases())["Rich markup"]


async def _until(pilot: Any, kind: type) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await settle(pilot)


def _whole_pane(app: Any) -> str:
    """All the text the screen's widgets hold, scrolled into view or not."""
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def _open_person(pilot: Any, person_id: int) -> None:
    pilot.app.open_person(person_id)
    await _until(pilot, PersonScreen)


async def test_the_perpetrator_services_whole_path_by_keyboard(family: Family) -> None:
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        ShelterService(v).add_place("perpetrator_housing", "Lägenheten", "L1")
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        # -- intake: he came himself; he is the contact, his partner the victim
        await pilot.press("n")
        await _until(pilot, IntakeScreen)
        await keys(pilot, "s", Text("Vill ha hjälp att sluta slå."), "ctrl+o", "n")
        for role, given, ident in (("u", "Olof", pnr("800101", "131")),
                                   ("v", "Lena", pnr("830202", "242"))):
            await keys(pilot, role, Text(given), "enter", Text("Lind"), "enter", "enter",
                       Text(ident), "enter")
            await pilot.pause()
        await pilot.press("ctrl+s")
        await _until(pilot, CaseScreen)
        assert app.session is not None
        case_id = app.screen.case_id  # type: ignore[attr-defined]
        members = {m.role: m for m in app.session.cases("t").detail(case_id).members}
        him, her = members["perpetrator"].person.id, members["victim"].person.id
    # a manager gives her track to the victim side (the intake gave him only his own)
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        CaseService(v).assign(members["victim"].member_id, ANNA)

    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        await _open_person(pilot, him)
        # -- temporary housing: refused without a signed risk assessment
        await pilot.press("h")
        await _until(pilot, AdmissionScreen)
        form = screen_text(app)  # the housing's own words: him, no children
        assert "tillfälligt boende" in form.lower()
        assert "hon" not in form.split() and "barn" not in form.lower()
        await pilot.press("e", "1")  # came via his caseworker; the flat's one place
        app.screen.query_one("#note").focus()
        await paste(pilot, MARKUP)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "signerad riskbedömning" in str(
            app.screen.query_one("#message").render()))
        await pilot.press("escape")  # kept as a draft
        await _until(pilot, PersonScreen)
        # -- the structured risk assessment of him, by keyboard, signed
        await pilot.press("3", "a")
        await _until(pilot, InstrumentChooser)
        order = [i.id for i in load_library(None).for_target({"perpetrator"})]
        await pilot.press(*(["down"] * order.index("rc-perpetrator")), "enter")
        await _until(pilot, AssessmentScreen)
        await answer_everything(pilot)
        assert isinstance(app.screen, SignDialog)
        await judge_and_sign(pilot, "Bedömd inför tillfälligt boende.")
        await pilot.press("escape")
        await _until(pilot, PersonScreen)
        assert "signerad" in screen_text(app)
        # -- the housing again: the kept form, now admitted
        await pilot.press("h")
        await _until(pilot, AdmissionScreen)
        await pilot.press("ctrl+s")
        await _until(pilot, PersonScreen)
        app.push_screen(BoardScreen("perpetrator_housing"))
        await wait_until(pilot, lambda: "L1" in screen_text(app))
        assert "Olof Lind" in screen_text(app) and "0 av 1 plats ledig" in screen_text(app)
        await pilot.press("escape")
        await _until(pilot, PersonScreen)
        # -- partner contact: reached; her answers go into her record
        await pilot.press("k")
        await _until(pilot, PartnerContactDialog)
        for key in ("1", "n", "enter", "t", "s", "enter", "r", "s", "j", "j", "j"):
            await pilot.press(key)
        await keys(pilot, Text(HER_NOTE), "ctrl+s")
        await _until(pilot, AskDialog)
        await pilot.press("j")
        await _until(pilot, PersonScreen)
        await pilot.press("1")  # the overview (the assessments' tab was open)
        await settle(pilot)
        shown = _whole_pane(app)  # below the fold at 80×24 (stays, intake accounts above it)
        assert "nådd" in shown and HER_NOTE not in shown and "Lingonvägen" not in shown
        # -- an MI series: two no-shows put re-contact on his due list
        await pilot.press("m")
        await _until(pilot, SessionsScreen)
        await pilot.press("n")
        await _until(pilot, SeriesDialog)
        await pilot.press("m", "ctrl+s")
        await _until(pilot, SessionsScreen)
        for note in ("Kom inte.", "Svarar inte i telefon."):
            await pilot.press("s")
            await _until(pilot, SessionDialog)
            await keys(pilot, "enter", "u", Text(note), "ctrl+s", "j")
            await _until(pilot, SessionsScreen)
        assert "återkontakt" in screen_text(app)
        # -- a referral
        await pilot.press("r")
        await _until(pilot, ReferralDialog)
        await keys(pilot, "v", Text("MVU-programmet"), "ctrl+s")
        await _until(pilot, SessionsScreen)
        assert "MVU-programmet" in screen_text(app)
        # -- home: the re-contact is on his due list; her record stays closed to him
        while not isinstance(app.screen, HomeScreen):
            await pilot.press("escape")
            await settle(pilot)
        assert "Olof Lind" in screen_text(app) and "återkontakt" in screen_text(app)
        app.open_person(her)  # a family member: her name at most, or emergency access
        await wait_until(pilot, lambda: isinstance(app.screen,
                                                   (PersonScreen, EmergencyAccessScreen)))
        await settle(pilot)
        shown = _whole_pane(app)
        assert HER_NOTE not in shown and "Lingonvägen" not in shown

    # -- the victim side: her caseworker sees the contact and writes her safety plan
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        await _open_person(pilot, her)
        await pilot.press("l")
        await _until(pilot, SafetyPlanScreen)
        await keys(pilot, Text(PLAN), "ctrl+t")
        await _until(pilot, AskDialog)
        await pilot.press("j")
        await _until(pilot, PersonScreen)
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        [contact] = PartnerContactService(v).for_partner(her)
        assert contact.note == HER_NOTE and contact.outcome == "reached"
        [plan] = SafetyPlanService(v).history(her)
        assert plan.status == "signed" and plan.template == "partner"
        assert PLAN in SafetyPlanService(v).get(plan.id).texts.values()
    with Vault.unlock(family.path, PER, PER_PASS) as v:
        with v.session() as s:
            stay = s.scalars(select(Stay)).one()
        assert (stay.person_id, stay.case_id) == (him, case_id)  # in his family's case
        assert stay.assessment_id is not None and stay.override_reason in (None, "")
        assert stay.admission_note == unicodedata.normalize("NFC", MARKUP).strip()
        [outcome] = PartnerContactService(v).outcomes(him)
        assert not hasattr(outcome, "note")  # his side: the outcome and the flag only
        with pytest.raises(NoAccess):
            SafetyPlanService(v).history(her)
