"""Writing the person's journal to a plaintext file, after a warning."""

from __future__ import annotations

from rc_tui.i18n import _
from screens.export import PlaintextExportDialog


class ExportDialog(PlaintextExportDialog):
    """Writing the journal to a file: an explicit, logged choice, with a warning."""

    def __init__(self, person_id: int) -> None:
        super().__init__(person_id, _("Export the journal"),
                         f"rc-tui-journal-{person_id}.txt",
                         lambda svc: svc.journal_text(person_id), record_type="journal")
