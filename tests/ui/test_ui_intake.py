"""Intake and casework through Pilot, keyboard only, with keystrokes counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from rc_tui.domain.identity import luhn_check_digit
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchService
from screens.app import RcApp
from screens.assessment import AssessmentReadScreen, AssessmentScreen, SignDialog
from screens.case import CaseScreen
from screens.home import HomeScreen
from screens.intake import DuplicateDialog, IntakeScreen
from screens.person import PersonScreen
from screens.search import SearchScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import Text, keys, screen_text, search, settle, signed_in


def pnr(yymmdd: str, serial: str = "123", century: str = "19") -> str:
    return f"{century}{yymmdd}-{serial}{luhn_check_digit(yymmdd + serial)}"


ASA_NO = pnr("850312", "122")


class Keyboard:
    """Types text (not counted) and presses keys (counted), like a person at a keyboard."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.count = 0

    async def text(self, value: str) -> None:
        await keys(self.pilot, Text(value))

    async def keys(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


async def _start(installed: Path, pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await signed_in(pilot, ANNA, ANNA_PASS)
    assert isinstance(pilot.app.screen, HomeScreen)


async def test_minimal_intake_in_few_keystrokes(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        kb = Keyboard(pilot)
        await kb.keys("n")  # new intake
        await pilot.pause()
        assert isinstance(app.screen, IntakeScreen)
        await kb.keys("s")  # channel: self (no referrer field then)
        await kb.text("Ringde själv. Rädd för sin före detta.")
        await kb.keys("ctrl+o")
        await kb.keys("n")  # no immediate danger
        await kb.keys("v")  # role: victim
        await kb.text("Maja")
        await kb.keys("enter")
        await kb.text("Testsson")
        await kb.keys("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Maja Testsson" in screen_text(app)
        assert kb.count <= 40
        assert kb.count == 7  # n s ctrl+o n v enter ctrl+s


async def test_family_intake_consent_reports_journal_and_search(installed: Path) -> None:
    """The newcomer's task: a family with a victim, a perpetrator and two children,
    consent, child reports, journal notes, and finding it all again – keyboard only."""
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        kb = Keyboard(pilot)
        await kb.keys("n")
        await pilot.pause()
        await kb.keys("p")  # referred by the police
        await kb.text("Polisen Malmö")
        await kb.keys("enter")
        await kb.text("Larm om bråk i lägenheten, barnen hemma.")
        await kb.keys("ctrl+o", "n")
        members = [  # the legal gender each number encodes is the one wanted here
            ("v", "Åsa", "Öberg", ASA_NO, "female"),
            ("u", "Bengt", "Öberg", pnr("820101", "455"), "male"),
            ("b", "Ella", "Öberg", pnr("160405", "242", "20"), "female"),
            ("b", "Leo", "Öberg", pnr("190817", "351", "20"), "male"),
        ]
        for role, given, family, ident, _gender in members:
            await kb.keys(role)
            await kb.text(given)
            await kb.keys("enter")
            await kb.text(family)
            await kb.keys("enter", "enter")  # family name, (no) alias
            await kb.text(ident)
            await kb.keys("enter")  # a valid number: its legal gender taken, person added
            await pilot.pause()
        assert [m.person.gender for m, _n in app.screen.members if m.person] == [
            gender for *_rest, gender in members]
        await kb.keys("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        intake_keys = kb.count
        # n, p, Enter, Ctrl+O, n; five per person (role, four Enters); Ctrl+S (was 30)
        assert intake_keys <= 26, intake_keys
        shown = screen_text(app)
        for name in ("Åsa Öberg", "Bengt Öberg", "Ella Öberg", "Leo Öberg"):
            assert name in shown
        # open the victim (first row), record consent to investigation by keyboard
        await kb.keys("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        await kb.keys("c", "u", "l", "m", "ctrl+s")
        await settle(pilot)
        assert "utredning: lämnat, muntligt" in screen_text(app)
        # information exchange with the police and the health service, in one dialog
        await kb.keys("c", "i", "1", "2", "enter", "l", "s", "ctrl+s")
        await settle(pilot)
        shown = screen_text(app)
        assert "informationsutbyte – polis: lämnat, skriftligt" in shown
        assert "informationsutbyte – hälso- och sjukvård: lämnat, skriftligt" in shown
        # a journal note, signed
        await kb.keys("j", "t")  # new note, type phone call
        await kb.text("Samtal om skyddsplan och säkra tider.")
        await kb.keys("ctrl+t", "j")  # sign? j – one key more than before the question
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        # open the person 1, two consents 13 (the second names two agencies: 1 2 Enter),
        # the note 2, signing 2 (was 1: Ctrl+T alone)
        assert kb.count - intake_keys == 18
        assert "Samtal om skyddsplan" in screen_text(app)
        await kb.keys("escape")
        await settle(pilot)
        # child reports for both children
        for row in (2, 3):
            assert isinstance(app.screen, CaseScreen)
            table = app.screen.query_one("#members")
            table.move_cursor(row=row)
            await kb.keys("enter")
            await settle(pilot)
            await kb.keys("o", "a", "enter")  # report made, date as proposed
            await kb.text("Barnenheten")
            await kb.keys("enter")
            await kb.text("Barnet var hemma vid våldet.")
            await kb.keys("enter")
            await settle(pilot)
            assert "anmälan gjord" in screen_text(app)
            await kb.keys("escape")
            await settle(pilot)
        # find everything again by search
        for query, expected in (("öberg", "Bengt Öberg"), ("skyddsplan", "Åsa Öberg"),
                                (ASA_NO[2:], "Åsa Öberg"), ("RC-2026", "RC-")):
            await kb.keys("ctrl+f")
            await pilot.pause()
            assert isinstance(app.screen, SearchScreen)
            await search(pilot, query, typed=query == "öberg")
            assert expected in screen_text(app), query
            await kb.keys("escape")
            await pilot.pause()
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        hits = SearchService(v).search("skyddsplan")
        assert hits and hits[0].title == "Åsa Öberg"
        assert RecordService(v).journal(hits[0].person_id)[0].signed


async def test_immediate_danger_leads_to_protection_and_screening(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        kb = Keyboard(pilot)
        await kb.keys("n")
        await pilot.pause()
        await kb.keys("s")
        await kb.text("Hotad med kniv i natt.")
        await kb.keys("ctrl+o", "j", "v")
        await kb.text("Sara")
        await kb.keys("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AssessmentScreen)
        assert "ring 112" in screen_text(app)
        await kb.keys("j", "n", "j", "?", "n", "j", "n")  # seven answers, auto-advancing
        await settle(pilot)
        # everything answered: on to the summary judgement (threat to kill is critical)
        assert isinstance(app.screen, SignDialog)
        assert "Poängen föreslår: hög" in screen_text(app)
        await kb.keys("h")
        await kb.text("Hot med kniv i natt, rädd för sitt liv.")
        await kb.keys("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AssessmentReadScreen)
        assert "Hot med kniv i natt" in screen_text(app)
        await kb.keys("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)


async def test_duplicate_offers_the_existing_person(installed: Path) -> None:
    number = pnr("900101")
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        for attempt in range(2):
            await pilot.press("n")
            await pilot.pause()
            await keys(pilot, "s", "ctrl+o", "n", "v", Text("Klara"), "enter", Text("Berg"),
                       "enter", "enter", Text(number), "enter")  # the number's gender: added
            await settle(pilot)
            if attempt == 1:
                assert isinstance(app.screen, DuplicateDialog)
                assert "Klara Berg" in screen_text(app)
                await pilot.press("enter")  # use the existing person
                await settle(pilot)
                assert "befintlig person" in screen_text(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            await pilot.press("escape")
            await settle(pilot)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        hits = [h for h in SearchService(v).search("Klara") if h.kind == "person"]
        assert len(hits) == 1


async def test_invalid_identity_number_and_age_warning_in_the_form(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        await pilot.press("n")
        await pilot.pause()
        bad = pnr("850312")[:-1] + "0"
        if bad == pnr("850312"):
            bad = bad[:-1] + "1"
        await keys(pilot, "s", "ctrl+o", "n", "v", Text("Ida"), "enter", "enter", "enter",
                   Text(bad), "enter", "k")
        await settle(pilot)
        assert "Kontrollsiffran" in screen_text(app)
        assert app.screen.members == []
        field = app.screen.query_one("#m-id")
        field.value = "2014"
        app.screen.set_focus(app.screen.query_one("#m-gender"))
        await pilot.press("k")
        await settle(pilot)
        assert len(app.screen.members) == 1
        assert "13 år" in screen_text(app) or "18+" in screen_text(app)


async def test_number_gender_is_shown_and_one_key_chooses_another(installed: Path) -> None:
    """A valid number fills the gender field with its legal gender (and says so); a
    gender key typed in the number field chooses another; Enter then adds the person. A
    birth year gives no gender: Enter goes on to the gender field."""
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        await pilot.press("n")
        await pilot.pause()
        await keys(pilot, "s", "ctrl+o", "n", "v", Text("Kim"), "enter", Text("Ek"), "enter",
                   "enter", Text(pnr("900101", "122")))
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#m-gender").value == "female"
        assert "Kön från personnumret: kvinna/flicka" in screen_text(app)
        await pilot.press("m")  # in the number field: another gender, not a character
        await settle(pilot)
        assert screen.query_one("#m-id").value == pnr("900101", "122")
        assert screen.query_one("#m-gender").value == "male"
        await pilot.press("enter")
        await settle(pilot)
        assert [m.person.gender for m, _n in screen.members if m.person] == ["male"]
        await keys(pilot, "b", Text("Lo"), "enter", Text("Ek"), "enter", "enter",
                   Text("2019"), "enter")
        await settle(pilot)
        assert screen.focused is screen.query_one("#m-gender")
        assert len(screen.members) == 1


async def test_intake_burst_with_identity_numbers(installed: Path) -> None:
    """Two persons with identity numbers typed in one read: the Enter after each number
    adds that person (gender from the number), the next role key starts the next one."""
    from tests.ui.test_typeahead import burst

    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start(installed, pilot)
        await pilot.press("n")
        await settle(pilot)
        await burst(pilot, "s", "ctrl+o", "n",
                    "v", *"Eva", "enter", *"Ek", "enter", "enter", *pnr("900101", "122"),
                    "enter",
                    "u", *"Olle", "enter", *"Ek", "enter", "enter", *pnr("880202", "131"),
                    "enter")
        await settle(pilot)
        members = [(m.role, m.person.given_name, m.person.gender)
                   for m, _n in app.screen.members if m.person]
        assert members == [("victim", "Eva", "female"), ("perpetrator", "Olle", "male")]
