"""No English in the Swedish UI: the footer's command key, the crash message and the
licence line of rc-tui's own instruments go through the catalogue."""

from __future__ import annotations

from pathlib import Path

from rc_tui import i18n
from rc_tui.domain.instruments.library import load_library
from screens.app import RcApp
from screens.assessment.chooser import SHIPPED_LICENCE, licence_text
from tests.helpers import screen_text, settle


async def test_footer_names_the_command_palette_in_swedish(tmp_path: Path) -> None:
    app = RcApp(tmp_path / "none" / "rc.db", lang="sv")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Alla åtgärder" in footer, footer  # the key bar's own name for it
        assert "palette" not in footer


def test_crash_message_in_swedish(tmp_path: Path) -> None:
    app = RcApp(tmp_path / "none" / "rc.db", lang="sv")
    try:
        raise ValueError("secret case text")
    except ValueError as exc:
        report = str(app.crash_report(exc))
    assert report.startswith("rc-tui avslutades efter ett internt fel (ValueError).")
    assert "secret" not in report


def test_shipped_instruments_licence_line_in_swedish(tmp_path: Path) -> None:
    i18n.set_language("sv")
    try:
        library = load_library(tmp_path / "no-organisation-folder")
        assert library.instruments
        for inst in library.instruments.values():
            assert inst.licence == SHIPPED_LICENCE  # shipped: translated where shown
            assert licence_text(inst).startswith("rc-tui:s egen formulering")
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
