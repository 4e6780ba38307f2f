"""Documents: every kind goes out through the one path – to the printer (a fake ``lp`` on
PATH captures the piped PDF) or as an AES-256 encrypted PDF in the user's export folder
(opens with the password shown, not without; no plaintext in its bytes) – and is logged
with the hash of what left. Plaintext files only where an administrator allowed them; the
log extract only for managers; export files expire; hostile text renders."""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from rc_tui.services import capabilities, exports, settings
from rc_tui.services.access import Capability
from rc_tui.services.casework import CaseworkService, DecisionInput
from rc_tui.services.documents import DocumentError, DocumentRequest, DocumentService
from rc_tui.services.extracts import ExtractService, ReviewDecision
from rc_tui.services.logreview import LogFilter, LogReviewService
from rc_tui.services.people import PeopleService
from rc_tui.services.safety import SafetyPlanService
from storage.errors import NoAccess, PermissionDenied
from storage.models import AccessLog
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    PER,
    PER_PASS,
    VICTIM_NOTE,
    Family,
    as_user,
    family,
)
from tests.service.test_samrad_extracts import SHARED, _minutes

PLAN_TEXT = "Ring 112 och gå till grannen Berit."
REASON = "Polisen ringde om akut fara i natt"
CENTRE = "Kvinnofridscentrum Åby"
NAMES = ("Åsa", "Öberg", "Oberg")


def _set(family: Family, **values: object) -> None:
    """The administrator signs settings (before the users' sessions open)."""
    with Vault.unlock(family.path, ADMIN, ADMIN_PASS) as v:
        for name, value in values.items():
            getattr(settings, f"set_{name}")(v, value)


@pytest.fixture
def lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake CUPS ``lp`` alone on PATH: it keeps the piped job and its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "lp"
    # (PATH holds only this folder: the script names what it runs in full)
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{bin_dir}/args"\n'
                      f'/bin/cat > "{bin_dir}/job.pdf"\nexit "${{FAKE_LP_EXIT:-0}}"\n',
                      encoding="utf-8")
    script.chmod(0o700)
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir


def _records(family: Family) -> dict[str, DocumentRequest]:
    """One of each document kind about the victim (decision, samråd, signed safety plan),
    and an emergency access by bo, whose reason the log extract must show."""
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        decision = CaseworkService(v).record_decision(DecisionInput(
            family.victim, "practical_support", "granted", "Behöver stöd.", "sol_bistand",
            emergency=True, case_id=family.case_id)).id
        plans = SafetyPlanService(v)
        plan_id = plans.start(family.victim, case_id=family.case_id)
        view = plans.get(plan_id)
        plans.sign(plan_id, view.version, {view.sections[0].id: PLAN_TEXT},
                   date.today() + timedelta(days=30))
    with Vault.unlock(family.path, BO, BO_PASS) as v:
        PeopleService(v).emergency_access(family.victim, REASON)
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as v:
        _svc, samrad_id = _minutes(v, family, "danger")
        # the child's record extract, reviewed: the passages about her family released
        extracts = ExtractService(v)
        review = extracts.record_review(family.child, [
            ReviewDecision(p.key, True) for p in extracts.prepare(family.child).to_review])
    return {"journal": DocumentRequest("journal", family.victim),
            "decision_letter": DocumentRequest("decision_letter", decision),
            "samrad_minutes": DocumentRequest("samrad_minutes", samrad_id),
            "safety_plan": DocumentRequest("safety_plan", plan_id),
            "record_extract": DocumentRequest("record_extract", review),
            "log_extract": DocumentRequest("log_extract", family.victim)}


#: what each kind's text must hold (read back from the PDF)
EXPECTED = {"journal": VICTIM_NOTE, "decision_letter": "BESLUT", "samrad_minutes": SHARED,
            "record_extract": "Registerutdrag – Ella",
            "safety_plan": PLAN_TEXT, "log_extract": REASON}


def _text(data: bytes, password: str | None = None) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    if password is not None:
        assert reader.decrypt(password)
    return "\n".join(page.extract_text() for page in reader.pages)


def _logged(v: Vault) -> list[AccessLog]:
    with v.session() as s:
        return list(s.scalars(select(AccessLog).where(AccessLog.action == "export")
                              .order_by(AccessLog.id)))


def test_every_kind_to_the_printer(family: Family, lp: Path,
                                   as_user: Callable[[str, str], Vault]) -> None:
    requests = _records(family)
    _set(family, document_output="printer", centre_name=CENTRE, printer_queue="mottagning")
    chef = as_user(CHEF, CHEF_PASS)
    documents = DocumentService(chef)
    for kind, request in requests.items():
        issued = documents.issue(request)
        assert issued.output == "printer" and issued.password is None and issued.path is None
        data = (lp / "job.pdf").read_bytes()
        assert data.startswith(b"%PDF")
        assert hashlib.sha256(data).hexdigest() == issued.sha256
        text = _text(data)
        assert EXPECTED[kind] in text, kind
        assert CENTRE in text and "Sida 1 av" in text  # the header and the page numbers
        # the queue shows the job's title to others: the kind of document, never a name
        args = (lp / "args").read_text(encoding="utf-8").split("\n")
        assert args[:6] == ["-s", "-t", f"rc-tui-{kind}", "-d", "mottagning", ""], args
        entry = _logged(chef)[-1]
        assert entry.record_type == kind and entry.flagged
        assert entry.reason == f"printer sha256={issued.sha256}"
    assert "NÖDÅTKOMST" in text  # the log extract (the last) marks emergency access
    assert not exports.root(family.path).exists()  # nothing written by rc-tui


def test_every_kind_as_an_encrypted_pdf(family: Family,
                                        as_user: Callable[[str, str], Vault]) -> None:
    requests = _records(family)
    chef = as_user(CHEF, CHEF_PASS)
    documents = DocumentService(chef)
    assert documents.output() == "encrypted_pdf"  # the default
    passwords = set()
    for kind, request in requests.items():
        issued = documents.issue(request)
        assert issued.path is not None and issued.password is not None
        assert re.fullmatch(r"([a-z2-9]{5}-){3}[a-z2-9]{5}", issued.password)
        passwords.add(issued.password)
        assert issued.path.parent == exports.folder(family.path, CHEF)
        assert re.fullmatch(rf"rc-tui-{kind}-\d{{8}}-\d{{6}}-[0-9a-f]{{4}}\.pdf",
                            issued.path.name)
        if os.name == "posix":
            assert stat.S_IMODE(issued.path.stat().st_mode) == 0o600
            assert stat.S_IMODE(issued.path.parent.stat().st_mode) == 0o700
        data = issued.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == issued.sha256
        assert b"/Encrypt" in data and b"/AESV3" in data
        for secret in (*NAMES, EXPECTED[kind]):
            for encoded in (secret.encode("utf-8"), secret.encode("utf-16-be"),
                            secret.encode("latin-1", "replace")):
                assert encoded not in data, (kind, secret)
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert reader.is_encrypted
        assert not reader.decrypt("fel-lösenord")
        assert EXPECTED[kind] in _text(data, issued.password), kind
        assert _logged(chef)[-1].reason == f"encrypted_pdf sha256={issued.sha256}"
    assert len(passwords) == len(requests)  # one password per document


def test_no_printer_and_a_refusing_printer(family: Family, lp: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           as_user: Callable[[str, str], Vault]) -> None:
    _set(family, document_output="printer")
    anna = as_user(ANNA, ANNA_PASS)
    request = DocumentRequest("journal", family.victim)
    monkeypatch.setenv("FAKE_LP_EXIT", "1")
    with pytest.raises(DocumentError, match="lp"):
        DocumentService(anna).issue(request)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(DocumentError, match=r"\(lp\)"):
        DocumentService(anna).issue(request)
    assert _logged(anna) == []  # nothing left: nothing logged as left


def test_plaintext_only_where_an_administrator_allowed_it(
        family: Family, tmp_path: Path, as_user: Callable[[str, str], Vault]) -> None:
    anna = as_user(ANNA, ANNA_PASS)
    request = DocumentRequest("journal", family.victim)
    target = tmp_path / "journal.txt"
    with pytest.raises(DocumentError):
        DocumentService(anna).write_plaintext(request, target)
    assert not target.exists() and _logged(anna) == []
    _set(family, plaintext_export=True)
    anna = as_user(ANNA, ANNA_PASS)
    written = DocumentService(anna).write_plaintext(request, target)
    data = written.read_bytes()
    assert VICTIM_NOTE in data.decode("utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert _logged(anna)[-1].reason == f"plaintext sha256={hashlib.sha256(data).hexdigest()}"
    with pytest.raises(FileExistsError):  # never over an existing file
        DocumentService(anna).write_plaintext(request, target)


def test_documents_keep_the_need_to_know(family: Family,
                                         as_user: Callable[[str, str], Vault]) -> None:
    """An insider with the services: per (the perpetrator's caseworker) asks for the
    victim's journal, decision letter and safety plan by id – refused, nothing written."""
    requests = _records(family)
    per = as_user(PER, PER_PASS)
    for kind in ("journal", "decision_letter", "safety_plan"):
        with pytest.raises(NoAccess):
            DocumentService(per).issue(requests[kind])
    assert not exports.folder(family.path, PER).exists()
    assert _logged(per) == []


def test_the_log_extract_is_for_managers(family: Family, monkeypatch: pytest.MonkeyPatch,
                                         as_user: Callable[[str, str], Vault]) -> None:
    """anna has the victim's whole record, but who read it is the manager's to tell:
    refused through the document path and through the log review underneath it – also
    when the log review is given to caseworkers, the extract is not."""
    request = DocumentRequest("log_extract", family.victim)
    anna = as_user(ANNA, ANNA_PASS)
    with pytest.raises(PermissionDenied):
        DocumentService(anna).issue(request)
    with pytest.raises(PermissionDenied):
        LogReviewService(anna).entries(LogFilter(person_id=family.victim))
    table = dict(capabilities.CAPABILITIES)
    table[Role.CASEWORKER] = table[Role.CASEWORKER] | {Capability.LOG_REVIEW}
    monkeypatch.setattr(capabilities, "CAPABILITIES", table)
    with pytest.raises(PermissionDenied):
        DocumentService(anna).issue(request)
    assert not exports.root(family.path).exists() and _logged(anna) == []
    chef = as_user(CHEF, CHEF_PASS)
    issued = DocumentService(chef).issue(request)
    assert issued.path is not None and issued.password is not None
    text = _text(issued.path.read_bytes(), issued.password)
    assert ANNA in text and "create" in text  # who, and what


def test_hostile_text_goes_out_as_text(family: Family, lp: Path,
                                       hostile: tuple[str, str],
                                       as_user: Callable[[str, str], Vault]) -> None:
    from rc_tui.services.records import RecordService

    why, body = hostile
    _set(family, document_output="printer")
    anna = as_user(ANNA, ANNA_PASS)
    if body.strip():  # (a note holds at most 100 000 characters)
        RecordService(anna).add_note(family.victim, "note", body[:100_000], sign=True)
    issued = DocumentService(anna).issue(DocumentRequest("journal", family.victim))
    data = (lp / "job.pdf").read_bytes()
    assert hashlib.sha256(data).hexdigest() == issued.sha256, why
    assert VICTIM_NOTE in _text(data), why


@pytest.fixture(params=["Rich markup", "C1 control CSI", "right-to-left override",
                        "NUL byte", "100 kB text"])
def hostile(request: pytest.FixtureRequest) -> tuple[str, str]:
    from tests.conftest import hostile_cases

    return next(c for c in hostile_cases() if c[0] == request.param)


def test_the_renderer_takes_every_hostile_text() -> None:
    """The whole corpus, as title, heading and body: a PDF that reads back, with no
    control character or direction override left in its text (the 100 kB text goes
    through the service test above: over a second on its own)."""
    from datetime import datetime

    from rc_tui.services.pdf import Document, Section, render
    from tests.conftest import hostile_cases

    cases = [(why, body) for why, body in hostile_cases() if len(body) <= 10_000]
    every = "".join(body[:40] for _why, body in cases)
    data = render(Document("journal", every, tuple(Section(body[:200], body)
                                                   for _why, body in cases)),
                  centre=every[:80], produced=datetime(2026, 12, 1, 10, 0), by=every[:40])
    text = _text(data)
    assert "Sida 1 av" in text
    assert not re.search("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e]", text)


# ---------------------------------------------------------------------- the export folders

def _export_file(folder: Path, kind: str, age_hours: float, now: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rc-tui-{kind}-20261201-101500-{os.urandom(2).hex()}.pdf"
    path.write_bytes(b"%PDF-encrypted")
    os.utime(path, (now - age_hours * 3600, now - age_hours * 3600))
    return path


def test_exports_expire(tmp_path: Path) -> None:
    db = tmp_path / "rc-tui.db"
    now = 2_000_000_000.0
    old = _export_file(exports.folder(db, "anna"), "journal", 25, now)
    fresh = _export_file(exports.folder(db, "anna"), "journal", 23, now)
    other = _export_file(exports.folder(db, "chef"), "log_extract", 100, now)
    stranger = exports.folder(db, "anna") / "notes.txt"  # not an export: left alone
    stranger.write_text("x", encoding="utf-8")
    os.utime(stranger, (0, 0))
    assert [f.name for f in exports.listing(db, "anna", now=now)] == [old.name, fresh.name]
    assert exports.purge(db, 24, now=now) == 2
    assert not old.exists() and not other.exists() and fresh.exists() and stranger.exists()
    assert exports.purge(db, 24, now=now + 2 * 3600) == 1
    assert not fresh.exists()


def test_exports_expire_at_start_and_by_the_command(
        family: Family, capsys: pytest.CaptureFixture[str]) -> None:
    from rc_tui.cli import main

    _set(family, export_max_age_hours=2)
    now = __import__("time").time()
    mine = _export_file(exports.folder(family.path, ANNA), "journal", 1, now)
    hers = _export_file(exports.folder(family.path, CHEF), "journal", 1, now)
    stale = _export_file(exports.folder(family.path, CHEF), "journal", 3, now)
    assert main(["exports", "list", "--db", str(family.path), "--user", ANNA],
                stdin=io.StringIO(ANNA_PASS + "\n")) == 0
    listed = capsys.readouterr().out
    assert mine.name in listed and hers.name not in listed and stale.name not in listed
    assert re.search(rf"{mine.name}\t14\t[01]h\d\dm", listed)
    # any other command starts by removing what has expired
    assert main(["settings", "--db", str(family.path), "--user", ADMIN],
                stdin=io.StringIO(ADMIN_PASS + "\n")) == 0
    assert not stale.exists() and mine.exists() and hers.exists()
    assert "export_max_age_hours\t2" in capsys.readouterr().out
    os.utime(mine, (now - 4 * 3600, now - 4 * 3600))
    assert main(["exports", "purge", "--db", str(family.path)]) == 0
    assert not mine.exists() and hers.exists()


def test_the_document_settings(family: Family, capsys: pytest.CaptureFixture[str]) -> None:
    from rc_tui.cli import main

    def run(*args: str) -> int:
        return main(["settings", "--db", str(family.path), "--user", ADMIN, *args],
                    stdin=io.StringIO(ADMIN_PASS + "\n"))

    assert run("--documents", "printer", "--plaintext-export", "on", "--centre-name",
               CENTRE, "--printer", "mottagning", "--export-max-age", "48") == 0
    out = capsys.readouterr().out
    for line in ("document_output\tprinter", "plaintext_export\t1", f"centre_name\t{CENTRE}",
                 "printer_queue\tmottagning", "export_max_age_hours\t48"):
        assert line in out
    assert run("--printer=-oraw") == 1  # would be an option to lp
    assert run("--centre-name", "a\x1b[2Jb") == 1
    assert run("--export-max-age", "0") == 1
    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v:
        assert DocumentService(v).output() == "printer"
        assert DocumentService(v).plaintext_allowed()
