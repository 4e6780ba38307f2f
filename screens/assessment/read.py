"""A signed (or someone else's) assessment, read only, and amending it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from rc_tui.domain.instruments.content import (
    answer_label,
    changes,
    judgement_changes,
)
from rc_tui.domain.instruments.model import (
    answer_key,
)
from rc_tui.domain.instruments.scoring import score, visible_items
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.assessments import AssessmentRow, AssessmentView
from screens.assessment.chooser import licence_text
from screens.assessment.options import _PRESENCE_ITEM, score_lines
from screens.base import OPEN_GROUP, RcScreen
from screens.components import AppHeader, Plain
from screens.components.key_bar import KeyBar
from storage.errors import VaultError

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


def unavailable(screen: RcScreen, exc: Exception) -> ComposeResult:
    """The record could not be opened (gone, no access any more, damaged): say so and go
    back, never crash."""
    text = error_text(exc) if isinstance(exc, VaultError) else "\n".join(
        getattr(exc, "reasons", [])) or _("The assessment could not be opened.")
    yield AppHeader("rc-tui", screen.shell.user_line(), demo=screen.shell.is_demo)
    yield Plain(text, classes="message")
    yield KeyBar()
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
    lines += ["", f"{_('Licence')}: {licence_text(inst)}"]
    return "\n".join(lines)


class _Read(NamedTuple):
    view: AssessmentView
    previous: AssessmentView | None
    replaced: AssessmentRow | None


class AssessmentReadScreen(RcScreen):
    """A signed assessment, read-only, with what changed since the previous one."""

    NAMES_PERSON = True  # its title line names the person

    BINDINGS = [Binding("a", "amend", "Amend (new version)", id="assessment-read.amend"),
                Binding("escape", "leave", "Back", id="assessment-read.leave")]

    def __init__(self, assessment_id: int, *,
                 after: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.assessment_id = assessment_id
        self.after = after
        self._read: _Read | None = None
        self._unavailable: Exception | None = None

    def on_mount(self) -> None:
        """Read the assessment, the one before it and the one it replaces in a thread."""
        assessment_id = self.assessment_id

        def fetch(session: UserSession) -> _Read:
            svc = session.assessments("assessment")
            view = svc.get(assessment_id)
            previous = svc.previous_signed(assessment_id) if view.signed else None
            replaced = next((r for r in svc.history(view.person_id)
                             if r.id == view.supersedes_id), None) \
                if view.supersedes_id else None
            return _Read(view, previous, replaced)

        def failed(exc: Exception) -> bool:
            self._unavailable = exc
            self.refresh(recompose=True)  # says so, and goes back
            return True

        self.load(fetch, self._loaded, failed=failed, group=OPEN_GROUP)

    async def _loaded(self, read: _Read) -> None:
        self._read = read
        await self.recompose()

    def compose(self) -> ComposeResult:
        if self._unavailable is not None:
            yield from unavailable(self, self._unavailable)
            return
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        if self._read is None:  # being read (``on_mount``)
            yield Plain(_("Reading…"), id="reading", classes="hint", one_line=True)
            yield KeyBar()
            return
        view, previous, replaced = self._read
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
                # named as the user knows it (signed when, by whom), not by its row id
                yield Plain(_("This assessment replaces the one signed {when} by {who}.",
                              when=f"{replaced.signed_at:%Y-%m-%d}", who=replaced.assessor)
                            if replaced is not None and replaced.signed_at else
                            _("This assessment replaces an earlier signed one."),
                            classes="hint")
            yield Plain(render_assessment(view), id="assessment-text")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True

    def action_amend(self) -> None:
        # the form opens this screen for a signed assessment: imported here, not at the top
        from screens.assessment.form import AssessmentScreen

        session = self.shell.session
        assert session is not None
        try:
            new_id = session.assessments("assessment").amend(self.assessment_id)
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
