"""Existence-level views (``Level.EXISTS``: a family member of the user's own client, in
another compartment) show the name and role only – no birth date, identity-number
fragment, stay, risk or protection level – in search, the case lists, the samråd views,
the coordination view, the due list and the person view; the anonymous hit for a
complete identity number says only that a record exists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from rc_tui.services.cases import CaseService
from rc_tui.services.home import HomeService
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.samrad import Participant, PersonMinutes, SamradService
from rc_tui.services.search import SearchService
from storage.models import Stay
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    NOW,
    OTHER_NO,
    PER,
    PER_PASS,
    PERP_NO,
    VICTIM_NO,
    Family,
    as_user,
    family,
)
from tests.service.test_samrad import MEETING, at

#: what anna (the victim's caseworker) must never learn of the perpetrator from a list
PERP_SECRETS = ("820101", "1982-01-01", PERP_NO, PERP_NO.replace("-", ""))


def texts(obj: Any) -> str:
    """Every value in a returned object, as one text (walked like the leak scan)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return " ".join(texts(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, dict):
        return " ".join(texts(k) + " " + texts(v) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set)):
        return " ".join(texts(v) for v in obj)
    return str(obj)


def assert_name_and_role_only(obj: Any, *secrets: str) -> None:
    shown = texts(obj)
    for secret in (*PERP_SECRETS, *secrets):
        assert secret not in shown, (secret, obj)


def test_search_shows_a_family_member_by_name_only(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    search = SearchService(as_user(ANNA, ANNA_PASS))
    hit = next(h for h in search.search("Bengt") if h.person_id == family.perpetrator)
    assert (hit.title, hit.detail, hit.protection_level) == ("Bengt Öberg", "", "")
    assert_name_and_role_only(search.search("Öberg"))
    # his birth date, typed as a number, finds nothing: no way to test guesses
    for typed in ("19820101", "820101", "Bengt 1982"):
        assert not [h for h in search.search(typed) if h.person_id == family.perpetrator]


def test_the_anonymous_hit_says_only_that_a_record_exists(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    # per (the perpetrator's caseworker) types the protected victim's number; bo (no
    # relation to the family) types it too; anna types the number of bo's client
    for user, phrase, number, person in ((PER, PER_PASS, VICTIM_NO, family.victim),
                                         (BO, BO_PASS, VICTIM_NO, family.victim),
                                         (ANNA, ANNA_PASS, OTHER_NO, family.outsider),
                                         (ANNA, ANNA_PASS, PERP_NO, family.perpetrator)):
        hits = SearchService(as_user(user, phrase)).search(number)
        assert [(h.kind, h.person_id, h.title, h.detail, h.protection_level)
                for h in hits] == [("restricted", person, "", "", "")], (user, hits)
        assert "skyddad" not in texts(hits)


def test_case_lists_show_name_and_role_only(family: Family,
                                            as_user: Callable[[str, str], Vault]) -> None:
    cases = CaseService(as_user(ANNA, ANNA_PASS))
    detail = cases.detail(family.case_id)
    perp = next(m for m in detail.members if m.person.id == family.perpetrator)
    assert (perp.role, perp.person.display_name) == ("perpetrator", "Bengt Öberg")
    assert (perp.person.masked_id, perp.person.birth, perp.person.protection_level,
            perp.person.risk) == ("", "", "", "")
    assert_name_and_role_only(detail)
    assert_name_and_role_only(cases.my_open_cases())
    # the protected victim, seen from the perpetrator's side: no name, no level
    per_view = CaseService(as_user(PER, PER_PASS)).detail(family.case_id)
    victim = next(m for m in per_view.members if m.person.id == family.victim).person
    assert (victim.masked_id, victim.birth, victim.protection_level) == ("", "", "")
    assert "Åsa" not in texts(per_view) and "skyddad" not in texts(per_view)


def test_person_view_and_duplicates_show_name_only(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    people = PeopleService(as_user(ANNA, ANNA_PASS))
    d = people.get(family.perpetrator)
    assert d.restricted and d.display_name == "Bengt Öberg"
    assert (d.masked_id, d.id_number, d.birth_date, d.data.protection_level,
            d.data.birth_year) == ("", "", None, "", None)
    assert_name_and_role_only(d)
    assert_name_and_role_only(people.summaries([family.perpetrator]))
    found = people.find_duplicates(PersonInput(given_name="Bengt", family_name="Öberg",
                                               id_number=PERP_NO))
    assert [s.id for s in found] == [family.perpetrator]
    assert_name_and_role_only(found)
    victim = PeopleService(as_user(PER, PER_PASS)).get(family.victim)
    assert victim.data.protection_level == "" and "skyddad" not in texts(victim)


def test_samrad_and_coordination_show_name_and_role_only(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    with chef.session(write=True) as s:
        s.add(Stay(person_id=family.perpetrator, facility="perpetrator_housing",
                   admitted_at=NOW))
    svc = SamradService(chef, clock=at(NOW))
    sid = svc.request(family.case_id, "Polisen", MEETING)
    svc.save(sid, svc.get(sid).version, [Participant("participant", "centre")],
             [PersonMinutes(family.perpetrator, "Han har hotat igen.", "Hög.")], {})
    anna = SamradService(as_user(ANNA, ANNA_PASS), clock=at(NOW))
    assert_name_and_role_only(anna.for_case(family.case_id))
    view = anna.get(sid)
    perp = next(m for m in view.members if m.person_id == family.perpetrator)
    assert (perp.name, perp.role, perp.full, perp.minutes, perp.consents, perp.coverage,
            perp.basis) == ("Bengt Öberg", "perpetrator", False, None, {}, {}, {})
    assert_name_and_role_only(view, "hotat igen")
    coordination = anna.coordination(family.case_id)
    member = next(m for m in coordination.members if m.person_id == family.perpetrator)
    assert (member.name, member.full, member.lines) == ("Bengt Öberg", False, [])
    assert_name_and_role_only(coordination, "boende")


def test_due_list_holds_nothing_of_another_compartment(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    for user, phrase, others in ((ANNA, ANNA_PASS, {family.perpetrator}),
                                 (PER, PER_PASS, {family.victim, family.child})):
        items = HomeService(as_user(user, phrase), clock=at(NOW)).due_items()
        assert not {d.person_id for d in items} & others
        assert_name_and_role_only(items)
        assert "Åsa" not in texts(items) or user == ANNA
