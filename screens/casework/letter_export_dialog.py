"""Writing a decision letter to a plaintext file, after a warning."""

from __future__ import annotations

from rc_tui.i18n import _
from screens.export import PlaintextExportDialog


class LetterExportDialog(PlaintextExportDialog):
    def __init__(self, person_id: int, decision_id: int, letter: str) -> None:
        super().__init__(person_id, _("Write the decision letter to a file"),
                         f"rc-tui-beslut-{decision_id}.txt", lambda _svc: letter,
                         record_type="decision_letter", record_id=decision_id)
