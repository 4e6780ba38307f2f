"""Risk assessments: choose an instrument, fill it in by keyboard, sign, and read it back.

The form is built from the instrument definition. One key answers an item and the cursor
moves on; ``e`` writes evidence, ``g`` shows the item's guidance, PageUp/PageDown and
Ctrl+O move between sections, Ctrl+S opens the summary judgement and signing. The draft
is saved a moment after every change (and when the screen is left or the session locks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Label, Static

from rc_tui.domain.instruments.content import (
    SCENARIO_RATINGS,
    Content,
    Factor,
    Incident,
    Scenario,
    answer_label,
    changes,
    judgement_changes,
)
from rc_tui.domain.instruments.library import Library
from rc_tui.domain.instruments.model import (
    BUILTIN_LEVELS,
    PRESENCE,
    Dimension,
    Instrument,
    Item,
    Localized,
    answer_key,
)
from rc_tui.domain.instruments.scoring import ScoreResult, deviates, score, visible_items
from rc_tui.i18n import _, _n
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.assessments import AssessmentService, AssessmentView
from screens.base import RcModal, RcScreen
from screens.widgets import AppHeader, KeyChoice, Plain, SafeInput, SafeTextArea, cell
from storage.errors import ConflictError, VaultError

AUTOSAVE_SECONDS = 2.0

#: A rating of a case-specific factor uses the presence answers.
_PRESENCE_ITEM = Item("factor", "presence", Localized(()))


def _tl(target: str) -> str:
    return {"victim": _("victim"), "perpetrator": _("perpetrator"), "child": _("child")}.get(
        target, target)


def answer_options(item: Item) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """The one-key options of a discrete item, and extra keys (aliases)."""
    if item.type == "yes_no":
        return ([("j", "yes", _("yes")), ("n", "no", _("no")), ("?", "unknown", _("unknown"))],
                {"y": "yes", "i": "unknown"})
    if item.type == "presence":
        return ([("2", "present", _("present")), ("1", "partly", _("partly")),
                 ("0", "absent", _("absent")), ("i", "insufficient", _("insufficient info"))],
                {"j": "present", "d": "partly", "n": "absent", "?": "insufficient"})
    if item.type == "scale":
        return ([(str(v), str(v), str(v)) for v in range(item.minimum, item.maximum + 1)]
                + [("i", "insufficient", _("insufficient info"))], {"?": "insufficient"})
    if item.type == "choice":
        return ([(o.key, o.id, str(o.label)) for o in item.options]
                + [("?", "unknown", _("unknown"))], {"i": "unknown"})
    return [], {}


def level_options(dim: Dimension) -> list[tuple[str, str, str]]:
    keys = {"low": "l", "medium": "m", "high": "h"}
    builtin = all(lv.id in BUILTIN_LEVELS for lv in dim.levels)
    return [(keys[lv.id] if builtin else str(i + 1), lv.id, str(lv.label))
            for i, lv in enumerate(dim.levels)]


def score_lines(inst: Instrument, result: ScoreResult) -> list[str]:
    lines: list[str] = []
    if result.method == "none":
        lines.append(_("Structured professional judgement: no score."))
    else:
        total = f"{result.total:g}" if result.total is not None else "–"
        lines.append(_n("Score: {total} ({counted} item answered, {ins} with insufficient "
                        "information)",
                        "Score: {total} ({counted} items answered, {ins} with insufficient "
                        "information)", result.counted, total=total, counted=result.counted,
                        ins=result.insufficient))
    if result.too_little_information:
        lines.append(_("Too much is unknown for the score to suggest a level."))
    if result.critical:
        names = ", ".join(str(inst.item(i).text) for i in result.critical)
        lines.append(_("Critical items: {items} – at least {level}.", items=names,
                       level=inst.main.label(result.forced_level)))
    if result.suggested:
        lines.append(_("The score suggests: {level}", level=inst.main.label(result.suggested)))
    return lines


# ---------------------------------------------------------------------- widgets

class EntryList(Widget, can_focus=True):
    """A list of entries (factors, scenarios, incidents): a adds, Enter edits, x removes."""

    DEFAULT_CSS = """
    EntryList { height: auto; padding: 0 1; border-left: tall $primary-darken-2; }
    EntryList:focus { border-left: tall $accent; background: $primary-background; }
    """

    cursor: reactive[int] = reactive(0)

    class Act(Message):
        def __init__(self, entries: EntryList, action: str, index: int) -> None:
            super().__init__()
            self.entries = entries
            self.action = action
            self.index = index

    def __init__(self, kind: str, *, id: str | None = None, editable: bool = True) -> None:
        super().__init__(id=id)
        self.kind = kind
        self.editable = editable
        self.lines: list[str] = []

    def set_lines(self, lines: list[str]) -> None:
        self.lines = lines
        self.cursor = min(self.cursor, max(0, len(lines) - 1))
        self.refresh(layout=True)

    def render(self) -> Text:
        out = Text()
        for i, line in enumerate(self.lines):
            out.append(("› " if i == self.cursor and self.has_focus else "  ") + line + "\n",
                       style="reverse" if i == self.cursor and self.has_focus else "")
        out.append(_("a = add, Enter = change, x = remove") if self.editable
                   else _("a = add, x = remove"), style="italic")
        return out

    def on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down") and self.lines:
            step = -1 if event.key == "up" else 1
            self.cursor = max(0, min(len(self.lines) - 1, self.cursor + step))
        elif event.character in ("a", "+"):
            self.post_message(self.Act(self, "add", -1))
        elif event.key == "enter" and self.lines and self.editable:
            self.post_message(self.Act(self, "edit", self.cursor))
        elif event.character == "x" or event.key == "delete":
            if self.lines:
                self.post_message(self.Act(self, "remove", self.cursor))
        else:
            return
        event.stop()


# ---------------------------------------------------------------------- choosing

class InstrumentChooser(RcModal):
    """Pick an instrument (the person's own targets first); shows files that failed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="instrument-chooser.cancel")]

    def __init__(self, library: Library, targets: set[str]) -> None:
        super().__init__()
        self.library = library
        self.targets = targets
        self.order = library.for_target(targets)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(_("New risk assessment: choose the instrument"), classes="form-title",
                         markup=False)
            yield DataTable(id="instruments", cursor_type="row")
            yield Plain("", id="inst-info", classes="hint")
            if self.library.problems:
                yield Plain(_("Instrument files that could not be loaded:") + "\n" + "\n".join(
                    str(replace(p, file=Path(p.file).name)) for p in self.library.problems[:8]),
                    id="inst-problems", classes="message")

    def on_mount(self) -> None:
        table = self.query_one("#instruments", DataTable)
        table.add_columns(_("Instrument"), _("For"), _("Version"), _("Source"))
        for inst in self.order:
            table.add_row(cell(str(inst.title), 32), cell(_tl(inst.target)),
                          cell(inst.version, 10),
                          cell(_("organisation") if inst.origin == "organisation"
                               else _("rc-tui")), key=inst.id)
        table.focus()
        self._info(0)

    @on(DataTable.RowHighlighted)
    def _highlight(self, event: DataTable.RowHighlighted) -> None:
        self._info(event.cursor_row)

    def _info(self, row: int) -> None:
        if not self.order:
            return
        inst = self.order[min(row, len(self.order) - 1)]
        parts = [str(inst.description) if inst.description else "", inst.licence]
        if inst.training_required:
            parts.append(_("Requires training: you confirm it when signing."))
        self.query_one("#inst-info", Plain).set_text("\n".join(p for p in parts if p))

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)


# ---------------------------------------------------------------------- small dialogs

class TextDialog(RcModal):
    """Write one text (evidence for an item). Ctrl+S keeps it, Escape drops the change."""

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="text-dialog.keep"),
        Binding("escape", "cancel", "Cancel", id="text-dialog.cancel"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Plain(self.title_text, classes="form-title")
            yield SafeTextArea(self.text, id="text")

    def on_mount(self) -> None:
        self.query_one("#text", SafeTextArea).focus()

    def action_keep(self) -> None:
        self.dismiss(self.query_one("#text", SafeTextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EntryDialog(RcModal):
    """A case-specific factor, a risk scenario or an incident."""

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="entry-dialog.keep"),
        Binding("escape", "cancel", "Cancel", id="entry-dialog.cancel"),
    ]

    def __init__(self, kind: str, entry: Any | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.entry = entry

    def field_order(self) -> tuple[str, ...]:
        return {"factor": ("f-title", "f-rating", "f-text"),
                "scenario": ("f-text", "f-rating", "f-measures"),
                "incident": ("f-date", "f-rating", "f-title")}[self.kind]

    def compose(self) -> ComposeResult:
        e = self.entry
        with Vertical(id="dialog", classes="dialog wide"):
            if self.kind == "factor":
                yield Static(_("Case-specific factor"), classes="form-title", markup=False)
                yield Label(_("Factor"), classes="field-label")
                yield SafeInput(e.title if e else "", id="f-title", max_length=300)
                yield Label(_("Rating"), classes="field-label")
                opts, aliases = answer_options(_PRESENCE_ITEM)
                yield KeyChoice(opts, e.rating if e else None, id="f-rating", aliases=aliases)
                yield Label(_("Evidence"), classes="field-label")
                yield SafeTextArea(e.evidence if e else "", id="f-text", classes="short")
            elif self.kind == "scenario":
                yield Static(_("Risk scenario"), classes="form-title", markup=False)
                yield Label(_("What could happen (scenario)"), classes="field-label")
                yield SafeTextArea(e.description if e else "", id="f-text", classes="short")
                yield Label(_("Rating"), classes="field-label")
                yield KeyChoice([("l", "low", _("low")), ("m", "medium", _("medium")),
                                 ("h", "high", _("high"))], e.rating if e else None,
                                id="f-rating")
                yield Label(_("Protective measures"), classes="field-label")
                yield SafeTextArea(e.measures if e else "", id="f-measures", classes="short")
            else:
                yield Static(_("Incident"), classes="form-title", markup=False)
                yield Label(_("Date (YYYY-MM-DD)"), classes="field-label")
                yield SafeInput(e.when if e else "", id="f-date", max_length=10)
                yield Label(_("Severity (1 = mild … 5 = life-threatening)"),
                            classes="field-label")
                yield KeyChoice([(str(v), str(v), str(v)) for v in range(1, 6)],
                                str(e.severity) if e else None, id="f-rating")
                yield Label(_("What happened (short)"), classes="field-label")
                yield SafeInput(e.description if e else "", id="f-title", max_length=300)
            yield Plain("", id="message", classes="message")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(f"#{self.field_order()[0]}"))

    def submit_form(self) -> None:
        self.action_keep()

    def action_keep(self) -> None:
        rating = self.query_one("#f-rating", KeyChoice).value
        entry: Any
        if self.kind == "factor":
            title = self.query_one("#f-title", SafeInput).value
            if not title.strip() or rating not in PRESENCE:
                self.query_one("#message", Plain).set_text(
                    _("A case-specific factor needs a title and a rating."))
                return
            entry = Factor(title, rating, self.query_one("#f-text", SafeTextArea).text)
        elif self.kind == "scenario":
            text = self.query_one("#f-text", SafeTextArea).text
            if not text.strip() or rating not in SCENARIO_RATINGS:
                self.query_one("#message", Plain).set_text(
                    _("A scenario needs a description and a rating."))
                return
            entry = Scenario(text, rating, self.query_one("#f-measures", SafeTextArea).text)
        else:
            when = self.query_one("#f-date", SafeInput).value.strip()
            try:
                date.fromisoformat(when)
            except ValueError:
                self.query_one("#message", Plain).set_text(
                    _("An incident needs a date as YYYY-MM-DD."))
                return
            if rating is None:
                self.query_one("#message", Plain).set_text(
                    _("An incident's severity is 1 to 5."))
                return
            entry = Incident(when, int(rating), self.query_one("#f-title", SafeInput).value)
        self.dismiss(entry)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SectionsDialog(RcModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sections-dialog.cancel")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(_("Go to section"), classes="form-title", markup=False)
            yield DataTable(id="sections", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#sections", DataTable)
        table.add_columns(_("Section"), _("Answered"))
        for i, (title, progress) in enumerate(self.rows):
            table.add_row(cell(title, 50), cell(progress), key=str(i))
        table.focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(str(event.row_key.value)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SignDialog(RcModal):
    """The summary judgement: a level per dimension, the rationale, the reason when the
    level differs from the score's suggestion, the training confirmation; then sign."""

    BINDINGS = [
        Binding("ctrl+s", "sign", "Sign", id="sign-dialog.sign"),
        Binding("escape", "cancel", "Back to form", id="sign-dialog.cancel"),
    ]

    def __init__(self, inst: Instrument, result: ScoreResult, judgement: dict[str, str],
                 rationale: str, deviation_reason: str, training: bool = False) -> None:
        super().__init__()
        self.training = training
        self.inst = inst
        self.result = result
        self.judgement = judgement
        self.rationale = rationale
        self.deviation_reason = deviation_reason

    def field_order(self) -> tuple[str, ...]:
        order = [f"dim-{i}" for i in range(len(self.inst.judgement))]
        order += ["rationale", "deviation"]
        if self.inst.training_required:
            order.append("training")
        return tuple(order)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="dialog wide"):
            yield Static(_("Summary judgement and signing"), classes="form-title", markup=False)
            yield Plain("\n".join(score_lines(self.inst, self.result)), id="score")
            for i, dim in enumerate(self.inst.judgement):
                yield Label(str(dim.title), classes="field-label", markup=False)
                yield KeyChoice(level_options(dim), self.judgement.get(dim.id), id=f"dim-{i}")
            yield Label(_("Rationale (required)"), classes="field-label")
            yield SafeTextArea(self.rationale, id="rationale", classes="short")
            yield Plain("", id="deviation-note", classes="message")
            yield Label(_("Why your judgement differs from the score"), classes="field-label",
                        id="deviation-label")
            yield SafeTextArea(self.deviation_reason, id="deviation", classes="short")
            if self.inst.training_required:
                yield Label(_("This instrument requires training. I have it:"),
                            classes="field-label")
                yield KeyChoice([("j", "yes", _("yes")), ("n", "no", _("no"))],
                                "yes" if self.training else None, id="training",
                                aliases={"y": "yes"})
            yield Plain("", id="message", classes="message")

    def on_mount(self) -> None:
        self._deviation()
        self.set_focus(self.query_one("#dim-0"))

    def choice_made(self, choice: Any) -> None:
        self._deviation()

    def _levels(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for i, dim in enumerate(self.inst.judgement):
            value = self.query_one(f"#dim-{i}", KeyChoice).value
            if value:
                out[dim.id] = value
        return out

    def _deviation(self) -> None:
        level = self._levels().get(self.inst.main.id)
        differs = deviates(self.result, level)
        self.query_one("#deviation-note", Plain).set_text(
            _("Your judgement ({mine}) differs from what the score suggests ({suggested}). "
              "Write why.", mine=self.inst.main.label(level),
              suggested=self.inst.main.label(self.result.suggested)) if differs else "")
        for wid in ("#deviation-label", "#deviation", "#deviation-note"):
            self.query_one(wid).display = differs

    def values(self) -> tuple[dict[str, str], str, str, bool]:
        training = self.inst.training_required and \
            self.query_one("#training", KeyChoice).value == "yes"
        return (self._levels(), self.query_one("#rationale", SafeTextArea).text,
                self.query_one("#deviation", SafeTextArea).text, training)

    def submit_form(self) -> None:
        self.action_sign()

    def action_sign(self) -> None:
        self.dismiss(("sign", *self.values()))

    def action_cancel(self) -> None:
        self.dismiss(("back", *self.values()))

    def show_problems(self, problems: list[str]) -> None:
        self.query_one("#message", Plain).set_text("\n".join(problems))


# ---------------------------------------------------------------------- the form

class AssessmentScreen(RcScreen):
    """Fill in a draft assessment by keyboard (the draft saves itself)."""

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
        Binding("ctrl+d", "discard", "Discard draft", show=False, id="assessment.discard"),
        Binding("escape", "leave", "Back (saved)", id="assessment.leave"),
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
        self.dirty = False
        self._timer: Timer | None = None
        #: answer widgets in form order: (widget id, item, answer key)
        self.fields: list[tuple[str, Item, str]] = []
        self.conflict = False
        self.discard_armed = False
        self.training = False

    # -- building
    def _service(self) -> AssessmentService:
        vault = self.shell.vault
        assert vault is not None
        return AssessmentService(vault, screen="assessment")

    def compose(self) -> ComposeResult:
        try:
            view = self.view = self._service().get(self.assessment_id)
        except (ValidationError, VaultError) as exc:
            yield from unavailable(self, exc)
            return
        self.content = view.content
        self.judgement = dict(view.judgement)
        self.rationale = view.rationale
        self.deviation_reason = view.deviation_reason
        self.version = view.version
        inst = view.instrument
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
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
        yield Footer()

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
        if self.view is None:
            return
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
        self.dirty = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(AUTOSAVE_SECONDS, self.flush_draft)
        self._progress()

    def flush_draft(self) -> None:
        """Save the draft now if anything changed (also called before the vault closes)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.dirty or self.shell.vault is None:
            return
        try:
            self.version = self._service().save_draft(
                self.assessment_id, self.version, self.content, self.judgement,
                self.rationale, self.deviation_reason)
        except ConflictError:
            self._message(_("The draft was changed elsewhere (another session?). Your "
                            "changes here were not saved: leave and open it again."))
            self.dirty = False  # nothing more can be saved from here; leaving is allowed
            self.conflict = True
            return
        except (ValidationError, VaultError) as exc:
            self._message(error_text(exc) if isinstance(exc, VaultError)
                          else "\n".join(exc.reasons))
            return
        self.dirty = False
        if self.is_mounted:
            self._progress()

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
                                        self.content.evidence.get(key, "")), keep)

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

        self.app.push_screen(EntryDialog(kind, entries[index] if index >= 0 else None), keep)

    # -- signing, leaving
    def action_summary(self) -> None:
        inst = self._inst()
        result = score(inst, self.content.answers)
        dialog = SignDialog(inst, result, self.judgement, self.rationale,
                            self.deviation_reason, self.training)

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
        self.flush_draft()
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
        if not self.discard_armed:
            self.discard_armed = True
            self._message(_("Press Ctrl+D again to discard this draft for good."))
            return
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
        self.flush_draft()
        if self.dirty:
            return  # the message says why; nothing is lost by staying
        self._finish()

    def _finish(self, replace_with: RcScreen | None = None) -> None:
        if replace_with is not None:
            self.app.switch_screen(replace_with)
            return
        if self.after is not None:
            self.after()
        else:
            self.app.pop_screen()

    def on_unmount(self) -> None:
        if self.dirty and self.shell.vault is not None:
            self.flush_draft()


def unavailable(screen: RcScreen, exc: Exception) -> ComposeResult:
    """The record could not be opened (gone, no access any more, damaged): say so and go
    back, never crash."""
    text = error_text(exc) if isinstance(exc, VaultError) else "\n".join(
        getattr(exc, "reasons", [])) or _("The assessment could not be opened.")
    yield AppHeader("rc-tui", screen.shell.user_line(), demo=screen.shell.is_demo)
    yield Plain(text, classes="message")
    yield Footer()
    screen.app.notify(text, markup=False, severity="error")
    screen.call_after_refresh(screen.app.pop_screen)


def render_assessment(view: AssessmentView) -> str:
    """An assessment as text (read-only view; answers, evidence, judgement)."""
    inst = view.instrument
    content = view.content
    result = score(inst, content.answers)
    lines = [f"{inst.title} · {_('version')} {inst.version}",
             _("Signed {when} by {who}", when=f"{view.signed_at:%Y-%m-%d %H:%M}",
               who=view.signed_by) if view.signed_at else _("Draft"), ""]
    lines += [f"{dim.title}: {dim.label(view.judgement.get(dim.id)) or '–'}"
              for dim in inst.judgement]
    lines += score_lines(inst, result)
    lines += ["", _("Rationale") + ":", view.rationale or "–"]
    if view.deviation_reason:
        lines += [_("Why the judgement differs from the score") + ":", view.deviation_reason]
    shown = {it.id for it in visible_items(inst, content.answers)}
    for section in inst.sections:
        lines += ["", f"— {section.title} —"]
        for item in [i for i in inst.all_items() if i.section == section.id]:
            if item.id not in shown:
                continue
            frames = item.timeframes or ("",)
            answers = []
            for tf in frames:
                key = answer_key(item, tf or None)
                label_tf = {"now": _("now"), "background": _("background")}.get(tf, "")
                answers.append((f"{label_tf}: " if label_tf else "")
                               + (answer_label(item, content.answers.get(key)) or "–"))
            indent = "   " * item.depth
            lines.append(f"{indent}{item.text}: {'; '.join(answers)}")
            for tf in frames:
                ev = content.evidence.get(answer_key(item, tf or None))
                if ev:
                    lines.append(f"{indent}   {_('Evidence')}: {ev}")
    if content.factors:
        lines += ["", f"— {_('Case-specific factors')} —"]
        lines += [f"{f.title}: {answer_label(_PRESENCE_ITEM, f.rating)}"
                  + (f" – {f.evidence}" if f.evidence else "") for f in content.factors]
    if content.scenarios:
        lines += ["", f"— {_('Risk scenarios')} —"]
        lines += [f"{s.description} ({_(s.rating)})"
                  + (f"\n   {_('Protective measures')}: {s.measures}" if s.measures else "")
                  for s in content.scenarios]
    if content.incidents:
        lines += ["", f"— {_('Incident calendar')} —"]
        lines += [f"{i.when}  {_('severity')} {i.severity}  {i.description}"
                  for i in sorted(content.incidents, key=lambda x: x.when)]
    lines += ["", f"{_('Licence')}: {inst.licence}"]
    return "\n".join(lines)


class AssessmentReadScreen(RcScreen):
    """A signed assessment, read-only, with what changed since the previous one."""

    BINDINGS = [Binding("a", "amend", "Amend (new version)", id="assessment-read.amend"),
                Binding("escape", "leave", "Back", id="assessment-read.leave")]

    def __init__(self, assessment_id: int, *,
                 after: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.assessment_id = assessment_id
        self.after = after

    def compose(self) -> ComposeResult:
        vault = self.shell.vault
        assert vault is not None
        svc = AssessmentService(vault, screen="assessment")
        try:
            view = svc.get(self.assessment_id)
            previous = svc.previous_signed(self.assessment_id) if view.signed else None
        except (ValidationError, VaultError) as exc:
            yield from unavailable(self, exc)
            return
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        yield Plain(f"{view.instrument.title} – {view.person_name}", classes="person-name",
                    one_line=True)
        with VerticalScroll(id="assessment-read"):
            if previous is not None:
                diff = judgement_changes(previous.instrument, previous.judgement,
                                         view.instrument, view.judgement)[1:] + changes(
                    previous.instrument, previous.content, view.instrument, view.content)
                main = view.instrument.main
                head = _("Since the previous one ({when}): level {before} → {after}",
                         when=f"{previous.signed_at:%Y-%m-%d}",
                         before=previous.instrument.main.label(
                             previous.judgement.get(previous.instrument.main.id)) or "–",
                         after=main.label(view.judgement.get(main.id)) or "–")
                body = [f"• {c.what}: {c.before} → {c.after}" for c in diff] or [
                    _("No answers changed.")]
                yield Plain("\n".join([head, *body]), id="changes", classes="changes")
            if view.supersedes_id:
                yield Plain(_("This assessment replaces an earlier signed one (#{id}).",
                              id=view.supersedes_id), classes="hint")
            yield Plain(render_assessment(view), id="assessment-text")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True

    def action_amend(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        try:
            new_id = AssessmentService(vault, screen="assessment").amend(self.assessment_id)
        except (ValidationError, VaultError) as exc:
            self.app.notify(error_text(exc) if isinstance(exc, VaultError)
                            else "\n".join(exc.reasons), markup=False, severity="error")
            return
        self.app.switch_screen(AssessmentScreen(new_id, after=self.after))

    def action_leave(self) -> None:
        if self.after is not None:
            self.after()
        else:
            self.app.pop_screen()


# ---------------------------------------------------------------------- history

LEVEL_ROWS = ("high", "medium", "low")


def trend_chart(points: list[tuple[date, str]], width: int = 60) -> str:
    """The level over time, drawn with plain characters (one column per assessment)."""
    if not points:
        return ""
    points = points[-max(1, (width - 10) // 3):]
    names = {lv: _(lv) for lv in LEVEL_ROWS}
    pad = max(len(n) for n in names.values())
    lines = []
    for lv in LEVEL_ROWS:
        row = "".join(" ● " if level == lv else " · " for _d, level in points)
        lines.append(f"{names[lv]:>{pad}} │{row}")
    lines.append(" " * pad + " └" + "─" * (3 * len(points)))
    first, last = points[0][0], points[-1][0]
    span = f"{first:%Y-%m-%d}" + (f" … {last:%Y-%m-%d}" if last != first else "")
    lines.append(" " * (pad + 2) + span)
    return "\n".join(lines)
