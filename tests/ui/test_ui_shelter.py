"""The shelter by keyboard in an 80×24 terminal: a night shift (handover, admission of an
anonymous woman with two children, a shift-log entry about her, the handover marked read,
a request the shelter could not meet), and the compartments as a user sees them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from rc_tui.services.home import HomeService
from rc_tui.services.people import PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.shelter import AdmissionInput, ShelterService
from screens.app import RcApp
from screens.home import HomeScreen
from screens.person import PersonScreen
from screens.shelter import AdmissionScreen, BoardScreen, ShiftLogScreen, TurnedAwayScreen
from storage.models import Stay
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, enrol
from tests.helpers import screen_text, settle, signed_in, type_text, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    PER,
    PER_PASS,
    SIRI,
    SIRI_PASS,
    VICTIM_ADDRESS,
    Family,
    family,
)

SIZE = (80, 24)


def _places_and_handover(family: Family) -> dict[str, int]:
    enrol(family.path, "dagny", "Dagny", Role.SHELTER, "dagpersonalens fras")
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        svc = ShelterService(v)
        ids = {label: svc.add_place("shelter", room, label)
               for room, label in (("Rum 1", "1A"), ("Rum 2", "2A"))}
    with Vault.unlock(family.path, "dagny", "dagpersonalens fras") as v:
        ShelterService(v).write_entry("shelter", "Larmet byttes i dag.")
    return ids


async def test_a_night_shift_by_keyboard_at_80x24(family: Family) -> None:
    _places_and_handover(family)
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, SIRI, SIRI_PASS)
        assert isinstance(app.screen, HomeScreen)
        assert "Överlämning: 1" in screen_text(app)  # the handover is on the due list
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert "2 av 2 platser lediga" in screen_text(app)
        # admission: alias only, via police, the first free place, two children
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Rosen")
        await pilot.press("enter", "enter", "enter", "enter", "p", "1", "enter")
        await type_text(pilot, "30")
        await pilot.press("enter")
        await type_text(pilot, "Son, 2019")
        await pilot.press("enter")
        await type_text(pilot, "Dotter, 2021")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen), screen_text(app)
        board = screen_text(app)
        assert "«Rosen» + 2 barn" in board and "1 av 2 platser lediga" in board
        # the shift log: write about her, then the handover read
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ShiftLogScreen)
        assert "1 oläst (" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("1")  # about the first resident: Rosen
        await type_text(pilot, "Sover nu.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        log = screen_text(app)
        assert "allt är läst" in log and "Sover nu." in log
        # the turned-away register: nobody without a follow-up
        await pilot.press("escape", "v")
        await settle(pilot)
        assert isinstance(app.screen, TurnedAwayScreen)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Mira")
        await pilot.press("enter", "enter", "p", "enter", "enter", "s", "enter")
        await type_text(pilot, "Sms")
        await pilot.press("enter")
        await settle(pilot)
        register = screen_text(app)
        assert isinstance(app.screen, TurnedAwayScreen), register
        assert "1 förfrågan (" in register and "Mira" in register
    with Vault.unlock(family.path, SIRI, SIRI_PASS) as v:
        due = HomeService(v).due_items()
        kinds = sorted(d.kind for d in due)
        assert kinds.count("child_report") == 2 and kinds.count("shelter_plan") == 3
        assert "turned_away" in kinds and "investigation_start" in kinds
        assert "handover" not in kinds
        woman = ShelterService(v).residents("shelter")[0]
        assert woman.name == "«Rosen»" and len(woman.children) == 2
        notes = RecordService(v).journal(woman.person_id)
        assert [n.body for n in notes] == ["Sover nu."]


async def test_a_stay_is_not_seen_from_the_perpetrators_side(family: Family) -> None:
    ids = _places_and_handover(family)
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        ShelterService(v).admit(AdmissionInput(
            "shelter", None, "police", datetime.now() - timedelta(hours=1),
            place_id=ids["2A"], existing_person_id=family.victim))
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        await pilot.press("s", "t")  # no shelter board for the perpetrator service…
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)  # …only its own temporary housing
        assert "2A" not in screen_text(app)
        for person in (family.victim, family.perpetrator):
            app.open_person(person)
            await settle(pilot)
            assert isinstance(app.screen, PersonScreen)
            shown = screen_text(app)
            for secret in ("2A", "Skyddat boende", "skyddat boende", "polis", VICTIM_ADDRESS):
                assert secret not in shown, (person, secret)
            await pilot.press("escape")
    # the victim's own caseworker sees the stay on her record
    app = RcApp(family.path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim)
        await settle(pilot)
        assert "plats 2A" in screen_text(app)


async def test_arrival_departure_and_its_follow_up_by_keyboard(family: Family) -> None:
    ids = _places_and_handover(family)
    with Vault.unlock(family.path, SIRI, SIRI_PASS) as v:
        svc = ShelterService(v)
        svc.admit(AdmissionInput("shelter", PersonInput(alias="Ros"), "self",
                                 datetime.now() - timedelta(days=2), place_id=ids["1A"]))
        # planned for the start of this hour: today at any time of day (two hours ahead
        # was tomorrow from 22:00, and the board marks only today's arrivals)
        svc.admit(AdmissionInput("shelter", PersonInput(alias="Vilja"), "on_call",
                                 datetime.now().replace(minute=0, second=0, microsecond=0),
                                 place_id=ids["2A"], planned=True))
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, SIRI, SIRI_PASS)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("down", "k")  # 2A: the planned arrival has come
        await settle(pilot)
        view = app.screen.view
        assert view is not None and [x.state for x in view.lines] == ["occupied"] * 2
        await pilot.press("up", "u")  # 1A: Ros leaves for her own housing
        await settle(pilot)
        await pilot.press("e", "ctrl+s")
        await settle(pilot)
        # the board reads itself again when the dialog has gone: wait until it is drawn
        # (and may read itself once more – a heartbeat – so both are waited for together)
        await wait_until(pilot, lambda: "Flyttat, inte uppföljt" in screen_text(app)
                         and "eget boende" in screen_text(app))
        await pilot.press("f")
        await settle(pilot)
        await type_text(pilot, "Nådd, trygg.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Flyttat, inte uppföljt" not in screen_text(app)
    with Vault.unlock(family.path, SIRI, SIRI_PASS) as v:
        board_view = ShelterService(v).board("shelter")
        assert [r.name for r in board_view.residents] == ["«Vilja»"]
        assert not board_view.residents[0].planned


async def test_a_manager_admits_a_known_woman_by_her_record(family: Family) -> None:
    """A manager (whole record and the shelter board) admits her from her record: her stay
    joins her case. Her own caseworker, who may not see the shelter's places, has no such
    key; shelter staff admit her as new and a manager links the records. (Karin Ek, not
    protected: a protected woman's name a manager reveals first, and then the same.)"""
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        ShelterService(v).add_place("shelter", "Rum 9", "9A")
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, CHEF, CHEF_PASS)
        app.open_person(family.outsider)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, AdmissionScreen))
        await settle(pilot)
        assert app.screen.facility == "shelter"  # type: ignore[attr-defined]
        assert "Karin Ek" in screen_text(app)
        await pilot.press("e", "1", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v, v.session() as s:
        stay = s.scalars(select(Stay)).one()
        assert (stay.person_id, stay.case_id, stay.facility) == (
            family.outsider, family.other_case, "shelter")
    app = RcApp(family.path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await signed_in(pilot, BO, BO_PASS)  # her own caseworker
        app.open_person(family.outsider)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        assert app.screen.check_action("housing", ()) is False
