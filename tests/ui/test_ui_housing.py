"""The perpetrator service's temporary housing by keyboard at 80×24: the caseworker admits
his client from the man's record – refused without a signed risk assessment, admitted once
it is signed, in his family's case, the form's hostile note stored as typed."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from rc_tui.services.shelter import ShelterService
from screens.app import RcApp
from screens.person import PersonScreen
from screens.shelter import AdmissionScreen, BoardScreen
from storage.models import Stay
from storage.vault import Vault
from tests.conftest import hostile_ui_cases
from tests.helpers import paste, screen_text, settle, signed_in, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    PER,
    PER_PASS,
    Family,
    family,
)
from tests.service.test_housing import sign_perpetrator_assessment

SIZE = (80, 24)


async def test_housing_refused_without_assessment_then_admitted(family: Family) -> None:
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        ShelterService(v).add_place("perpetrator_housing", "Lägenheten", "L1")
    hostile = hostile_ui_cases()[0][1]  # Rich markup
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        app.open_person(family.perpetrator)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, AdmissionScreen))
        await settle(pilot)
        form = screen_text(app)
        assert "Tillfälligt boende" in form or "tillfälligt boende" in form
        assert "hon" not in form.split() and "barn" not in form.lower()
        # came via his caseworker (e), the flat's one free place (1), a hostile note
        await pilot.press("e", "1")
        app.screen.query_one("#note").focus()
        await paste(pilot, hostile)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "signerad riskbedömning" in str(
            app.screen.query_one("#message").render()))
        await settle(pilot)
        assert isinstance(app.screen, AdmissionScreen)
        assert "riskbedömning" in screen_text(app)  # brought into view
        # his risk assessment is signed (elsewhere); the same form is saved again
        with Vault.unlock(family.path, PER, PER_PASS) as v:
            sign_perpetrator_assessment(v, family.perpetrator)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        # the flat's board names him (not "Person #n")
        app.push_screen(BoardScreen("perpetrator_housing"))
        await wait_until(pilot, lambda: "L1" in screen_text(app))
        await settle(pilot)
        assert "Bengt Öberg" in screen_text(app)
        assert "0 av 1 plats ledig" in screen_text(app)
    with Vault.unlock(family.path, PER, PER_PASS) as v, v.session() as s:
        stay = s.scalars(select(Stay)).one()
        assert stay.person_id == family.perpetrator and stay.case_id == family.case_id
        assert stay.assessment_id is not None
        assert stay.admission_note == unicodedata.normalize("NFC", hostile).strip()
