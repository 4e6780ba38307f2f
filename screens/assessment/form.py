"""Filling in a risk assessment: one item at a time, autosaved as a draft.

One screen in one file (just over 500 lines): its fields, keys, autosave and sections
belong to the one widget; the dialogs it opens each have their own file beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from rc_tui.domain.instruments.content import (
    Content,
    answer_label,
)
from rc_tui.domain.instruments.model import (
    Instrument,
    Item,
    answer_key,
)
from rc_tui.domain.instruments.scoring import score, visible_items
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.assessments import AssessmentService, AssessmentView
from screens.assessment.entry_dialog import EntryDialog
from screens.assessment.options import _PRESENCE_ITEM, answer_options
from screens.assessment.read import AssessmentReadScreen, unavailable
from screens.assessment.sections_dialog import SectionsDialog
from screens.assessment.sign_dialog import SignDialog
from screens.assessment.text_dialog import TextDialog
from screens.autosave import RecordAutosave
from screens.base import OPEN_GROUP, RcScreen
from screens.components import AppHeader, KeyChoice, Plain, SafeInput
from screens.components.entry_list import EntryList
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog
from storage.errors import ConflictError, VaultError

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


class AssessmentScreen(RecordAutosave, RcScreen):
    """Fill in a draft assessment by keyboard (the draft saves itself)."""

    NAMES_PERSON = True  # its title line names the person

    BINDINGS = [
        Binding("ctrl+s", "summary", "Judge & sign", id="assessment.summary"),
        Binding("e", "evidence", "Evidence", id="assessment.evidence"),
        Binding("g", "guidance", "Guidance", id="assessment.guidance"),
        Binding("ctrl+n", "evidence", "Evidence", show=False, priority=True,
                id="assessment.evidence-ctrl-n"),
        Binding("ctrl+k", "guidance", "Guidance", show=False, priority=True,
                id="assessment.guidance-ctrl-k"),
        Binding("ctrl+o", "sections", "Sections", id="assessment.sections"),
        Binding("pagedown", "section(1)", "Next section", show=False, priority=True,
                id="assessment.next-section"),
        Binding("pageup", "section(-1)", "Previous section", show=False, priority=True,
                id="assessment.previous-section"),
        Binding("ctrl+d", "discard", "Discard", priority=True, id="assessment.discard"),
        Binding("escape", "leave", "Back", id="assessment.leave"),
    ]

    def __init__(self, assessment_id: int, *,
                 after: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.assessment_id = assessment_id
        self.after = after
        self.view: AssessmentView | None = None
        self.content = Content()
        self.judgement: dict[str, str] = {}
        self.rationale = ""
        self.deviation_reason = ""
        self.version = 0
        self._unavailable: Exception | None = None
        #: answer widgets in form order: (widget id, item, answer key)
        self.fields: list[tuple[str, Item, str]] = []
        self.conflict = False
        self.training = False

    # -- building
    def _service(self) -> AssessmentService:
        session = self.shell.session
        assert session is not None
        return session.assessments("assessment")

    def compose(self) -> ComposeResult:
        view = self.view
        if self._unavailable is not None:
            yield from unavailable(self, self._unavailable)
            return
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        if view is None:  # being read (``on_mount``): the form is built when it is there
            yield Plain(_("Reading…"), id="reading", classes="hint", one_line=True)
            yield KeyBar()
            return
        self.fields = []
        inst = view.instrument
        yield Plain(f"{inst.title} – {view.person_name}", id="form-title",
                    classes="person-name", one_line=True)
        yield Plain("", id="progress", classes="hint", one_line=True)
        yield Plain("", id="message", classes="message")
        with VerticalScroll(id="assessment-form"):
            if inst.notice:
                yield Plain(str(inst.notice), id="notice", classes="alert")
            number = 0
            for s_index, section in enumerate(inst.sections):
                yield Static(str(section.title), classes="panel-title section-title",
                             markup=False, id=f"section-{s_index}")
                for item in section.items:
                    number += 1
                    yield from self._item(item, f"{number}", 0)
            if "custom_factors" in inst.features:
                yield Static(_("Case-specific factors"), classes="panel-title", markup=False,
                             id="section-factors")
                yield EntryList("factor", id="factors")
            if "scenarios" in inst.features:
                yield Static(_("Risk scenarios"), classes="panel-title", markup=False,
                             id="section-scenarios")
                yield EntryList("scenario", id="scenarios")
            if "incident_calendar" in inst.features:
                yield Static(_("Incident calendar"), classes="panel-title", markup=False,
                             id="section-incidents")
                yield EntryList("incident", id="incidents")
        yield KeyBar()

    def _item(self, item: Item, number: str, depth: int) -> ComposeResult:
        with Vertical(classes=f"item depth-{depth}", id=f"item-{len(self.fields)}") as box:
            box.item_id = item.id  # type: ignore[attr-defined]
            yield Plain(f"{number}. {item.text}", classes="item-text")
            frames = item.timeframes or ("",)
            for tf in frames:
                key = answer_key(item, tf or None)
                wid = f"a-{len(self.fields)}"
                self.fields.append((wid, item, key))
                value = self.content.answers.get(key)
                prefix = {"now": _("Now"), "background": _("Background")}.get(tf, "")
                if item.allowed_answers() is not None:
                    opts, aliases = answer_options(item)
                    yield KeyChoice(opts, value, id=wid, aliases=aliases, prefix=prefix)
                else:
                    placeholder = {"date": _("YYYY-MM-DD"), "number": _("a whole number")}.get(
                        item.type, "")
                    yield SafeInput(value or "", id=wid, placeholder=placeholder,
                                    max_length=10 if item.type == "date" else 2000)
                evidence = Plain(self._evidence_line(key), classes="evidence",
                                 id=f"ev-{wid}")
                evidence.display = bool(self.content.evidence.get(key))
                yield evidence
            guidance = Plain(str(item.guidance) if item.guidance else _("No guidance."),
                             classes="guidance", id=f"gd-{self.fields[-1][0]}")
            guidance.display = False
            yield guidance
            if item.children:
                for i, child in enumerate(item.children):
                    yield from self._item(child, f"{number}.{i + 1}", depth + 1)

    def _evidence_line(self, key: str) -> str:
        text = self.content.evidence.get(key, "")
        return _("Evidence") + ": " + text if text else ""

    def on_mount(self) -> None:
        """Read the assessment in a thread (keys typed meanwhile wait for the form)."""
        assessment_id = self.assessment_id

        def failed(exc: Exception) -> bool:
            self._unavailable = exc
            self.refresh(recompose=True)  # says so, and goes back
            return True

        self.load(lambda session: session.assessments("assessment").get(assessment_id),
                  self._loaded, failed=failed, group=OPEN_GROUP)

    async def _loaded(self, view: AssessmentView) -> None:
        self.view = view
        self.content = view.content
        self.judgement = dict(view.judgement)
        self.rationale = view.rationale
        self.deviation_reason = view.deviation_reason
        self.version = view.version
        await self.recompose()
        self._refresh_visibility()
        self._refresh_entries()
        first = self._first_unanswered() or (self.fields[0][0] if self.fields else None)
        if first:
            widget = self.query_one(f"#{first}")
            self.set_focus(widget, scroll_visible=False)
            if first == self.fields[0][0]:
                self.call_after_refresh(self.query_one("#assessment-form").scroll_home,
                                        animate=False)
            else:
                self.call_after_refresh(widget.scroll_visible, animate=False)
        self.call_after_refresh(self._progress)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Keep the progress line (section n of m) in step with the cursor."""
        if self.is_mounted and self.view is not None:
            self._progress()

    # -- state
    def field_order(self) -> tuple[str, ...]:
        shown = {it.id for it in visible_items(self._inst(), self.content.answers)}
        order = [wid for wid, item, _key in self.fields if item.id in shown]
        order += [w for w in ("factors", "scenarios", "incidents") if self._has(w)]
        return tuple(order)

    def _has(self, wid: str) -> bool:
        return bool(self.query(f"#{wid}"))

    def _inst(self) -> Instrument:
        assert self.view is not None
        return self.view.instrument

    def _refresh_visibility(self) -> None:
        shown = {it.id for it in visible_items(self._inst(), self.content.answers)}
        for box in self.query(".item"):
            box.display = getattr(box, "item_id", "") in shown

    def _first_unanswered(self) -> str | None:
        for wid in self.field_order():
            for fid, item, key in self.fields:
                if fid == wid and item.required and not self.content.answers.get(key):
                    return wid
        return None

    def _progress(self) -> None:
        if not self.query("#progress"):
            return  # leaving: the widgets are gone
        inst = self._inst()
        result = score(inst, self.content.answers)
        shown = visible_items(inst, self.content.answers)
        total = sum(max(1, len(i.timeframes)) for i in shown if i.required)
        done = total - len(result.missing)
        section = self._current_section()
        text = _("{done} of {total} answered · section {n}/{m}", done=done, total=total,
                 n=section + 1, m=len(inst.sections))
        if result.suggested:
            text += " · " + _("score suggests {level}", level=inst.main.label(result.suggested))
        text += " · " + (_("saving…") if self.dirty else _("draft saved"))
        self.query_one("#progress", Plain).set_text(text)

    def _current_section(self) -> int:
        focused = self.focused
        if focused is None or focused.id is None:
            return 0
        for wid, item, _key in self.fields:
            if wid == focused.id:
                ids = [s.id for s in self._inst().sections]
                return ids.index(item.section) if item.section in ids else 0
        return len(self._inst().sections) - 1

    def _changed(self) -> None:
        if self.conflict:
            return  # the draft was changed elsewhere: leave and open it again
        self.mark_changed()
        self._progress()

    def save_on_close(self) -> Callable[[UserSession], object] | None:
        """The unsaved answers, read now, saved by the shell's closing thread when the
        session locks or ends (it must not wait for the database on the UI thread)."""
        if not self.dirty or self.conflict or self.autosaving:
            return None  # (an autosave in flight holds the version: it saves them)
        return self.autosave_job()

    # -- the timed autosave (``RecordAutosave``): in a thread worker
    def autosave_job(self) -> Callable[[UserSession], int] | None:
        if self.conflict:
            return None
        args = (self.assessment_id, self.version, Content.from_json(self.content.to_json()),
                dict(self.judgement), self.rationale, self.deviation_reason)
        return lambda session: session.assessments("assessment").save_draft(*args)

    def autosaved(self, result: Any) -> None:
        self.version = int(result)
        if self.is_mounted and self.view is not None:
            self.call_after_refresh(self._progress)  # (after ``dirty`` is settled)

    def autosave_failed(self, exc: Exception) -> None:
        if isinstance(exc, ConflictError):
            self._message(_("The draft was changed elsewhere (another session?). Your "
                            "changes here were not saved: leave and open it again."))
            self.dirty = False  # nothing more can be saved from here; leaving is allowed
            self.conflict = True
        else:
            self._message(error_text(exc) if isinstance(exc, VaultError)
                          else "\n".join(getattr(exc, "reasons", ())))

    def flush_draft(self) -> None:
        """The timed autosave, now (in a thread worker)."""
        self.autosave()

    def save_now(self) -> None:
        """Save the draft now if anything changed, on the UI thread: before signing or
        leaving, which the user asked for (it gives way to lock, quick-hide and quit:
        ``RcApp.interrupt_database_wait``)."""
        self.stop_autosave()
        job = self.autosave_job()
        session = self.shell.session
        if not self.dirty or job is None or session is None:
            return
        edits = self._edits
        try:
            result = job(session)
        except (ValidationError, VaultError) as exc:
            self.autosave_failed(exc)
            return
        self.autosaved(result)
        if self._edits == edits:
            self.dirty = False

    def _message(self, text: str) -> None:
        if self.query("#message"):
            self.query_one("#message", Plain).set_text(text)

    # -- answering
    def choice_made(self, choice: Any) -> None:
        self._store(choice.id, choice.value)

    @on(SafeInput.Changed)
    def _typed(self, event: SafeInput.Changed) -> None:
        if event.input.id and event.input.id.startswith("a-"):
            self._store(event.input.id, event.value)

    def _store(self, wid: str | None, value: str | None) -> None:
        for fid, _item, key in self.fields:
            if fid == wid:
                if value:
                    self.content.answers[key] = value
                else:
                    self.content.answers.pop(key, None)
                self._refresh_visibility()
                self._changed()
                return

    def _focused_field(self) -> tuple[str, Item, str] | None:
        focused = self.focused
        for entry in self.fields:
            if focused is not None and entry[0] == focused.id:
                return entry
        return None

    def action_guidance(self) -> None:
        entry = self._focused_field()
        if entry is None:
            return
        _wid, item, _key = entry
        last = [f for f, it, _k in self.fields if it.id == item.id][-1]
        box = self.query_one(f"#gd-{last}", Plain)
        box.display = not box.display
        if box.display:
            box.scroll_visible()

    def action_evidence(self) -> None:
        entry = self._focused_field()
        if entry is None:
            return
        wid, item, key = entry

        def keep(text: str | None) -> None:
            if text is None:
                return
            if text.strip():
                self.content.evidence[key] = text
            else:
                self.content.evidence.pop(key, None)
            line = self.query_one(f"#ev-{wid}", Plain)
            line.set_text(self._evidence_line(key))
            line.display = bool(text.strip())
            self._changed()

        self.app.push_screen(TextDialog(_("Evidence") + ": " + str(item.text),
                                        self.content.evidence.get(key, ""),
                                        draft_key=self._draft_key(key)), keep)

    def action_sections(self) -> None:
        inst = self._inst()
        shown = visible_items(inst, self.content.answers)
        rows = []
        for section in inst.sections:
            keys = [k for _w, it, k in self.fields if it.section == section.id and it in shown]
            done = sum(1 for k in keys if self.content.answers.get(k))
            rows.append((str(section.title), f"{done}/{len(keys)}"))
        for wid, title in (("factors", _("Case-specific factors")),
                           ("scenarios", _("Risk scenarios")),
                           ("incidents", _("Incident calendar"))):
            if self._has(wid):
                rows.append((title, ""))
        self.app.push_screen(SectionsDialog(rows), self._go_to)

    def _go_to(self, index: int | None) -> None:
        if index is None:
            return
        inst = self._inst()
        if index < len(inst.sections):
            sid = inst.sections[index].id
            for wid in self.field_order():
                item = next(it for f, it, _k in self.fields if f == wid) \
                    if wid.startswith("a-") else None
                if item is not None and item.section == sid:
                    self.set_focus(self.query_one(f"#{wid}"))
                    self.query_one(f"#section-{index}").scroll_visible(top=True)
                    break
        else:
            extras = [w for w in ("factors", "scenarios", "incidents") if self._has(w)]
            wid = extras[index - len(inst.sections)]
            self.set_focus(self.query_one(f"#{wid}"))
        self._progress()

    def action_section(self, step: int) -> None:
        count = len(self._inst().sections) + len(
            [w for w in ("factors", "scenarios", "incidents") if self._has(w)])
        focused = self.focused
        current = self._current_section()
        if focused is not None and focused.id in ("factors", "scenarios", "incidents"):
            extras = [w for w in ("factors", "scenarios", "incidents") if self._has(w)]
            current = len(self._inst().sections) + extras.index(focused.id)
        self._go_to(max(0, min(count - 1, current + step)))

    def submit_form(self) -> None:
        """After the last item: to the first unanswered one, or to the summary."""
        first = self._first_unanswered()
        if first is not None:
            self.set_focus(self.query_one(f"#{first}"))
            self._message(_("Some items are not answered yet."))
        else:
            self.action_summary()

    # -- features
    def _refresh_entries(self) -> None:
        c = self.content
        if self._has("factors"):
            self.query_one("#factors", EntryList).set_lines(
                [f"{f.title} – {answer_label(_PRESENCE_ITEM, f.rating)}"
                 for f in c.factors])
        if self._has("scenarios"):
            self.query_one("#scenarios", EntryList).set_lines(
                [f"{s.description.splitlines()[0] if s.description else ''} – "
                 f"{_(s.rating)}" for s in c.scenarios])
        if self._has("incidents"):
            self.query_one("#incidents", EntryList).set_lines(
                [f"{i.when}  {_('severity')} {i.severity}  {i.description}"
                 for i in sorted(c.incidents, key=lambda x: x.when)])

    @on(EntryList.Act)
    def _entry(self, event: EntryList.Act) -> None:
        kind = event.entries.kind
        entries: list[Any]
        if kind == "factor":
            entries = self.content.factors
        elif kind == "scenario":
            entries = self.content.scenarios
        else:
            entries = self.content.incidents
        if kind == "incident":
            self.content.incidents.sort(key=lambda x: x.when)
        if event.action == "remove":
            del entries[event.index]
            self._refresh_entries()
            self._changed()
            return
        index = event.index

        def keep(entry: Any | None) -> None:
            if entry is None:
                return
            if index >= 0:
                entries[index] = entry
            else:
                entries.append(entry)
            self._refresh_entries()
            self._changed()
            event.entries.focus()

        self.app.push_screen(EntryDialog(kind, entries[index] if index >= 0 else None,
                                         draft_key=self._draft_key(f"{kind}:{index}")), keep)

    def _draft_key(self, part: str) -> tuple[str, int | None]:
        """The draft key of a dialog of this assessment (its text is kept like a form's)."""
        person = self.view.person_id if self.view is not None else None
        return (f"{self.assessment_id}:{part}" if part else str(self.assessment_id), person)

    # -- signing, leaving
    def action_summary(self) -> None:
        inst = self._inst()
        result = score(inst, self.content.answers)
        dialog = SignDialog(inst, result, self.judgement, self.rationale,
                            self.deviation_reason, self.training,
                            draft_key=self._draft_key(""))

        def done(outcome: tuple[str, dict[str, str], str, str, bool] | None) -> None:
            if outcome is None:
                return
            what, judgement, rationale, deviation, training = outcome
            self.judgement, self.rationale, self.deviation_reason = (judgement, rationale,
                                                                     deviation)
            self.training = training
            self._changed()
            if what == "sign":
                self._sign(training)

        self.app.push_screen(dialog, done)

    def _sign(self, training: bool) -> None:
        self.after_autosave(lambda: self._sign_now(training))

    def _sign_now(self, training: bool) -> None:
        self.save_now()
        if self.dirty:
            return  # the message says why
        try:
            self._service().sign(self.assessment_id, self.version, self.content,
                                          self.judgement, self.rationale,
                                          self.deviation_reason, training)
        except ValidationError as exc:
            self._message("\n".join(exc.reasons))
            self.action_summary()
            if isinstance(self.app.screen, SignDialog):
                self.app.screen.call_after_refresh(self.app.screen.show_problems, exc.reasons)
            return
        except (ConflictError, VaultError) as exc:
            self._message(error_text(exc))
            return
        inst = self._inst()
        level = inst.main.label(self.judgement.get(inst.main.id))
        self.app.notify(_("Assessment signed: {level}.", level=level), markup=False,
                        severity="warning" if self.judgement.get(inst.main.id) == "high"
                        else "information")
        self.dirty = False
        self._finish(replace_with=AssessmentReadScreen(self.assessment_id, after=self.after))

    def action_discard(self) -> None:
        """Ctrl+D, as on every form: throw the draft away – after one question."""
        def answered(yes: bool | None) -> None:
            if yes:
                self._discard()

        self.app.push_screen(AskDialog(_("Discard what you typed? y/n")), answered)

    def _discard(self) -> None:
        try:
            self._service().discard(self.assessment_id)
        except (ValidationError, VaultError) as exc:
            self._message(error_text(exc) if isinstance(exc, VaultError)
                          else "\n".join(exc.reasons))
            return
        self.dirty = False
        self.app.notify(_("Draft discarded."), markup=False)
        self._finish()

    def action_leave(self) -> None:
        def leave() -> None:
            self.save_now()
            if self.dirty:
                return  # the message says why; nothing is lost by staying
            self._finish()

        self.after_autosave(leave)

    def _finish(self, replace_with: RcScreen | None = None) -> None:
        if replace_with is not None:
            self.app.switch_screen(replace_with)
            return
        if self.after is not None:
            self.after()
        else:
            self.app.pop_screen()

    def on_unmount(self) -> None:
        """Gone with unsaved answers while the session is open: saved in a thread of the
        app's (it outlives the form)."""
        session = self.shell.session
        job = self.save_on_close()
        if job is not None and session is not None:
            self.app.run_worker(lambda: job(session), thread=True, group="drafts",
                                exit_on_error=False, description="assessment autosave")
