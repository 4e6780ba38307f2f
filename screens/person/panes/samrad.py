"""The Samråd tab: the coordination meetings held on the person's cases."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from rc_tui.i18n import _
from screens.components import Plain
from screens.person.panes.base import PersonPane


class SamradPane(PersonPane, VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Plain(_("Not discussed in a samråd yet."), id="samrad-list", classes="empty")

    def load(self) -> None:
        session = self.shell.session
        assert session is not None
        svc = session.samrad("person")
        lines = []
        for case_id, number, _role, _status in self.detail.cases:
            for row in svc.for_case(case_id):
                state = _("approved") if row.approved else _("not approved")
                lines.append(f"{row.meeting_on}  {number}  {row.requested_by}  ({state})")
        if lines:
            lines.append("")
            lines.append(_("Open the case (its number) and press M for the samråd, K for the "
                           "coordination view."))
            self.query_one("#samrad-list", Plain).set_text("\n".join(lines))
