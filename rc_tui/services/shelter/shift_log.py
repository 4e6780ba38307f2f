"""The shift log and the handover at the start of a shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from rc_tui.domain import shelter as rules
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.base import local_time
from rc_tui.services.errors import ValidationError
from rc_tui.services.records import index_note
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import JournalNote, ShiftEntry, ShiftRead, Stay, User


@dataclass(frozen=True)
class ShiftEntryView:
    id: int
    written_at: datetime  # local time
    shift: str
    author: str
    body: str
    about: str  # the resident's name ('' when the entry is about no one)
    person_id: int | None
    read: bool


class ShiftLogMixin(ShelterBase):
    def write_entry(self, facility: str, body: str, person_id: int | None = None) -> int:
        """A timestamped shift-log entry. About a resident, it also lands in her (or the
        child's) journal as a signed note."""
        problems: list[str] = []
        if not body.strip():
            problems.append(_("The entry is empty."))
        _text_ok(problems, body)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self._require_facility(s, facility)
            now = self.clock()
            note_id: int | None = None
            if person_id is not None:
                stay = s.scalar(select(Stay).where(Stay.person_id == person_id,
                                                   Stay.facility == facility).limit(1))
                if stay is None:
                    raise ValidationError([_("Only about a resident of this facility.")])
                self.require_person(s, person_id, Level.SHELTER)
                note = JournalNote(person_id=person_id, case_id=stay.case_id, note_type="shift",
                                   body=body, author_id=self.user.id, created_at=now,
                                   signed_at=now)
                s.add(note)
                s.flush()
                index_note(s, note)
                self.log_sealed(s, "create", "journal_note", note.id, person_id=person_id)
                note_id = note.id
            entry = ShiftEntry(facility=facility, written_at=now,
                               author_id=self.user.id, body=body, person_id=person_id,
                               journal_note_id=note_id)
            s.add(entry)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="shift_entry",
                     record_id=entry.id)
            return entry.id

    def shift_log(self, facility: str, days: int = 3) -> list[ShiftEntryView]:
        """The entries of the last ``days`` days, newest first."""
        return self._entries(facility, self.clock() - timedelta(days=days), unread_only=False)

    def handover(self, facility: str) -> list[ShiftEntryView]:
        """What this user has not read yet (others' entries of the last two weeks), oldest
        first: the handover summary at the start of a shift."""
        entries = self._entries(facility, self.clock() - timedelta(days=rules.HANDOVER_DAYS),
                                unread_only=True)
        return list(reversed(entries))

    def _entries(self, facility: str, since: datetime, *, unread_only: bool
                 ) -> list[ShiftEntryView]:
        with self._audited_facility(facility, "shift_log") as s:
            read = set(s.scalars(select(ShiftRead.entry_id).join(
                ShiftEntry, ShiftEntry.id == ShiftRead.entry_id).where(
                ShiftRead.user_id == self.user.id, ShiftEntry.written_at >= since)))
            rows = s.execute(select(ShiftEntry, User.username)
                             .outerjoin(User, User.id == ShiftEntry.author_id)
                             .where(ShiftEntry.facility == facility,
                                    ShiftEntry.written_at >= since)
                             .order_by(ShiftEntry.written_at.desc(), ShiftEntry.id.desc())
                             ).all()
            out: list[ShiftEntryView] = []
            for e, by in rows:
                is_read = e.id in read or e.author_id == self.user.id
                if unread_only and is_read:
                    continue
                when = local_time(e.written_at)
                out.append(ShiftEntryView(
                    e.id, when, rules.shift_of(when.hour), by or "", e.body,
                    self._name(s, e.person_id) if e.person_id is not None else "",
                    e.person_id, is_read))
            return out

    def mark_read(self, entry_ids: list[int]) -> int:
        """Mark entries read for this user (the handover is done); returns how many."""
        with self.write() as s:
            facilities = set(s.scalars(select(ShiftEntry.facility).where(
                ShiftEntry.id.in_(entry_ids))))
            for facility in facilities:
                self._require_facility(s, facility)
            done = set(s.scalars(select(ShiftRead.entry_id).where(
                ShiftRead.user_id == self.user.id, ShiftRead.entry_id.in_(entry_ids))))
            valid = set(s.scalars(select(ShiftEntry.id).where(ShiftEntry.id.in_(entry_ids))))
            new = [i for i in dict.fromkeys(entry_ids) if i in valid and i not in done]
            now = self.clock()
            for entry_id in new:
                s.add(ShiftRead(entry_id=entry_id, user_id=self.user.id, read_at=now))
            if new:
                self.log(s, "update", record_type="shift_reads", record_id=len(new))
            return len(new)
