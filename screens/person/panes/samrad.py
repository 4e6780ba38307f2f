"""The Samråd tab: the coordination meetings held on the person's cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from rc_tui.i18n import _
from screens.components import Plain
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.samrad import SamradRow
    from rc_tui.services.session import UserSession



class SamradPane(PersonPane, VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Plain(_("Not discussed in a samråd yet."), id="samrad-list", classes="empty")

    def fetch(self, session: UserSession) -> list[tuple[str, list[SamradRow]]]:
        svc = session.samrad("person")
        return [(number, svc.for_case(case_id))
                for case_id, number, _role, _status in self.detail.cases]

    def populate(self, data: list[tuple[str, list[SamradRow]]]) -> None:
        lines = []
        for number, rows in data:
            for row in rows:
                state = _("approved") if row.approved else _("not approved")
                lines.append(f"{row.meeting_on}  {number}  {row.requested_by}  ({state})")
        if lines:
            lines.append("")
            lines.append(_("Open the case (its number) and press M for the samråd, K for the "
                           "coordination view."))
            self.query_one("#samrad-list", Plain).set_text("\n".join(lines))
