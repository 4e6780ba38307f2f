"""Consent, child welfare reports and the journal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rc_tui.domain.vocab import (
    AGENCIES,
    CHILD_REPORT_DECISIONS,
    CONSENT_KINDS,
    CONSENT_METHODS,
    CONSENT_STATES,
    NOTE_TYPES,
)
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.errors import PermissionDenied, ValidationError, VaultError
from storage.models import ChildReport, Consent, JournalNote, User

MAX_BODY = 100_000


@dataclass(frozen=True)
class ConsentState:
    kind: str
    agency: str | None
    state: str
    method: str
    recorded_at: datetime
    recorded_by: str
    safety_advice_given: bool
    other_actors_info_given: bool
    offer_to_return_given: bool
    note: str


@dataclass(frozen=True)
class ChildReportState:
    decision: str
    report_date: date | None
    receiving_unit: str
    reason: str
    decided_by: str
    created_at: datetime


@dataclass(frozen=True)
class Note:
    id: int
    version: int
    note_type: str
    body: str
    author: str
    created_at: datetime
    signed_at: datetime | None
    corrects_id: int | None

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


class RecordService(Service):
    # ------------------------------------------------------------------ consent
    def record_consent(
        self, person_id: int, kind: str, state: str, method: str, *,
        agency: str | None = None, safety_advice_given: bool = False,
        other_actors_info_given: bool = False, offer_to_return_given: bool = False,
        note: str = "", agencies: Sequence[str] = (),
    ) -> None:
        """Append a consent event (the history is kept; the latest one is in force). An
        information exchange may name several ``agencies`` at once: one event each, in
        one transaction (all or none)."""
        self.require(Capability.CASE_CONTENT)
        problems: list[str] = []
        wanted = list(dict.fromkeys([*([agency] if agency is not None else []), *agencies]))
        if kind not in CONSENT_KINDS or state not in CONSENT_STATES:
            problems.append(_("Choose what the consent is for and whether it is given."))
        if method not in CONSENT_METHODS:
            problems.append(_("Choose oral or written."))
        if kind == "info_exchange" and (not wanted or any(a not in AGENCIES for a in wanted)):
            problems.append(_("Choose the agency the information exchange concerns."))
        if kind == "investigation" and wanted:
            problems.append(_("Consent to an investigation concerns no agency."))
        if len(note) > MAX_BODY:
            problems.append(_("A text may have at most {n} characters.", n=MAX_BODY))
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self.require_person(s, person_id, Level.SHELTER)
            targets: list[str | None] = list(wanted) or [None]
            for each in targets:
                row = Consent(
                    person_id=person_id, kind=kind, agency=each, state=state, method=method,
                    recorded_at=self.clock(), recorded_by_id=self.user.id,
                    safety_advice_given=safety_advice_given,
                    other_actors_info_given=other_actors_info_given,
                    offer_to_return_given=offer_to_return_given, note=note or None,
                )
                s.add(row)
                s.flush()
                self.log(s, "create", person_id=person_id, record_type="consent",
                         record_id=row.id)

    def consents(self, person_id: int) -> list[ConsentState]:
        """The consent in force per kind and agency (latest event of each)."""
        with self.read() as s:
            self.require_person(s, person_id, Level.SHELTER)
            latest: dict[tuple[str, str | None], ConsentState] = {}
            for c, by in s.execute(
                select(Consent, User.username).outerjoin(User, User.id == Consent.recorded_by_id)
                .where(Consent.person_id == person_id).order_by(Consent.id)
            ).all():
                latest[(c.kind, c.agency)] = ConsentState(
                    c.kind, c.agency, c.state, c.method, c.recorded_at, by or "",
                    c.safety_advice_given, c.other_actors_info_given, c.offer_to_return_given,
                    c.note or "")
            return sorted(latest.values(), key=lambda c: (c.kind, c.agency or ""))

    # ------------------------------------------------------------------ child reports
    def record_child_report(
        self, child_person_id: int, case_id: int, decision: str, reason: str, *,
        report_date: date | None = None, receiving_unit: str = "",
    ) -> None:
        """A report (required whether or not the parent agrees) or a reasoned decision that
        none is needed."""
        self.require(Capability.CASE_CONTENT)
        problems: list[str] = []
        if decision not in CHILD_REPORT_DECISIONS:
            problems.append(_("Choose report or no report."))
        if not reason.strip():
            problems.append(_("Give the reason."))
        if decision == "reported" and (report_date is None or not receiving_unit.strip()):
            problems.append(_("A report needs its date and the receiving unit."))
        if len(reason) > MAX_BODY:
            problems.append(_("A text may have at most {n} characters.", n=MAX_BODY))
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self.require_person(s, child_person_id, Level.SHELTER)
            row = ChildReport(
                child_person_id=child_person_id, case_id=case_id, decision=decision,
                report_date=report_date, receiving_unit=receiving_unit.strip() or None,
                reason=reason, decided_by_id=self.user.id, created_at=self.clock(),
            )
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=child_person_id, record_type="child_report",
                     record_id=row.id)

    def child_reports(self, child_person_id: int) -> list[ChildReportState]:
        with self.read() as s:
            self.require_person(s, child_person_id, Level.SHELTER)
            return [
                ChildReportState(r.decision, r.report_date, r.receiving_unit or "", r.reason,
                                 by or "", r.created_at)
                for r, by in s.execute(
                    select(ChildReport, User.username)
                    .outerjoin(User, User.id == ChildReport.decided_by_id)
                    .where(ChildReport.child_person_id == child_person_id)
                    .order_by(ChildReport.id)).all()
            ]

    # ------------------------------------------------------------------ journal
    def add_note(self, person_id: int, note_type: str, body: str, *, sign: bool = False,
                 case_id: int | None = None, corrects_id: int | None = None) -> int:
        self.require(Capability.CASE_CONTENT)
        if note_type not in NOTE_TYPES:
            raise ValidationError([_("Choose the type of note.")])
        if not body.strip():
            raise ValidationError([_("The note is empty.")])
        if len(body) > MAX_BODY:
            raise ValidationError([_("A text may have at most {n} characters.", n=MAX_BODY)])
        with self.write() as s:
            self.require_person(s, person_id, Level.SHELTER)
            if corrects_id is not None:
                old = s.get(JournalNote, corrects_id)
                if old is None or old.person_id != person_id:
                    raise VaultError("not found")
            now = self.clock()
            note = JournalNote(person_id=person_id, case_id=case_id, note_type=note_type,
                               body=body, author_id=self.user.id, created_at=now,
                               signed_at=now if sign else None, corrects_id=corrects_id)
            s.add(note)
            s.flush()
            index_note(s, note)
            if sign:
                self.log_sealed(s, "create", "journal_note", note.id, person_id=person_id)
            else:
                self.log(s, "create", person_id=person_id, record_type="journal_note",
                         record_id=note.id)
            return note.id

    def edit_draft(self, note_id: int, version: int, body: str) -> int:
        """Change an unsigned note (its author only). Signed notes never change."""
        self.require(Capability.CASE_CONTENT)
        if not body.strip():
            raise ValidationError([_("The note is empty.")])
        with self.versioned(f"note {note_id}") as (s, same_version):
            note = s.get(JournalNote, note_id)
            if note is None:
                raise VaultError("not found")
            self.require_person(s, note.person_id, Level.SHELTER)
            if note.signed_at is not None:
                raise PermissionDenied("signed notes are read-only")
            if note.author_id != self.user.id:
                raise PermissionDenied("only the author edits a draft")
            same_version(note, version)
            note.body = body
            s.flush()
            index_note(s, note)
            self.log(s, "change", person_id=note.person_id, record_type="journal_note",
                     record_id=note.id)
            return note.version

    def sign(self, note_id: int) -> None:
        """Sign a note: from now on it is read-only (the database refuses changes)."""
        self.require(Capability.CASE_CONTENT)
        with self.write() as s:
            note = s.get(JournalNote, note_id)
            if note is None:
                raise VaultError("not found")
            self.require_person(s, note.person_id, Level.SHELTER)
            if note.signed_at is not None:
                return
            if note.author_id != self.user.id:
                raise PermissionDenied("only the author signs a note")
            note.signed_at = self.clock()
            self.log_sealed(s, "sign", "journal_note", note.id, person_id=note.person_id)

    def journal(self, person_id: int) -> list[Note]:
        """The person's journal, newest first."""
        with self.audited("journal", person_id=person_id, needed=Level.SHELTER) as s:
            notes = [
                Note(n.id, n.version, n.note_type, n.body, by or "", n.created_at, n.signed_at,
                     n.corrects_id)
                for n, by in s.execute(
                    select(JournalNote, User.username)
                    .outerjoin(User, User.id == JournalNote.author_id)
                    .where(JournalNote.person_id == person_id)
                    .order_by(JournalNote.created_at.desc(), JournalNote.id.desc())).all()
            ]
            return notes


def index_note(s: Session, note: JournalNote) -> None:
    s.execute(text("DELETE FROM note_fts WHERE rowid = :id"), {"id": note.id})
    s.execute(text("INSERT INTO note_fts (rowid, body) VALUES (:id, :b)"),
              {"id": note.id, "b": note.body})
