"""What a session keeps between its searches (``SessionSets``: the access sets, a
caseworker's persons ready to match, the ids of her notes) is used again only under the
very same state. The next search of the same open session sees at once what an insider
narrowed through the storage API (the access epoch, migration 0021), a revocation, a new
assignment, a renamed person, a new note and an emergency grant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from rc_tui.services.access import Level
from rc_tui.services.cases import CaseService
from rc_tui.services.people import PeopleService
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchService
from storage.errors import SessionRevoked
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    SIRI,
    SIRI_PASS,
    Family,
    as_user,
    family,
)

NOW = datetime(2026, 11, 26, 10, 0)


@contextmanager
def statements(v: Vault) -> Iterator[list[str]]:
    """The SQL ``v`` runs within the block."""
    seen: list[str] = []

    def record(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
        seen.append(sql)

    event.listen(v.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(v.engine, "before_cursor_execute", record)


def found(search: SearchService, query: str) -> set[int | None]:
    return {h.person_id for h in search.search(query)}


def logged(v: Vault, person_id: int | None = None) -> int:
    """anna's search-hit entries (of ``person_id``), as ``v`` reads them."""
    with v.session() as s:
        return int(s.scalar(text(
            "SELECT count(*) FROM access_log WHERE action = 'search_hit' AND username = "
            "'anna' AND (:p IS NULL OR person_id = :p)"), {"p": person_id}))


def test_the_next_search_uses_what_the_session_kept(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """The proof that the values are kept (so that the tests below test something): the
    second search reads neither anna's assignments nor her persons' names again."""
    anna = as_user(ANNA, ANNA_PASS)
    search = SearchService(anna, clock=lambda: NOW)
    first = search.search("Öberg")
    with statements(anna) as sql:
        assert search.search("Öberg") == first
        assert SearchService(anna, clock=lambda: NOW).search("Öberg") == first  # per session
    assert first and sql
    assert not [q for q in sql if "assignments a" in q or "FROM persons WHERE id IN" in q]


#: an insider's narrowings through the storage API (no service makes some of them):
#: what anna no longer finds, by the query that found it before
NARROWINGS = {
    "assignment ended": (
        "UPDATE assignments SET ended_at = :now WHERE ended_at IS NULL AND user_id = "
        "(SELECT id FROM users WHERE username = 'anna')", "Öberg"),
    "assignment deleted": (
        "DELETE FROM assignments WHERE user_id = (SELECT id FROM users WHERE username = "
        "'anna')", "Ella"),
    "member moved to another case": (
        "UPDATE case_members SET case_id = :other WHERE person_id = :perpetrator", "Bengt"),
    "protection raised": (
        "UPDATE persons SET protection_level = 'sekretessmarkering' WHERE id = :perpetrator",
        "Bengt"),
    "record restricted": (
        "INSERT INTO person_restrictions (person_id, restricted_by_id, restricted_at, "
        "reason, lift_reason) VALUES (:child, (SELECT id FROM users WHERE username = "
        "'chef'), :now, 'Bestridd uppgift.', '')", "Ella"),
}


@pytest.mark.parametrize("change", list(NARROWINGS))
def test_a_narrowing_by_an_insider_reaches_the_open_session_at_once(
        family: Family, as_user: Callable[[str, str], Vault], change: str) -> None:
    anna, chef = as_user(ANNA, ANNA_PASS), as_user(CHEF, CHEF_PASS)
    search = SearchService(anna, clock=lambda: NOW)
    sql, query = NARROWINGS[change]
    gone = {"Öberg": family.child, "Ella": family.child, "Bengt": family.perpetrator}[query]
    assert gone in found(search, query)
    before = logged(anna, gone)
    with chef.session(write=True) as s:  # another session, the data key, raw SQL
        s.execute(text(sql), {"now": NOW, "other": family.other_case,
                              "perpetrator": family.perpetrator, "child": family.child})
    assert gone not in found(search, query)
    assert logged(anna, gone) == before


def test_a_revoked_user_searches_no_more(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    anna, chef = as_user(ANNA, ANNA_PASS), as_user(CHEF, CHEF_PASS)
    search = SearchService(anna, clock=lambda: NOW)
    assert found(search, "Öberg")
    before = logged(chef)
    with Vault.unlock(family.path, ADMIN, ADMIN_PASS) as admin:
        admin.revoke_user(ANNA)
    with pytest.raises(SessionRevoked):
        search.search("Öberg")
    assert logged(chef) == before


def test_what_widens_or_changes_is_found_by_the_next_search(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """A new assignment (no epoch: nothing narrowed), a renamed person and a new note are
    found by the same open session's next search; so is a person under emergency access."""
    anna, chef = as_user(ANNA, ANNA_PASS), as_user(CHEF, CHEF_PASS)
    search = SearchService(anna, clock=lambda: NOW)
    assert found(search, "Karin") == set() and found(search, "keramikkurs") == set()
    # an emergency grant of this session: Karin is found, by name and by note
    with Vault.unlock(family.path, BO, BO_PASS) as bo:
        RecordService(bo, clock=lambda: NOW).add_note(family.outsider, "note",
                                                     "Anmäld till keramikkurs.", sign=True)
    assert found(search, "keramikkurs") == set()
    PeopleService(anna).emergency_access(family.outsider, "Ringde akut om hot i natt.")
    assert found(search, "Karin") == {family.outsider}
    assert found(search, "keramikkurs") == {family.outsider}
    # a renamed child (the history row moves the kept names)
    people = PeopleService(anna)
    detail = people.get(family.child)
    people.update(family.child, detail.version, replace(detail.data, given_name="Elsa"))
    assert found(search, "Elsa") == {family.child}
    assert family.child not in found(search, "Ella")
    # a new note of her own
    RecordService(anna, clock=lambda: NOW).add_note(family.victim, "note",
                                                    "Planerade xylofonstämning.", sign=True)
    assert found(search, "xylofon") == {family.victim}
    # a new assignment to bo's case, seen by a session without the emergency grant
    later = SearchService(as_user(ANNA, ANNA_PASS), clock=lambda: NOW)
    assert found(later, "Karin") == set()
    member = next(m.member_id for m in CaseService(chef).detail(family.other_case).members)
    CaseService(chef).assign(member, ANNA)
    assert found(later, "Karin") == {family.outsider}


def test_a_write_transaction_computes_its_own_sets(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """A transaction that narrows and then asks (as a service may) gets the narrowed
    answer: the sets kept from a snapshot before are not used where the transaction itself
    may have changed what they hold."""
    anna = as_user(ANNA, ANNA_PASS)
    search = SearchService(anna, clock=lambda: NOW)
    assert family.child in found(search, "Ella")
    with pytest.raises(LookupError), search.write() as s:  # rolled back
        s.execute(text("UPDATE assignments SET ended_at = :now WHERE user_id = "
                       "(SELECT id FROM users WHERE username = 'anna')"), {"now": NOW})
        assert search.access.level(s, family.child) == Level.NONE
        raise LookupError
    assert family.child in found(search, "Ella")


def test_a_note_moved_to_her_person_is_found_by_the_next_search(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """Review (w3-review2), a widening not seen: an UPDATE of ``journal_notes.person_id``
    moves neither the access epoch nor the journal's highest id, so the note ids anna's
    session kept (``search_notes``) lack a note moved to one of her persons. Her open
    session does not find it, a new session does (and the search before the kept
    values found every note of hers: it read ``journal_notes`` each time)."""
    anna, bo = as_user(ANNA, ANNA_PASS), as_user(BO, BO_PASS)
    RecordService(bo, clock=lambda: NOW).add_note(family.outsider, "note",
                                                  "Kvastfening i trädgården.", sign=False)
    search = SearchService(anna, clock=lambda: NOW)
    assert found(search, "kvastfening") == set()  # bo's person: not anna's
    with bo.session(write=True) as s:  # the data key, raw SQL: the note becomes the child's
        s.execute(text("UPDATE journal_notes SET person_id = :child WHERE body LIKE "
                       "'Kvastfening%'"), {"child": family.child})
    assert found(SearchService(as_user(ANNA, ANNA_PASS), clock=lambda: NOW),
                 "kvastfening") == {family.child}
    assert found(search, "kvastfening") == {family.child}


def test_a_note_moved_away_from_her_persons_is_not_shown(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """The note ids anna's session kept still hold a note an insider moved (UPDATE of
    ``journal_notes.person_id``, which moves no key) to the perpetrator, whom anna only
    knows exists: the note is read with its person and dropped, so its text is not shown
    to her (nor logged). Only that re-check guards it: the perpetrator's name is shown to
    her, so the hit would pass every later filter."""
    anna, chef = as_user(ANNA, ANNA_PASS), as_user(CHEF, CHEF_PASS)
    RecordService(anna, clock=lambda: NOW).add_note(family.child, "note",
                                                    "Zebrafinkar i köket.", sign=False)
    search = SearchService(anna, clock=lambda: NOW)
    assert found(search, "zebrafinkar") == {family.child}
    before = logged(anna, family.perpetrator)
    with chef.session(write=True) as s:
        s.execute(text("UPDATE journal_notes SET person_id = :p WHERE body LIKE 'Zebra%'"),
                  {"p": family.perpetrator})
    assert found(search, "zebrafinkar") == set()
    assert logged(anna, family.perpetrator) == before


#: narrowings of shelter staff's residents (a stay, a link of an anonymous record to a
#: resident) through the storage API, none of which moves a highest id
RESIDENT_NARROWINGS = {
    "stay moved to another person": "UPDATE stays SET person_id = :victim WHERE person_id = :o",
    "stay moved to the housing": "UPDATE stays SET facility = 'perpetrator_housing'",
    "link moved to another person": "UPDATE person_links SET known_id = :victim",
}


@pytest.mark.parametrize("change", list(RESIDENT_NARROWINGS))
def test_a_narrowed_residency_reaches_shelter_staffs_open_session(
        family: Family, as_user: Callable[[str, str], Vault], change: str) -> None:
    """siri sees Karin (a resident) and Bengt (an anonymous record linked to her); a stay
    or link moved away hides them from her open session's next search (the epoch's
    triggers on ``stays`` and ``person_links``; without them the kept residents stay)."""
    siri, chef = as_user(SIRI, SIRI_PASS), as_user(CHEF, CHEF_PASS)
    with chef.session(write=True) as s:
        s.execute(text("INSERT INTO stays (person_id, facility, admitted_at, version, planned, "
                       "followup_attempts) VALUES (:o, 'shelter', :now, 1, 0, 0)"),
                  {"o": family.outsider, "now": NOW})
        s.execute(text("INSERT INTO person_links (anonymous_id, known_id, linked_by_id, "
                       "linked_at, reason) VALUES (:p, :o, (SELECT id FROM users WHERE "
                       "username = 'chef'), :now, 'Samma person.')"),
                  {"p": family.perpetrator, "o": family.outsider, "now": NOW})
    search = SearchService(siri, clock=lambda: NOW)
    assert found(search, "Karin") == {family.outsider}
    assert found(search, "Bengt") == {family.perpetrator}
    with chef.session(write=True) as s:
        s.execute(text(RESIDENT_NARROWINGS[change]),
                  {"o": family.outsider, "victim": family.victim})
    gone = family.perpetrator if change.startswith("link") else family.outsider
    assert gone not in found(search, "Karin") | found(search, "Bengt")
