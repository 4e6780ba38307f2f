"""Emergency access and the manager's log review through Pilot, keyboard only."""

from __future__ import annotations

from pathlib import Path

import pypdf
from textual.widgets import DataTable

from rc_tui.services import settings
from screens.app import RcApp
from screens.document import DocumentDialog
from screens.home import HomeScreen
from screens.logreview import LogReviewScreen
from screens.person import EmergencyAccessScreen, PersonScreen
from screens.search import SearchScreen
from storage.vault import Vault
from tests.helpers import Text, keys, screen_text, search, settle, signed_in, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    PERP_NO,
    Family,
    family,
)

REASON = "Jour: polisen ringer om hot i natt"


async def test_emergency_access_then_review(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, BO, BO_PASS)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await search(pilot, PERP_NO)
        assert isinstance(app.screen, SearchScreen)
        shown = screen_text(app)
        assert "Ingen behörighet" in shown and "Bengt" not in shown
        await pilot.press("enter")  # open the first hit
        await settle(pilot)
        assert isinstance(app.screen, EmergencyAccessScreen)
        await keys(pilot, Text("kort"), "enter")
        await settle(pilot)
        assert "minst 10 tecken" in screen_text(app)
        app.screen.query_one("#reason").value = ""
        await keys(pilot, Text(REASON), "enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "Bengt Öberg" in screen_text(app)
        await pilot.press("ctrl+l")
        await settle(pilot)
    app = RcApp(family.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, CHEF, CHEF_PASS)
        assert isinstance(app.screen, HomeScreen)
        await wait_until(pilot, lambda: "Intakt" in screen_text(app))
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, LogReviewScreen)
        await keys(pilot, Text(BO), "enter", "enter", "enter", "enter", Text("emergency"),
                   "enter", "n")
        await settle(pilot)
        table = app.screen.query_one("#log", DataTable)
        assert table.row_count == 1
        shown = screen_text(app)
        assert "NÖDÅTKOMST" in shown and "emergency" in shown
        assert "Bengt Öberg" in shown  # the person by name, not by a database id
        app.screen.set_focus(table)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.row_count == 1
        assert "ja" in screen_text(app)  # reviewed
        # the person's log extract, as an encrypted PDF whose password is shown once
        await pilot.press("ctrl+e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DocumentDialog)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: dialog.issued is not None)
        issued = dialog.issued
        assert issued is not None and issued.path is not None and issued.password
        assert issued.password in screen_text(app)
        reader = pypdf.PdfReader(issued.path)
        assert reader.decrypt(issued.password)
        assert REASON in "".join(page.extract_text() for page in reader.pages)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LogReviewScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "bo" in screen_text(app) and "Månad" in screen_text(app)


async def test_plaintext_only_where_allowed_explicit_warned_and_logged(
        family: Family, tmp_path: Path) -> None:
    """A journal copy goes out encrypted; a plaintext file is offered (F) only once an
    administrator allowed it, after the warning, and is logged."""
    from tests.conftest import ADMIN, ADMIN_PASS
    from tests.service.test_access import ANNA, ANNA_PASS

    with Vault.unlock(family.path, ADMIN, ADMIN_PASS) as v:
        settings.set_plaintext_export(v, True)
    target = tmp_path / "journal.txt"
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.child)
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert not app.screen.check_action("log_extract", ())  # the managers' key
        await pilot.press("x")
        await wait_until(pilot, lambda: "Okrypterad fil" in screen_text(app))
        await pilot.press("f")
        await settle(pilot)
        assert "INTE krypterad" in screen_text(app)
        field = app.screen.query_one("#path")
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DocumentDialog)
    assert target.exists() and "Ella Öberg" in target.read_text(encoding="utf-8")
    from sqlalchemy import text

    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v, v.session() as s:
        assert s.execute(text("SELECT count(*) FROM access_log WHERE action = 'export' "
                              "AND flagged AND person_id = :p AND reason LIKE 'plaintext "
                              "sha256=%'"), {"p": family.child}).scalar()
