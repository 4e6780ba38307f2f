"""Need-to-know on the write paths: linking an existing person into a case (a new intake,
"add person" on a case, the duplicate offer, a shelter admission) adds the person but
grants the linking user nothing; escalations are flagged when they happen, and the log
review shows the reads that follow them in the same session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from rc_tui.services.access import Level, forget_grants
from rc_tui.services.accounts import ValidationError
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.casework import CaseworkService
from rc_tui.services.logreview import LogFilter, LogReviewService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.shelter import AdmissionInput, ShelterService
from storage.errors import NoAccess
from storage.models import Assignment
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    NOW,
    PER,
    PER_PASS,
    PERP_NO,
    SIRI,
    SIRI_PASS,
    Family,
    as_user,
    family,
    pnr,
)

Login = Callable[[str, str], Vault]
PASSES = {ANNA: ANNA_PASS, PER: PER_PASS, BO: BO_PASS, SIRI: SIRI_PASS, CHEF: CHEF_PASS}


def _intake(v: Vault, *members: MemberInput) -> IntakeInput:
    return IntakeInput(occurred_at=NOW, channel="self", what_happened="Ny kontakt.",
                       immediate_danger=False, members=list(members))


def _level(v: Vault, person_id: int) -> Level:
    svc = PeopleService(v)
    with svc.read() as s:
        return svc.access.level(s, person_id)


def _assigned(v: Vault, person_id: int) -> bool:
    with v.session() as s:
        return bool(s.scalar(text(
            "SELECT count(*) FROM assignments a JOIN case_members m "
            "ON m.id = a.case_member_id WHERE a.user_id = :u AND m.person_id = :p"),
            {"u": v.user.id, "p": person_id}))


def _links(v: Vault, person_id: int) -> list[tuple[str, str, bool]]:
    """(record type, reason, flagged) of this user's ``link`` entries for the person."""
    with v.session() as s:
        return [(r[0], r[1], bool(r[2])) for r in s.execute(text(
            "SELECT record_type, reason, flagged FROM access_log WHERE action = 'link' "
            "AND user_id = :u AND person_id = :p ORDER BY id"),
            {"u": v.user.id, "p": person_id})]


def _admit_to_shelter(login: Login, person_id: int, children: list[int]) -> None:
    """The manager admits the family's woman (and child) – siri then knows them as
    residents (Level.SHELTER)."""
    ShelterService(login(CHEF, CHEF_PASS), clock=lambda: NOW).admit(AdmissionInput(
        facility="shelter", person=None, arrived_via="self", admitted_at=NOW,
        existing_person_id=person_id, existing_child_ids=children))


def _assert_nothing_gained(v: Vault, target: int, before: Level) -> None:
    assert _level(v, target) == before < Level.FULL
    assert not _assigned(v, target)
    assert not PeopleService(v).get(target).full_access
    with pytest.raises(NoAccess):
        CaseworkService(v).investigations(target)
    with pytest.raises(NoAccess):
        AssessmentService(v).history(target)
    if before < Level.SHELTER:
        with pytest.raises(NoAccess):
            RecordService(v).journal(target)


# who tries, on whom: the perpetrator service's caseworker on his client's victim and
# child, the victim's caseworker on the perpetrator, shelter staff on a resident
ROUTES = [(PER, "victim"), (PER, "child"), (ANNA, "perpetrator"), (SIRI, "victim"),
          (SIRI, "child")]


def _target(family: Family, login: Login, user: str, who: str) -> int:
    target = {"victim": family.victim, "child": family.child,
              "perpetrator": family.perpetrator}[who]
    if user == SIRI:
        _admit_to_shelter(login, family.victim, [family.child])
    return target


@pytest.mark.parametrize(("user", "who"), ROUTES)
def test_intake_with_an_existing_person_grants_nothing(
        family: Family, as_user: Login, user: str, who: str) -> None:
    target = _target(family, as_user, user, who)
    v = as_user(user, PASSES[user])
    before = _level(v, target)
    # with a person of their own (who is theirs, as before) and the existing person
    result = CaseService(v, clock=lambda: NOW).register_intake(_intake(
        v, MemberInput("victim", PersonInput(given_name="Ny", family_name="Klient")),
        MemberInput("other", existing_person_id=target)))
    assert result.no_access == [target] and result.case_visible
    assert _level(v, result.person_ids[0]) == Level.FULL
    _assert_nothing_gained(v, target, before)
    assert _links(v, target) == [("case_member", "existing person; no access granted", True)]
    # and the existing person alone, as the contact: the case is not even theirs
    alone = CaseService(v, clock=lambda: NOW).register_intake(_intake(
        v, MemberInput("victim", existing_person_id=target)))
    assert alone.no_access == [target] and not alone.case_visible
    with pytest.raises(NoAccess):
        CaseService(v).detail(alone.case_id)
    _assert_nothing_gained(v, target, before)


@pytest.mark.parametrize(("user", "who"), ROUTES)
def test_add_member_grants_nothing(family: Family, as_user: Login, user: str,
                                   who: str) -> None:
    target = _target(family, as_user, user, who)
    v = as_user(user, PASSES[user])
    before = _level(v, target)
    for role in ("victim", "child", "other"):  # the roles that would be assigned
        own = CaseService(v, clock=lambda: NOW).register_intake(_intake(
            v, MemberInput("victim", PersonInput(given_name="Egen", family_name="Klient"))))
        linked = CaseService(v, clock=lambda: NOW).add_member(
            own.case_id, role, existing_person_id=target)
        assert linked.no_access and linked.person_id == target
        _assert_nothing_gained(v, target, before)
    assert len(_links(v, target)) == 3
    assert all(flagged for _t, _r, flagged in _links(v, target))
    with pytest.raises(ValidationError):  # once in a case is enough
        CaseService(v, clock=lambda: NOW).add_member(own.case_id, "other",
                                                     existing_person_id=target)
    # a new person added to one's own case is still one's own
    new = CaseService(v, clock=lambda: NOW).add_member(
        own.case_id, "child", PersonInput(given_name="Nytt", family_name="Barn"))
    assert not new.no_access and _level(v, new.person_id) == Level.FULL


def test_the_duplicate_offer_with_a_made_up_number_grants_nothing(
        family: Family, as_user: Login) -> None:
    anna = as_user(ANNA, ANNA_PASS)
    people = PeopleService(anna)
    # a number made up from the birth date anna can see, and the perpetrator's name
    made_up = pnr("820101", "999")
    assert made_up != PERP_NO
    offered = people.find_duplicates(PersonInput(given_name="Bengt", family_name="Öberg",
                                                 id_number=made_up))
    assert [p.id for p in offered] == [family.perpetrator]
    assert offered[0].masked_id != PERP_NO  # never the real number
    result = CaseService(anna, clock=lambda: NOW).register_intake(_intake(
        anna, MemberInput("victim", PersonInput(given_name="Ny", family_name="Kvinna")),
        MemberInput("other", existing_person_id=offered[0].id)))
    assert result.no_access == [family.perpetrator]
    _assert_nothing_gained(anna, family.perpetrator, Level.EXISTS)
    # the real number under another name: a match on the number alone does not confirm
    # to somebody who may not see the whole record whose number it is
    assert people.find_duplicates(PersonInput(given_name="Xavier", id_number=PERP_NO)) == []
    assert people.hidden_duplicates == 1
    # his own caseworker, who holds the track, is offered him by the number
    per = PeopleService(as_user(PER, PER_PASS))
    assert [p.id for p in per.find_duplicates(
        PersonInput(given_name="Xavier", id_number=PERP_NO))] == [family.perpetrator]


def test_the_track_holder_and_the_manager_keep_what_they_had(
        family: Family, as_user: Login) -> None:
    per = as_user(PER, PER_PASS)
    result = CaseService(per, clock=lambda: NOW).register_intake(_intake(
        per, MemberInput("perpetrator", existing_person_id=family.perpetrator)))
    assert result.no_access == [] and result.case_visible
    assert _links(per, family.perpetrator) == [
        ("case_member", "existing person; access already held", True)]
    chef = as_user(CHEF, CHEF_PASS)
    linked = CaseService(chef, clock=lambda: NOW).add_member(
        result.case_id, "victim", existing_person_id=family.victim)
    assert not linked.no_access
    # per still only knows that the victim exists (now in his case too)
    assert _level(per, family.victim) == Level.EXISTS
    with chef.session() as s:
        rows = s.execute(text("SELECT reason, flagged FROM access_log "
                              "WHERE action = 'assign' ORDER BY id")).all()
    assert rows and all(flagged for _reason, flagged in rows)  # every assignment
    assert ("assigned chef", 1) in [(r, int(f)) for r, f in rows]


def test_nobody_links_a_person_they_may_not_see(family: Family, as_user: Login) -> None:
    bo = as_user(BO, BO_PASS)
    for call in (
        lambda: CaseService(bo).register_intake(_intake(
            bo, MemberInput("victim", existing_person_id=family.victim))),
        lambda: CaseService(bo).add_member(family.other_case, "other",
                                           existing_person_id=family.child),
    ):
        with pytest.raises(NoAccess):
            call()
    assert not _assigned(bo, family.victim) and not _assigned(bo, family.child)


def test_emergency_access_never_turns_into_an_assignment(
        family: Family, as_user: Login) -> None:
    bo = as_user(BO, BO_PASS)
    PeopleService(bo).emergency_access(family.victim, "Jour: polisen ringer om henne nu")
    assert _level(bo, family.victim) == Level.FULL
    # the family's case is visible for the session; adding to it assigns nothing
    added = CaseService(bo, clock=lambda: NOW).add_member(
        family.case_id, "child", PersonInput(given_name="Okänt", family_name="Barn"))
    linked = CaseService(bo, clock=lambda: NOW).add_member(
        family.other_case, "other", existing_person_id=family.victim)
    assert linked.no_access
    assert not _assigned(bo, family.victim) and not _assigned(bo, added.person_id)
    forget_grants(bo)
    bo.close(None)
    again = as_user(BO, BO_PASS)
    assert _level(again, family.victim) == Level.EXISTS  # in his own case, nothing more
    with pytest.raises(NoAccess):
        CaseService(again).detail(family.case_id)
    with pytest.raises(NoAccess):
        RecordService(again).journal(family.victim)


def test_shelter_admission_of_a_known_woman(family: Family, as_user: Login) -> None:
    # shelter staff and a caseworker who only know that she exists cannot admit her by
    # her record (a stay would widen who sees her) – before or after linking her
    siri = as_user(SIRI, SIRI_PASS)
    own = CaseService(siri, clock=lambda: NOW).register_intake(_intake(
        siri, MemberInput("victim", PersonInput(given_name="Egen", family_name="Kvinna"))))
    anna = as_user(ANNA, ANNA_PASS)
    for v, facility, person in ((siri, "shelter", family.victim),
                                (anna, "perpetrator_housing", family.perpetrator),
                                (as_user(PER, PER_PASS), "perpetrator_housing",
                                 family.victim)):
        with pytest.raises(NoAccess):
            ShelterService(v, clock=lambda: NOW).admit(AdmissionInput(
                facility=facility, person=None, arrived_via="self", admitted_at=NOW,
                existing_person_id=person))
    # the manager admits her: she becomes a resident (siri: Level.SHELTER, never her
    # investigations or assessments), and the stays are flagged as links
    _admit_to_shelter(as_user, family.victim, [family.child])
    assert _level(siri, family.victim) == Level.SHELTER
    _assert_nothing_gained(siri, family.victim, Level.SHELTER)
    chef = as_user(CHEF, CHEF_PASS)
    assert _links(chef, family.victim) == [("stay", "existing person; admitted", True)]
    assert _links(chef, family.child) == [("stay", "existing person; admitted", True)]
    # a known resident through siri's own intake: no track, nothing more
    CaseService(siri, clock=lambda: NOW).add_member(own.case_id, "victim",
                                                    existing_person_id=family.victim)
    _assert_nothing_gained(siri, family.victim, Level.SHELTER)


def test_the_log_review_shows_the_link_with_the_reads_that_followed(
        family: Family, as_user: Login) -> None:
    anna = as_user(ANNA, ANNA_PASS)
    CaseService(anna, clock=lambda: NOW).register_intake(_intake(
        anna, MemberInput("victim", PersonInput(given_name="Ny", family_name="Kvinna")),
        MemberInput("other", existing_person_id=family.perpetrator)))
    PeopleService(anna).get(family.perpetrator)
    PeopleService(anna).get(family.perpetrator)
    forget_grants(anna)
    anna.close("logout")
    later = as_user(ANNA, ANNA_PASS)  # a new session: its reads follow nothing
    PeopleService(later).get(family.perpetrator)
    review = LogReviewService(as_user(CHEF, CHEF_PASS))
    entries = review.entries(LogFilter(username=ANNA, person_id=family.perpetrator))
    link = next(e for e in entries if e.action == "link")
    assert link.escalation and link.flagged and link.highlighted
    views = sorted((e for e in entries if e.action == "view"), key=lambda e: e.id)
    assert [e.follows for e in views] == [link.id, link.id, None]
    assert all(e.highlighted for e in views[:2])
    found = review.escalation(link.id)
    assert found.entry.id == link.id
    assert [e.id for e in found.reads] == [views[0].id, views[1].id]
    only = review.entries(LogFilter(username=ANNA, only_highlighted=True))
    assert {link.id, views[0].id, views[1].id} <= {e.id for e in only}


def test_the_log_review_flags_emergency_access_and_the_reads_after_it(
        family: Family, as_user: Login) -> None:
    bo = as_user(BO, BO_PASS)
    PeopleService(bo).get(family.outsider)  # his own client: nothing to flag
    PeopleService(bo).emergency_access(family.perpetrator, "Jour: hot mot personalen nu")
    PeopleService(bo).get(family.perpetrator)
    review = LogReviewService(as_user(CHEF, CHEF_PASS))
    entries = review.entries(LogFilter(username=BO))
    emergency = next(e for e in entries if e.action == "emergency")
    assert emergency.escalation and emergency.emergency
    view = next(e for e in entries if e.action == "view"
                and e.person_id == family.perpetrator)
    assert view.follows == emergency.id and view.not_assigned
    own = next(e for e in entries if e.action == "view" and e.person_id == family.outsider)
    assert own.follows is None and not own.not_assigned


def test_not_assigned_is_judged_at_the_time_of_each_read(
        family: Family, as_user: Login) -> None:
    anna = as_user(ANNA, ANNA_PASS)
    PeopleService(anna).get(family.perpetrator)  # before she is assigned
    chef = as_user(CHEF, CHEF_PASS)
    member = next(m.member_id for m in CaseService(chef).detail(family.case_id).members
                  if m.person.id == family.perpetrator)
    CaseService(chef).assign(member, ANNA)
    PeopleService(anna).get(family.perpetrator)  # after
    review = LogReviewService(chef)
    views = sorted((e for e in review.entries(LogFilter(
        username=ANNA, person_id=family.perpetrator)) if e.action == "view"),
        key=lambda e: e.id)
    assert [e.not_assigned for e in views] == [True, False]
    assign = next(e for e in review.entries(LogFilter(username=CHEF, action="assign"))
                  if e.person_id == family.perpetrator)
    assert assign.escalation and assign.reason == f"assigned {ANNA}"


def test_a_self_made_assignment_never_counts_as_assigned_in_the_review(
        family: Family, as_user: Login) -> None:
    """Assignments that a user made for themselves to somebody else's person (as the
    linking routes did before this rule, or an insider writing rows with the storage
    API) leave every later read highlighted as not assigned."""
    per = as_user(PER, PER_PASS)
    with per.session(write=True) as s:
        member = s.scalar(text("SELECT id FROM case_members WHERE person_id = :p"),
                          {"p": family.victim})
        s.add(Assignment(case_member_id=member, user_id=per.user.id,
                         assigned_by_id=per.user.id, assigned_at=NOW))
    PeopleService(per).get(family.victim)
    review = LogReviewService(as_user(CHEF, CHEF_PASS))
    views = [e for e in review.entries(LogFilter(username=PER, person_id=family.victim))
             if e.action == "view"]
    assert views and all(e.not_assigned and e.highlighted for e in views)


def test_the_duplicate_offer_never_confirms_a_guessed_birth_date(
        family: Family, as_user: Login) -> None:
    """Someone who only knows that a family member exists (name and role) is offered
    that member on the name alone: the right and a wrong birth date give the same
    answer, so typing guesses confirms nothing."""
    anna = as_user(ANNA, ANNA_PASS)
    assert _level(anna, family.perpetrator) == Level.EXISTS
    people = PeopleService(anna)
    answers = []
    # numbers made up around the right birth date and around a wrong one
    for guess in (pnr("820101", "999"), pnr("750630", "999")):
        offered = people.find_duplicates(PersonInput(
            given_name="Bengt", family_name="Öberg", id_number=guess))
        answers.append(([p.id for p in offered], people.hidden_duplicates))
    assert answers[0] == answers[1] == ([family.perpetrator], 0)
