"""Hostile text through every text field of the shelter: stored exactly, shown literally
on the board, the shift log, the turned-away register and the resident's record; the
admission and dialog fields take it as typed without a crash."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

import pytest
from textual.widgets import DataTable, TextArea

from rc_tui.services.people import MAX_TEXT, PersonInput
from rc_tui.services.shelter import AdmissionInput, ShelterService, TurnedAwayInput
from screens.app import RcApp
from screens.components import SafeInput
from screens.person import PersonScreen
from screens.shelter import AdmissionScreen, BoardScreen, ShiftLogScreen, TurnedAwayScreen
from storage.vault import Vault
from tests.conftest import hostile_cases, hostile_ui_cases
from tests.helpers import screen_text, settle, signed_in
from tests.service.test_access import CHEF, CHEF_PASS, SIRI, SIRI_PASS, Family, family  # noqa: F401

NOW = datetime.now().replace(second=0, microsecond=0)
#: the 100 kB case is cut to the longest text a field takes (100,000 characters; a longer
#: one is refused, which tests/service/test_shelter.py checks)
CASES = [(why, text[:MAX_TEXT]) for why, text in hostile_cases() if text.strip()]
SHORT = [(why, text) for why, text in CASES if len(text) <= 200]
#: one case of each kind for the forms (the whole corpus is stored and shown above)
UI_CASES = [(why, text[:MAX_TEXT]) for why, text in hostile_ui_cases() if text.strip()]


def _clean(shown: str) -> None:
    assert not any(ord(c) < 0x20 and c != "\n" for c in shown)
    assert not any(0x7F <= ord(c) < 0xA0 for c in shown)


def _store(family: Family) -> list[int]:
    """Every case into every stored shelter text field, through the services."""
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        chef = ShelterService(v)
        places = [chef.add_place("shelter", text[:200], text[:200]) for _w, text in SHORT[:6]]
        chef.set_out_of_use(places[-1], NOW.date(), None, CASES[0][1])
    residents: list[int] = []
    with Vault.unlock(family.path, SIRI, SIRI_PASS) as v:
        svc = ShelterService(v)
        for index, (why, text) in enumerate(CASES):
            name = text[:200]
            if index < 5:
                result = svc.admit(AdmissionInput(
                    "shelter", PersonInput(alias=name, given_name=name, family_name=name),
                    "self", NOW - timedelta(days=1), place_id=places[index],
                    expected_end=NOW.date() + timedelta(days=3), note=text,
                    children=[PersonInput(alias=name)]))
                residents.append(result.person_id)
                svc.write_entry("shelter", text, person_id=result.person_id)
            else:
                svc.write_entry("shelter", text)
            row = svc.register_turned_away(TurnedAwayInput(
                "shelter", NOW, ["no_place"], "other", contact=name, reach=text,
                reason_note=text, referred_note=text))
            stored = next(r for r in svc.turned_away("shelter") if r.id == row)
            composed = unicodedata.normalize("NFC", text)  # stored composed (NFC)
            assert (stored.contact, stored.reach, stored.referred_note) == (
                unicodedata.normalize("NFC", name.strip()), composed, composed), why
            if index % 2:
                svc.record_turned_away_followup(row, stored.version, "safe", text)
        assert {e.body for e in svc.shift_log("shelter")} == {
            unicodedata.normalize("NFC", t) for _w, t in CASES}
        resident = svc.residents("shelter")[0]
        svc.depart(resident.stay_id, resident.version, NOW, "other", CASES[1][1])
    return residents


async def _walk(pilot: object, app: RcApp, table_id: str, texts: list[str] | None = None
                ) -> None:
    """Show rows one by one (the detail pane draws the selected row's whole text) and check
    what is shown: the first rows, and every row whose text is long or has several lines
    (the short ones differ only in their cells, which the rows above already draw)."""
    table = app.screen.query_one(table_id, DataTable)
    app.screen.set_focus(table)
    if texts is None:
        rows = set(range(table.row_count))
    else:
        special = [i for i, text in enumerate(texts) if len(text) > 200 or "\n" in text]
        assert len(special) >= 3
        rows = {*range(6), *special}
    for row in sorted(rows):
        if row < table.row_count:
            table.move_cursor(row=row)
            await pilot.pause()  # type: ignore[attr-defined]
            _clean(screen_text(app))


async def test_shelter_screens_show_hostile_text_literally(family: Family) -> None:
    residents = _store(family)
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, SIRI, SIRI_PASS)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await _walk(pilot, app, "#board")
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ShiftLogScreen)
        await _walk(pilot, app, "#entries", [e.body for e in app.screen.entries])
        await pilot.press("escape", "v")
        await settle(pilot)
        assert isinstance(app.screen, TurnedAwayScreen)
        await _walk(pilot, app, "#requests", [r.reach for r in app.screen.rows])
        await pilot.press("escape")
        await settle(pilot)
        app.open_person(residents[1])
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        _clean(screen_text(app))


@pytest.mark.parametrize("part", range(2))
async def test_admission_fields_take_hostile_text(family: Family, part: int) -> None:
    """Every case drawn in every field; the long, multi-line, markup, escape and NUL ones
    also saved (the others are stored and shown by the test above)."""
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, SIRI, SIRI_PASS)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AdmissionScreen)
        for why, text in UI_CASES[part::2]:
            for field in ("alias", "given", "family", "year", "when", "days", "children",
                          "note"):
                widget = app.screen.query_one(f"#{field}")
                if isinstance(widget, TextArea):
                    widget.load_text(text)
                else:
                    assert isinstance(widget, SafeInput)
                    widget.value = ""
                    widget.insert_text_at_cursor(text[:widget.max_length or None])
            if len(text) > 200 or "\n" in text or why.startswith(("Rich", "ANSI", "NUL")):
                await pilot.press("ctrl+s")  # refused or saved: never a crash
            await pilot.pause()
            _clean(screen_text(app))
            if not isinstance(app.screen, AdmissionScreen):  # saved: open a new form
                assert isinstance(app.screen, BoardScreen), why
                await pilot.press("n")
                await pilot.pause()
