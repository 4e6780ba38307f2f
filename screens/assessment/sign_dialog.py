"""The assessor's judgement and signature."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.instruments.model import (
    Instrument,
)
from rc_tui.domain.instruments.scoring import ScoreResult, deviates
from rc_tui.i18n import _
from screens.assessment.options import level_options, score_lines
from screens.base import RcModal
from screens.components import KeyChoice, Plain, SafeTextArea
from screens.components.key_bar import KeyBar


class SignDialog(RcModal):
    """The summary judgement: a level per dimension, the rationale, the reason when the
    level differs from the score's suggestion, the training confirmation; then sign."""

    BINDINGS = [
        Binding("ctrl+s", "sign", "Sign", id="sign-dialog.sign"),
        Binding("escape", "cancel", "Back to form", id="sign-dialog.cancel"),
    ]

    #: a draft only for a lock or a dropped connection: leaving (Esc or signing) hands
    #: the values to the assessment, whose own draft keeps them
    DRAFT = "assessment_sign"

    def __init__(self, inst: Instrument, result: ScoreResult, judgement: dict[str, str],
                 rationale: str, deviation_reason: str, training: bool = False, *,
                 draft_key: tuple[str, int | None]) -> None:
        super().__init__()
        self.draft_key = draft_key
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
        yield KeyBar()

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
