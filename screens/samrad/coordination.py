"""The coordination view: every agency's actions for the case, in one place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from rc_tui.domain.vocab import MEMBER_ROLES, label
from rc_tui.i18n import _
from rc_tui.services.samrad import CoordinationView
from screens.base import RcScreen
from screens.components import AppHeader, Plain
from screens.components.key_bar import KeyBar


class CoordinationScreen(RcScreen):
    """All interventions, plans and open actions of the family, with the warnings."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="coordination.back")]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="letter"):
            yield Plain("", id="coordination-text")
        yield KeyBar()

    def on_mount(self) -> None:
        case_id = self.case_id
        self.load(lambda session: session.samrad("samrad").coordination(case_id), self.show)

    def show(self, view: CoordinationView) -> None:
        lines = [_("Coordination – case {case}", case=view.case_number), ""]
        if view.warnings:
            lines += [_("Warnings") + ":"] + [f"⚠ {w}" for w in view.warnings] + [""]
        for m in view.members:
            lines.append(f"— {m.name} ({label(MEMBER_ROLES, m.role)}) —")
            if not m.full:
                lines.append(_("Exists in the family; you do not work with this track, so "
                               "nothing of it is shown."))
            else:
                lines += m.lines or [_("No interventions, plans or actions yet.")]
            lines.append("")
        self.query_one("#coordination-text", Plain).set_text("\n".join(lines))
