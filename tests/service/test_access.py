"""Need-to-know: the access matrix (role × compartment × action) as plain tests, protected
identities, emergency access and reveal, and the log review."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from rc_tui.domain.identity import luhn_check_digit
from rc_tui.services.access import forget_grants
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.home import HomeService
from rc_tui.services.logreview import LogFilter, LogReviewService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchService
from storage.errors import NoAccess, NoDataKey, PermissionDenied
from storage.models import Person
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import (
    ADMIN,
    ADMIN_PASS,
    ANNA,
    ANNA_PASS,
    MANAGER,
    MANAGER_PASS,
    Templates,
    build_installed,
)

NOW = datetime(2026, 11, 26, 10, 0)
PER, PER_PASS = "per", "pers långa lösenfras"
CHEF, CHEF_PASS = "chef", "chefens långa fras"
SIRI, SIRI_PASS = "siri", "nattens långa fras"
BO, BO_PASS = "bo", "bos helt egna fras"
VICTIM_ADDRESS = "Hemliga gatan 7"
VICTIM_NOTE = "Berättade var hon bor nu"
PERP_NOTE = "Motiverande samtal om ilska"


def pnr(yymmdd: str, serial: str) -> str:
    return f"19{yymmdd}-{serial}{luhn_check_digit(yymmdd + serial)}"


VICTIM_NO = pnr("850312", "123")
PERP_NO = pnr("820101", "456")
OTHER_NO = pnr("900101", "789")


@dataclass
class Family:
    path: Path
    case_id: int
    victim: int
    perpetrator: int
    child: int
    other_case: int
    outsider: int


def build_family(installed: Path) -> Family:
    """anna works with the victim and child; per (perpetrator service) with the
    perpetrator; bo with an unrelated case; chef is the manager; siri shelter staff."""
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as v:
        for name, role, phrase in ((PER, Role.CASEWORKER, PER_PASS),
                                   (CHEF, Role.MANAGER, CHEF_PASS),
                                   (SIRI, Role.SHELTER, SIRI_PASS),
                                   (BO, Role.CASEWORKER, BO_PASS)):
            v.add_user(name, name.title(), role, phrase, must_change=False)
    Vault.unlock(installed, MANAGER, MANAGER_PASS).close(None)  # enrols them
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        result = CaseService(v, clock=lambda: NOW).register_intake(IntakeInput(
            occurred_at=NOW, channel="police", what_happened="Hon berättade om hot.",
            immediate_danger=False, referrer_name="Kvinnojouren Hemlig",
            members=[
                MemberInput("victim", PersonInput(given_name="Åsa", family_name="Öberg",
                                                  id_number=VICTIM_NO,
                                                  safe_address=VICTIM_ADDRESS,
                                                  protection_level="skyddad_folkbokforing")),
                MemberInput("perpetrator", PersonInput(given_name="Bengt",
                                                       family_name="Öberg",
                                                       id_number=PERP_NO)),
                MemberInput("child", PersonInput(given_name="Ella", family_name="Öberg",
                                                 birth_year=2016)),
            ]))
        victim, perp, child = result.person_ids
        RecordService(v, clock=lambda: NOW).add_note(victim, "note", VICTIM_NOTE, sign=True)
        RecordService(v).record_consent(victim, "investigation", "given", "oral")
    with Vault.unlock(installed, CHEF, CHEF_PASS) as v:
        detail = CaseService(v).detail(result.case_id)
        perp_member = next(m.member_id for m in detail.members if m.role == "perpetrator")
        CaseService(v).assign(perp_member, PER)
    with Vault.unlock(installed, PER, PER_PASS) as v:
        RecordService(v, clock=lambda: NOW).add_note(perp, "support_talk", PERP_NOTE, sign=True)
    with Vault.unlock(installed, BO, BO_PASS) as v:
        other = CaseService(v, clock=lambda: NOW).register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
            members=[MemberInput("victim", PersonInput(given_name="Karin", family_name="Ek",
                                                       id_number=OTHER_NO))]))
    return Family(installed, result.case_id, victim, perp, child, other.case_id,
                  other.person_ids[0])


@pytest.fixture
def family(installed: Path, templates: Templates) -> Family:
    """The family of ``build_family``: built once per worker, copied for each test."""
    def build(path: Path) -> Family:
        templates.copy("installed", path, build_installed)
        return build_family(path)

    return replace(templates.copy("family", installed, build), path=installed)


@pytest.fixture
def as_user(family: Family) -> Iterator[Callable[[str, str], Vault]]:
    opened: list[Vault] = []

    def login(user: str, phrase: str) -> Vault:
        v = Vault.unlock(family.path, user, phrase, clock=lambda: 9e9)
        opened.append(v)
        return v

    yield login
    for v in opened:
        forget_grants(v)
        v.close(None)


# expected level of each role for each compartment: full / exists / none
MATRIX = {
    # user:     victim,    perpetrator, child,   outsider
    ANNA: ("full", "exists", "full", "none"),
    PER: ("exists", "full", "exists", "none"),
    BO: ("none", "none", "none", "full"),
    CHEF: ("full", "full", "full", "full"),
    SIRI: ("none", "none", "none", "none"),  # shelter residency arrives with the shelter
}
PASSES = {ANNA: ANNA_PASS, PER: PER_PASS, BO: BO_PASS, CHEF: CHEF_PASS, SIRI: SIRI_PASS}


def _who(family: Family) -> list[int]:
    return [family.victim, family.perpetrator, family.child, family.outsider]


@pytest.mark.parametrize("user", list(MATRIX))
def test_access_matrix_view_edit_journal(family: Family, as_user: Callable[[str, str], Vault],
                                         user: str) -> None:
    v = as_user(user, PASSES[user])
    people, records = PeopleService(v), RecordService(v)
    for person_id, expected in zip(_who(family), MATRIX[user], strict=True):
        # view
        if expected == "none":
            with pytest.raises(NoAccess):
                people.get(person_id)
        else:
            detail = people.get(person_id)
            assert detail.restricted is (expected == "exists")
            if detail.restricted:
                assert detail.data.safe_address == "" and detail.id_number == ""
        # journal (read) and consent
        if expected == "full":
            records.journal(person_id)
            records.consents(person_id)
        else:
            with pytest.raises(NoAccess):
                records.journal(person_id)
            with pytest.raises(NoAccess):
                records.consents(person_id)
            with pytest.raises(NoAccess):
                records.add_note(person_id, "note", "försök")
        # edit
        if expected == "full":
            d = people.get(person_id)
            if not d.identity_hidden:
                people.update(person_id, d.version, d.data)
        else:
            with pytest.raises(NoAccess):
                people.update(person_id, 1, PersonInput(given_name="X"))


@pytest.mark.parametrize("user", list(MATRIX))
def test_access_matrix_search_and_lists(family: Family, as_user: Callable[[str, str], Vault],
                                        user: str) -> None:
    v = as_user(user, PASSES[user])
    search = SearchService(v)
    titles = {h.title for h in search.search("Öberg")} | {h.title for h in search.search("Ek")}
    note_hits = {h.title for h in search.search("bor") if h.kind == "note"}
    _victim_level, perp_level, child_level, outsider_level = MATRIX[user]
    # the victim has a protected identity: found by name only by those assigned to her
    assert ("Åsa Öberg" in titles) is (user == ANNA)
    assert ("Bengt Öberg" in titles) is (perp_level != "none")
    assert ("Ella Öberg" in titles) is (child_level != "none")
    assert ("Karin Ek" in titles) is (outsider_level != "none")
    # journal text only with full access, never through the family compartment
    assert ("Åsa Öberg" in note_hits) is (user == ANNA)
    assert not {h.title for h in search.search("ilska")} - {"Bengt Öberg"}
    # lists: my cases and the home screen only hold what the user may see
    for row in CaseService(v).my_open_cases():
        for _role, name in row.members:
            assert "Åsa" not in name or user == ANNA
    for item in HomeService(v).due_items():
        assert "Åsa" not in item.title or user == ANNA
    assert all("Hemlig" not in s for s in CaseService(v).referrer_suggestions()) or \
        user in (ANNA, CHEF)


def test_admin_sees_no_case_content(family: Family, as_user: Callable[[str, str], Vault]) -> None:
    v = as_user(ADMIN, ADMIN_PASS)
    with pytest.raises(PermissionDenied):
        PeopleService(v).get(family.victim)
    with pytest.raises(PermissionDenied):
        SearchService(v).search("Öberg")
    with pytest.raises(NoDataKey), v.session():  # not a UI rule: the session has no key
        pass


def test_protected_identity_masked_for_managers_until_revealed(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    v = as_user(CHEF, CHEF_PASS)
    detail = PeopleService(v).get(family.victim)
    assert detail.identity_hidden and "Åsa" not in detail.display_name
    assert detail.id_number == "" and detail.data.safe_address == ""
    case = CaseService(v).detail(family.case_id)
    assert all("Åsa" not in m.person.display_name for m in case.members)
    assert any(m.person.masked_id == "" and m.person.identity_hidden for m in case.members)
    # the full number gives one anonymous hit, never a name
    hits = SearchService(v).search(VICTIM_NO)
    assert [(h.kind, h.title) for h in hits] == [("restricted", "")]
    PeopleService(v).reveal(family.victim)
    assert PeopleService(v).get(family.victim).display_name == "Åsa Öberg"
    with v.session() as s:
        row = s.execute(text("SELECT flagged FROM access_log WHERE action = 'reveal' "
                             "AND person_id = :p"), {"p": family.victim}).one()
    assert row[0]


def test_emergency_access_is_logged_flagged_and_ends_with_the_session(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    v = as_user(BO, BO_PASS)
    with pytest.raises(NoAccess):
        PeopleService(v).get(family.perpetrator)
    from rc_tui.services.accounts import ValidationError

    with pytest.raises(ValidationError):
        PeopleService(v).emergency_access(family.perpetrator, "kort")
    PeopleService(v).emergency_access(family.perpetrator, "Jour: polisen ringer om hot i natt")
    assert PeopleService(v).get(family.perpetrator).display_name == "Bengt Öberg"
    forget_grants(v)
    v.close(None)
    v2 = as_user(BO, BO_PASS)
    with pytest.raises(NoAccess):
        PeopleService(v2).get(family.perpetrator)
    chef = as_user(CHEF, CHEF_PASS)
    entries = LogReviewService(chef).entries(LogFilter(action="emergency"))
    assert len(entries) == 1 and entries[0].emergency and entries[0].username == BO
    assert entries[0].reason == "Jour: polisen ringer om hot i natt"


def test_duplicates_never_reveal_a_hidden_person(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    v = as_user(BO, BO_PASS)
    people = PeopleService(v)
    assert people.find_duplicates(PersonInput(given_name="X", id_number=VICTIM_NO)) == []
    assert people.hidden_duplicates == 1
    with pytest.raises(NoAccess):  # nobody gains access by registering a known number
        CaseService(v).register_intake(IntakeInput(
            occurred_at=NOW, channel="self", what_happened="", immediate_danger=False,
            members=[MemberInput("victim", existing_person_id=family.victim)]))


def test_a_hidden_identity_is_named_by_role_and_case_never_by_id(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """A protected person this user may not see by name: "Protected person" and her role
    in a case the user works in – never the database id (in the case's own list, where
    her role stands beside it, the label alone); a user who may not see any of her cases
    gets the neutral label alone."""
    from rc_tui.services.people import hidden_name

    per = as_user(PER, PER_PASS)
    case = CaseService(per).detail(family.case_id)
    victim = next(m.person for m in case.members if m.role == "victim")
    assert victim.identity_hidden
    assert victim.display_name == "Skyddad person"  # the case's list shows her role beside
    shown = PeopleService(per).get(family.victim).display_name
    assert shown == f"Skyddad person (våldsutsatt i {case.case_number})"
    assert "Åsa" not in shown and f"#{family.victim}" not in shown
    bo = as_user(BO, BO_PASS)  # works in another case only
    people = PeopleService(bo)
    with people.read() as s:
        person = s.get(Person, family.victim)
        assert hidden_name(people.access, s, person) == "Skyddad person"


def test_log_review_names_the_person_as_the_reviewer_may_see_them(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """The review shows the name where the manager may see it, the neutral label for a
    protected identity (never the id); a name filter finds only names the reviewer may
    see."""
    bo = as_user(BO, BO_PASS)
    PeopleService(bo).emergency_access(family.victim, "Akut: jourärende utan handläggare")
    PeopleService(bo).emergency_access(family.perpetrator, "Akut: polisen ringer i natt")
    review = LogReviewService(as_user(CHEF, CHEF_PASS))
    entries = review.entries(LogFilter(username=BO, action="emergency"))
    shown = {e.person_id: e.person for e in entries}
    assert shown[family.perpetrator] == "Bengt Öberg"
    assert shown[family.victim].startswith("Skyddad person (våldsutsatt i RC-")
    assert all("Åsa" not in e.person and "#" not in e.person for e in entries)
    assert {e.record for e in entries} <= {"", "person"}  # the kind, not the row
    found = review.entries(LogFilter(username=BO, person_name="bengt"))
    assert found and {e.person_id for e in found} == {family.perpetrator}
    assert review.entries(LogFilter(person_name="Åsa")) == []  # hidden: not by her name


def test_log_review_filters_highlights_and_marks(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    bo = as_user(BO, BO_PASS)
    PeopleService(bo).emergency_access(family.victim, "Akut: jourärende utan handläggare")
    PeopleService(bo).get(family.victim)
    chef = as_user(CHEF, CHEF_PASS)
    review = LogReviewService(chef)
    by_person = review.entries(LogFilter(person_id=family.victim))
    assert by_person and all(e.person_id == family.victim for e in by_person)
    bo_views = [e for e in review.entries(LogFilter(username=BO, person_id=family.victim))
                if e.action == "view"]
    assert bo_views and all(e.not_assigned and e.protected for e in bo_views)
    highlighted = review.entries(LogFilter(only_highlighted=True))
    assert highlighted and all(e.highlighted for e in highlighted)
    assert review.mark_reviewed([bo_views[0].id]) == 1
    assert review.mark_reviewed([bo_views[0].id]) == 0
    marked = [e for e in review.entries(LogFilter(username=BO)) if e.id == bo_views[0].id]
    assert marked[0].reviewed
    summary = {(m.username, m.month): m for m in review.monthly_summary()}
    assert any(u == BO and m.emergency == 1 for (u, _mo), m in summary.items())
    assert review.chain_status().ok
    with pytest.raises(PermissionDenied):
        LogReviewService(as_user(ANNA, ANNA_PASS)).entries(LogFilter())
    with chef.session() as s:
        actions = [r[0] for r in s.execute(text(
            "SELECT action FROM access_log WHERE username = 'chef' ORDER BY id"))]
    assert "review" in actions


def test_outside_working_hours() -> None:
    from rc_tui.services.logreview import outside_working_hours

    assert not outside_working_hours(datetime(2026, 11, 26, 9, 0))  # Thu 10:00 local
    assert outside_working_hours(datetime(2026, 11, 26, 21, 0))  # Thu 22:00 local
    assert outside_working_hours(datetime(2026, 11, 28, 10, 0))  # Saturday


@pytest.mark.parametrize("user", list(MATRIX))
def test_access_matrix_export(family: Family, as_user: Callable[[str, str], Vault],
                              user: str) -> None:
    import os
    import stat

    from rc_tui.services.documents import DocumentRequest, DocumentService

    v = as_user(user, PASSES[user])
    documents = DocumentService(v)
    for person_id, expected in zip(_who(family), MATRIX[user], strict=True):
        request = DocumentRequest("journal", person_id)
        if expected == "full":
            issued = documents.issue(request)
            assert issued.path is not None and issued.path.exists() and issued.password
            if os.name == "posix":
                assert stat.S_IMODE(issued.path.stat().st_mode) == 0o600
        else:
            before = sorted((family.path.parent / "exports").rglob("*"))
            with pytest.raises(NoAccess):
                documents.issue(request)
            assert sorted((family.path.parent / "exports").rglob("*")) == before
    if "full" in MATRIX[user]:
        with v.session() as s:
            flagged = s.execute(text(
                "SELECT count(*) FROM access_log WHERE action = 'export' AND flagged")).scalar()
        assert flagged >= 1


def test_shelter_staff_see_residents_and_their_children(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    from storage.models import Stay

    with Vault.unlock(family.path, ANNA, ANNA_PASS) as v, v.session(write=True) as s:
        mother = Stay(person_id=family.victim, facility="shelter", admitted_at=NOW)
        s.add(mother)
        s.flush()
        s.add(Stay(person_id=family.child, facility="shelter", accompanying_id=mother.id,
                   admitted_at=NOW))
    siri = as_user(SIRI, SIRI_PASS)
    people, records = PeopleService(siri), RecordService(siri)
    victim = people.get(family.victim)
    assert not victim.restricted and victim.display_name == "Åsa Öberg"
    assert victim.data.safe_address == VICTIM_ADDRESS
    records.add_note(family.victim, "support_talk", "Nattsamtal", sign=True)
    assert records.journal(family.victim)[0].body == "Nattsamtal"
    assert people.get(family.child).display_name == "Ella Öberg"
    with pytest.raises(NoAccess):
        people.get(family.perpetrator)
    titles = {h.title for h in SearchService(siri).search("Öberg")}
    assert titles == {"Åsa Öberg", "Ella Öberg"}
    from rc_tui.services.documents import DocumentRequest, DocumentService

    with pytest.raises(NoAccess):  # what the shelter needs - not journal copies
        DocumentService(siri).issue(DocumentRequest("journal", family.victim))
