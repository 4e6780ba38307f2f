"""The one path for every document that leaves the database: decision letters, samråd
minutes, journal copies, safety plans, log extracts and the yearly statistics report for
the board (aggregates only, composed by ``statistics_out`` from what the statistics
service let through its small-cell rule).

A screen asks for a document by what it is (``DocumentRequest``: the kind and the record's
id), never by handing over text: the document is composed here by the services that own
the record, so their access checks and access-log entries apply, and nothing but what
the user may see can be put in it. It then leaves the program the way the installation's
signed settings say (``document_output``):

- ``printer``: the PDF is piped to CUPS ``lp`` (no file is written by rc-tui);
- ``encrypted_pdf``: the PDF is encrypted with AES-256 under a random one-time password,
  shown once to the user (and given to the recipient by another channel), and written to
  the user's own export folder (``exports``), from where it expires.

A plaintext file is possible only where an administrator turned ``plaintext_export`` on.
Every document is access-logged (action ``export``, flagged for the manager's review) with
the SHA-256 of the bytes printed or written.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rc_tui.domain.vocab import NOTE_TYPES, label
from rc_tui.i18n import _
from rc_tui.services import exports
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.errors import VaultError
from rc_tui.services.pdf import (
    Document,
    Section,
    one_time_password,
    render,
    section_text,
)
from storage import files
from storage.models import Decision

KINDS = ("journal", "decision_letter", "samrad_minutes", "safety_plan", "log_extract",
         "record_extract", "board_report")
OUTPUTS = ("encrypted_pdf", "printer")
LOCAL = ZoneInfo("Europe/Stockholm")
#: how long `lp` may take to accept the job
PRINT_TIMEOUT = 60


class DocumentError(VaultError):
    """A document could not leave the program (no printer, the queue refused, the folder
    could not be written); the message says which, for the user."""


@dataclass(frozen=True)
class DocumentRequest:
    """Which document: ``kind`` (one of ``KINDS``) and the id of what it is made from – the
    person (journal, log extract), the decision, the samråd, the safety plan or the review
    of a record extract.
    ``agency``: for samråd minutes, the receiving agency's extract (None: the centre's).
    ``period``: for the board's report, the period (``2026``, ``2026-H1`` …; ``id`` unused)."""

    kind: str
    id: int
    agency: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class Issued:
    """What became of a document. ``password``: shown once (encrypted PDF only); ``path``:
    where the file is (encrypted PDF and plaintext)."""

    output: str
    sha256: str
    password: str | None = None
    path: Path | None = None


def _local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone(LOCAL).replace(tzinfo=None)


class DocumentService(Service):
    # ------------------------------------------------------------------ settings
    # (read by the case-working roles only: an administrator's session produces no document)
    def output(self) -> str:
        self.require(Capability.CASE_CONTENT)
        value = str(self.vault.setting("document_output"))
        return value if value in OUTPUTS else OUTPUTS[0]

    def plaintext_allowed(self) -> bool:
        self.require(Capability.CASE_CONTENT)
        return int(self.vault.setting("plaintext_export")) == 1

    def export_max_age_hours(self) -> int:
        """How long an export file stays in the folder (removed at the next start after)."""
        self.require(Capability.CASE_CONTENT)
        return int(self.vault.setting("export_max_age_hours"))

    # ------------------------------------------------------------------ composing
    def _compose(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        """The document, the person it is about (None: several) and the record's id. The
        owning services check access and log the read."""
        self.require(Capability.CASE_CONTENT)
        builders = {"journal": self._journal, "decision_letter": self._decision_letter,
                    "samrad_minutes": self._samrad_minutes, "safety_plan": self._safety_plan,
                    "log_extract": self._log_extract, "record_extract": self._record_extract,
                    "board_report": self._board_report}
        if req.kind not in builders:
            raise VaultError("unknown document")
        return builders[req.kind](req)

    def _journal(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        from rc_tui.services.people import PeopleService
        from rc_tui.services.records import RecordService

        with self.read() as s:
            self.require_person(s, req.id, Level.FULL)
        detail = PeopleService(self.vault, screen=self.screen, clock=self.clock).get(req.id)
        notes = RecordService(self.vault, screen=self.screen, clock=self.clock).journal(req.id)
        sections = []
        for n in reversed(notes):
            signed = f"{_local(n.signed_at):%Y-%m-%d %H:%M}" if n.signed_at else _("draft")
            sections.append(Section(
                f"{_local(n.created_at):%Y-%m-%d %H:%M}  {label(NOTE_TYPES, n.note_type)}  "
                f"{n.author}  ({signed})", n.body))
        if not sections:
            sections.append(Section("", _("No journal entries.")))
        return (Document("journal", _("Journal – {name}", name=detail.display_name),
                         tuple(sections)), req.id, None)

    def _decision_letter(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        from rc_tui.services.casework import CaseworkService

        letter = CaseworkService(self.vault, screen=self.screen,
                                 clock=self.clock).decision_letter(req.id)
        with self.read() as s:  # the letter's service checked access to the person
            person_id = s.scalar(select(Decision.person_id).where(Decision.id == req.id))
        return (Document("decision_letter", _("Decision"), (Section("", letter),)),
                person_id, req.id)

    def _samrad_minutes(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        from rc_tui.services.samrad import SamradService

        text = SamradService(self.vault, screen=self.screen,
                             clock=self.clock).minutes_text(req.id, req.agency)
        return (Document("samrad_minutes", _("Minutes of samråd"), (Section("", text),)),
                None, req.id)

    def _safety_plan(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        from rc_tui.services.safety import SafetyPlanService

        view = SafetyPlanService(self.vault, screen=self.screen, clock=self.clock).get(req.id)
        if view.signed_at is not None:
            status = _("Signed {when} by {who}; review {review}.",
                       when=f"{_local(view.signed_at):%Y-%m-%d}", who=view.signed_by,
                       review=str(view.review_on or "–"))
        else:
            status = _("Not signed: a draft.")
        sections = [Section("", status)] + [
            Section(sec.title, view.texts.get(sec.id, "") or "–") for sec in view.sections]
        return (Document("safety_plan", view.title or _("Safety plan"), tuple(sections)),
                view.person_id, view.id)

    def _board_report(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        """The yearly (or any period's) statistics for the board: managers only
        (``STATISTICS``, checked and logged by the statistics service); about nobody."""
        from rc_tui.services.statistics import StatisticsService
        from rc_tui.services.statistics_out import board_document

        self.require(Capability.STATISTICS)
        report = StatisticsService(self.vault, screen=self.screen, clock=self.clock).report(
            req.period or str(self.clock().year))
        return board_document(report, str(self.vault.setting("centre_name"))), None, None

    def _log_extract(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        """Every access-log entry about the person (managers: ``LOG_EXTRACT``)."""
        from rc_tui.services.logreview import LogFilter, LogReviewService

        self.require(Capability.LOG_EXTRACT)
        entries = LogReviewService(self.vault, screen=self.screen, clock=self.clock).entries(
            LogFilter(person_id=req.id, limit=1_000_000))
        if not entries:
            raise VaultError("not found")
        lines = []
        for e in reversed(entries):
            line = (f"{_local(e.ts):%Y-%m-%d %H:%M:%S}  {e.username or '–'}  {e.action}"
                    f"{'/' + e.outcome if e.outcome != 'ok' else ''}"
                    f"{'  ' + e.record if e.record else ''}")
            if e.emergency:
                line += "  " + _("EMERGENCY ACCESS – reason: {reason}", reason=e.reason)
            elif e.reason:
                line += f"  ({e.reason})"
            lines.append(line)
        intro = _("Every access-log entry about the person, oldest first: {count}. Time "
                  "(Swedish time), user, action, record and reason.", count=len(entries))
        return (Document("log_extract", _("Log extract – {name}", name=entries[0].person),
                         (Section("", intro), Section("", "\n".join(lines)))),
                req.id, None)

    def _record_extract(self, req: DocumentRequest) -> tuple[Document, int | None, int | None]:
        """A person's record extract as reviewed (``ExtractService``: managers and the
        person's caseworker; withheld passages as withheld)."""
        from rc_tui.services.extracts import ExtractService

        doc, person_id = ExtractService(self.vault, screen=self.screen,
                                        clock=self.clock).document(req.id)
        return doc, person_id, req.id

    # ------------------------------------------------------------------ leaving
    def issue(self, req: DocumentRequest) -> Issued:
        """Compose the document and send it out the installation's way; logged with the
        hash of what was printed or written."""
        doc, person_id, record_id = self._compose(req)
        output = self.output()
        now = self.clock()
        centre = str(self.vault.setting("centre_name"))
        by = self.user.display_name or self.user.username
        path: Path | None = None
        password: str | None = None
        if output == "printer":
            data = render(doc, centre=centre, produced=_local(now), by=by)
            self._print(data, str(self.vault.setting("printer_queue")), doc.kind)
        else:
            password = one_time_password()
            data = render(doc, centre=centre, produced=_local(now), by=by, password=password)
            path = self._write(doc.kind, data, "pdf")
        digest = hashlib.sha256(data).hexdigest()
        self._log(person_id, req.kind, record_id, f"{output} sha256={digest}", path)
        return Issued(output, digest, password, path)

    def issue_to(self, req: DocumentRequest, path: Path) -> Issued:
        """The command line's way out: the document as an encrypted PDF (always; never
        plaintext) in a new owner-only file at ``path``, its one-time password returned
        to be shown once; logged with the hash like ``issue``."""
        doc, person_id, record_id = self._compose(req)
        password = one_time_password()
        data = render(doc, centre=str(self.vault.setting("centre_name")),
                      produced=_local(self.clock()),
                      by=self.user.display_name or self.user.username, password=password)
        path = Path(path).expanduser()
        try:
            exports.write_new(path, data)
        except OSError as exc:
            raise DocumentError(_("The file could not be written ({kind}).",
                                  kind=type(exc).__name__)) from None
        digest = hashlib.sha256(data).hexdigest()
        self._log(person_id, req.kind, record_id, f"encrypted_pdf sha256={digest}", path)
        return Issued("encrypted_pdf", digest, password, path)

    @staticmethod
    def _text(doc: Document, centre: str, produced: datetime, by: str) -> str:
        parts = [" · ".join(p for p in (centre, doc.title) if p),
                 _("Produced {when} by {user}", when=f"{produced:%Y-%m-%d %H:%M}", user=by),
                 ""]
        for section in doc.sections:
            if section.heading:
                parts.append(section.heading)
            parts += [section_text(section), ""]
        return "\n".join(parts)

    def write_plaintext(self, req: DocumentRequest, path: Path) -> Path:
        """Write the document as plain text to ``path`` (new file, owner-only), only where an
        administrator turned plaintext export on; logged with the hash."""
        if not self.plaintext_allowed():
            raise DocumentError(_("Plaintext files are turned off for this installation."))
        doc, person_id, record_id = self._compose(req)
        data = self._text(doc, str(self.vault.setting("centre_name")), _local(self.clock()),
                          self.user.display_name or self.user.username).encode("utf-8")
        path = Path(path).expanduser()
        exports.write_new(path, data)
        digest = hashlib.sha256(data).hexdigest()
        self._log(person_id, req.kind, record_id, f"plaintext sha256={digest}", path)
        return path

    def _log(self, person_id: int | None, kind: str, record_id: int | None, reason: str,
             path: Path | None) -> None:
        try:
            with self.write() as s:
                self.log(s, "export", person_id=person_id, record_type=kind,
                         record_id=record_id, reason=reason, flagged=True)
        except BaseException:
            if path is not None:  # not logged: not kept either
                path.unlink(missing_ok=True)
            raise

    def _write(self, kind: str, data: bytes, suffix: str) -> Path:
        where = exports.folder(Path(self.vault.path), self.user.username)
        try:
            files.ensure_private_dir(where)
            path = where / exports.file_name(kind, _local(self.clock()), suffix)
            exports.write_new(path, data)
        except OSError as exc:
            raise DocumentError(_("The export folder could not be written ({kind}).",
                                  kind=type(exc).__name__)) from None
        return path

    @staticmethod
    def _print(data: bytes, queue: str, kind: str) -> None:
        """Pipe the PDF to ``lp`` (nothing is written by rc-tui; the job's title names only
        the kind of document, as the queue is visible to others)."""
        lp = shutil.which("lp")
        if lp is None:
            raise DocumentError(_("No printer command (lp) is installed here: ask the "
                                  "administrator to install CUPS, or to have documents "
                                  "written as encrypted files."))
        argv = [lp, "-s", "-t", f"rc-tui-{kind}"]
        if queue:
            argv += ["-d", queue]
        try:
            done = subprocess.run(argv, input=data, capture_output=True,  # noqa: S603
                                  timeout=PRINT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DocumentError(_("The printer did not take the document ({kind}).",
                                  kind=type(exc).__name__)) from None
        if done.returncode != 0:
            raise DocumentError(_("The printer refused the document (lp: exit {code}).",
                                  code=done.returncode))
