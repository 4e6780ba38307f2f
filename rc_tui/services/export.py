"""Exports: the only way case data leaves the encrypted database in plaintext.

Always an explicit choice by the user, after a warning on screen, and always logged
(action ``export``, flagged for the manager's review). Files are created owner-only.
"""

from __future__ import annotations

import os
from pathlib import Path

from rc_tui.domain.vocab import NOTE_TYPES, label
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.people import PeopleService
from rc_tui.services.records import RecordService


class ExportService(Service):
    def journal_text(self, person_id: int) -> str:
        """The person's journal as plain text (full access only)."""
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
        detail = PeopleService(self.vault, screen=self.screen, clock=self.clock).get(person_id)
        notes = RecordService(self.vault, screen=self.screen, clock=self.clock).journal(
            person_id)
        lines = [_("Journal – {name}", name=detail.display_name),
                 _("Exported {when} by {user}", when=f"{self.clock():%Y-%m-%d %H:%M}",
                   user=self.user.username), ""]
        for n in reversed(notes):
            signed = f"{n.signed_at:%Y-%m-%d %H:%M}" if n.signed_at else _("draft")
            lines += [f"{n.created_at:%Y-%m-%d %H:%M}  {label(NOTE_TYPES, n.note_type)}  "
                      f"{n.author}  ({signed})", n.body, ""]
        return "\n".join(lines)

    def write_plaintext(self, path: Path, person_id: int | None, content: str, *,
                        record_type: str = "journal", record_id: int | None = None) -> Path:
        """Write ``content`` to ``path`` (new file, owner-only) and log the export.
        ``person_id`` None: a record about several persons (samråd minutes), whose content
        was produced by a service that applied the access rules already."""
        self.require(Capability.CASE_CONTENT)
        if person_id is not None:
            with self.read() as s:
                self.require_person(s, person_id, Level.FULL)
        path = Path(path).expanduser()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        with self.write() as s:
            self.log(s, "export", person_id=person_id, record_type=record_type,
                     record_id=record_id,
                     reason=f"plaintext file, {len(content)} characters", flagged=True)
        return path
