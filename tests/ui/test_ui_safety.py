"""The partner-contact form and the safety-plan screen through Pilot (one short walk each,
with hostile text; the rules and the compartments are held by tests/service/test_safety.py):
the man's caseworker records the contact from his person screen and sees only its outcome
and flag afterwards; her caseworker writes a plan, leaves it (Esc keeps the draft), comes
back, signs it after one question and reads it back as literal text."""

from __future__ import annotations

from rc_tui.services.drafts import DraftService
from rc_tui.services.safety import PartnerContactService, SafetyPlanService
from screens.app import RcApp
from screens.confirm import AskDialog
from screens.person import PersonScreen
from screens.person.partner_contact import PartnerContactDialog
from screens.person.safety_plan import SafetyPlanScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, hostile_ui_cases
from tests.helpers import paste, screen_text, settle, signed_in, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    PER,
    PER_PASS,
    Family,
    family,
)

MARKUP = dict(hostile_ui_cases())["Rich markup"]


async def test_the_partner_contact_form_writes_into_her_record(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, PER, PER_PASS)
        app.open_person(family.perpetrator)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("k")
        await wait_until(pilot, lambda: isinstance(app.screen, PartnerContactDialog))
        await settle(pilot)
        # her, reached; informed about both; unsafe, great fear, wants contact, consents,
        # a safety concern; the note
        for key in ("1", "n", "enter", "t", "s", "enter", "r", "s", "j", "j", "j"):
            await pilot.press(key)
        await paste(pilot, MARKUP)
        app.screen.flush_draft()  # type: ignore[attr-defined]  # (as the autosave does)
        await settle(pilot)
        assert app.session is not None
        assert [d.form for d in app.session.drafts().mine()] == ["partner_contact"]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, AskDialog))
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        shown = screen_text(app)
        assert "nådd" in shown and "oro för säkerheten" in shown
        assert "[bold red]" not in shown and "otrygg" not in shown  # nothing of hers
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        [contact] = PartnerContactService(v).for_partner(family.victim)
    assert (contact.note, contact.safety_view, contact.fear, contact.wants_contact) == (
        MARKUP, "unsafe", "great", "yes")
    with Vault.unlock(family.path, PER, PER_PASS) as v:  # what he typed went with it
        assert [d.form for d in DraftService(v).mine()] == []


async def test_the_safety_plan_is_written_kept_signed_and_shown(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SafetyPlanScreen))
        await settle(pilot)
        await paste(pilot, MARKUP)
        await pilot.press("escape")  # keeps what was typed as a draft
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SafetyPlanScreen))
        await settle(pilot)
        assert MARKUP in app.screen.query_one("#s-warning_signs").text  # type: ignore[attr-defined]
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, AskDialog))
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, SafetyPlanScreen))
        await settle(pilot)
        assert app.screen.view.signed  # type: ignore[attr-defined]
        assert MARKUP in screen_text(app)  # drawn as literal text
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        [row] = SafetyPlanService(v).history(family.victim)
        assert SafetyPlanService(v).get(row.id).texts == {"warning_signs": MARKUP}
