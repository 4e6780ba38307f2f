"""One question before an act that cannot be undone (sign, conclude, approve, record,
discard): one key answers it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from screens.base import RcModal
from screens.components import Plain


class AskDialog(RcModal):
    """"Sign? y/n": j or y says yes, n or Esc says no; every other key is ignored (so a
    letter typed ahead does nothing it was not meant for). Dismissed with True or False.

    The keys that ask (Ctrl+T, Ctrl+D, …) are priority bindings: the question opens as the
    key is dispatched, so an answer typed right after it lands here, not in a text box."""

    BINDINGS = [
        Binding("j", "answer(True)", "Yes", show=False, id="ask.yes-j"),
        Binding("y", "answer(True)", "Yes", show=False, id="ask.yes"),
        Binding("n", "answer(False)", "No", show=False, id="ask.no"),
        Binding("escape", "answer(False)", "No", show=False, id="ask.no-escape"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog ask"):
            yield Plain(self.question, id="question")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
