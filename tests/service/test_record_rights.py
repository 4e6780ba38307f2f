"""Rectification and restriction (GDPR art. 16 and 18): a wrong name or identity number is
corrected with the earlier value kept (also when changed past the services); a restricted
record is read-only for everyone – through the services and through the storage API with
the data key – and hidden from search except for managers, who see it marked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select, text

from rc_tui.domain.instruments.library import load_library
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.casework import CaseworkService
from rc_tui.services.errors import ValidationError
from rc_tui.services.people import PeopleService
from rc_tui.services.record_rights import RecordRightsService
from rc_tui.services.records import RecordService
from rc_tui.services.search import SearchService
from storage.errors import NoAccess, PermissionDenied, RecordRestricted
from storage.models import AccessLog, Assessment, JournalNote, Person, PersonHistory
from storage.vault import Vault
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    PER,
    PER_PASS,
    PERP_NO,
    Family,
    as_user,
    family,
    pnr,
)

REASON = "Han bestrider uppgifterna i journalen"
RIGHT_NO = pnr("820102", "457")


def test_rectification_keeps_the_old_value_and_is_logged(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    v = as_user(PER, PER_PASS)
    people, rights = PeopleService(v), RecordRightsService(v)
    with pytest.raises(ValidationError):  # a reason is required
        rights.rectify(family.perpetrator, people.get(family.perpetrator).version,
                       "id_number", RIGHT_NO, "fel")
    with pytest.raises(ValidationError):  # and a valid number
        rights.rectify(family.perpetrator, people.get(family.perpetrator).version,
                       "id_number", "19820102-0000", REASON)
    rights.rectify(family.perpetrator, people.get(family.perpetrator).version,
                   "id_number", RIGHT_NO, REASON)
    detail = people.get(family.perpetrator)
    assert detail.id_number == RIGHT_NO and detail.birth_date == date(1982, 1, 2)
    [entry] = rights.history(family.perpetrator)
    assert (entry.field, entry.old_value, entry.new_value, entry.kind, entry.reason,
            entry.changed_by) == ("id_number", PERP_NO, RIGHT_NO, "rectification", REASON,
                                  "Per")
    # the old number no longer finds him; the new one does
    assert not [h for h in SearchService(v).search(PERP_NO) if h.kind == "person"]
    assert [h.person_id for h in SearchService(v).search(RIGHT_NO)] == [family.perpetrator]
    # a name changed in the person form is kept too
    d = people.get(family.perpetrator)
    people.update(family.perpetrator, d.version, d.data.__class__(
        **{**d.data.__dict__, "given_name": "Bengan"}))
    newest = rights.history(family.perpetrator)[0]
    assert (newest.field, newest.old_value, newest.new_value, newest.kind) == (
        "given_name", "Bengt", "Bengan", "edit")
    with v.session() as s:
        logged = s.scalars(select(AccessLog.action).where(
            AccessLog.person_id == family.perpetrator, AccessLog.action == "rectify",
            AccessLog.flagged.is_(True))).all()
    assert logged == ["rectify"]


def test_a_change_past_the_services_keeps_the_old_value_too(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """An insider with the data key changes the number with plain SQL: the trigger keeps
    the earlier one (no user, no reason), and history rows cannot be changed."""
    v = as_user(PER, PER_PASS)
    with v.session(write=True) as s:
        s.execute(text("UPDATE persons SET id_number = :n WHERE id = :p"),
                  {"n": RIGHT_NO, "p": family.perpetrator})
    [entry] = RecordRightsService(v).history(family.perpetrator)
    assert (entry.old_value, entry.new_value, entry.kind, entry.changed_by) == (
        PERP_NO, RIGHT_NO, "unrecorded", "")
    with pytest.raises(Exception, match="read-only"), v.session(write=True) as s:
        s.execute(text("UPDATE person_history SET old_value = 'x'"))
    with v.session() as s:
        assert s.scalar(select(PersonHistory.old_value)) == PERP_NO


def test_the_history_is_as_hidden_as_the_identity(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    rights = RecordRightsService(chef)
    # the protected victim: a manager who has not revealed her identity sees no history
    version = PeopleService(chef).get(family.victim).version
    rights.rectify(family.victim, version, "given_name", "Åse", REASON)
    assert rights.history(family.victim) == []
    PeopleService(chef).reveal(family.victim)
    assert [h.new_value for h in rights.history(family.victim)] == ["Åse"]
    # her perpetrator's caseworker: no access at all
    with pytest.raises(NoAccess):
        RecordRightsService(as_user(PER, PER_PASS)).history(family.victim)


def test_restriction_blocks_every_write_and_hides_from_search(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    per, chef = as_user(PER, PER_PASS), as_user(CHEF, CHEF_PASS)
    with pytest.raises(PermissionDenied):  # only managers restrict
        RecordRightsService(per).restrict(family.perpetrator, REASON)
    RecordRightsService(chef).restrict(family.perpetrator, REASON)
    assert RecordRightsService(per).restriction(family.perpetrator) is not None
    assert PeopleService(per).get(family.perpetrator).record_restricted
    # the services refuse, with the clear message
    d = PeopleService(per).get(family.perpetrator)
    for write in (
        lambda: RecordService(per).add_note(family.perpetrator, "note", "Ny anteckning"),
        lambda: PeopleService(per).update(family.perpetrator, d.version, d.data),
        lambda: RecordService(per).record_consent(family.perpetrator, "investigation",
                                                  "given", "oral"),
        lambda: RecordRightsService(per).rectify(family.perpetrator, d.version,
                                                 "id_number", RIGHT_NO, REASON),
        lambda: CaseworkService(per).close_track(family.case_id, family.perpetrator,
                                                 "Avslutas nu av skäl"),
    ):
        with pytest.raises(RecordRestricted):
            write()
    # reading goes on
    assert RecordService(per).journal(family.perpetrator)
    # an insider with the data key, through the storage API: refused by the database
    with pytest.raises(RecordRestricted), per.session(write=True) as s:
        s.add(JournalNote(person_id=family.perpetrator, note_type="note", body="förbi",
                          created_at=d.created_at))
    with pytest.raises(RecordRestricted), per.session(write=True) as s:
        s.execute(text("UPDATE persons SET given_name = 'X' WHERE id = :p"),
                  {"p": family.perpetrator})
    # ... nor can he lift it himself (only just after a manager's logged lifting)
    with pytest.raises(Exception, match="lifted by a manager"), per.session(write=True) as s:
        s.execute(text("UPDATE person_restrictions SET lifted_at = created, "
                       "lifted_by_id = restricted_by_id".replace("created", "restricted_at")))
    with pytest.raises(Exception, match="lifted, not deleted"), per.session(write=True) as s:
        s.execute(text("DELETE FROM person_restrictions"))
    # search: hidden from the caseworker, marked for the manager
    assert family.perpetrator not in {h.person_id for h in SearchService(per).search("Bengt")}
    assert family.perpetrator not in {
        h.person_id for h in SearchService(per).search("Motiverande")}  # his journal text
    [hit] = [h for h in SearchService(chef).search("Bengt") if h.person_id == family.perpetrator]
    assert hit.record_restricted
    # lifted by the manager: writes and search are back
    with pytest.raises(PermissionDenied):
        RecordRightsService(per).lift(family.perpetrator, REASON)
    RecordRightsService(chef).lift(family.perpetrator, "Uppgifterna är utredda och riktiga")
    RecordService(per).add_note(family.perpetrator, "note", "Ny anteckning")
    assert family.perpetrator in {h.person_id for h in SearchService(per).search("Bengt")}
    with per.session() as s:
        actions = s.scalars(select(AccessLog.action).where(
            AccessLog.person_id == family.perpetrator,
            AccessLog.action.in_(["restrict", "unrestrict"]), AccessLog.flagged.is_(True))
            .order_by(AccessLog.id)).all()
        assert actions == ["restrict", "unrestrict"]
        assert s.get(Person, family.perpetrator) is not None


def test_migration_0017_from_the_previous_schema(family: Family) -> None:
    """A database at 0016 gains the history, restriction and extract tables and their
    triggers; its people keep their data and get no history, and a restriction works."""
    from storage import db, schema
    from tests.conftest import drop_tables_added_after

    with Vault.unlock(family.path, PER, PER_PASS) as v:
        key = bytes(v._data_key)
    with db.raw_connection(family.path, key) as conn:  # autocommit
        drop_tables_added_after(conn, "0016")
        assert not conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                "AND name LIKE '%restricted'").fetchall()
        conn.execute("UPDATE alembic_version SET version_num = '0016'")
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as chef:  # migrates
        assert chef.check().ok
        with chef.session() as s:
            assert s.scalar(text("SELECT version_num FROM alembic_version")) == schema.HEAD
            assert s.scalar(text("SELECT count(*) FROM person_history")) == 0
            assert s.scalar(select(Person.id_number).where(
                Person.id == family.perpetrator)) == PERP_NO
        RecordRightsService(chef).restrict(family.perpetrator, REASON)
    with Vault.unlock(family.path, PER, PER_PASS) as per, pytest.raises(RecordRestricted):
        RecordService(per).add_note(family.perpetrator, "note", "Ny anteckning")


def test_restriction_blocks_deletes_too(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """A draft of a restricted person is not discarded, through the service or past it."""
    per, chef = as_user(PER, PER_PASS), as_user(CHEF, CHEF_PASS)
    draft = AssessmentService(per).start(family.perpetrator,
                                         load_library(None).get("rc-acute"))
    RecordRightsService(chef).restrict(family.perpetrator, REASON)
    with pytest.raises(RecordRestricted):
        AssessmentService(per).discard(draft)
    with pytest.raises(RecordRestricted), per.session(write=True) as s:
        s.execute(text("DELETE FROM assessments WHERE id = :a"), {"a": draft})
    with per.session() as s:
        assert s.get(Assessment, draft) is not None
    RecordRightsService(chef).lift(family.perpetrator, "Uppgifterna är utredda och riktiga")
    AssessmentService(per).discard(draft)
    with per.session() as s:
        assert s.get(Assessment, draft) is None


def test_migration_0022_from_the_previous_schema(family: Family) -> None:
    """A database at 0021 gains the delete triggers: a restricted person's draft stays."""
    from storage import db, schema
    from tests.conftest import drop_tables_added_after

    with Vault.unlock(family.path, PER, PER_PASS) as v:
        draft = AssessmentService(v).start(family.perpetrator,
                                           load_library(None).get("rc-acute"))
        key = bytes(v._data_key)
    with db.raw_connection(family.path, key) as conn:  # autocommit
        drop_tables_added_after(conn, "0021")
        assert not conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                "AND name LIKE '%delete_restricted'").fetchall()
        conn.execute("UPDATE alembic_version SET version_num = '0021'")
    with Vault.unlock(family.path, CHEF, CHEF_PASS) as chef:  # migrates
        assert chef.check().ok
        with chef.session() as s:
            assert s.scalar(text("SELECT version_num FROM alembic_version")) == schema.HEAD
        RecordRightsService(chef).restrict(family.perpetrator, REASON)
    with Vault.unlock(family.path, PER, PER_PASS) as per, pytest.raises(RecordRestricted):
        AssessmentService(per).discard(draft)
