"""The smaller things a newcomer and a night worker ran into (issue 17, "Why" 10), each
proved where it happens."""

from __future__ import annotations

from textual.widgets import TabbedContent

from screens.app import RcApp
from tests.helpers import login, settle
from tests.service.test_access import (  # noqa: F401 - fixtures
    ANNA,
    ANNA_PASS,
    Family,
    family,
)

TABS = ["overview", "journal", "assessments", "investigation", "plans", "decisions",
        "samrad"]


async def test_tab_number_keys_work_from_every_tab(family: Family) -> None:
    """1 and 7 did nothing on the journal and decisions tabs (the focus stayed in the
    pane left behind, and Textual brought its tab back)."""
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        wrong = []
        for start in "2645":
            for key in "1723":
                await pilot.press(start, key)
                await settle(pilot)
                if tabs.active != TABS[int(key) - 1]:
                    wrong.append((start, key, tabs.active))
        assert wrong == []
