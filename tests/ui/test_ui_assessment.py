"""Risk assessments through the screens, by keyboard: every shipped instrument from the
person's Assessments tab to a signed assessment, the history and trend, an organisation's
licensed-style definition, the draft surviving a lock, and hostile evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql
from textual.pilot import Pilot

from rc_tui.domain.instruments.library import load_library
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.people import PersonInput
from screens.app import RcApp
from screens.assessment import (
    AssessmentReadScreen,
    AssessmentScreen,
    EntryDialog,
    InstrumentChooser,
    SignDialog,
    TextDialog,
)
from screens.components import EntryList, KeyChoice, SafeInput, SafeTextArea
from screens.person import PersonScreen
from screens.search import SearchScreen
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import (
    ANNA,
    ANNA_PASS,
    MANAGER,
    MANAGER_PASS,
    Templates,
    build_installed,
    hostile_ui_batches,
)
from tests.helpers import Text, keys, login, screen_text, search, settle, signed_in

WHEN = datetime(2026, 11, 20, 9, 0)
PER, PER_PASS = "per", "pers långa lösenfras"

ORG_DEFINITION = """\
format: 1
id: org-licensed-spj
version: "3.2"
title: {sv: Licensierad SPJ-bedömning, en: Licensed SPJ assessment}
target: perpetrator
licence: "© 2026 Example Risk Institute. Used under licence 17 – do not copy."
training_required: true
judgement:
  - id: acute
    title: {sv: Akut risk, en: Acute risk}
    levels: [low, medium, high]
  - id: imminence
    title: {sv: Närhet i tid, en: Imminence}
    levels:
      - {id: weeks, label: {sv: veckor, en: weeks}}
      - {id: days, label: {sv: dagar, en: days}}
features: [scenarios]
sections:
  - id: history
    title: {sv: Historik, en: History}
    timeframes: [now, background]
    items:
      - id: l1
        type: presence
        text: {sv: "Licensfaktor L1", en: "Licensed factor L1"}
      - id: l2
        type: presence
        text: {sv: "Licensfaktor L2", en: "Licensed factor L2"}
  - id: context
    title: {sv: Sammanhang, en: Context}
    items:
      - id: c1
        type: choice
        text: {sv: "Boendesituation", en: "Housing"}
        options:
          - {id: own, key: o, label: {sv: eget, en: own}}
          - {id: none, key: h, label: {sv: hemlös, en: homeless}}
"""


def _setup(path: Path, templates: Templates) -> tuple[int, int]:
    """The installation at ``path`` with the family of ``_build`` (a copy of the run's
    template, made once). (victim, perp)."""
    def build(target: Path) -> tuple[int, int]:
        templates.copy("installed", target, build_installed)
        return _build(target)

    return templates.copy("assessment-family", path, build)  # type: ignore[no-any-return]


def _build(path: Path) -> tuple[int, int]:
    """A family registered by anna; per assigned to the perpetrator. (victim, perp)."""
    with Vault.unlock(path, "admin", "korrekt hästbatteri") as v:
        v.add_user(PER, "Per Persson", Role.CASEWORKER, PER_PASS, must_change=False)
        v.add_user("chef", "Chef", Role.MANAGER, "chefens långa fras", must_change=False)
    Vault.unlock(path, MANAGER, MANAGER_PASS).close(None)  # enrols them
    with Vault.unlock(path, ANNA, ANNA_PASS) as v:
        result = CaseService(v, clock=lambda: WHEN).register_intake(IntakeInput(
            occurred_at=WHEN, channel="police", what_happened="Hot i hemmet.",
            immediate_danger=False, members=[
                MemberInput("victim", PersonInput(given_name="Vera", family_name="Vik")),
                MemberInput("perpetrator", PersonInput(given_name="Paul", family_name="Vik")),
                MemberInput("child", PersonInput(given_name="Ville", family_name="Vik",
                                                 birth_year=2017)),
            ]))
    with Vault.unlock(path, "chef", "chefens långa fras") as v:
        members = CaseService(v).detail(result.case_id).members
        perp = next(m for m in members if m.role == "perpetrator")
        CaseService(v).assign(perp.member_id, PER)
    return result.person_ids[0], result.person_ids[1]


async def _login_and_open(pilot: Pilot[Any], user: str, phrase: str, name: str) -> None:
    await pilot.pause()
    await signed_in(pilot, user, phrase)
    await _open_person(pilot, name)


async def _open_person(pilot: Pilot[Any], name: str) -> None:
    await pilot.press("ctrl+f")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SearchScreen)
    await search(pilot, name)
    await pilot.press("down", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PersonScreen)


async def _new_assessment(pilot: Pilot[Any], instrument_id: str, targets: set[str],
                          folder: Path | None = None) -> None:
    await pilot.press("3", "a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, InstrumentChooser)
    order = [i.id for i in load_library(folder).for_target(targets)]
    await pilot.press(*(["down"] * order.index(instrument_id)), "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AssessmentScreen)


async def _fill_entry(pilot: Pilot[Any], dialog: EntryDialog) -> None:
    if dialog.kind == "factor":
        await keys(pilot, Text("Ny partner"), "enter", "2", Text("Berättat av grannen"), "ctrl+s")
    elif dialog.kind == "scenario":
        await keys(pilot, Text("Eskalering vid umgänge"), "ctrl+o", "m", Text("Kontaktförbud"),
                   "ctrl+s")
    else:
        await keys(pilot, Text("2026-11-01"), "enter", "4", Text("Slag mot huvudet"), "enter")


def _first_key(screen: Any, choice: KeyChoice) -> str:
    """The first option – except "no" for a yes/no item that is not the first of its
    section, so each section opens its sub-items once and the test stays short."""
    if isinstance(screen, AssessmentScreen) and choice.options[0][1] == "yes":
        item = next(it for wid, it, _k in screen.fields if wid == choice.id)
        section = [it for _w, it, _k in screen.fields if it.section == item.section]
        if section and section[0] is not item and item.depth == 0:
            return "n"
    return choice.options[0][0]


async def answer_everything(pilot: Pilot[Any]) -> None:
    """Answer every item shown with its first key (typed fields get a valid value), add
    one entry to every list, then go on to the summary."""
    app = pilot.app
    for _ in range(400):
        screen = app.screen
        if isinstance(screen, SignDialog):
            return
        focused = app.focused
        if isinstance(screen, EntryDialog):
            await _fill_entry(pilot, screen)
        elif isinstance(focused, KeyChoice):
            await pilot.press(_first_key(screen, focused))
        elif isinstance(focused, SafeInput):
            assert isinstance(screen, AssessmentScreen)
            item = next(it for wid, it, _k in screen.fields if wid == focused.id)
            value = {"date": "2026-10-01", "number": "3"}.get(item.type, "Barnets ord")
            await keys(pilot, Text(value), "enter")
        elif isinstance(focused, EntryList) and not focused.lines:
            await pilot.press("a")
        else:
            await pilot.press("ctrl+s")
        await pilot.pause()
    raise AssertionError("never reached the summary judgement")


async def judge_and_sign(pilot: Pilot[Any], rationale: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, SignDialog)
    for i in range(len(dialog.inst.judgement)):
        choice = dialog.query_one(f"#dim-{i}", KeyChoice)
        assert pilot.app.focused is choice
        wanted = dialog.result.suggested if i == 0 and dialog.result.suggested else None
        key = next((k for k, v, _l in choice.options if v == wanted), choice.options[0][0])
        await pilot.press(key)
    assert isinstance(pilot.app.focused, SafeTextArea)
    await keys(pilot, Text(rationale))
    if dialog.inst.training_required:
        await pilot.press("ctrl+o")
        if dialog.query_one("#deviation").display:
            await pilot.press("ctrl+o")
        await pilot.press("j")
    await pilot.press("ctrl+s")
    await settle(pilot)


TARGET_OF = {"rc-acute": "victim", "rc-violence-mapping": "victim",
             "rc-danger-victim": "victim", "rc-child": "child", "rc-perpetrator": "perpetrator"}


@pytest.mark.parametrize("instrument_id", sorted(TARGET_OF))
async def test_each_shipped_instrument_by_keyboard(installed: Path, templates: Templates,
                                                  instrument_id: str) -> None:
    _setup(installed, templates)
    target = TARGET_OF[instrument_id]
    user, phrase, name = {"victim": (ANNA, ANNA_PASS, "Vera"), "child": (ANNA, ANNA_PASS, "Ville"),
                          "perpetrator": (PER, PER_PASS, "Paul")}[target]
    app = RcApp(installed, instruments_dir=installed.parent / "no-such-folder")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, user, phrase)
        await _open_person(pilot, name)
        await _new_assessment(pilot, instrument_id, {target})
        await answer_everything(pilot)
        await judge_and_sign(pilot, "Samlad bedömning efter samtal.")
        assert isinstance(app.screen, AssessmentReadScreen), screen_text(app)
        assert "Samlad bedömning efter samtal." in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        text = screen_text(app)
        assert "signerad" in text
        if instrument_id == "rc-violence-mapping":  # a mapping sets no risk level
            assert "Risk:" not in text and "Risknivå över tid" not in text
        else:
            assert "Risk:" in text and "Risknivå över tid" in text
    with Vault.unlock(installed, user, phrase) as v:
        with v.session() as s:
            person = s.execute(sql("SELECT person_id FROM assessments")).scalar_one()
        rows = AssessmentService(v).history(person)
    assert [(r.instrument_id, r.status) for r in rows] == [(instrument_id, "signed")]


async def test_history_trend_and_changes(installed: Path, templates: Templates) -> None:
    victim, _perp = _setup(installed, templates)
    lib = load_library(None)
    acute = lib.get("rc-acute")
    from rc_tui.domain.instruments.content import Content

    answers = {item.id: "no" for item in acute.all_items()}
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        first = AssessmentService(v, clock=lambda: datetime(2026, 10, 1, 9))
        aid = first.start(victim, acute)
        first.sign(aid, first.get(aid).version, Content(answers=answers), {"risk": "low"},
                   "Lugnt")
        second = AssessmentService(v, clock=lambda: datetime(2026, 11, 1, 9))
        bid = second.start(victim, acute)
        worse = {**answers, "strangulation": "yes", "weapon": "yes"}
        second.sign(bid, second.get(bid).version, Content(answers=worse), {"risk": "high"},
                    "Strypt i helgen")
        third = AssessmentService(v, clock=lambda: datetime(2026, 11, 2, 9))
        cid = third.amend(bid)  # a correction the next day: it replaces the second
        third.sign(cid, third.get(cid).version, Content(answers={**worse, "fear": "yes"}),
                   {"risk": "high"}, "Strypt i helgen, rädd")
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _login_and_open(pilot, ANNA, ANNA_PASS, "Vera")
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "Risk: hög 2026-11-02" in text
        # the trend: the first and the correction (the replaced one is not drawn twice)
        assert "Risknivå över tid" in text and "2026-10-01 … 2026-11-02" in text
        assert "ersatt" in text  # the second one is replaced by the amendment
        await pilot.press("enter")  # newest first
        await settle(pilot)
        assert isinstance(app.screen, AssessmentReadScreen)
        text = screen_text(app)
        assert "Sedan föregående (2026-11-01): nivå hög → hög" in text
        assert "nej → ja" in text  # fear: no -> yes
        # the replaced one is named as users know it, never by an internal id
        everything = " ".join(str(w.render()) for w in app.screen.query("Plain"))
        assert "ersätter den som signerades 2026-11-01 av Anna Andersson" in everything
        assert f"#{bid}" not in everything


async def test_organisation_definition_is_used(installed: Path, templates: Templates,
                                              tmp_path: Path) -> None:
    _setup(installed, templates)
    folder = tmp_path / "org-instruments"
    folder.mkdir()
    (folder / "licensed.yaml").write_text(ORG_DEFINITION, encoding="utf-8")
    (folder / "broken.yaml").write_text("format: 1\nid: Bad Id\n", encoding="utf-8")
    app = RcApp(installed, instruments_dir=folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await _login_and_open(pilot, PER, PER_PASS, "Paul")
        await pilot.press("3", "a")
        await settle(pilot)
        text = screen_text(app)
        assert "Licensierad SPJ-bedömning" in text and "organisationen" in text
        # the broken file is reported (file, line, problem), not fatal
        assert "broken.yaml:1: missing required key 'version'" in text
        await pilot.press("escape")
        await settle(pilot)
        await _new_assessment(pilot, "org-licensed-spj", {"perpetrator"}, folder)
        # time frames: every factor answered for now and for background
        assert "Nu" in screen_text(app) and "Bakgrund" in screen_text(app)
        await answer_everything(pilot)
        dialog = app.screen
        assert isinstance(dialog, SignDialog) and dialog.inst.training_required
        await judge_and_sign(pilot, "Licensierad bedömning.")
        assert isinstance(app.screen, AssessmentReadScreen), screen_text(app)
    with Vault.unlock(installed, PER, PER_PASS) as v, v.session() as s:
        row = s.execute(sql("SELECT instrument_id, instrument_version, training_confirmed, "
                            "judgement, definition FROM assessments")).one()
    assert row[0] == "org-licensed-spj" and row[1] == "3.2" and row[2]
    assert '"imminence"' in row[3] and "Example Risk Institute" in row[4]


async def test_draft_survives_a_lock(installed: Path, templates: Templates) -> None:
    _setup(installed, templates)
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _login_and_open(pilot, ANNA, ANNA_PASS, "Vera")
        await _new_assessment(pilot, "rc-danger-victim", {"victim"})
        await pilot.press("j", "n", "?")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await keys(pilot, Text("Sms om vapen"), "ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+l")  # locked before the autosave timer fired
        await settle(pilot)
        await login(pilot, ANNA, ANNA_PASS)
        await _open_person(pilot, "Vera")
        await pilot.press("3", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AssessmentScreen)
        text = screen_text(app)
        assert "3 av 21 besvarade" in text
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "3/" in screen_text(app)  # the first section: three answered
        await pilot.press("escape")
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v, v.session() as s:
        stored = s.execute(sql("SELECT answers FROM assessments")).scalar_one()
    assert "Sms om vapen" in stored


async def test_guidance_sections_and_discard(installed: Path, templates: Templates) -> None:
    _setup(installed, templates)
    app = RcApp(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        await _login_and_open(pilot, ANNA, ANNA_PASS, "Vera")
        await _new_assessment(pilot, "rc-danger-victim", {"victim"})
        danger = load_library(None).get("rc-danger-victim")
        first = danger.all_items()[0]
        assert first.guidance is not None
        await pilot.press("g")
        await pilot.pause()
        assert str(first.guidance).split()[0] in screen_text(app)
        await pilot.press("pagedown")
        await pilot.pause()
        assert "avsnitt 2/" in screen_text(app)
        await pilot.press("ctrl+d")  # discard the draft: asks first, as every form does
        await settle(pilot)
        assert "Kasta det du skrivit? j/n" in screen_text(app)
        await pilot.press("n")  # no: still in the form
        await settle(pilot)
        assert "avsnitt 2/" in screen_text(app)
        await pilot.press("ctrl+d", "j")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v, v.session() as s:
        assert s.execute(sql("SELECT count(*) FROM assessments")).scalar() == 0


async def test_hostile_evidence_and_rationale_are_shown_as_text(installed: Path,
                                                               templates: Templates) -> None:
    _setup(installed, templates)
    cases = hostile_ui_batches()
    app = RcApp(installed)
    async with app.run_test(size=(100, 30)) as pilot:
        await _login_and_open(pilot, ANNA, ANNA_PASS, "Vera")
        await _new_assessment(pilot, "rc-acute", {"victim"})
        for text in cases:
            await pilot.press("e")
            await pilot.pause()
            area = app.screen.query_one("#text", SafeTextArea)
            area.load_text("")
            area.insert(text[:20_000])
            await pilot.press("ctrl+s")
            await pilot.pause()
            shown = screen_text(app)
            assert not any(ord(c) < 0x20 and c != "\n" for c in shown)
            assert isinstance(app.screen, AssessmentScreen)
            if text is cases[0]:  # the markup is drawn as the characters it is made of
                assert "[bold red]Anna[/bold red]" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
