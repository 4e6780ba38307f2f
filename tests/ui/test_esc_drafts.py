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
from screens.base import FormMixin
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
from tests.helpers import paste, screen_text, settle, signed_in, wait_until
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


TYPED = "Halvskrivet <b>[bold]x[/]</b>"


def _kept(family: Family) -> list[str]:
    """What is wrong with the drafts kept of ``FORMS``: each form has exactly one, holding
    what was typed into its field (a line per form that has not)."""
    drafts = _drafts(family)
    wrong = []
    for name, _make, field in FORMS:
        mine = [d for d in drafts if d.form == name]
        if len(mine) != 1 or mine[0].state.get(field) != TYPED:
            wrong.append(f"{name}: drafts {[d.state for d in mine]!r}")
    return wrong


async def test_esc_keeps_what_was_typed_on_every_form(family: Family) -> None:
    """Each form in turn, in one session: typed into, left with Esc, opened again (the
    text is back), left again; afterwards each form has its draft, and the home screen's
    due list offers the intake's."""
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        for name, make, field in FORMS:
            form = await _open(pilot, app, make(family), field)
            await paste(pilot, TYPED)
            assert _value(form.query_one(f"#{field}")) == TYPED, name
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is not form, name
            # the form opened again has it back
            again = await _open(pilot, app, make(family), field)
            assert _value(again.query_one(f"#{field}")) == TYPED, name
            await pilot.press("escape")
            await settle(pilot)
        # the home due list leads back to the kept intake
        assert isinstance(app.screen, HomeScreen)
        assert "Oavslutat: ny aktualisering" in screen_text(app), screen_text(app)
    assert _kept(family) == []


async def test_a_hangup_keeps_what_was_typed_on_every_open_form(
        family: Family, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every form open at once, one over the other, each with text typed into it: one
    hang-up keeps them all. (No autosave meanwhile: what is kept is the hang-up's.)"""
    monkeypatch.setattr(FormMixin, "DRAFT_SECONDS", 3600.0)
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        for name, make, field in FORMS:
            form = await _open(pilot, app, make(family), field)
            await paste(pilot, TYPED)
            assert _value(form.query_one(f"#{field}")) == TYPED, name
        # nothing written yet: what is kept below is what the hang-up saved
        assert [d.form for d in _drafts(family)] == []
        app.hangup()  # what SIGHUP runs (the pty test proves the signal's wiring)
        await pilot.pause()
    assert _kept(family) == []


async def test_ctrl_d_discards_only_after_a_yes(family: Family) -> None:
    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
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


def _notes(family: Family, body: str) -> list[Any]:
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        return [n for n in RecordService(v).journal(family.victim) if n.body == body]


async def test_signing_a_note_asks_once(family: Family) -> None:
    """No and Esc leave the form as it was, nothing saved; yes signs it (each answer to
    the question in turn, in one session)."""
    app = RcApp(family.path)
    body = "Samtal om skyddsplan."
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        form = await _open(pilot, app, NoteScreen(family.victim), "body")
        form.query_one("#type").choose("phone")
        await paste(pilot, body)
        for answer in ("n", "escape", "j"):
            await pilot.press("ctrl+t")
            await settle(pilot)
            assert isinstance(app.screen, AskDialog), answer
            assert app.screen.question == "Signera? j/n"
            await pilot.press(answer)
            await settle(pilot)
            if answer == "j":
                assert app.screen is not form
            else:
                assert app.screen is form and form.query_one("#body").text == body, answer
                assert _notes(family, body) == [], answer
    assert [n.signed for n in _notes(family, body)] == [True]


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
        await signed_in(pilot, ANNA, ANNA_PASS)
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


async def test_signing_a_draft_note_from_the_journal_asks_once(family: Family) -> None:
    """No leaves the note a draft, yes signs it (one answer after the other)."""
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        note_id = RecordService(v).add_note(family.victim, "phone", "Utkast att signera.")

    def signed() -> bool:
        (note,) = [n for n in _notes(family, "Utkast att signera.") if n.id == note_id]
        return note.signed

    app = RcApp(family.path)
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot, ANNA, ANNA_PASS)
        app.open_person(family.victim, tab="journal")
        await settle(pilot)
        await pilot.press("2")  # the journal tab, the newest note selected
        await settle(pilot)
        for answer in ("n", "j"):
            await pilot.press("s", answer)  # in one go: the answer lands in the question
            await settle(pilot)
            assert not isinstance(app.screen, AskDialog), answer
            assert signed() is (answer == "j"), answer
