"""Drafts: every form's input kept in the encrypted database as it is typed – a lock, a
hang-up (SIGHUP) or a killed process (SIGKILL) loses at most a few seconds, and the next
login offers the draft back; a draft is its user's alone and follows the need-to-know."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from rc_tui.services.drafts import DraftService
from rc_tui.services.home import HomeService
from screens.app import RcApp
from screens.components import KeyChoice, SafeInput, SafeTextArea
from screens.home import HomeScreen
from screens.intake import IntakeScreen
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import login, screen_text, settle, signed_in, type_text
from tests.service.test_access import (  # noqa: F401 - fixtures
    PER,
    PER_PASS,
    Family,
    as_user,
    family,
)
from tests.system.test_pty import PtyApp

Login = Callable[[str, str], Vault]


def test_drafts_are_the_users_own_and_follow_need_to_know(family: Family,
                                                          as_user: Login) -> None:
    anna = DraftService(as_user(ANNA, ANNA_PASS))
    anna.save("note", f"{family.victim}:new", family.victim, {"body": "Halvskriven"})
    anna.save("intake", "", None, {"what": "Ringde <b>[bold]x[/]</b>\x00"})
    anna.save("intake", "", None, {"what": "Ringde igen"})  # replaces, one draft a form
    assert anna.get("intake", "")
    assert anna.get("intake", "").state == {"what": "Ringde igen"}  # type: ignore[union-attr]
    assert {d.form for d in anna.mine()} == {"note", "intake"}
    due = [d for d in HomeService(as_user(ANNA, ANNA_PASS)).due_items() if d.kind == "draft"]
    assert len(due) == 2 and {d.person_id for d in due} == {family.victim, None}
    # per works with the perpetrator: sees none of anna's drafts, and may not even start
    # one about the victim (no access to her)
    per = DraftService(as_user(PER, PER_PASS))
    assert per.mine() == [] and per.get("intake", "") is None
    per.save("note", f"{family.victim}:new", family.victim, {"body": "x"})
    assert per.mine() == []
    anna.discard("note", f"{family.victim}:new")
    assert [d.form for d in anna.mine()] == ["intake"]
    with as_user(ANNA, ANNA_PASS).session() as s:
        logged = s.execute(text("SELECT action FROM access_log WHERE record_type = 'draft'")
                           ).scalars().all()
    assert logged.count("create") == 2 and "view" in logged  # not every autosave


async def test_an_intake_survives_a_lock_and_comes_back(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("p")  # police
        app.screen.query_one("#what", SafeTextArea).insert("Grannen hörde skrik.")
        app.screen.set_focus(app.screen.query_one("#danger"))
        await pilot.press("n", "v")
        await type_text(pilot, "Rosa")
        await pilot.press("enter", "enter", "enter", "enter", "k")  # Rosa added
        await pilot.press("u")  # the next person: a perpetrator, half typed
        await type_text(pilot, "Ove")
        await pilot.press("ctrl+l")  # locked before saving: the draft is kept
        await settle(pilot)
        await login(pilot, ANNA, ANNA_PASS)
        assert isinstance(app.screen, HomeScreen)
        assert "Oavslutat: ny aktualisering" in screen_text(app), screen_text(app)
        await pilot.press("enter")  # the draft is the first due item
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        assert form.query_one("#channel", KeyChoice).value == "police"
        assert form.query_one("#what", SafeTextArea).text == "Grannen hörde skrik."
        assert [name for _m, name in form.members] == ["Rosa"]
        assert form.query_one("#m-given", SafeInput).value == "Ove"
        await pilot.press("escape")  # back: the draft is kept
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen)
        assert form.query_one("#m-given", SafeInput).value == "Ove"
        await pilot.press("ctrl+d", "j")  # discarded on purpose (after the question)
        await settle(pilot)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        assert DraftService(v).mine() == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")
@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGKILL])
def test_a_dropped_connection_or_killed_process_loses_no_draft(installed: Path,
                                                                sig: signal.Signals) -> None:
    app = PtyApp(installed)
    try:
        app.wait_for("Logga in")
        app.type(ANNA + "\r")
        app.type(ANNA_PASS + "\r")
        app.wait_for("Mina öppna ärenden")
        app.type("n")
        app.wait_for("Kontaktväg")  # the intake form is open
        app.type("p")  # police; the referrer field is next
        app.type("Hot via sms")
        app.wait_for("Hot via sms")
        time.sleep(3)  # the autosave runs every two seconds
        app.proc.send_signal(sig)
        app.proc.wait(20)
    finally:
        app.close()
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        (draft,) = DraftService(v).mine()
        assert draft.form == "intake" and draft.state["referrer"] == "Hot via sms"
        assert draft.state["channel"] == "police"
        assert v.check().ok


#: (draft form, keys from the home screen – each with the text to wait for after it –,
#: the text typed into the dialog, its field): the dialogs whose text had no draft
DIALOG_PATHS = [
    ("add_member", [("\t\r", "Aktualiseringar"), ("a", "Lägg till person i ärendet"),
                    ("b", "")], "Lisa", "given"),
    ("assessment_text", [("\t\r", "Aktualiseringar"), ("\r", "Översikt"),
                         ("a", "välj instrument"), ("\r", "Akut fara"), ("e", "Underlag:")],
     "Hotade henne i telefon", "text"),
    ("assessment_sign", [("\t\r", "Aktualiseringar"), ("\r", "Översikt"),
                         ("a", "välj instrument"), ("\r", "Akut fara"),
                         ("nnnnnnn", "Motivering"), ("l", "")],
     "Inget akut just nu", "rationale"),
]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pty and signals")
@pytest.mark.parametrize(("form", "path", "typed", "field"), DIALOG_PATHS,
                         ids=[d[0] for d in DIALOG_PATHS])
def test_a_hangup_with_a_dialog_open_loses_nothing(family: Family, form: str,
                                                    path: list[tuple[str, str]], typed: str,
                                                    field: str) -> None:
    app = PtyApp(family.path)
    try:
        app.wait_for("Logga in")
        app.type(ANNA + "\r")
        app.type(ANNA_PASS + "\r")
        app.wait_for("Mina öppna ärenden")
        app.settle()
        for keys, then in path:
            mark = app.mark()
            app.type(keys)
            if then:
                app.wait_for(then, start=mark)
            app.settle()
        mark = app.mark()
        app.type(typed)
        app.wait_for(typed[-6:], start=mark)
        app.proc.send_signal(signal.SIGHUP)  # at once: no autosave has run
        assert app.proc.wait(20) == 0
    finally:
        app.close()
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        drafts = {d.form: d for d in DraftService(v).mine()}
    assert drafts[form].state[field] == typed
