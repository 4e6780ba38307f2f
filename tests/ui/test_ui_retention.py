"""A manager's keep decision from the person screen (Pilot, one short walk): F, the reason,
Ctrl+S; F again shows it and lifts it after one question. A caseworker has no such key."""

from __future__ import annotations

from sqlalchemy import select

from rc_tui.services.retention import RetentionService
from screens.app import RcApp
from screens.confirm import AskDialog
from screens.person import PersonScreen
from screens.person.keep_dialog import KeepDialog
from storage.models import AccessLog
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import paste, screen_text, settle, signed_in
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    Family,
    family,
)


async def test_a_manager_keeps_a_record_and_lifts_the_decision(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, CHEF, CHEF_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, KeepDialog)
        await paste(pilot, "Arkivmyndigheten beslutade att bevara akten")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
            kept = RetentionService(v).keep_of(family.victim)
        assert kept is not None and kept.reason == "Arkivmyndigheten beslutade att bevara akten"
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        assert "Arkivmyndigheten beslutade" in screen_text(app)
        await pilot.press("j")
        await settle(pilot)
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        assert RetentionService(v).keep_of(family.victim) is None
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)  # no key for a caseworker: the
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v, v.session() as s:
        asked = s.scalars(select(AccessLog).where(  # service is not even asked
            AccessLog.username == ANNA, AccessLog.record_type == "retention")).all()
    assert asked == []
