"""Record extracts (registerutdrag): a perpetrator asks for his own extract; every passage
about another person is marked, the reviewer withholds the victim's address and shelter
and her identity, the decision is kept and logged, and the encrypted PDF – read after
decryption – holds none of it. A record changed under a reviewed passage is reviewed
again; only managers and the person's own caseworker make extracts; the command line
makes one only when nothing needs review."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from rc_tui.services.documents import DocumentRequest, DocumentService
from rc_tui.services.errors import ValidationError
from rc_tui.services.extracts import ExtractService, ReviewDecision
from rc_tui.services.people import PeopleService
from rc_tui.services.records import RecordService
from storage.errors import NoAccess, PermissionDenied
from storage.models import AccessLog, ExtractDecision, ExtractReview
from storage.vault import Vault
from tests.cli_runner import run_cli
from tests.conftest import ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    OTHER_NO,
    PER,
    PER_PASS,
    PERP_NO,
    PERP_NOTE,
    SIRI,
    SIRI_PASS,
    VICTIM_ADDRESS,
    Family,
    as_user,
    family,
)

LEAK_NOTE = ("Bengt sa att han vet att Åsa bor på skyddat boende nu, på "
             f"{VICTIM_ADDRESS}, och att han tänker åka dit.")
SHELTER_NOTE = "Han frågade om kvinnojouren i stan tar emot kvinnor från kommunen."


def _pdf_text(data: bytes, password: str) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.decrypt(password)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _perpetrator_notes(v: Vault, family: Family) -> None:
    records = RecordService(v)
    records.add_note(family.perpetrator, "support_talk", LEAK_NOTE, sign=True)
    records.add_note(family.perpetrator, "support_talk", SHELTER_NOTE, sign=True)


def test_a_perpetrators_own_extract_withholds_her_address_and_shelter(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    per = as_user(PER, PER_PASS)
    _perpetrator_notes(per, family)
    extracts = ExtractService(per)
    draft = extracts.prepare(family.perpetrator)
    flags = {p.key.split(":")[0]: p.flag for p in draft.to_review}
    notes = {p.text: p.flag for p in draft.passages if p.key.startswith("journal:")}
    # his victim's identity is protected from per: every passage is marked, what matches
    # an address or the shelter as such
    assert notes == {PERP_NOTE: "person", LEAK_NOTE: "address", SHELTER_NOTE: "shelter"}
    assert flags["member"] == "person"  # the victim and the child in his case
    assert {p.key for p in draft.passages if p.flag is None} == {"person", "case:2"}
    # the reviewer sees a protected victim as he may: never her name
    assert not any("Åsa" in p.text for p in draft.passages if p.key.startswith("member:"))
    # every marked passage needs a decision, a withholding needs a reason from the list
    with pytest.raises(ValidationError):
        extracts.record_review(family.perpetrator, [])
    with pytest.raises(ValidationError):
        extracts.record_review(family.perpetrator, [
            ReviewDecision(p.key, False, "because") for p in draft.to_review])
    decisions = [ReviewDecision(p.key, p.text == PERP_NOTE,
                                None if p.text == PERP_NOTE
                                else "osl_21_3" if p.flag != "person" else "osl_26_1")
                 for p in draft.to_review]
    review_id = extracts.record_review(family.perpetrator, decisions)
    issued = DocumentService(per).issue(DocumentRequest("record_extract", review_id))
    assert issued.path is not None and issued.password is not None
    data = issued.path.read_bytes()
    text = _pdf_text(data, issued.password)
    for secret in ("Hemliga", "skyddat boende", "kvinnojouren", "Åsa", "Ella", "åka dit"):
        assert secret not in text and secret.encode() not in data
    assert PERP_NOTE in text and "Bengt Öberg" in text
    assert "OSL 21 kap. 3 §" in text and "OSL 26 kap. 1 §" in text
    # the decision is kept (read-only) and logged, and so is the document
    with per.session() as s:
        review = s.get(ExtractReview, review_id)
        assert review is not None and review.withheld == len(decisions) - 1
        kept = s.scalars(select(ExtractDecision).where(
            ExtractDecision.review_id == review_id)).all()
        assert {(d.passage, d.decision, d.reason) for d in kept} == {
            (d.passage, "release" if d.release else "withhold", d.reason) for d in decisions}
        logged = s.execute(select(AccessLog.action, AccessLog.record_type, AccessLog.flagged)
                           .where(AccessLog.person_id == family.perpetrator,
                                  AccessLog.action.in_(["extract_review", "export"]))
                           .order_by(AccessLog.id)).all()
        assert [tuple(r) for r in logged] == [("extract_review", "extract_review", True),
                                              ("export", "record_extract", True)]


def test_the_marks_tell_nothing_of_a_protected_identity(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """An insider probing: per writes her real name and a made-up one into his client's
    journal – both passages are marked alike, so the marks do not confirm her name. Once
    a manager revealed her, the marks follow what the text says."""
    per = as_user(PER, PER_PASS)
    RecordService(per).add_note(family.perpetrator, "note", "Åsa")
    RecordService(per).add_note(family.perpetrator, "note", "Maria")
    flags = {p.text: p.flag for p in ExtractService(per).prepare(family.perpetrator).passages}
    assert flags["Åsa"] == flags["Maria"] == flags[PERP_NOTE] == "person"
    chef = as_user(CHEF, CHEF_PASS)
    PeopleService(chef).reveal(family.victim)
    flags = {p.text: p.flag for p in ExtractService(chef).prepare(family.perpetrator).passages}
    assert (flags["Åsa"], flags["Maria"], flags[PERP_NOTE]) == ("person", None, None)


def test_released_passages_are_printed_and_a_changed_record_is_reviewed_again(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    extracts = ExtractService(chef)
    draft = extracts.prepare(family.perpetrator)
    review_id = extracts.record_review(family.perpetrator, [
        ReviewDecision(p.key, True) for p in draft.to_review])
    issued = DocumentService(chef).issue(DocumentRequest("record_extract", review_id))
    assert issued.path is not None and issued.password is not None
    text = _pdf_text(issued.path.read_bytes(), issued.password)
    assert "Ella Öberg (barn)" in text or "Ella Öberg (child)" in text
    # a new passage about another person after the review: the review no longer covers it
    RecordService(chef).add_note(family.perpetrator, "note", "Ella ringde i dag.", sign=True)
    with pytest.raises(ValidationError, match="prövningen"):
        DocumentService(chef).issue(DocumentRequest("record_extract", review_id))


def test_who_makes_an_extract(family: Family, as_user: Callable[[str, str], Vault]) -> None:
    # the victim's caseworker: not his extract; an unrelated caseworker: nobody's of the
    # family; shelter staff: none; emergency access does not make an extract
    with pytest.raises(NoAccess):
        ExtractService(as_user(ANNA, ANNA_PASS)).prepare(family.perpetrator)
    bo = as_user(BO, BO_PASS)
    PeopleService(bo).emergency_access(family.victim, "Polisen ringde i natt om henne")
    with pytest.raises(NoAccess):
        ExtractService(bo).prepare(family.victim)
    with pytest.raises(PermissionDenied):
        ExtractService(as_user(SIRI, SIRI_PASS)).prepare(family.victim)
    # a manager makes the protected victim's extract only once her identity is revealed
    chef = as_user(CHEF, CHEF_PASS)
    with pytest.raises(ValidationError):
        ExtractService(chef).prepare(family.victim)
    PeopleService(chef).reveal(family.victim)
    assert ExtractService(chef).prepare(family.victim).name == "Åsa Öberg"
    # and the refusals are in the access log
    with bo.session() as s:
        assert s.scalar(select(AccessLog.outcome).where(
            AccessLog.user_id.is_not(None), AccessLog.record_type == "record_extract",
            AccessLog.person_id == family.victim)) == "denied"


def test_the_command_line_refuses_when_review_is_needed_and_writes_when_not(
        family: Family, tmp_path: Path) -> None:
    out = tmp_path / "utdrag.pdf"
    code, stdout, err = run_cli("extract", "--db", family.path, "--user", PER, "--person",
                                PERP_NO, "--out", out, stdin=PER_PASS + "\n")
    assert code == 1 and not out.exists() and stdout == ""
    assert re.search(r"\d+ (avsnitt|passages)", err), err
    # bo's client is alone in her case and her record names nobody else
    code, stdout, err = run_cli("extract", "--db", family.path, "--user", BO, "--person",
                                OTHER_NO, "--out", out, stdin=BO_PASS + "\n")
    assert code == 0, err
    password = stdout.strip().splitlines()[-1].split(": ")[-1]
    text = _pdf_text(out.read_bytes(), password)
    assert "Karin Ek" in text and OTHER_NO in text
    assert b"Karin" not in out.read_bytes()
    assert out.stat().st_mode & 0o077 == 0
    # someone else's person: refused like a person that does not exist
    code, _out, err = run_cli("extract", "--db", family.path, "--user", BO, "--person",
                              PERP_NO, "--out", tmp_path / "x.pdf", stdin=BO_PASS + "\n")
    assert code == 3 and not (tmp_path / "x.pdf").exists()
