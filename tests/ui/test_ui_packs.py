"""An outage pack in the app: the banner on every screen, a journal note written by
keyboard and recorded as an operation. (The rules are in tests/service/test_packs.py.)"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import Input

from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.packs import PackService
from rc_tui.services.people import PersonInput
from rc_tui.services.records import RecordService
from screens.app import RcApp
from storage.models import PackOperation
from storage.pack import open_pack
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import paste, screen_text, settle, signed_in, wait_until

BANNER = "Avbrottsläge – ändringar förs in när förbindelsen är tillbaka"


def anna_pack(installed: Path, out: Path) -> int:
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        made = CaseService(v).register_intake(IntakeInput(
            occurred_at=datetime(2026, 12, 1, 10, 0), channel="self", what_happened="",
            immediate_danger=False, members=[MemberInput("victim", PersonInput(
                given_name="Vera", family_name="Avbrottsson", birth_year=1980,
                gender="female"))]))
        PackService(v).create(out, ANNA_PASS)
    return made.person_ids[0]


async def test_a_note_written_in_a_pack_under_the_banner(installed: Path,
                                                        tmp_path: Path) -> None:
    pack = tmp_path / "anna.pack"
    anna_pack(installed, pack)
    app = RcApp(pack)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert BANNER in screen_text(app)  # already on the login screen
        await signed_in(pilot, ANNA, ANNA_PASS)
        assert BANNER in screen_text(app)
        await pilot.press("ctrl+f")
        await settle(pilot)
        await paste(pilot, "Avbrottsson")
        await wait_until(pilot, lambda: "Vera" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Journal" in screen_text(app))
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("k")
        await paste(pilot, "Ringde under avbrottet.")
        await pilot.press("ctrl+t", "j")  # sign? j
        await settle(pilot)
        await wait_until(pilot, lambda: "Ringde under avbrottet." in screen_text(app))
        assert BANNER in screen_text(app)
    with open_pack(pack, ANNA, ANNA_PASS) as v, v.session() as s:
        (op,) = s.scalars(select(PackOperation))
        assert (op.service, op.method) == ("RecordService", "add_note")


async def test_a_pack_made_from_the_home_screen(installed: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from rc_tui.services.packs import PackService as Packs

    target = tmp_path / "made-in-app.pack"
    monkeypatch.setattr(Packs, "suggested_path", lambda self: target)
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        await pilot.press("o")
        await settle(pilot)
        await paste(pilot, "fel fras")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Fel lösenfras" in screen_text(app))
        assert not target.exists()
        await paste(pilot, ANNA_PASS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Avbrottspaketet är skrivet" in screen_text(app))
    assert target.exists() and Path(f"{target}.keys").exists()


async def test_a_pack_merged_from_the_home_screen_with_a_conflict_decided(
        installed: Path, tmp_path: Path) -> None:
    """M on the home screen: the pack's note comes in, its edit of Vera's language met
    the manager's change and is shown side by side; 1 applies the pack's explicitly."""
    import dataclasses

    from rc_tui.services.people import PeopleService
    from tests.conftest import MANAGER, MANAGER_PASS

    pack = tmp_path / "anna.pack"
    vera = anna_pack(installed, pack)
    with open_pack(pack, ANNA, ANNA_PASS) as v:
        RecordService(v).add_note(vera, "contact", "Ringde under avbrottet.", sign=True)
        detail = PeopleService(v).get(vera)
        PeopleService(v).update(vera, detail.version,
                                dataclasses.replace(detail.data, language="arabiska"))
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        detail = PeopleService(v).get(vera)
        PeopleService(v).update(vera, detail.version,
                                dataclasses.replace(detail.data, language="somaliska"))
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        await pilot.press("m")
        await settle(pilot)
        await paste(pilot, str(pack))
        await pilot.press("enter")
        await paste(pilot, ANNA_PASS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Ändrat i databasen under avbrottet" in screen_text(app))
        shown = screen_text(app)
        assert "somaliska" in shown and "arabiska" in shown  # side by side
        await pilot.press("1")
        await wait_until(pilot, lambda: "Avgjort." in screen_text(app))
        shown = screen_text(app)
        assert "Införda 1" in shown and "konflikter 1" in shown
        assert "avgjort: paketets" in shown
        assert app.screen.query_one("#passphrase", Input).value == ""  # not kept
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v:
        assert PeopleService(v).get(vera).data.language == "arabiska"


def test_the_merges_refusals_are_shown_in_the_users_language() -> None:
    from screens.pack import refusal_text

    assert refusal_text("no access any more (no_access)").startswith("ingen behörighet längre")
    assert "begränsad" in refusal_text("record_restricted")
    assert refusal_text("Ange ett födelseår.") == "Ange ett födelseår."  # a validation's own
