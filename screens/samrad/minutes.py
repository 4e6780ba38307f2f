"""The approved minutes, printed or written as an encrypted PDF."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from rc_tui.domain import samrad as rules
from rc_tui.i18n import _
from rc_tui.services.documents import DocumentRequest
from screens.base import RcScreen
from screens.components import AppHeader, Plain
from screens.components.key_bar import KeyBar
from screens.document import DocumentDialog
from screens.samrad.common import AGENCY_CODES


class MinutesScreen(RcScreen):
    """The minutes as text; 0–7 choose the receiving agency's extract (only the persons
    whose sharing covers it), W sends the chosen extract out the installation's way
    (printer or encrypted PDF; logged)."""

    BINDINGS = [
        Binding("w", "write", "Print or write", id="minutes.write"),
        Binding("escape", "back", "Back", id="minutes.back"),
    ]

    def __init__(self, samrad_id: int) -> None:
        super().__init__()
        self.samrad_id = samrad_id
        self.agency: str | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        yield Plain(_("Extract for: 0 = all (the centre), 1–7 = one agency"), classes="hint")
        with VerticalScroll(id="letter"):
            yield Plain("", id="minutes-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        """Read the minutes for the chosen agency (in a thread), then show them; a newer
        choice drops an older one's text."""
        samrad_id, agency = self.samrad_id, self.agency

        def show(text: str) -> None:
            self.text = text
            self.query_one("#minutes-text", Plain).set_text(text)

        self.load(lambda session: session.samrad("samrad").minutes_text(samrad_id, agency),
                  show)

    def on_key(self, event: Any) -> None:
        char = getattr(event, "character", None) or ""
        if char.isdigit() and int(char) < len(AGENCY_CODES):
            code = AGENCY_CODES[int(char)]
            self.agency = None if code == rules.CENTRE else code
            self._show()
            event.stop()

    def action_write(self) -> None:
        self.app.push_screen(DocumentDialog(
            DocumentRequest("samrad_minutes", self.samrad_id, self.agency),
            _("Minutes of samråd")))

    def action_back(self) -> None:
        self.app.pop_screen()
