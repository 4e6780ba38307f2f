"""The board's statistics through Pilot: the manager's R on the home screen opens them at
80×24, a period typed in is read, and in low-bandwidth mode the bars are ASCII. The key is
not offered to a caseworker."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from screens.app import RcApp
from screens.document import DocumentDialog
from screens.home import HomeScreen
from screens.statistics import StatisticsScreen, bar, chart, stacked
from storage.models import Case, Intake, Person
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, MANAGER, MANAGER_PASS
from tests.helpers import paste, screen_text, settle, signed_in, wait_until


def _intakes(s: Session) -> None:
    case = Case(case_number="S-9", opened_at=datetime(2025, 3, 1))
    s.add(case)
    s.flush()
    for i in range(7):
        s.add(Intake(case_id=case.id, contact_person_id=_person(s),
                     channel="police", occurred_at=datetime(2025, 3, 1 + i),
                     created_at=datetime(2025, 3, 1)))


def _person(s: Session) -> int:
    p = Person(given_name="Y", created_at=datetime(2025, 3, 1), updated_at=datetime(2025, 3, 1))
    s.add(p)
    s.flush()
    return p.id


async def test_the_manager_reads_a_period_at_80_by_24(installed: Path) -> None:
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session(write=True) as s:
        _intakes(s)
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, MANAGER, MANAGER_PASS)
        assert isinstance(app.screen, HomeScreen)
        app.low_bandwidth = True
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, StatisticsScreen)
        field = app.screen.query_one("#period")
        field.value = ""  # type: ignore[attr-defined]
        await paste(pilot, "2025-Q1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "2025-Q1 jämfört med 2024-Q1" in screen_text(app))
        text = app.screen.query_one("#stats").render()
        shown = str(text)
        assert "Aktualiseringar per kontaktväg" in shown
        assert "#" * 20 in shown and "█" not in shown  # seven police intakes: one full bar
        # the tables fit 80 columns (the explanation above them wraps)
        too_wide = [line for line in shown.splitlines()[1:] if len(line) > 78]
        assert not too_wide
        # the charts: March's seven police intakes as the longest bar of the months, in
        # the police's mark (ASCII in low bandwidth)
        assert "Diagram" in shown and any(
            line.startswith("  mar") and line.endswith("=" * 40) for line in shown.splitlines())
        assert "= polis" in shown
        # the report for the board leaves through the document dialog
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DocumentDialog))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, StatisticsScreen)
        assert "statistik" not in screen_text(app).lower()


def test_a_hidden_count_gets_no_bar() -> None:
    assert bar("<5", 10, ascii_only=True) == "" and bar("x", 10, ascii_only=False) == ""
    assert bar("10", 10, ascii_only=True) == "#" * 20 and bar("5", 10, ascii_only=False) == "█" * 10
    assert bar("1.5", 3.0, ascii_only=True) == "#" * 10 and bar("0", 3.0, ascii_only=True) == ""
    lines = chart("t", [("jan", "7"), ("feb", "<5"), ("mar", "x"), ("apr", "3.5")],
                  ascii_only=True, width=40)
    assert lines[1].endswith("#" * 23) and lines[2].endswith("<5") and lines[3].endswith("x")
    assert all(len(line) <= 40 for line in lines)


def test_stacked_bars_draw_only_shown_counts() -> None:
    from rc_tui.services.statistics import StatCells, StatTable

    cells = StatCells((("10", "x", "<5"), ("20", "10", "0")), ("x", "30"), ("x", "x", "x"), "x")
    t = StatTable("m", "t", ("jan", "feb"), ("a", "b", "c"), cells, cells, cells)
    jan, feb, legend, _blank = stacked(t, "title", ascii_only=True, width=40)[1:]
    # January's total is hidden: its one shown count still gets its segment
    assert jan.split() == ["jan", "x", "#" * 8]  # 23 columns for 30
    assert feb.split() == ["feb", "30", "#" * 15 + "=" * 8]
    assert legend.split() == ["#", "a", "=", "b"]  # no mark for a column never drawn
