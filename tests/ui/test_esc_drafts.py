"""Esc means one thing: back, keeping a draft – on every form and dialog with typed text.
Discarding is Ctrl+D with a question; a hang-up with any of them open loses nothing; acts
that cannot be undone ask once; the autosave never waits for the write lock on the UI
thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from rc_tui.services.drafts import DraftService
from rc_tui.services.records import RecordService
from screens.app import RcApp
from screens.assessment.entry_dialog import EntryDialog
from screens.assessment.text_dialog import TextDialog
from screens.case import AddMemberDialog
from screens.casework.close_dialog import CloseDialog
from screens.casework.decision import DecisionScreen
from screens.casework.plan_item_dialog import PlanItemDialog
from screens.confirm import AskDialog
from screens.home import HomeScreen
from screens.intake import IntakeScreen
from screens.person.consent_dialog import ConsentDialog
from screens.person.note import NoteScreen
from screens.samrad.action_dialog import ActionDialog
from screens.samrad.participant_dialog import ParticipantDialog
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import login, paste, settle, wait_until
from tests.service.test_access import Family, family  # noqa: F401 - fixture

#: (form name, factory, the text field typed into)
FORMS: list[tuple[str, Callable[[Family], Any], str]] = [
    ("intake", lambda f: IntakeScreen(), "referrer"),
    ("note", lambda f: NoteScreen(f.victim), "body"),
    ("decision", lambda f: DecisionScreen(f.victim, f.case_id), "reasons"),
    ("consent", lambda f: ConsentDialog(f.victim), "note"),
    ("plan_item", lambda f: PlanItemDialog(f.victim, f.case_id, None, []), "text"),
    ("assessment_entry", lambda f: EntryDialog(
        "factor", None, draft_key=("7:factor:-1", f.victim)), "f-title"),
    ("assessment_text", lambda f: TextDialog("Evidence", "", draft_key=("7:a-1", f.victim)),
     "text"),
    ("samrad_participant", lambda f: ParticipantDialog(draft_key=("3", None)), "role"),
    ("samrad_action", lambda f: ActionDialog(1, draft_key=(f"3:{f.victim}", f.victim)),
     "what"),
    ("add_member", lambda f: AddMemberDialog(f.case_id), "given"),
    ("close", lambda f: CloseDialog("Close", lambda r: None,
                                    draft_key=(f"case{f.case_id}", None)), "reason"),
]


async def _open(pilot: Any, app: RcApp, form: Any, field: str) -> Any:
    app.push_screen(form)
    await wait_until(pilot, lambda: app.screen is form and bool(form.query(f"#{field}")))
    await settle(pilot)
    form.set_focus(form.query_one(f"#{field}"))
    await pilot.pause()
    return form


def _value(widget: Any) -> str:
    return str(widget.text if hasattr(widget, "text") and not hasattr(widget, "password")
               else widget.value)


def _drafts(family: Family) -> list[Any]:
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        return DraftService(v).mine()


@pytest.mark.parametrize("how", ["escape", "hangup"])
@pytest.mark.parametrize(("name", "make", "field"), FORMS, ids=[f[0] for f in FORMS])
async def test_esc_or_a_hangup_keeps_what_was_typed(family: Family, name: str,
                                                     make: Callable[[Family], Any],
                                                     field: str, how: str) -> None:
    app = RcApp(family.path)
    typed = "Halvskrivet <b>[bold]x[/]</b>"
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        form = await _open(pilot, app, make(family), field)
        await paste(pilot, typed)
        assert _value(form.query_one(f"#{field}")) == typed
        if how == "hangup":  # what SIGHUP runs (the pty test proves the signal's wiring)
            app.hangup()
            await pilot.pause()
        else:
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is not form
            # the form opened again has it back
            again = await _open(pilot, app, make(family), field)
            assert _value(again.query_one(f"#{field}")) == typed
            await pilot.press("escape")
            await settle(pilot)
    (draft,) = [d for d in _drafts(family) if d.form == name]
    assert draft.state[field] == typed


async def test_ctrl_d_discards_only_after_a_yes(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        form = await _open(pilot, app, NoteScreen(family.victim), "body")
        await paste(pilot, "Nästan klar anteckning")
        await pilot.press("escape")  # kept
        await settle(pilot)
        form = await _open(pilot, app, NoteScreen(family.victim), "body")
        assert form.query_one("#body").text == "Nästan klar anteckning"
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        await pilot.press("n")  # no: back in the form, nothing lost
        await settle(pilot)
        assert app.screen is form and form.query_one("#body").text == "Nästan klar anteckning"
        await pilot.press("ctrl+d", "j")  # the answer typed right after the key lands
        await settle(pilot)
        assert app.screen is not form
        await wait_until(pilot, lambda: not app.session.draft_writer().busy)  # type: ignore
    assert [d for d in _drafts(family) if d.form == "note"] == []


async def test_the_home_due_list_leads_back_to_a_kept_intake(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        await _open(pilot, app, IntakeScreen(), "referrer")
        await paste(pilot, "Skolkuratorn")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        from tests.helpers import screen_text

        assert "Oavslutat: ny aktualisering" in screen_text(app), screen_text(app)


@pytest.mark.parametrize("answer", ["n", "escape", "j"])
async def test_signing_a_note_asks_once(family: Family, answer: str) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        form = await _open(pilot, app, NoteScreen(family.victim), "body")
        form.query_one("#type").choose("phone")
        await paste(pilot, "Samtal om skyddsplan.")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        assert app.screen.question == "Signera? j/n"
        await pilot.press(answer)
        await settle(pilot)
        if answer == "j":
            assert app.screen is not form
        else:
            assert app.screen is form and form.query_one("#body").text == \
                "Samtal om skyddsplan."
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        notes = [n for n in RecordService(v).journal(family.victim)
                 if n.body == "Samtal om skyddsplan."]
    assert [n.signed for n in notes] == ([True] if answer == "j" else [])


async def test_the_autosave_never_blocks_typing_while_another_writer_holds_the_lock(
        family: Family, monkeypatch: pytest.MonkeyPatch) -> None:
    app = RcApp(family.path)
    held, release = threading.Event(), threading.Event()
    writers: list[threading.Thread] = []
    save = DraftService.save

    def recorded(self: DraftService, *args: Any) -> None:
        writers.append(threading.current_thread())
        save(self, *args)

    monkeypatch.setattr(DraftService, "save", recorded)

    def hold_the_write_lock() -> None:
        with Vault.unlock(family.path, ANNA, ANNA_PASS) as other, \
                other.session(write=True) as s:
            s.execute(text("SELECT 1"))
            held.set()
            release.wait(30)

    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        form = await _open(pilot, app, IntakeScreen(), "referrer")
        await paste(pilot, "Polisen")
        holder = threading.Thread(target=hold_the_write_lock)
        holder.start()
        try:
            assert held.wait(30)
            form.flush_draft()  # the autosave tick, while the lock is held elsewhere
            writer = app.session.draft_writer()  # type: ignore[union-attr]
            await pilot.press(*" i Malmö")  # typing goes on...
            assert form.query_one("#referrer").value == "Polisen i Malmö"
            assert writer.busy  # ...while the draft still waits for the lock
        finally:
            release.set()
            holder.join(30)
        assert writer.wait_idle(30)  # written once the lock is free
        assert writers and threading.main_thread() not in writers  # never on the UI thread
        (draft,) = [d for d in _drafts(family) if d.form == "intake"]
        # what was queued when the lock was free again: the flushed text, or a later tick's
        # (a slow machine types " i Malmö" over more than one autosave interval)
        assert draft.state["referrer"].startswith("Polisen")
        assert "Polisen i Malmö".startswith(draft.state["referrer"])


@pytest.mark.parametrize("answer", ["n", "j"])
async def test_signing_a_draft_note_from_the_journal_asks_once(family: Family,
                                                               answer: str) -> None:
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        note_id = RecordService(v).add_note(family.victim, "phone", "Utkast att signera.")
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim, tab="journal")
        await settle(pilot)
        await pilot.press("2")  # the journal tab, the newest note selected
        await settle(pilot)
        await pilot.press("s", answer)  # in one go: the answer lands in the question
        await settle(pilot)
        assert not isinstance(app.screen, AskDialog)
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        (note,) = [n for n in RecordService(v).journal(family.victim) if n.id == note_id]
    assert note.signed is (answer == "j")
