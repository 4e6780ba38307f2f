"""A person from intake to closure by keyboard: intake → consent → risk assessment →
investigation → decision (and its letter) → action plan → follow-up → closing the track.
Every step recorded, dated and signed; the due list never lets one disappear."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text as sql

from rc_tui.services.casework import CaseworkService
from screens.app import RcApp
from screens.assessment import AssessmentReadScreen, AssessmentScreen, SignDialog
from screens.case import CaseScreen
from screens.casework import (
    CloseDialog,
    DecisionLetterScreen,
    DecisionScreen,
    FollowUpDialog,
    InvestigationScreen,
    PlanItemDialog,
    TemplateDialog,
)
from screens.document import DocumentDialog
from screens.home import HomeScreen
from screens.person import ConsentDialog, PersonScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import Text, keys, screen_text, settle, signed_in, wait_until


async def test_intake_to_closure_by_keyboard(installed: Path, tmp_path: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        assert isinstance(app.screen, HomeScreen)
        # intake: a woman who came on her own
        await pilot.press("n")
        await settle(pilot)
        await keys(pilot, "s", Text("Misshandel."), "ctrl+o", "n", "v", Text("Maja"),
                   "enter", Text("Testsson"), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("enter")  # the case's only member
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        # consent to an investigation
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConsentDialog)
        await keys(pilot, "u", "l", "s", Text("Ok"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        # a risk assessment: the acute screening, all "no", low
        await pilot.press("3", "a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AssessmentScreen)
        await pilot.press(*"nnnnnnn")
        await settle(pilot)
        assert isinstance(app.screen, SignDialog)
        await keys(pilot, "l", Text("Inga."), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AssessmentReadScreen)
        await pilot.press("escape")
        await settle(pilot)
        # the investigation, resting on that assessment
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, TemplateDialog)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, InvestigationScreen)
        await keys(pilot, Text("Behöver skydd."), "ctrl+o", Text("Förbud."), *(["ctrl+o"] * 6))
        await pilot.press("j")  # the acute screening is one the investigation rests on
        await keys(pilot, Text("Stödsamtal."))
        await pilot.press("ctrl+t", "j")  # conclude (signed)? j
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen), screen_text(app)
        await pilot.press("4")
        await settle(pilot)
        assert "avslutad" in screen_text(app)
        # a decision: support talks, granted; the letter is shown
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, DecisionScreen)
        await pilot.press("3")  # support talks (third intervention in the list)
        await pilot.press("b")  # granted
        await keys(pilot, Text("Behov av stöd."), "ctrl+o")
        await pilot.press("enter")  # legal basis: the intervention's default is chosen
        await pilot.press("n")  # not an emergency decision
        await keys(pilot, "enter", "enter", Text("Nexus stödsamtal"), "enter")
        await pilot.press("ctrl+s", "j")  # record the decision? j
        await settle(pilot)
        assert isinstance(app.screen, DecisionLetterScreen), screen_text(app)
        letter = screen_text(app)
        assert "BESLUT" in letter and "Stödsamtal" in letter and "beviljat" in letter
        assert "överklaga" not in letter  # granted: no appeal information
        # the letter leaves as an encrypted PDF (the default): its password shown once
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, DocumentDialog)
        assert "krypterad PDF" in screen_text(app)
        dialog = app.screen
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: dialog.issued is not None)
        await settle(pilot)
        issued = dialog.issued
        assert issued is not None and issued.path is not None and issued.password
        assert issued.password in screen_text(app)
        assert issued.path.read_bytes().startswith(b"%PDF")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DecisionLetterScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        # the action plan: an action resting on the decision
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PlanItemDialog)
        due = (date.today() + timedelta(days=30)).isoformat()
        await keys(pilot, "a", Text("Samtal"), "enter", "e", Text("Nexus"), "enter", "enter",
                   Text(due), "enter", "g", "1", Text("Tisdagar."), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen), screen_text(app)
        await pilot.press("5")
        await settle(pilot)
        assert "Samtal" in screen_text(app)
        # the follow-up of the granted intervention stands on the decisions tab
        await pilot.press("6")
        await settle(pilot)
        assert "Uppföljning" in screen_text(app)
        await pilot.press("tab")  # decisions table -> follow-up table
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpDialog)
        await keys(pilot, "1", Text("Klart."), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        # closing the track, with the reason
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, CloseDialog)
        await keys(pilot, Text("Klart."), "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CloseDialog)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        with v.session() as s:
            person = s.execute(sql("SELECT id FROM persons WHERE given_name = 'Maja'")
                               ).scalar_one()
            exported = s.execute(sql("SELECT count(*) FROM access_log WHERE action = 'export' "
                                     "AND record_type = 'decision_letter'")).scalar()
        svc = CaseworkService(v)
        [inv] = svc.investigations(person)
        assert not inv.open and inv.assessment_ids and "skydd" in inv.findings[
            "protection_short"]
        [dec] = svc.decisions(person)
        assert dec.intervention == "support_talks" and dec.outcome == "granted"
        assert dec.legal_basis == "sol_bistand" and dec.provider == "Nexus stödsamtal"
        [item] = svc.plan(person)
        assert item.data.decision_id == dec.id and item.data.status == "ongoing"
        [fu] = svc.followups(person)
        assert fu.outcome == "need_met" and fu.done_at is not None
        [track] = svc.tracks(person)
        assert track.closed and track.history[-1][2] == "Klart."
        assert exported == 1
