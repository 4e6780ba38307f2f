"""The decision letter, shown, and printed or written as an encrypted PDF."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from rc_tui.i18n import _
from rc_tui.services.documents import DocumentRequest
from screens.base import RcScreen
from screens.components import AppHeader, Plain
from screens.components.key_bar import KeyBar
from screens.document import DocumentDialog


class DecisionLetterScreen(RcScreen):
    """The decision as the person gets it. W sends it out the installation's way (printer
    or encrypted PDF), logged."""

    BINDINGS = [
        Binding("w", "write", "Print or write", id="decision-letter.write"),
        Binding("escape", "back", "Back", id="decision-letter.back"),
    ]

    def __init__(self, decision_id: int, person_id: int, notes: Sequence[str] = ()) -> None:
        """``notes``: what the user should know about the decision just recorded (shown
        above the letter, where nothing covers them or the appeal text)."""
        super().__init__()
        self.decision_id = decision_id
        self.person_id = person_id
        self.notes = list(notes)
        self.letter = ""

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="letter"):
            if self.notes:
                yield Plain("\n".join(self.notes), id="letter-notes", classes="message")
            yield Plain("", id="letter-text")
        yield KeyBar()

    def on_mount(self) -> None:
        decision_id = self.decision_id

        def show(letter: str) -> None:
            self.letter = letter
            self.query_one("#letter-text", Plain).set_text(letter)
            self.refresh_bindings()

        self.load(lambda session: session.casework("casework").decision_letter(decision_id),
                  show)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "write" or bool(self.letter)  # nothing to write before it is read

    def action_write(self) -> None:
        self.app.push_screen(DocumentDialog(DocumentRequest("decision_letter", self.decision_id),
                                            _("Decision letter")))

    def action_back(self) -> None:
        self.app.pop_screen()
