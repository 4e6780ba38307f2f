"""Snapshot tests of the important screens at 80x24 (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from screens.app import RcApp
from storage.roles import Role
from storage.vault import Vault
from tests.helpers import Text, keys, settle, signed_in

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor is drawn or not depending on when the picture is taken; on a
    loaded machine that made snapshots differ. Here the cursor does not blink."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


def _demo_like(tmp_path: Path) -> Path:
    path = tmp_path / "snap" / "rc.db"
    logins = [("anna", "demo-blå-kanot", "caseworker"), ("admin", "demo-vit-nyckel", "admin")]
    Vault.create(path, "admin", "Demo-Administratör", "demo-vit-nyckel", "chef", "Chef",
                 "chefens snapshot-fras", demo=True, demo_logins=logins).close(None)
    with Vault.unlock(path, "admin", "demo-vit-nyckel") as admin:
        admin.add_user("anna", "Anna Demo-Handläggare", Role.CASEWORKER, "demo-blå-kanot",
                       must_change=False)
    Vault.unlock(path, "chef", "chefens snapshot-fras").close(None)  # enrols anna
    return path


def test_first_run_screen(snap_compare: Any) -> None:
    app = RcApp(Path("/nonexistent/rc-tui-snapshot/rc.db"))
    assert snap_compare(app, terminal_size=SIZE)


def test_login_screen_demo(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE)


def test_home_caseworker(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "anna", "demo-blå-kanot")
        await settle(pilot)

    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE, run_before=run_before)


def test_home_admin_english(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "admin", "demo-vit-nyckel")
        await settle(pilot)

    app = RcApp(_demo_like(tmp_path), lang="en")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_lock_screen(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "anna", "demo-blå-kanot")
        await pilot.press("ctrl+l")
        await settle(pilot)

    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE, run_before=run_before)


def _with_family(tmp_path: Path) -> Path:
    from datetime import datetime

    from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
    from rc_tui.services.people import PersonInput

    path = _demo_like(tmp_path)
    when = datetime(2026, 11, 26, 9, 30)
    with Vault.unlock(path, "anna", "demo-blå-kanot") as v:
        CaseService(v, clock=lambda: when).register_intake(IntakeInput(
            occurred_at=when, channel="police", what_happened="Larm om bråk.",
            immediate_danger=False, referrer_name="Polisen",
            members=[
                MemberInput("victim", PersonInput(given_name="Åsa", family_name="Öberg",
                                                  id_number="19850312-1231",
                                                  protection_level="sekretessmarkering")),
                MemberInput("perpetrator", PersonInput(given_name="Bengt",
                                                       family_name="Öberg")),
                MemberInput("child", PersonInput(alias="Lillebror", birth_year=2019)),
            ]))
    return path


def test_intake_screen(snap_compare: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from datetime import datetime

    import screens.intake

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:  # type: ignore[override]
            return cls(2026, 11, 26, 9, 30)

    monkeypatch.setattr(screens.intake, "datetime", Frozen)

    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "anna", "demo-blå-kanot")
        await pilot.press("n")
        await settle(pilot)
        await keys(pilot, "p", Text("Polisen"), "enter", Text("Hotad i trapphuset."), "ctrl+o",
                   "n", "v")
        await settle(pilot)

    assert snap_compare(RcApp(_demo_like(tmp_path)), terminal_size=SIZE, run_before=run_before)


def test_case_and_person_screens(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "anna", "demo-blå-kanot")
        await pilot.press("tab", "tab")  # due list -> my cases
        pilot.app.open_case(1)
        await settle(pilot)

    assert snap_compare(RcApp(_with_family(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


def test_protected_person_screen(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "anna", "demo-blå-kanot")
        pilot.app.open_person(1)
        await settle(pilot)

    assert snap_compare(RcApp(_with_family(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


def test_assessment_form(snap_compare: Any, tmp_path: Path) -> None:
    """The acute screening: the protection advice first, one key per answer."""
    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "anna", "demo-blå-kanot")
        pilot.app.open_person(1)
        await settle(pilot)
        await pilot.press("3", "a")
        await settle(pilot)
        await pilot.press("enter")  # the acute screening: first for a victim
        await settle(pilot)
        await pilot.press("j", "n")
        pilot.app.screen.flush_draft()  # not timing-dependent: "draft saved"
        await settle(pilot)

    assert snap_compare(RcApp(_with_family(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


def test_shelter_board(snap_compare: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """The night staff's places board: occupied, planned, out of use, free, this week."""
    from datetime import date, datetime

    from rc_tui.services.people import PersonInput
    from rc_tui.services.shelter import AdmissionInput, ShelterService

    day = date(2026, 11, 26)
    monkeypatch.setattr(ShelterService, "today", lambda self: day)
    path = _demo_like(tmp_path)
    with Vault.unlock(path, "admin", "demo-vit-nyckel") as v:
        v.add_user("siri", "Siri Demo-Natt", Role.SHELTER, "siris snapshot-fras",
                   must_change=False)
    with Vault.unlock(path, "chef", "chefens snapshot-fras") as v:  # enrols siri
        chef = ShelterService(v)
        ids = [chef.add_place("shelter", room, bed) for room, bed in (
            ("Rum 1", "1A"), ("Rum 1", "1B"), ("Rum 2", "2A"), ("Rum 3", "3A"))]
        chef.set_out_of_use(ids[3], date(2026, 11, 20), None, "Vattenskada")
    with Vault.unlock(path, "siri", "siris snapshot-fras") as v:
        svc = ShelterService(v, clock=lambda: datetime(2026, 11, 25, 23, 40))
        svc.admit(AdmissionInput(
            "shelter", PersonInput(alias="Rosen"), "police", datetime(2026, 11, 25, 23, 40),
            place_id=ids[0], expected_end=date(2026, 12, 1),
            children=[PersonInput(alias="Son", birth_year=2019)]))
        svc.admit(AdmissionInput(
            "shelter", PersonInput(alias="Maja"), "on_call", datetime(2026, 11, 28, 14, 0),
            place_id=ids[2], planned=True))

    async def run_before(pilot: Any) -> None:
        await signed_in(pilot, "siri", "siris snapshot-fras")
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(RcApp(path), terminal_size=SIZE, run_before=run_before)
